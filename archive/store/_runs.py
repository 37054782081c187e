"""The store's ``runs`` table: one row per crawl of a source, with its figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.store._schema import (
    RUN_STATUSES,
    ArticleSourceRow,
    ArticleVersionRow,
    CaptureRow,
    RunRow,
    StoreError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Engine

__all__ = ["FailedUrl", "RunRecord", "RunsMixin"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FailedUrl:
    """A URL a run failed on, after its retries: the error's kind (``http:500``,
    ``timeout``...) and the line of the run's log that says so (None: not logged)."""

    kind: str
    url: str
    line: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "url": self.url, "line": self.line}

    @classmethod
    def from_json(cls, value: Any) -> FailedUrl | None:
        """One element of the ``failed_urls`` column; None if it is not one."""
        if not isinstance(value, dict) or not value.get("kind") or not value.get("url"):
            return None
        line = value.get("line")
        return cls(str(value["kind"]), str(value["url"]), line if isinstance(line, int) else None)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run as the ``runs`` table holds it. ``errors`` counts errors by kind."""

    id: str
    source: str
    collection: str
    status: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    finish_reason: str | None = None
    pages: int = 0
    archived_bytes: int = 0  # the ``bytes`` column
    articles_new: int = 0
    articles_changed: int = 0
    articles_unchanged: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    warc_files: tuple[str, ...] = ()
    log_path: str | None = None
    heartbeat_at: datetime | None = None
    failed_urls: tuple[FailedUrl, ...] = ()
    """The first URLs of each kind in ``errors`` (how many failed is ``errors[kind]``)."""


def _record(row: RunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        source=row.source,
        collection=row.collection,
        status=row.status,
        started_at=row.started_at,
        finished_at=row.finished_at,
        exit_code=row.exit_code,
        finish_reason=row.finish_reason,
        pages=row.pages,
        archived_bytes=row.archived_bytes,
        articles_new=row.articles_new,
        articles_changed=row.articles_changed,
        articles_unchanged=row.articles_unchanged,
        errors=dict(row.errors or {}),
        warc_files=tuple(row.warc_files or ()),
        log_path=row.log_path,
        heartbeat_at=row.heartbeat_at,
        failed_urls=tuple(f for v in row.failed_urls or () if (f := FailedUrl.from_json(v))),
    )


def _check_status(status: str) -> None:
    if status not in RUN_STATUSES:
        known = ", ".join(sorted(RUN_STATUSES))
        raise ValueError(f"unknown run status {status!r}; use one of: {known}")


class RunsMixin:
    """``Store``'s helpers over the ``runs`` table."""

    engine: Engine
    shown_url: str

    def _write(self, work: Callable[[Session], T]) -> T:  # pragma: no cover - Store's
        raise NotImplementedError

    def start_run(
        self,
        run_id: str,
        source: str,
        collection: str,
        *,
        status: str = "running",
        started_at: datetime | None = None,
        log_path: str | None = None,
    ) -> RunRecord:
        """Add a run; a running one starts now unless ``started_at`` says otherwise."""
        _check_status(status)
        if started_at is None and status == "running":
            started_at = datetime.now(UTC)
        row = RunRow(
            id=run_id,
            source=source,
            collection=collection,
            status=status,
            started_at=started_at,
            log_path=log_path,
            heartbeat_at=started_at,
            errors={},
            warc_files=[],
            failed_urls=[],
        )

        def work(session: Session) -> RunRecord:
            session.add(row)
            session.flush()
            return _record(row)

        return self._write(work)

    def update_run(self, run_id: str, **values: Any) -> RunRecord:
        """Set columns of a run (``status``, ``pages``, ``heartbeat_at``...); returns it."""
        if "status" in values:
            _check_status(values["status"])
        unknown = sorted(set(values) - set(RunRecord.__dataclass_fields__) - {"id"})
        if unknown:
            raise ValueError(f"cannot set run field(s) {unknown}: not columns of runs")
        if "warc_files" in values:
            values["warc_files"] = list(values["warc_files"])
        if "failed_urls" in values:
            values["failed_urls"] = [FailedUrl.as_json(f) for f in values["failed_urls"]]

        def work(session: Session) -> RunRecord:
            row = session.get(RunRow, run_id)
            if row is None:
                raise StoreError(self.shown_url, f"it has no run {run_id!r}")
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            return _record(row)

        return self._write(work)

    def heartbeat(self, run_id: str, **figures: Any) -> RunRecord:
        """Mark a run alive now, with any live figures (``pages=``, ``archived_bytes=``)."""
        return self.update_run(run_id, heartbeat_at=datetime.now(UTC), **figures)

    def finish_run(
        self,
        run_id: str,
        status: str,
        *,
        exit_code: int | None = None,
        finish_reason: str | None = None,
        finished_at: datetime | None = None,
        **figures: Any,
    ) -> RunRecord:
        """Close a run with its status and figures; ``finished_at`` defaults to now."""
        return self.update_run(
            run_id,
            status=status,
            exit_code=exit_code,
            finish_reason=finish_reason,
            finished_at=finished_at or datetime.now(UTC),
            **figures,
        )

    def run_articles(self, run_id: str) -> tuple[int, int]:
        """(new, changed) for the run's source: the articles this run's captures made
        the source's (``article_sources``), and the versions first recorded from its
        captures of articles the source had already (a change)."""
        ours = select(CaptureRow.id).where(CaptureRow.run_id == run_id)
        source = select(RunRow.source).where(RunRow.id == run_id).scalar_subquery()
        link = ArticleSourceRow
        new = select(func.count()).where(link.source == source, link.first_capture_id.in_(ours))
        changed = (
            select(func.count())
            .select_from(ArticleVersionRow)
            .join(link, link.article_id == ArticleVersionRow.article_id)
            .where(
                link.source == source,
                ArticleVersionRow.capture_id.in_(ours),
                link.first_capture_id.is_distinct_from(ArticleVersionRow.capture_id),
            )
        )
        with Session(self.engine) as session:
            return int(session.scalar(new) or 0), int(session.scalar(changed) or 0)

    def get_run(self, run_id: str) -> RunRecord | None:
        with Session(self.engine) as session:
            row = session.get(RunRow, run_id)
            return None if row is None else _record(row)

    def runs(
        self, source: str | None = None, status: str | None = None, limit: int | None = None
    ) -> list[RunRecord]:
        """Runs, the latest started first (queued ones, not started yet, before them)."""
        statement = select(RunRow)
        if source is not None:
            statement = statement.where(RunRow.source == source)
        if status is not None:
            statement = statement.where(RunRow.status == status)
        order = (RunRow.started_at.desc().nulls_first(), RunRow.id.desc())
        with Session(self.engine) as session:
            return [
                _record(row) for row in session.scalars(statement.order_by(*order).limit(limit))
            ]
