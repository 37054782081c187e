"""What the monitors and ``/metrics`` read from the store, as aggregates in SQL.

* ``recent_runs``: a source's latest runs with given statuses (a monitor's window).
* ``article_shares``: per run, the articles whose page it captured (revisits included),
  and how many of them have a published date and how many an author, as the version in
  force at that capture says (a template change drops these). The monitors judge
  these shares and the console charts them.
* ``run_totals``: every figure ``/metrics`` exposes, in a handful of grouped queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import case, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from archive.store._alerts import AlertRow, AlertsMixin
from archive.store._runs import RunRecord, _record
from archive.store._schema import ArticleSourceRow, ArticleVersionRow, CaptureRow, RunRow

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from datetime import datetime

    from sqlalchemy import Subquery

__all__ = ["ArticleShares", "MonitorMixin", "RunTotals"]

_ERRORS_BY_KIND = {
    "sqlite": "SELECT runs.source, e.key, SUM(e.value) FROM runs, json_each(runs.errors) AS e "
    "GROUP BY runs.source, e.key",
    "postgresql": "SELECT runs.source, e.key, SUM(CAST(e.value AS BIGINT)) "
    "FROM runs, json_each_text(runs.errors) AS e GROUP BY runs.source, e.key",
}


@dataclass(frozen=True, slots=True)
class ArticleShares:
    """The articles one run captured: how many, how many with a date, with an author."""

    articles: int
    dated: int
    authored: int

    @property
    def dated_share(self) -> float | None:
        return self.dated / self.articles if self.articles else None

    @property
    def authored_share(self) -> float | None:
        return self.authored / self.articles if self.articles else None


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
        """For each run that captured article pages: how many, with a date, an author.

        An article counts once per run, revisits included (a recrawl that finds it
        unchanged still says what its page has), with the flags of the version in
        force at the run's capture: the latest one extracted from a capture fetched at
        or before it. A run that captured no article page has no entry.
        """
        ids = list(run_ids)
        if not ids:
            return {}
        with Session(self.engine) as session:
            return _article_shares(session, ids)

    def run_totals(self) -> RunTotals:
        """Runs by source and status, their summed figures, articles, last successes."""
        totals = RunTotals()
        with Session(self.engine) as session, session.begin():
            self._sum_runs(session, totals)
            errors = _ERRORS_BY_KIND.get(self.engine.dialect.name)
            if errors is not None:
                for source, kind, count in session.execute(text(errors)):
                    totals.errors[source, kind] = int(count or 0)
            link = ArticleSourceRow  # an article counts for every source that captured it
            articles = select(link.source, func.count()).group_by(link.source)
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


def _article_shares(session: Session, run_ids: list[str]) -> dict[str, ArticleShares]:
    """``MonitorMixin.article_shares`` in one aggregate query."""
    in_force = _versions_in_force(_captured_articles(run_ids))
    dated = func.sum(case((in_force.c.published.is_not(None), 1), else_=0))
    # An empty JSON list is how an article without authors is stored.
    authored = func.sum(case((func.json_array_length(in_force.c.authors) > 0, 1), else_=0))
    statement = (
        select(in_force.c.run_id, func.count(), dated, authored)
        .where(in_force.c.rank == 1)
        .group_by(in_force.c.run_id)
    )
    return {
        run_id: ArticleShares(int(n), int(d or 0), int(a or 0))
        for run_id, n, d, a in session.execute(statement)
    }


def _captured_articles(run_ids: list[str]) -> Subquery:
    """(run_id, article_id, at): the articles whose page each run got, and when.

    A page got is a 2xx or a revisit (of a 2xx, or a 304 that validated one).
    """
    return (
        select(
            CaptureRow.run_id,
            ArticleVersionRow.article_id,
            func.max(CaptureRow.fetched_at).label("at"),
        )
        .join(ArticleVersionRow, ArticleVersionRow.url == CaptureRow.url)
        .where(
            CaptureRow.run_id.in_(run_ids),
            or_(CaptureRow.status < 300, CaptureRow.record_type == "revisit"),
        )
        .group_by(CaptureRow.run_id, ArticleVersionRow.article_id)
        .subquery()
    )


def _versions_in_force(captured: Subquery) -> Subquery:
    """(run_id, published, authors, rank): rank 1 is the version each capture saw, the
    latest extracted from a capture fetched at or before it."""
    origin = aliased(CaptureRow)
    latest_first = (origin.fetched_at.desc(), ArticleVersionRow.id.desc())
    return (
        select(
            captured.c.run_id,
            ArticleVersionRow.published,
            ArticleVersionRow.authors,
            func.row_number()
            .over(partition_by=(captured.c.run_id, captured.c.article_id), order_by=latest_first)
            .label("rank"),
        )
        .select_from(captured)
        .join(ArticleVersionRow, ArticleVersionRow.article_id == captured.c.article_id)
        .join(origin, origin.id == ArticleVersionRow.capture_id)
        .where(origin.fetched_at <= captured.c.at)
        .subquery()
    )
