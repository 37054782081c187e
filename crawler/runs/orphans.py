"""Runs whose watcher is gone: closed when their crawl is dead, adopted while it lives.

A ``queued`` or ``running`` row is judged by its source's lock (``SourceLock``), never
by how old its heartbeat is. A run takes the lock before its row exists and its crawl
process inherits it, so the kernel holds it exactly as long as the watcher or the
crawl lives; the lock file names the run and its watcher's pid:

- the lock is free, or held for another run: the crawl is dead. Any command that
  opens the store closes the row (``close_orphans``): its files are made whole and
  recorded (``crawler.runs.recovery``), and its status comes from the finish reason
  (``finished``/``failed``) or, with no final stats, ``interrupted`` (resumable);
- held for this run by a live watcher: it is watched, nobody else touches it;
- held for this run, its watcher dead, its crawl alive: the scheduler adopts it
  (``reap_orphans``), waits for the crawl to end and closes it with the exit code the
  crawl wrote down (``crawler/runs/crawl.py``). Other commands leave it ``running``,
  which it is.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Literal

from crawler.runs.child import is_backfill, read_exit_code, read_stats
from crawler.runs.outcome import closing_status, figures_from_stats
from crawler.runs.recovery import recover_run
from crawler.runs.runbook import SourceLock

if TYPE_CHECKING:
    from pathlib import Path

    from archive.store import RunRecord, Store

__all__ = ["close_orphans", "close_run", "crawl_state", "pid_alive", "reap_orphans"]

logger = logging.getLogger(__name__)

CrawlState = Literal["dead", "watched", "unwatched"]


def pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` runs on this host (one owned by another user counts)."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def crawl_state(home: Path, record: RunRecord) -> CrawlState:
    """Whether the run's crawl is dead, watched, or alive with nobody watching it."""
    lock = SourceLock(home, record.source)
    if lock.acquire(f"(judging {record.id})"):
        lock.release()
        return "dead"
    if lock.holder() != record.id:
        return "dead"  # its source is another run's now
    return "watched" if pid_alive(lock.holder_pid()) else "unwatched"


def close_orphans(store: Store, home: Path, sources_dir: Path) -> list[str]:
    """Close every queued or running row whose crawl is dead; returns their ids."""
    closed = []
    for record in [*store.runs(status="running"), *store.runs(status="queued")]:
        if crawl_state(home, record) != "dead":
            continue
        lock = SourceLock(home, record.source)
        if not lock.acquire(f"(closing {record.id})"):
            continue  # a run of the source started meanwhile, or another command closes it
        try:
            current = store.get_run(record.id)
            if current is not None and current.status in {"running", "queued"}:
                close_run(store, home, sources_dir, current)
                closed.append(record.id)
        finally:
            lock.release()
    return closed


def reap_orphans(
    store: Store, home: Path, sources_dir: Path, stop: threading.Event | None = None
) -> list[str]:
    """The scheduler's look at orphans: close the dead ones, adopt the unwatched ones."""
    handled = close_orphans(store, home, sources_dir)
    for record in [*store.runs(status="running"), *store.runs(status="queued")]:
        if crawl_state(home, record) == "unwatched":
            logger.warning(
                "Run %s of %s outlived its watcher: adopting it", record.id, record.source
            )
            threading.Thread(
                target=_adopt,
                args=(store, home, sources_dir, record, stop),
                name=f"adopt-{record.id}",
                daemon=True,
            ).start()
            handled.append(record.id)
    return handled


def _adopt(
    store: Store,
    home: Path,
    sources_dir: Path,
    record: RunRecord,
    stop: threading.Event | None,
) -> None:
    """Wait for an adopted crawl to end (its lock freed, or taken by the next run)."""
    while crawl_state(home, record) != "dead":
        with contextlib.suppress(Exception):
            store.heartbeat(record.id)
        if stop is not None and stop.wait(2.0):
            return
        if stop is None:
            time.sleep(2.0)
    lock = SourceLock(home, record.source)
    held = lock.acquire(f"(closing {record.id})", wait=5.0)
    try:
        current = store.get_run(record.id)
        if current is not None and current.status in {"running", "queued"}:
            close_run(store, home, sources_dir, current, adopted=True)
    finally:
        if held:
            lock.release()


def close_run(
    store: Store, home: Path, sources_dir: Path, record: RunRecord, *, adopted: bool = False
) -> RunRecord:
    """Close the row of a run whose crawl ended unwatched: its files made whole and
    recorded, its figures counted from them, its status from its finish reason."""
    stats = read_stats(home / "logs" / f"{record.id}.stats.json")
    exit_code = read_exit_code(home, record.id)
    figures = figures_from_stats(stats)
    final = bool(stats.get("finish_reason")) and not stats.get("live")
    if not final or exit_code != 0:
        recovery = recover_run(
            store, home, record.collection, record.id, sources_dir, started_at=record.started_at
        )
        figures.update(recovery.figures())
        if recovery.closed:
            figures["errors"]["archive:recovered_files"] = len(recovery.closed)
    status = closing_status(None, stats)
    how = "adopted after its watcher died" if adopted else "its watcher died"
    if final:
        reason = f"{stats['finish_reason']} ({how})"
    else:
        beat = record.heartbeat_at.isoformat(timespec="seconds") if record.heartbeat_at else "never"
        again = (
            f"archivist backfill {record.source} again continues it"
            if is_backfill(record.id, record.source)
            else f"archivist crawl {record.source} --resume continues it"
        )
        reason = f"cut short, no final stats ({how}; last heartbeat {beat}); {again}"
    logger.warning("Run %s of %s closed as %s: %s", record.id, record.source, status, reason)
    return store.finish_run(record.id, status, exit_code=exit_code, finish_reason=reason, **figures)
