"""The source page's charts: one point per closed run of the source, oldest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.console._views import duration_seconds
from crawler.console.plots import Series, bar_chart, line_chart
from crawler.runs.progress import human_size

if TYPE_CHECKING:
    from archive.store import RunRecord, Store

__all__ = ["CHART_SERIES", "charted_runs", "source_charts"]

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


def _percent(value: float) -> str:
    return f"{value:.0f}%"


def _seconds(value: float) -> str:
    return f"{value:.0f}s" if value < 600 else f"{value / 60:.0f}m"


def source_charts(store: Store, runs: list[RunRecord]) -> dict[str, str]:
    """Chart name -> SVG: pages, articles, bytes, duration, error rate, metadata."""
    labels = [
        r.started_at.astimezone().strftime("%m-%d %H:%M") if r.started_at else "?" for r in runs
    ]
    shares = store.article_shares(r.id for r in runs)
    error_rates = [100.0 * sum(r.errors.values()) / r.pages if r.pages else None for r in runs]
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
            "Bytes archived per run", labels, [r.archived_bytes for r in runs], human_size
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
