"""The stats monitors read: per judged run, and per source at a moment (``crawler.monitoring.monitors``)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from crawler.sources.monitors import RUN_STATS, RunStat, SourceStat

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from archive.store import RunRecord, Store
    from archive.store._monitor import ArticleShares
    from crawler.sources.schema import Source

__all__ = [
    "JUDGED_STATUSES",
    "RUN_STATS",
    "ProgressTracker",
    "RunStat",
    "SourceStat",
    "run_stats",
    "source_stats",
]

JUDGED_STATUSES = ("finished", "failed", "timed_out")
"""Runs that say something about the site; skipped and stopped runs do not."""
_ATTEMPTED = (*JUDGED_STATUSES, "stopped", "interrupted", "running")

# How many earlier runs make the baseline a share's drop is measured against.
_BASELINE = 5

Stats = dict[str, float | None]


class ProgressTracker:
    """When each running run's figures (pages, bytes) last moved, as seen by its caller.

    The heartbeat goes on while a hung crawl's figures stand still, so only someone who
    looks again and again (the scheduler's periodic check) can tell a stuck crawl.
    """

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, int, int, datetime]] = {}
        self._lock = threading.Lock()

    def last_progress(self, run: RunRecord, now: datetime) -> datetime:
        with self._lock:
            seen = self._seen.get(run.id)
            if seen is not None and seen[1:3] == (run.pages, run.archived_bytes):
                return seen[3]
            # First sight: the last heartbeat is the latest moment it is known to have moved.
            since = now if seen is not None else (run.heartbeat_at or run.started_at or now)
            self._seen[run.id] = (run.source, run.pages, run.archived_bytes, since)
            return since

    def prune(self, source: str, running: set[str]) -> None:
        """Forget the runs of ``source`` that are no longer running."""
        with self._lock:
            for run_id in [k for k, v in self._seen.items() if v[0] == source]:
                if run_id not in running:
                    del self._seen[run_id]


def run_stats(runs: list[RunRecord], shares: Mapping[str, ArticleShares]) -> list[Stats]:
    """The stats of each run (latest first), its share drops against the runs before it."""
    dated = [s.dated_share if (s := shares.get(r.id)) else None for r in runs]
    authored = [s.authored_share if (s := shares.get(r.id)) else None for r in runs]
    return [
        {
            **_figures(run),
            "dated_share": dated[i],
            "authored_share": authored[i],
            "dated_share_drop": _drop(dated, i),
            "authored_share_drop": _drop(authored, i),
        }
        for i, run in enumerate(runs)
    ]


def _figures(run: RunRecord) -> Stats:
    errors = sum(run.errors.values())
    duration = None
    if run.started_at is not None and run.finished_at is not None:
        duration = (run.finished_at - run.started_at).total_seconds() / 60
    return {
        "failed": float(run.status in {"failed", "timed_out"}),
        "timed_out": float(run.status == "timed_out"),
        "pages": run.pages,
        "archived_bytes": run.archived_bytes,
        "articles_new": run.articles_new,
        "articles_changed": run.articles_changed,
        "articles": run.articles_new + run.articles_changed + run.articles_unchanged,
        "errors": errors,
        # A run without pages counts as one page: its errors are still a ratio above 0.
        "error_ratio": errors / max(run.pages, 1),
        "duration_minutes": duration,
    }


def _drop(shares: list[float | None], index: int) -> float | None:
    """The mean share of the (up to five) earlier runs with articles, less this run's."""
    current = shares[index]
    before = [s for s in shares[index + 1 :] if s is not None][:_BASELINE]
    if current is None or not before:
        return None
    return sum(before) / len(before) - current


def source_stats(
    store: Store, source: Source, now: datetime, progress: ProgressTracker | None
) -> dict[str, tuple[float | None, str | None]]:
    """The source's stats at ``now``, each with the run it is about."""
    running = store.runs(source=source.name, status="running")
    if progress is not None:
        progress.prune(source.name, {r.id for r in running})
    stalled: tuple[float | None, str | None] = (None, None)
    for run in running:
        since = (
            progress.last_progress(run, now)
            if progress is not None
            else (run.heartbeat_at or run.started_at or now)
        )
        minutes = max(0.0, (now - since).total_seconds() / 60)
        if stalled[0] is None or minutes > stalled[0]:
            stalled = (minutes, run.id)
    return {"minutes_without_progress": stalled, "minutes_overdue": _overdue(store, source, now)}


def _overdue(store: Store, source: Source, now: datetime) -> tuple[float | None, str | None]:
    """Minutes since the schedule's first fire after the last run began, less jitter.

    Unknown (None) without an enabled schedule or before the first run: a new source's
    first fire is the scheduler's business, not a missed one.
    """
    schedule = source.schedule
    if schedule is None or not schedule.enabled:
        return None, None
    last = store.recent_runs(source.name, _ATTEMPTED, 1)
    if not last:
        return None, None
    run = last[0]
    began = run.started_at or run.finished_at
    if run.status == "running" or began is None:
        return 0.0, run.id
    due = schedule.next_fire_times(began, 1)
    if not due:
        return None, run.id
    late = (now - due[0]).total_seconds() - (schedule.jitter or 0)
    return max(0.0, late / 60), run.id
