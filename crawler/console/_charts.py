"""The source page's charts: one point per closed run of the source, oldest first.

Every run is plotted, one without pages too: its error rate counts it as one page, as
the ``error_ratio`` monitor does, and a share it cannot have (no articles) is an open
circle. Each x label is the run's start in the display zone, to the minute, with the
seconds where two runs share a minute and the run's number where they share a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.console._views import duration_seconds
from crawler.console.plots import Series, bar_chart, line_chart
from crawler.runs.progress import human_size
from crawler.sources.times import aware

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from archive.store import RunRecord, Store

__all__ = ["CHART_SERIES", "charted_runs", "error_rate", "run_labels", "source_charts"]

CHART_SERIES = {
    "pages": 1,
    "articles": 2,
    "bytes": 1,
    "duration": 1,
    "error rate": 1,
    "metadata": 2,
}
"""Each chart's number of series: its points are that many times the runs charted."""

MAX_RUNS = 30


def charted_runs(store: Store, source: str) -> list[RunRecord]:
    """The source's latest closed runs (started and finished), oldest first."""
    runs = [r for r in store.runs(source=source) if r.started_at and r.finished_at]
    return list(reversed(runs[:MAX_RUNS]))


def _percent_of(share: float | None) -> float | None:
    return None if share is None else 100.0 * share


def _percent(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}%"


def _seconds(value: float, decimals: int) -> str:
    if value < 600:
        return f"{value:.{decimals}f}s"
    minutes = value / 60
    return f"{minutes:.{decimals if round(minutes, decimals) == minutes else 1}f}m"


def _size(value: float, decimals: int) -> str:
    del decimals  # a size picks its own unit and decimals
    return human_size(int(value))


def run_labels(runs: list[RunRecord], zone: ZoneInfo) -> list[str]:
    """Each run's start as an x label, no two alike: to the minute, else to the second,
    else with the run's number (#1 the oldest charted)."""
    starts = [aware(r.started_at).astimezone(zone) if r.started_at else None for r in runs]
    for pattern in ("%m-%d %H:%M", "%m-%d %H:%M:%S"):
        labels = [s.strftime(pattern) if s else "?" for s in starts]
        if len(set(labels)) == len(labels):
            return labels
    return [f"{label} #{number}" for number, label in enumerate(labels, 1)]


def error_rate(record: RunRecord) -> float:
    """Errors per 100 pages; a run without pages counts as one page (as the monitor does)."""
    return 100.0 * sum(record.errors.values()) / max(record.pages, 1)


def source_charts(store: Store, runs: list[RunRecord], zone: ZoneInfo) -> dict[str, str]:
    """Chart name -> SVG: pages, articles, bytes, duration, error rate, metadata."""
    labels = run_labels(runs, zone)
    shares = store.article_shares(r.id for r in runs)
    error_rates = [error_rate(r) for r in runs]
    dated = [_percent_of(s.dated_share) if (s := shares.get(r.id)) else None for r in runs]
    authored = [_percent_of(s.authored_share) if (s := shares.get(r.id)) else None for r in runs]
    return {
        "pages": bar_chart("Pages fetched per run", labels, [r.pages for r in runs]),
        "articles": line_chart(
            "Articles per run",
            labels,
            [
                Series("new", [r.articles_new for r in runs]),
                Series("changed", [r.articles_changed for r in runs]),
            ],
        ),
        "bytes": bar_chart(
            "Bytes archived per run", labels, [r.archived_bytes for r in runs], _size
        ),
        "duration": line_chart(
            "Duration of each run",
            labels,
            [Series("duration", [duration_seconds(r) for r in runs])],
            _seconds,
        ),
        "error rate": line_chart(
            "Errors per 100 pages", labels, [Series("error rate", error_rates)], _percent
        ),
        "metadata": line_chart(
            "Share of captured articles with a date, with an author",
            labels,
            [Series("with a date", dated), Series("with an author", authored)],
            _percent,
        ),
    }
