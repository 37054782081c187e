"""Writing captures and articles on a connection: a capture row once per record id, an
article and its versions, the change each capture makes (new, changed, unchanged).

In SQLAlchemy Core statements built once, not ORM objects: measured on the benchmark's
articles, the ORM's unit of work cost an extraction process 4 ms per article, where
SQLite's own work is well under one. ``tests/archive/store/test_rows_written.py``
holds the rows, column by column, that the ORM wrote and these statements write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from sqlalchemy import bindparam, insert, select, update

from archive.store._rows import search_text, version_values
from archive.store._schema import Base

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Connection
    from sqlalchemy.sql import Insert

    from archive.text.article import Article
    from archive.warc.records import RecordRef

__all__ = [
    "ArticleCapture",
    "CaptureFields",
    "CaptureKey",
    "Change",
    "capture_by_id",
    "capture_key",
    "record_in",
]

Change = Literal["new", "changed", "unchanged"]


@dataclass(frozen=True, slots=True)
class CaptureFields:
    """A capture's fields, as ``Store.add_capture`` takes them."""

    collection: str
    url: str
    fetched_at: datetime
    status: int
    content_type: str
    payload_digest: str
    ref: RecordRef
    run_id: str | None = None

    def __post_init__(self) -> None:
        if self.fetched_at.utcoffset() is None:
            raise ValueError(f"fetched_at must be timezone-aware, got {self.fetched_at!r}")


class ArticleCapture(NamedTuple):
    """A capture and the article extracted from it, as ``Store.add_captures_with_articles``
    takes them."""

    capture: CaptureFields
    article: Article
    source: str
    conversion_id: str | None = None
    metadata_id: str | None = None


class CaptureKey(NamedTuple):
    """What recording an article needs of its capture."""

    id: int
    collection: str
    fetched_at: datetime
    status: int


_CAPTURES = Base.metadata.tables["captures"]
_ARTICLES = Base.metadata.tables["articles"]
_SOURCES = Base.metadata.tables["article_sources"]
_VERSIONS = Base.metadata.tables["article_versions"]
_EVENTS = Base.metadata.tables["article_events"]

_CAPTURE = select(
    _CAPTURES.c.id, _CAPTURES.c.collection, _CAPTURES.c.fetched_at, _CAPTURES.c.status
)
_CAPTURE_BY_RECORD = _CAPTURE.where(_CAPTURES.c.record_id == bindparam("record_id"))
_CAPTURE_BY_ID = _CAPTURE.where(_CAPTURES.c.id == bindparam("capture_id"))
_ARTICLE = (
    select(
        _ARTICLES.c.id,
        _ARTICLES.c.first_seen,
        _ARTICLES.c.last_seen,
        _ARTICLES.c.site,
        _ARTICLES.c.platform,
        _ARTICLES.c.current_version_id,
    )
    .where(_ARTICLES.c.url == bindparam("key"))
    .with_for_update()
)  # SQLite: BEGIN IMMEDIATE
_UPDATE_ARTICLE = update(_ARTICLES).where(_ARTICLES.c.id == bindparam("row_id"))
_LINK = select(_SOURCES.c.first_seen, _SOURCES.c.last_seen).where(
    _SOURCES.c.article_id == bindparam("article_id"), _SOURCES.c.source == bindparam("source")
)
_UPDATE_LINK = update(_SOURCES).where(
    _SOURCES.c.article_id == bindparam("row_article"), _SOURCES.c.source == bindparam("row_source")
)
_VERSION = select(_VERSIONS.c.id).where(
    _VERSIONS.c.article_id == bindparam("article_id"),
    _VERSIONS.c.body_hash == bindparam("body_hash"),
)
_INSERT_CAPTURE = insert(_CAPTURES)
_INSERT_ARTICLE = insert(_ARTICLES)
_INSERT_LINK = insert(_SOURCES)
_INSERT_VERSION = insert(_VERSIONS)
_INSERT_EVENT = insert(_EVENTS)
_LAST_EVENT = (
    select(_EVENTS.c.url, _EVENTS.c.kind, _EVENTS.c.at, _EVENTS.c.detail)
    .where(_EVENTS.c.url.in_(bindparam("urls", expanding=True)))
    .order_by(_EVENTS.c.at.desc(), _EVENTS.c.id.desc())
    .limit(1)
)


