"""What each console page shows, gathered from the store, the source files and the logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.runs.child import read_stats
from crawler.runs.outcome import exit_text, figures_from_stats
from crawler.runs.progress import human_size
from crawler.sources.schema import SourceError, load_source
from crawler.sources.times import aware, shown_time

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from archive.store import RunRecord, Store
    from crawler.console._health import Health
    from crawler.sources.schema import Source

__all__ = [
    "SourceRow",
    "ago",
    "duration_seconds",
    "health",
    "live_figures",
    "load_source_files",
    "overview",
    "run_figures",
]


@dataclass
class SourceRow:
    """One line of the overview: a source file, its last run, next run and health."""

    name: str
    source: Source | None = None
    error: str = ""
    last: RunRecord | None = None
    next_run: datetime | None = None
    schedule: str = "by hand only"
    findings: list[Any] | None = field(default=None)
    health: Health | None = None


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago (or, for a future time, in how long): "5 min ago", "in 2 h"."""
    if moment is None:
        return "-"
    seconds = ((now or datetime.now(UTC)) - aware(moment)).total_seconds()
    size = abs(seconds)
    for unit, span in (("d", 86400), ("h", 3600), ("min", 60)):
        if size >= span:
            text = f"{size / span:.0f} {unit}"
            break
    else:
        text = f"{size:.0f} s"
    return f"{text} ago" if seconds >= 0 else f"in {text}"


def duration_seconds(record: RunRecord, now: datetime | None = None) -> float | None:
    """Seconds from start to finish (or to now, for a running run)."""
    if record.started_at is None:
        return None
    end = record.finished_at or now or datetime.now(UTC)
    return (aware(end) - aware(record.started_at)).total_seconds()


def load_source_files(sources_dir: Path) -> list[SourceRow]:
    """Every source file, each validated alone: a bad file is a row with its error."""
    rows = []
    paths = sorted([*sources_dir.glob("*.yaml"), *sources_dir.glob("*.yml")])
    for path in paths:
        try:
            rows.append(SourceRow(path.stem, load_source(path)))
        except SourceError as exc:
            rows.append(SourceRow(path.stem, error=str(exc)))
    return rows


def health(store: Store, source: Source, now: datetime) -> list[Any] | None:
    """The monitors' findings for a source; None when there are no monitors yet."""
    try:
        from crawler.monitoring.monitors import evaluate  # noqa: PLC0415 - built alongside; may be absent
    except ImportError:
        return None
    findings: list[Any] = evaluate(store, source, now)
    return findings


def overview(
    store: Store, sources_dir: Path, now: datetime, fires: Mapping[str, datetime]
) -> list[SourceRow]:
    """Each source with its last run and its next fire time as the scheduler's job store
    holds it (``fires``); sources known only from runs too."""
    rows = load_source_files(sources_dir)
    known = {row.name for row in rows}
    latest: dict[str, RunRecord] = {}
    for record in store.runs():
        latest.setdefault(record.source, record)
    rows += [SourceRow(name) for name in sorted(set(latest) - known)]
    for row in rows:
        row.last = latest.get(row.name)
        schedule = row.source.schedule if row.source else None
        if schedule is not None:
            row.schedule = schedule.describe()
            if schedule.enabled:
                row.next_run = fires.get(row.name)
            else:
                row.schedule += ", disabled"
        if row.source is not None:
            row.findings = health(store, row.source, now)
    return rows


def stats_path(home: Path, run_id: str) -> Path:
    return home / "logs" / f"{run_id}.stats.json"


def live_figures(home: Path, record: RunRecord, now: datetime) -> dict[str, Any]:
    """A run's progress: from its live stats file while it runs, else from its row."""
    stats = read_stats(stats_path(home, record.id)) if record.status == "running" else {}
    figures = figures_from_stats(stats) if stats else {}
    pages = int(figures.get("pages", record.pages))
    errors = figures.get("errors", record.errors)
    elapsed = duration_seconds(record, now) or 0.0
    return {
        "id": record.id,
        "status": record.status,
        "pages": pages,
        "rate": round(pages / elapsed, 2) if elapsed > 0 else 0.0,
        "errors": sum(errors.values()),
        "archived": human_size(int(figures.get("archived_bytes", record.archived_bytes))),
        "elapsed": round(elapsed, 1),
    }


def run_figures(record: RunRecord, now: datetime, zone: ZoneInfo) -> list[tuple[str, str]]:
    """The run page's table of figures, labelled as ``archivist run show`` labels them."""
    seconds = duration_seconds(record, now)
    return [
        ("source", f"{record.source} (collection {record.collection})"),
        ("status", record.status),
        ("finish reason", record.finish_reason or "-"),
        ("exit code", exit_text(record.exit_code)),
        ("started", shown_time(record.started_at, zone)),
        ("finished", shown_time(record.finished_at, zone)),
        ("duration", "-" if seconds is None else f"{seconds:.1f}s"),
        ("last heartbeat", shown_time(record.heartbeat_at, zone)),
        ("pages", str(record.pages)),
        ("archived", human_size(record.archived_bytes)),
        ("articles new", str(record.articles_new)),
        ("articles changed", str(record.articles_changed)),
        ("articles unchanged", str(record.articles_unchanged)),
        ("errors", str(sum(record.errors.values()))),
    ]
