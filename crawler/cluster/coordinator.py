"""A distributed run, from its row to its last figure: ``archivist crawl SOURCE --distributed``.

``run_distributed`` holds the source's lock and writes the one ``runs`` row, as a local
run does (``crawler.runs.runbook``); instead of starting a crawl it announces the run in
Redis, where every ``archivist worker`` joins it. While the workers crawl it sums their
published stats into the row's heartbeat and the live progress, puts back the requests
of workers that died (``ClusterState.reap``), and watches for the end: the queue empty,
nothing in flight, every worker idle. Then it tells the workers to close, waits for
their final stats, closes and indexes what dead workers left (``recover_run``, which also
counts the run's figures from its WARC files), merges the collection's index, and writes
the row with the summed figures.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from archive.warc.cdxj import merge_indexes
from crawler.runs.child import new_run_id
from crawler.runs.outcome import closing_status, figures_from_stats, nothing_fetched
from crawler.runs.recovery import recover_run
from crawler.runs.runbook import LOCK_WAIT, RunOptions, SourceLock

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterable, Mapping
    from pathlib import Path

    from archive.store import RunRecord, Store
    from crawler.cluster.state import ClusterState
    from crawler.sources.schema import Source

__all__ = ["ClusterRun", "merge_stats", "run_distributed"]

logger = logging.getLogger(__name__)
_POLL = 0.2  # seconds between looks at the run's state
_CLOSING = 60.0  # seconds more a worker may take to close (its extraction drains)


def merge_stats(each: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Workers' stats as one crawl's: numbers summed, lists joined, the earliest start and
    latest finish; ``finish_reason`` the first that is not ``finished``, if any."""
    merged: dict[str, Any] = {}
    reasons = []
    for stats in each:
        for key, value in stats.items():
            if key == "finish_reason":
                reasons.append(str(value))
            elif isinstance(value, bool) or key == "live":
                merged[key] = merged.get(key, False) or value
            elif isinstance(value, int | float):
                merged[key] = merged.get(key, 0) + value
            elif isinstance(value, list):
                merged[key] = [*merged.get(key, []), *value]
            elif key == "start_time":
                merged[key] = min(merged.get(key, value), value)
            else:
                merged[key] = max(merged.get(key, value), value) if key == "finish_time" else value
    if reasons:
        merged["finish_reason"] = next((r for r in reasons if r != "finished"), "finished")
    return merged


@dataclass(frozen=True)
class ClusterRun:
    """Where a distributed run is announced, and how long to wait for its workers."""

    state: ClusterState
    settings: Mapping[str, str]
    join_wait: float = 60.0
    """Seconds for the first worker to join before the run fails."""


def run_distributed(
    store: Store,
    source: Source,
    source_path: Path,
    home: Path,
    cluster: ClusterRun,
    *,
    options: RunOptions | None = None,
    stop: threading.Event | None = None,
    on_beat: Callable[[Mapping[str, Any]], None] | None = None,
) -> RunRecord:
    """Crawl ``source`` once on the workers; returns the final row."""
    options = options or RunOptions()
    state = cluster.state
    run_id = state.keys.run_id or new_run_id(source.name)
    lock = SourceLock(home, source.name)
    if not lock.acquire(run_id, wait=LOCK_WAIT):
        holder = lock.holder() or "another process"
        store.start_run(run_id, source.name, source.collection, status="queued")
        return store.finish_run(
            run_id, "skipped", finish_reason=f"source still running (run {holder})"
        )
    started = datetime.now(UTC)
    closed = False
    try:
        store.start_run(run_id, source.name, source.collection, status="queued")
        state.announce(_spec(source, source_path, cluster.settings))
        store.update_run(run_id, status="running", started_at=started, heartbeat_at=started)
        logger.info("Run %s of %s announced to the workers", run_id, source.name)
        ended_by = _follow(
            store, state, options, join_wait=cluster.join_wait, stop=stop, on_beat=on_beat
        )
        state.close_run()
        closed = True
        merged, dead = _final_stats(state, options.kill_after + _CLOSING)
        figures = figures_from_stats(merged)
        if dead or not merged:
            recovery = recover_run(
                store, home, source.collection, run_id, source_path.parent, started_at=started
            )
            figures.update(recovery.figures())
        merge_indexes(home / "collections" / source.collection / "indexes")
        status, reason = _outcome(ended_by, merged, dead)
        record = store.finish_run(
            run_id, status, exit_code=0 if status == "finished" else 1,
            finish_reason=reason, **figures,
        )  # fmt: skip
        state.forget()
    finally:
        # Whatever happened here (Ctrl-C, the store failing), the workers stop on it.
        if not closed:
            with contextlib.suppress(Exception):
                state.close_run()
        lock.release()
    store.index_passages(stop=stop)
    return record


