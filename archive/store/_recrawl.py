"""The store's recrawl helpers: the digest index and conditional requests.

* ``find_original``: the first response with a payload digest (in a collection, or
  anywhere): what an identical-payload ``revisit`` refers to. The digest index is the
  ``captures`` table (indexed on ``payload_digest``), so it spans runs and survives them.
* ``last_response``: the latest 200 response of a URL, with its ``ETag`` and
  ``Last-Modified``: what a conditional request sends, and what a 304 revisit refers to.

Article events (removed, restored) and edits are in ``_events.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from archive.store._rows import articles_of
from archive.store._schema import (
    ArticleRow,
    CaptureRow,
)
from archive.warc.records import Original, RecordRef

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.engine import Connection, Engine

__all__ = ["CaptureLog", "LastResponse", "RecrawlMixin", "StoredAt"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoredAt:
    """Where a response is stored, and its status."""

    collection: str
    filename: str
    offset: int
    length: int
    status: int


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


_CAPTURES = CaptureRow.__table__


def _first_response(in_collection: bool) -> Any:
    """The first response with a payload digest: what an identical payload revisits."""
    c = _CAPTURES.c
    where = [c.payload_digest == bindparam("digest"), c.record_type == "response"]
    if in_collection:
        where.append(c.collection == bindparam("collection"))
    return select(_CAPTURES).where(*where).order_by(c.fetched_at, c.id).limit(1)


def _latest_response(in_collection: bool) -> Any:
    """A URL's latest 200 response: what a conditional request revalidates."""
    c = _CAPTURES.c
    where = [c.url == bindparam("url"), c.status == 200, c.record_type == "response"]
    if in_collection:
        where.append(c.collection == bindparam("collection"))
    return select(_CAPTURES).where(*where).order_by(c.fetched_at.desc(), c.id.desc()).limit(1)


_FIRST = {True: _first_response(True), False: _first_response(False)}
_LATEST = {True: _latest_response(True), False: _latest_response(False)}


def _original(row: Any) -> Original:
    return Original(row.record_id, row.url, row.fetched_at, row.payload_digest)


def _find_original(connection: Connection, digest: str, collection: str | None) -> Original | None:
    params = {"digest": digest, "collection": collection}
    row = connection.execute(_FIRST[collection is not None], params).first()
    return None if row is None else _original(row)


def _last_response(connection: Connection, url: str, collection: str | None) -> LastResponse | None:
    params = {"url": url, "collection": collection}
    row = connection.execute(_LATEST[collection is not None], params).first()
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


class RecrawlMixin:
    """``Store``'s helpers for incremental crawls."""

    engine: Engine

    def _write(self, work: Callable[[Session], T]) -> T:  # pragma: no cover - Store's
        raise NotImplementedError

    def capture_log(self, collection: str, run_id: str | None = None) -> CaptureLog:
        """A batched writer of one crawl's captures (close it at the end of the crawl)."""
        return CaptureLog(self.engine, collection, run_id)

    def find_original(self, payload_digest: str, collection: str | None = None) -> Original | None:
        """The first response stored with this payload digest (None: never seen)."""
        if not payload_digest:
            return None
        with self.engine.connect() as connection:
            return _find_original(connection, payload_digest, collection)

    def last_response(self, url: str, collection: str | None = None) -> LastResponse | None:
        """The latest 200 response of ``url`` (a revisit's original counts through it)."""
        with self.engine.connect() as connection:
            return _last_response(connection, url, collection)

    def run_captures(self, run_id: str) -> dict[str, StoredAt]:
        """Each URL a run captured, at its last capture: where the response the crawl
        got is stored (a revisit's is the record it refers to) and its status."""
        original = aliased(CaptureRow)
        statement = (
            select(
                CaptureRow.url,
                CaptureRow.record_type,
                CaptureRow.collection,
                CaptureRow.warc_filename,
                CaptureRow.warc_offset,
                CaptureRow.warc_length,
                CaptureRow.status,
                original.collection,
                original.warc_filename,
                original.warc_offset,
                original.warc_length,
                original.status,
            )
            .outerjoin(original, original.record_id == CaptureRow.refers_to)
            .where(CaptureRow.run_id == run_id)
            .order_by(CaptureRow.fetched_at, CaptureRow.id)
        )
        found: dict[str, StoredAt] = {}
        with self.engine.connect() as connection:
            for url, kind, *own, o_coll, o_file, o_offset, o_length, o_status in connection.execute(
                statement
            ):
                if kind != "revisit":
                    found[url] = StoredAt(*own)
                elif o_file is not None:
                    found[url] = StoredAt(o_coll, o_file, o_offset, o_length, o_status)
        return found

    def held_payloads(self, collection: str) -> tuple[set[str], set[tuple[str, str]]]:
        """What ``collection`` holds already, for a backfill to skip: the other archives'
        URLs it was backfilled from (``origin``), and each (URL, payload digest) captured."""
        statement = select(CaptureRow.url, CaptureRow.payload_digest, CaptureRow.origin).where(
            CaptureRow.collection == collection
        )
        origins: set[str] = set()
        payloads: set[tuple[str, str]] = set()
        with self.engine.connect() as connection:
            for url, digest, origin in connection.execute(statement):
                payloads.add((str(url), str(digest)))
                if origin:
                    origins.add(str(origin))
        return origins, payloads

    def article_fetch_times(self, source: str, collection: str) -> dict[str, datetime]:
        """URL -> when it was last fetched (200 or 304), for every article of ``source``."""
        statement = (
            select(CaptureRow.url, func.max(CaptureRow.fetched_at))
            .join(ArticleRow, ArticleRow.url == CaptureRow.url)
            .where(
                ArticleRow.id.in_(articles_of(source)),
                CaptureRow.collection == collection,
                CaptureRow.status.in_((200, 304)),
            )
            .group_by(CaptureRow.url)
        )
        with Session(self.engine) as session:
            return {str(url): when for url, when in session.execute(statement)}


