"""Runs left ``running`` by a crawl that is gone: adopted while it lives, closed once dead.

``reap_orphans`` is called when the scheduler starts; a run whose crawl process still
lives (a scheduler restarted under it) is watched to its end, one whose crawl is dead
is closed with the figures its stats file and recovered WARCs give.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import TYPE_CHECKING

from crawler.runs.child import read_stats
from crawler.runs.runbook import FINISHED_REASONS, SourceLock, add_recovered, figures_from_stats

if TYPE_CHECKING:
    from pathlib import Path

    from archive.store import RunRecord, Store

__all__ = ["reap_orphans"]

logger = logging.getLogger(__name__)


def reap_orphans(store: Store, home: Path, stop: threading.Event | None = None) -> list[str]:
    """Close the rows of runs whose watcher died; returns the ids it closed or adopted.

    A ``queued`` or ``running`` row is an orphan when no process of ours watches it.
    If its crawl still runs (it holds its source's lock and the lock names it), a
    thread adopts it: it waits for the crawl to end, then records its figures. If
    not, the row is closed now from whatever stats file the crawl left.
    """
    handled = []
    for record in [*store.runs(status="running"), *store.runs(status="queued")]:
        lock = SourceLock(home, record.source)
        if lock.acquire("(reaping)"):
            try:
                _close_orphan(store, home, record)
            finally:
                lock.release()
        elif lock.holder() == record.id:
            logger.warning(
                "Run %s of %s outlived its watcher: adopting it", record.id, record.source
            )
            threading.Thread(
                target=_adopt,
                args=(store, home, record, stop),
                name=f"adopt-{record.id}",
                daemon=True,
            ).start()
        else:
            # Its source is locked by another run: this row's crawl is gone.
            _close_orphan(store, home, record)
        handled.append(record.id)
    return handled


def _adopt(store: Store, home: Path, record: RunRecord, stop: threading.Event | None) -> None:
    """Wait for an adopted crawl to end (its lock freed, or taken by the next run)."""
    lock = SourceLock(home, record.source)
    while True:
        if lock.acquire("(adopting)"):
            try:
                _close_orphan(store, home, record, adopted=True)
            finally:
                lock.release()
            return
        if lock.holder() != record.id:  # it ended and the next crawl took the lock at once
            _close_orphan(store, home, record, adopted=True)
            return
        with contextlib.suppress(Exception):
            store.heartbeat(record.id)
        if stop is not None and stop.wait(2.0):
            return
        if stop is None:
            time.sleep(2.0)


def _close_orphan(store: Store, home: Path, record: RunRecord, *, adopted: bool = False) -> None:
    stats_path = home / "logs" / f"{record.id}.stats.json"
    stats = read_stats(stats_path)
    figures = figures_from_stats(stats)
    add_recovered(figures, home, record.collection)
    final = stats.get("finish_reason") and not stats.get("live")
    if final:
        status = "finished" if stats["finish_reason"] in FINISHED_REASONS else "failed"
        how = "adopted after a scheduler restart" if adopted else "its watcher died"
        reason = f"{stats['finish_reason']} ({how})"
    else:
        status = "failed"
        beat = record.heartbeat_at.isoformat(timespec="seconds") if record.heartbeat_at else "never"
        reason = f"orphaned: its crawl ended unwatched (last heartbeat {beat})"
    logger.warning("Run %s of %s closed as %s: %s", record.id, record.source, status, reason)
    store.finish_run(record.id, status, finish_reason=reason, **figures)