def _spec(source: Source, path: Path, settings: Mapping[str, str]) -> dict[str, str]:
    return {
        "source": source.name,
        "family": source.family,
        "source_file": path.name,
        "source_path": str(path.resolve()),
        "source_text": path.read_text(encoding="utf-8"),
        "settings": json.dumps(dict(settings)),
    }


def _follow(
    store: Store,
    state: ClusterState,
    options: RunOptions,
    *,
    join_wait: float,
    stop: threading.Event | None,
    on_beat: Callable[[Mapping[str, Any]], None] | None,
) -> str | None:
    """Wait for the end of the run, beating its heart; why we ended it, if we did."""
    begun = time.monotonic()
    deadline = begun + options.max_run_time if options.max_run_time else None
    last_beat = 0.0
    joined = False
    while True:
        now = time.monotonic()
        for worker, requests in state.reap().items():
            logger.warning("Worker %s died: %d requests it held are queued again", worker, requests)
        joined = joined or bool(state.workers() or state.stats())
        if joined and state.finished():
            return None
        if stop is not None and stop.is_set():
            return "stopped"
        if deadline is not None and now >= deadline:
            return "timed_out"
        if not joined and now - begun > join_wait:
            return "no_worker"
        if now - last_beat >= options.heartbeat:
            _beat(store, state, on_beat)
            last_beat = now
        try:
            time.sleep(_POLL)
        except KeyboardInterrupt:
            return "stopped"


def _beat(
    store: Store, state: ClusterState, on_beat: Callable[[Mapping[str, Any]], None] | None
) -> None:
    merged = merge_stats(state.stats().values())
    try:
        store.heartbeat(
            state.keys.run_id,
            pages=int(merged.get("downloader/response_count", 0)),
            archived_bytes=int(merged.get("archive/bytes", 0)),
        )
    except Exception:  # the run goes on if the records database blinks
        logger.exception("Could not record the heartbeat of run %s", state.keys.run_id)
    if on_beat is not None:
        on_beat(merged)


def _final_stats(state: ClusterState, wait: float) -> tuple[dict[str, Any], list[str]]:
    """Every worker's last stats, once each has closed, and the workers that never said
    their last word: those that died during the run, and any silent past ``wait``."""
    gone = state.dead()  # died during the run: the others crawled what they held
    deadline = time.monotonic() + wait
    while True:
        stats = state.stats()
        silent = sorted(w for w, s in stats.items() if not s.get("cluster/final"))
        if not set(silent) - gone or time.monotonic() >= deadline:
            return merge_stats(stats.values()), silent
        time.sleep(_POLL)


def _outcome(ended_by: str | None, merged: Mapping[str, Any], dead: list[str]) -> tuple[str, str]:
    if ended_by == "no_worker":
        return "failed", (
            "no worker joined the run: start `archivist worker` on a machine that reaches "
            "Redis (ARCHIVIST_REDIS_URL) and the store (ARCHIVIST_STORE_URL)"
        )
    final = {**merged, "live": False}
    status = closing_status(ended_by, final)
    reason = nothing_fetched(final) or str(final.get("finish_reason", "no worker closed"))
    if dead:
        reason += (
            f"; {len(dead)} worker(s) died ({', '.join(dead)}), their requests were crawled "
            "by the others and their WARC files closed"
        )
    return status, reason
