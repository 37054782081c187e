"""A source's health as a person reads it: about its latest run, now.

``healthy: last run finished 2 h ago, 41 pages``; ``failing: last run failed 5 min ago —
nothing was fetched: every request was refused (...)``; the monitors' findings follow,
in words, each naming its run only when that is not the latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.console._views import ago

if TYPE_CHECKING:
    from datetime import datetime

    from archive.store import RunRecord

__all__ = ["Health", "health_of"]

FAILED = {"failed": "failed", "timed_out": "timed out", "interrupted": "was interrupted"}
SEVERE = {"critical", "error"}


@dataclass(frozen=True)
class Health:
    """``level`` (healthy, warning, failing, running, unknown) and the sentence."""

    level: str
    text: str
    details: tuple[str, ...] = ()


def health_of(last: RunRecord | None, findings: list[Any] | None, now: datetime) -> Health:
    """The health of a source whose latest run is ``last``, given its monitors' findings
    (None when the monitors are not available)."""
    if last is None:
        return Health("unknown", "not known yet: never run")
    details = tuple(
        _finding_text(f, last)
        for f in findings or []
        if not (f.monitor == "run_failed" and f.run_id == last.id)  # the sentence says so
    )
    when = ago(last.finished_at or last.started_at, now)
    pages = f"{last.pages} page{'' if last.pages == 1 else 's'}"
    if last.status == "running":
        return Health("running", f"running: started {when}, {pages} so far", details)
    if last.status in FAILED:
        why = f" — {last.finish_reason}" if last.finish_reason else ""
        return Health("failing", f"failing: last run {FAILED[last.status]} {when}{why}", details)
    severe = any(getattr(f, "severity", "") in SEVERE for f in findings or [])
    level = "failing" if severe else "warning" if details else "healthy"
    if last.status == "finished":
        return Health(level, f"{level}: last run finished {when}, {pages}", details)
    why = f": {last.finish_reason}" if last.finish_reason else ""
    return Health(level, f"{level}: last run {last.status} {when}{why}", details)


def _finding_text(finding: Any, last: RunRecord) -> str:
    """A monitor's finding in words (its description), naming its run only when that is
    not the latest (the sentence before already tells of the latest)."""
    text = str(getattr(finding, "summary", "") or finding.message)
    text = text.removeprefix(f"{finding.source}: ")
    run_id = getattr(finding, "run_id", None)
    if run_id is not None and run_id != last.id:
        text += f" (run {run_id})"
    return text
