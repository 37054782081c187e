"""What the monitors and ``/metrics`` read from the store, as aggregates in SQL.

* ``recent_runs``: a source's latest runs with given statuses (a monitor's window).
* ``article_shares``: per run, the article versions it captured, and how many of them
  have a published date and how many an author (a template change drops these).
* ``run_totals``: every figure ``/metrics`` exposes, in a handful of grouped queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from archive._store_alerts import AlertRow, AlertsMixin
from archive._store_runs import RunRecord, _record
from archive._store_schema import ArticleRow, ArticleVersionRow, CaptureRow, RunRow

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from datetime import datetime

__all__ = ["ArticleShares", "MonitorMixin", "RunTotals"]

_ERRORS_BY_KIND = {
    "sqlite": "SELECT runs.source, e.key, SUM(e.value) FROM runs, json_each(runs.errors) AS e "
    "GROUP BY runs.source, e.key",
    "postgresql": "SELECT runs.source, e.key, SUM(CAST(e.value AS BIGINT)) "
    "FROM runs, json_each_text(runs.errors) AS e GROUP BY runs.source, e.key",
}


@dataclass(frozen=True, slots=True)
class ArticleShares:
    """The article versions one run captured: how many, with a date, with an author."""

    versions: int
    dated: int
    authored: int

    @property
    def dated_share(self) -> float | None:
        return self.dated / self.versions if self.versions else None

    @property
    def authored_share(self) -> float | None:
        return self.authored / self.versions if self.versions else None


@dataclass(slots=True)
class RunTotals:
    """The store's figures by source, for ``/metrics``."""

    runs: dict[tuple[str, str], int] = field(default_factory=dict)  # (source, status)
    pages: dict[str, int] = field(default_factory=dict)
    archived_bytes: dict[str, int] = field(default_factory=dict)
    run_articles: dict[tuple[str, str], int] = field(default_factory=dict)  # (source, change)
    errors: dict[tuple[str, str], int] = field(default_factory=dict)  # (source, kind)
    articles: dict[str, int] = field(default_factory=dict)
    last_success: dict[str, datetime] = field(default_factory=dict)
    last_status: dict[str, str] = field(default_factory=dict)
    open_alerts: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def sources(self) -> set[str]:
        return {s for s, _ in self.runs} | set(self.articles)


class MonitorMixin(AlertsMixin):
    """``Store``'s read-only queries for monitors and metrics, and the alerts table."""

    def recent_runs(self, source: str, statuses: Collection[str], limit: int) -> list[RunRecord]:
        """The latest ``limit`` runs of ``source`` with one of ``statuses``, latest first."""
        when = func.coalesce(RunRow.started_at, RunRow.finished_at)
        statement = (
            select(RunRow)
            .where(RunRow.source == source, RunRow.status.in_(list(statuses)))
            .order_by(when.desc(), RunRow.id.desc())
            .limit(limit)
        )
        with Session(self.engine) as session:
            return [_record(row) for row in session.scalars(statement)]

    def article_shares(self, run_ids: Iterable[str]) -> dict[str, ArticleShares]:
        """For each run that captured article versions: how many had a date, an author."""
        ids = list(run_ids)
        if not ids:
            return {}
        dated = func.sum(case((ArticleVersionRow.published.is_not(None), 1), else_=0))
        # An empty JSON list is how an article without authors is stored.
        authored = func.sum(
            case((func.json_array_length(ArticleVersionRow.authors) > 0, 1), else_=0)
        )
        statement = (
            select(CaptureRow.run_id, func.count(ArticleVersionRow.id), dated, authored)
            .join(CaptureRow, CaptureRow.id == ArticleVersionRow.capture_id)
            .where(CaptureRow.run_id.in_(ids))
            .group_by(CaptureRow.run_id)
        )
        with Session(self.engine) as session:
            return {
                run_id: ArticleShares(int(n), int(d or 0), int(a or 0))
                for run_id, n, d, a in session.execute(statement)
            }

    def run_totals(self) -> RunTotals:
        """Runs by source and status, their summed figures, articles, last successes."""
        totals = RunTotals()
        with Session(self.engine) as session, session.begin():
            self._sum_runs(session, totals)
            errors = _ERRORS_BY_KIND.get(self.engine.dialect.name)
            if errors is not None:
                for source, kind, count in session.execute(text(errors)):
                    totals.errors[source, kind] = int(count or 0)
            articles = select(ArticleRow.source, func.count()).group_by(ArticleRow.source)
            totals.articles = {s: int(n) for s, n in session.execute(articles)}
            success = (
                select(RunRow.source, func.max(RunRow.finished_at))
                .where(RunRow.status == "finished")
                .group_by(RunRow.source)
            )
            totals.last_success = {s: when for s, when in session.execute(success) if when}
            totals.last_status = _last_status(session)
            opened = (
                select(AlertRow.source, AlertRow.monitor, AlertRow.severity, func.count())
                .where(AlertRow.resolved_at.is_(None))
                .group_by(AlertRow.source, AlertRow.monitor, AlertRow.severity)
            )
            totals.open_alerts = {(s, m, v): int(n) for s, m, v, n in session.execute(opened)}
        return totals

    @staticmethod
    def _sum_runs(session: Session, totals: RunTotals) -> None:
        statement = select(
            RunRow.source,
            RunRow.status,
            func.count(),
            func.sum(RunRow.pages),
            func.sum(RunRow.archived_bytes),
            func.sum(RunRow.articles_new),
            func.sum(RunRow.articles_changed),
            func.sum(RunRow.articles_unchanged),
        ).group_by(RunRow.source, RunRow.status)
        for source, status, count, pages, size, new, changed, same in session.execute(statement):
            totals.runs[source, status] = int(count)
            totals.pages[source] = totals.pages.get(source, 0) + int(pages or 0)
            totals.archived_bytes[source] = totals.archived_bytes.get(source, 0) + int(size or 0)
            for change, value in (("new", new), ("changed", changed), ("unchanged", same)):
                key = (source, change)
                totals.run_articles[key] = totals.run_articles.get(key, 0) + int(value or 0)


def _last_status(session: Session) -> dict[str, str]:
    """Each source's latest run's status (queued runs, not begun, do not count)."""
    when = func.coalesce(RunRow.started_at, RunRow.finished_at)
    ranked = (
        select(
            RunRow.source,
            RunRow.status,
            func.row_number()
            .over(partition_by=RunRow.source, order_by=(when.desc(), RunRow.id.desc()))
            .label("rank"),
        )
        .where(when.is_not(None))
        .subquery()
    )
    latest = select(ranked.c.source, ranked.c.status).where(ranked.c.rank == 1)
    return {row.source: row.status for row in session.execute(latest)}