def capture_key(
    connection: Connection,
    fields: CaptureFields,
    *,
    record_type: str = "response",
    refers_to: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> CaptureKey:
    """The capture of ``fields.ref``'s record id: the one known already, else a new one."""
    ref = fields.ref
    found = connection.execute(_CAPTURE_BY_RECORD, {"record_id": ref.record_id}).first()
    if found is not None:
        return CaptureKey(*found)
    values = {
        "run_id": fields.run_id,
        "collection": fields.collection,
        "url": fields.url,
        "fetched_at": fields.fetched_at,
        "status": fields.status,
        "content_type": fields.content_type,
        "payload_digest": fields.payload_digest or ref.payload_digest,
        "warc_filename": ref.filename,
        "warc_offset": ref.offset,
        "warc_length": ref.length,
        "record_id": ref.record_id,
        "record_type": record_type,
        "refers_to": refers_to,
        "etag": etag,
        "last_modified": last_modified,
    }
    new_id = _insert(connection, _INSERT_CAPTURE, values)
    return CaptureKey(new_id, fields.collection, fields.fetched_at, fields.status)


def capture_by_id(connection: Connection, capture_id: int) -> CaptureKey | None:
    found = connection.execute(_CAPTURE_BY_ID, {"capture_id": capture_id}).first()
    return None if found is None else CaptureKey(*found)


def record_in(  # noqa: PLR0917 - record_article's arguments, in its order
    connection: Connection,
    article: Article,
    capture: CaptureKey,
    source: str,
    conversion_id: str | None,
    metadata_id: str | None,
) -> tuple[int, Change]:
    """``Store.record_article``'s work, on ``connection`` (in its transaction)."""
    key = article.canonical_url or article.url
    seen = capture.fetched_at
    row = connection.execute(_ARTICLE, {"key": key}).first()
    changes: dict[str, Any] = {}
    if row is None:
        article_id = _insert(
            connection,
            _INSERT_ARTICLE,
            {
                "url": key,
                "source": source,
                "site": article.site,
                "platform": article.platform,
                "first_seen": seen,
                "last_seen": seen,
            },
        )
        change: Change = "new"
        latest, current = True, None
    else:
        article_id, current = row.id, row.current_version_id
        latest = seen >= row.last_seen
        change = "changed"  # until proven otherwise
        changes = _touched(row, article, seen)
    if _belongs(connection, article_id, source, capture, created=row is None):
        change = "new"  # new to this source, whoever captured it before
    # A row made just now has no versions: no query to ask.
    found = (
        None
        if row is None
        else connection.execute(
            _VERSION, {"article_id": article_id, "body_hash": article.body_hash}
        ).scalar()
    )
    if found is None:  # new: add where its derived records are
        values = version_values(article, article_id, capture.id, search_text(article))
        values["conversion_id"], values["metadata_id"] = conversion_id, metadata_id
        version_id = _insert(connection, _INSERT_VERSION, values)
    else:
        version_id = found
    if change != "new" and version_id == current:
        change = "unchanged"
    if latest:
        if version_id != current:
            changes["current_version_id"] = version_id
        _restore_if_removed(connection, key, article.url, source, capture)
    if changes:
        connection.execute(_UPDATE_ARTICLE, {"row_id": article_id, **changes})
    return version_id, change


def _insert(connection: Connection, statement: Insert, values: dict[str, Any]) -> int:
    """Insert one row of ``values``; its new id."""
    key = connection.execute(statement, values).inserted_primary_key
    assert key is not None
    return int(key[0])


def _touched(row: Any, article: Article, seen: datetime) -> dict[str, Any]:
    """The article's seen times and labels that ``seen`` and ``article`` change."""
    values = {
        "first_seen": min(row.first_seen, seen),
        "last_seen": max(row.last_seen, seen),
        "site": article.site or row.site,
        "platform": article.platform or row.platform,
    }
    return {name: value for name, value in values.items() if value != getattr(row, name)}


def _belongs(
    connection: Connection, article_id: int, source: str, capture: CaptureKey, *, created: bool
) -> bool:
    """The article belongs to ``source`` too (``article_sources``); True if it did not
    yet. ``articles.source`` stays the first source's: a second source over the same
    pages takes nothing from the first. An article ``created`` just now belongs to none."""
    if not source:
        return False
    seen = capture.fetched_at
    link = (
        None
        if created
        else connection.execute(_LINK, {"article_id": article_id, "source": source}).first()
    )
    if link is not None:
        changes: dict[str, Any] = {}
        if seen < link.first_seen:  # an older capture read late (WARCs re-read)
            changes["first_seen"], changes["first_capture_id"] = seen, capture.id
        if seen > link.last_seen:
            changes["last_seen"] = seen
        if changes:
            connection.execute(
                _UPDATE_LINK, {"row_article": article_id, "row_source": source, **changes}
            )
        return False
    values = {
        "article_id": article_id,
        "source": source,
        "first_seen": seen,
        "last_seen": seen,
        "first_capture_id": capture.id,
    }
    connection.execute(_INSERT_LINK, values)
    return True


def _restore_if_removed(
    connection: Connection, key: str, url: str, source: str, capture: CaptureKey
) -> None:
    """An article recorded again after a ``removed`` event is ``restored``."""
    last = connection.execute(_LAST_EVENT, {"urls": sorted({key, url})}).first()
    if last is None or last.kind != "removed" or capture.fetched_at < last.at:
        return
    values = {
        "url": last.url,
        "source": source,
        "collection": capture.collection,
        "kind": "restored",
        "at": capture.fetched_at,
        "status": capture.status,
        "detail": f"back with status {capture.status} after: {last.detail}",
        "capture_id": capture.id,
    }
    connection.execute(_INSERT_EVENT, values)