class CaptureLog:
    """One crawl's captures, written in batches, with the look-ups a crawl makes per page.

    The ORM costs about 2 ms a page for a look-up, an insert and another look-up; this
    uses compiled Core statements on one connection and inserts in batches (an upsert
    on the record id, since the extraction pipeline may have added an article's capture
    first), about a tenth of that. Captures not yet flushed are looked up in memory.
    """

    def __init__(
        self, engine: Engine, collection: str, run_id: str | None, batch: int = 200
    ) -> None:
        self.engine = engine
        self.collection = collection
        self.run_id = run_id
        self.batch = batch
        self._pending: list[dict[str, Any]] = []
        self._by_digest: dict[str, Original] = {}
        self._connection = engine.connect()

    def find_original(self, payload_digest: str, anywhere: bool = False) -> Original | None:
        pending = self._by_digest.get(payload_digest)
        if pending is not None:
            return pending
        found = _find_original(
            self._connection, payload_digest, None if anywhere else self.collection
        )
        self._connection.rollback()  # end the read: SQLite keeps no snapshot open
        return found

    def add(  # noqa: PLR0917 - a capture's fields
        self,
        url: str,
        fetched_at: datetime,
        status: int,
        content_type: str,
        ref: RecordRef,
        original: Original | None,
        etag: str | None,
        last_modified: str | None,
        origin: str | None = None,
    ) -> None:
        """Add a capture; ``origin``: the other archive's URL of a backfilled one."""
        self._pending.append(
            {
                "run_id": self.run_id,
                "collection": self.collection,
                "url": url,
                "fetched_at": fetched_at,
                "status": status,
                "content_type": content_type,
                "payload_digest": ref.payload_digest,
                "warc_filename": ref.filename,
                "warc_offset": ref.offset,
                "warc_length": ref.length,
                "record_id": ref.record_id,
                "record_type": "revisit" if original is not None else "response",
                "refers_to": original.record_id if original is not None else None,
                "etag": etag,
                "last_modified": last_modified,
                "origin": origin,
            }
        )
        if original is None and status == 200 and ref.payload_digest:
            self._by_digest.setdefault(
                ref.payload_digest, Original(ref.record_id, url, fetched_at, ref.payload_digest)
            )
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        dialect = self.engine.dialect.name
        statement: Any = (
            sqlite_insert(CaptureRow) if dialect == "sqlite" else postgresql_insert(CaptureRow)
        )
        fields = ("record_type", "refers_to", "etag", "last_modified", "run_id", "origin")
        statement = statement.on_conflict_do_update(
            index_elements=["record_id"],
            set_={name: statement.excluded[name] for name in fields},
        )
        with Session(self._connection) as session:
            session.execute(statement, rows)
            session.commit()
        self._by_digest.clear()

    def last_response(self, url: str) -> LastResponse | None:
        """The latest 200 response of ``url`` in this collection."""
        found = _last_response(self._connection, url, self.collection)
        self._connection.rollback()
        return found

    def capture_id(self, record_id: str) -> int | None:
        self.flush()
        found = self._connection.execute(
            select(_CAPTURES.c.id).where(_CAPTURES.c.record_id == record_id)
        ).scalar()
        self._connection.rollback()
        return None if found is None else int(found)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._connection.close()
