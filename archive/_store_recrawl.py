"""The store's recrawl helpers: the digest index, conditional requests, article events.

* ``find_original``: the first response with a payload digest (in a collection, or
  anywhere): what an identical-payload ``revisit`` refers to. The digest index is the
  ``captures`` table (indexed on ``payload_digest``), so it spans runs and survives them.
* ``last_response``: the latest 200 response of a URL, with its ``ETag`` and
  ``Last-Modified``: what a conditional request sends, and what a 304 revisit refers to.
* ``add_event`` / ``events`` / ``changes``: ``removed`` and ``restored`` events of
  articles, and edits (every version after an article's first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive._store_schema import (
    ArticleEventRow,
    ArticleRow,
    ArticleVersionRow,
    CaptureRow,
)
from archive.records import Original

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.engine import Engine

__all__ = ["ChangeRecord", "EventRecord", "LastResponse", "RecrawlMixin"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LastResponse:
    """A URL's latest 200 response: what to revalidate against."""

    original: Original
    etag: str | None
    last_modified: str | None
    capture_id: int
    filename: str = ""
    offset: int = 0
    length: int = 0


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    url: str
    source: str
    collection: str
    kind: str  # removed | restored
    at: datetime
    status: int | None
    detail: str
    capture_id: int | None


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One line of ``archivist changes``: an edit, a removal or a restoration."""

    kind: str  # edited | removed | restored
    at: datetime
    url: str
    source: str
    title: str
    detail: str
    version_id: int | None = None
    previous_version_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": self.at.isoformat(),
            "url": self.url,
            "source": self.source,
            "title": self.title,
            "detail": self.detail,
            "version_id": self.version_id,
            "previous_version_id": self.previous_version_id,
        }


def _original(row: CaptureRow) -> Original:
    return Original(row.record_id, row.url, row.fetched_at, row.payload_digest)


def _event(row: ArticleEventRow) -> EventRecord:
    return EventRecord(
        row.id,
        row.url,
        row.source,
        row.collection,
        row.kind,
        row.at,
        row.status,
        row.detail,
        row.capture_id,
    )


class RecrawlMixin:
    """``Store``'s helpers for incremental crawls."""

    engine: Engine

    def _write(self, work: Callable[[Session], T]) -> T:  # pragma: no cover - Store's
        raise NotImplementedError

    def find_original(self, payload_digest: str, collection: str | None = None) -> Original | None:
        """The first response stored with this payload digest (None: never seen)."""
        if not payload_digest:
            return None
        statement = select(CaptureRow).where(
            CaptureRow.payload_digest == payload_digest, CaptureRow.record_type == "response"
        )
        if collection is not None:
            statement = statement.where(CaptureRow.collection == collection)
        statement = statement.order_by(CaptureRow.fetched_at, CaptureRow.id).limit(1)
        with Session(self.engine) as session:
            row = session.scalar(statement)
            return None if row is None else _original(row)

    def last_response(self, url: str, collection: str | None = None) -> LastResponse | None:
        """The latest 200 response of ``url`` (a revisit's original counts through it)."""
        statement = select(CaptureRow).where(
            CaptureRow.url == url, CaptureRow.status == 200, CaptureRow.record_type == "response"
        )
        if collection is not None:
            statement = statement.where(CaptureRow.collection == collection)
        statement = statement.order_by(CaptureRow.fetched_at.desc(), CaptureRow.id.desc()).limit(1)
        with Session(self.engine) as session:
            row = session.scalar(statement)
            if row is None:
                return None
            return LastResponse(
                _original(row),
                row.etag,
                row.last_modified,
                row.id,
                row.warc_filename,
                row.warc_offset,
                row.warc_length,
            )

    def article_source(self, url: str) -> tuple[str, str] | None:
        """(source, url key) of the article seen at ``url``, if it is one."""
        with Session(self.engine) as session:
            row = session.execute(
                select(ArticleRow.source, ArticleRow.url).where(ArticleRow.url == url)
            ).first()
            if row is None:
                row = session.execute(
                    select(ArticleRow.source, ArticleRow.url)
                    .join(ArticleVersionRow, ArticleVersionRow.article_id == ArticleRow.id)
                    .where(ArticleVersionRow.url == url)
                    .limit(1)
                ).first()
            return None if row is None else (str(row[0]), str(row[1]))

    def last_event(self, url: str) -> EventRecord | None:
        statement = (
            select(ArticleEventRow)
            .where(ArticleEventRow.url == url)
            .order_by(ArticleEventRow.at.desc(), ArticleEventRow.id.desc())
            .limit(1)
        )
        with Session(self.engine) as session:
            row = session.scalar(statement)
            return None if row is None else _event(row)

    def add_event(  # noqa: PLR0917 - the event's fields, in order
        self,
        url: str,
        source: str,
        collection: str,
        kind: str,
        at: datetime,
        detail: str,
        status: int | None = None,
        capture_id: int | None = None,
    ) -> EventRecord:
        if kind not in {"removed", "restored"}:
            raise ValueError(f"unknown article event {kind!r}: removed or restored")
        row = ArticleEventRow(
            url=url,
            source=source,
            collection=collection,
            kind=kind,
            at=at,
            status=status,
            detail=detail,
            capture_id=capture_id,
        )

        def work(session: Session) -> EventRecord:
            session.add(row)
            session.flush()
            return _event(row)

        return self._write(work)

    def events(self, since: datetime | None = None, source: str | None = None) -> list[EventRecord]:
        statement = select(ArticleEventRow)
        if since is not None:
            statement = statement.where(ArticleEventRow.at >= since)
        if source is not None:
            statement = statement.where(ArticleEventRow.source == source)
        with Session(self.engine) as session:
            rows = session.scalars(statement.order_by(ArticleEventRow.at, ArticleEventRow.id))
            return [_event(row) for row in rows]

    def changes(
        self, since: datetime | None = None, source: str | None = None
    ) -> list[ChangeRecord]:
        """Edits (each version after an article's first), removals and restorations."""
        found: list[ChangeRecord] = []
        with Session(self.engine) as session:
            statement = (
                select(ArticleVersionRow, ArticleRow.source, CaptureRow.fetched_at)
                .join(ArticleRow, ArticleRow.id == ArticleVersionRow.article_id)
                .join(CaptureRow, CaptureRow.id == ArticleVersionRow.capture_id)
                .order_by(ArticleVersionRow.article_id, CaptureRow.fetched_at, ArticleVersionRow.id)
            )
            if source is not None:
                statement = statement.where(ArticleRow.source == source)
            previous: dict[int, int] = {}
            for version, article_source, fetched in session.execute(statement):
                before = previous.get(version.article_id)
                previous[version.article_id] = version.id
                if before is None or (since is not None and fetched < since):
                    continue
                found.append(
                    ChangeRecord(
                        "edited",
                        fetched,
                        version.url,
                        article_source,
                        version.title,
                        f"version {before} -> {version.id}",
                        version.id,
                        before,
                    )
                )
            count = session.scalar(select(func.count()).select_from(ArticleEventRow)) or 0
        if count:
            found.extend(
                ChangeRecord(event.kind, event.at, event.url, event.source, "", event.detail)
                for event in self.events(since, source)
            )
        return sorted(found, key=lambda change: (change.at, change.url))
