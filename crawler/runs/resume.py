"""Which run of a source can be resumed, how much time it has left, and its figures.

A run is resumable when it was cut short: ``interrupted`` (its crawl was killed or
crashed before its final stats: a power cut, SIGKILL, the OOM killer) or ``stopped``
(asked to finish early: Ctrl-C, or the scheduler shutting down). Only a source's latest
run (skipped ones aside) is resumed, as the same run: same row, same id, its WARC files the first attempt's
and the next one's. ``crawler/middlewares/resume.py`` serves what it captured already.

The time budget (``max_run_time``) is wall time from the run's first start: a resumed
run gets what is left of it, and none left closes it as ``timed_out`` without
crawling. The budget keeps a run from running into the source's next one and bounds
what one run asks of a site; a crash should not lengthen it, nor should the hours a
machine was down.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.runs.child import is_backfill

if TYPE_CHECKING:
    from collections.abc import Mapping

    from archive.store import FailedUrl, RunRecord, Store

__all__ = ["RESUMABLE", "SCHEDULER_STOPPED", "combined_figures", "resumable", "time_left"]

RESUMABLE = frozenset({"interrupted", "stopped"})
SCHEDULER_STOPPED = "stopped with the scheduler"
"""In the finish reason of a run the scheduler stopped as it shut down: it resumes it."""


def resumable(store: Store, source: str, *, scheduled_only: bool = False) -> RunRecord | None:
    """The source's latest run if it can be resumed (by the scheduler: only one it
    stopped itself, or one cut short by a crash); else None."""
    # The latest attempt: a skipped row (a fire that found the source busy) is none.
    run = next((r for r in store.runs(source=source, limit=20) if r.status != "skipped"), None)
    if run is None or run.status not in RESUMABLE or is_backfill(run.id, source):
        return None  # a backfill goes on by being run again, never as a crawl
    if scheduled_only and run.status == "stopped":
        return run if SCHEDULER_STOPPED in (run.finish_reason or "") else None
    return run


def time_left(
    run: RunRecord, max_run_time: float | None, now: datetime | None = None
) -> float | None:
    """Seconds of the run's budget left, counted from its first start; None: no budget."""
    if max_run_time is None or run.started_at is None:
        return max_run_time
    started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
    return max_run_time - ((now or datetime.now(UTC)) - started).total_seconds()


def combined_figures(
    previous: RunRecord, figures: Mapping[str, Any], stats: Mapping[str, Any]
) -> dict[str, Any]:
    """The whole run's figures: the earlier attempts' and this one's (its stats count the
    responses served from the earlier captures too: those are not pages fetched again)."""
    served = int(stats.get("resume/served", 0))
    now = dict(figures["errors"])
    for key, count in stats.items():  # an error page served again is not a new error
        code = key.removeprefix("resume/served_status/")
        if code != key and f"http:{code}" in now and isinstance(count, int):
            now[f"http:{code}"] -= count
    errors = dict(previous.errors)
    for kind, count in now.items():
        if count > 0:
            errors[kind] = errors.get(kind, 0) + count
    return {
        **figures,
        "pages": previous.pages + max(0, figures["pages"] - served),
        "archived_bytes": previous.archived_bytes + figures["archived_bytes"],
        "articles_unchanged": previous.articles_unchanged + figures["articles_unchanged"],
        "errors": errors,
        "failed_urls": _failed_urls(previous, figures),
        "warc_files": tuple(dict.fromkeys((*previous.warc_files, *figures["warc_files"]))),
    }


def _failed_urls(previous: RunRecord, figures: Mapping[str, Any]) -> tuple[FailedUrl, ...]:
    """The earlier attempts' failing URLs, then this one's new ones (a URL once)."""
    known = {f.url for f in previous.failed_urls}
    return (
        *previous.failed_urls,
        *(f for f in figures.get("failed_urls", ()) if f.url not in known),
    )
