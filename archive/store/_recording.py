"""Writing captures and articles in a session: a capture row once per record id, an
article and its versions, the change each capture makes (new, changed, unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from archive.store._events import restore_if_removed
from archive.store._rows import search_text, version_row
from archive.store._schema import (
    ArticleRow,
    ArticleSourceRow,
    ArticleVersionRow,
    CaptureRow,
)

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from archive.text.article import Article
    from archive.warc.records import RecordRef


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


def capture_row(
    session: Session,
    fields: CaptureFields,
    *,
    record_type: str = "response",
    refers_to: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> CaptureRow:
    """The capture of ``fields.ref``'s record id: the one known already, else a new one."""
    found = session.scalar(select(CaptureRow).filter_by(record_id=fields.ref.record_id))
    if found is not None:
        return found
    ref = fields.ref
    row = CaptureRow(
        run_id=fields.run_id,
        collection=fields.collection,
        url=fields.url,
        fetched_at=fields.fetched_at,
        status=fields.status,
        content_type=fields.content_type,
        payload_digest=fields.payload_digest or ref.payload_digest,
        warc_filename=ref.filename,
        warc_offset=ref.offset,
        warc_length=ref.length,
        record_id=ref.record_id,
        record_type=record_type,
        refers_to=refers_to,
        etag=etag,
        last_modified=last_modified,
    )
    session.add(row)
    session.flush()
    return row


def record_in(  # noqa: PLR0917 - record_article's arguments, in its order
    session: Session,
    article: Article,
    capture: CaptureRow,
    source: str,
    conversion_id: str | None,
    metadata_id: str | None,
) -> tuple[int, Change]:
    """``Store.record_article``'s work, in ``session``."""
    key = article.canonical_url or article.url
    row = session.scalar(select(ArticleRow).filter_by(url=key).with_for_update())
    created = row is None
    if row is None:
        row = _new_article(session, key, source, article, capture.fetched_at)
        change: Change = "new"
        latest = True
    else:
        latest = capture.fetched_at >= row.last_seen
        change = _touch(row, article, capture.fetched_at)
    if _belongs(session, row.id, source, capture, created=created):
        change = "new"  # new to this source, whoever captured it before
    # A row made just now has no versions: no query to ask (measured, each statement
    # through the ORM costs about half a millisecond of an extraction process's time).
    version = (
        None
        if created
        else session.scalar(
            select(ArticleVersionRow).filter_by(article_id=row.id, body_hash=article.body_hash)
        )
    )
    if version is None:  # new: add where its derived records are
        version = version_row(article, row.id, capture.id, search_text(article))
        version.conversion_id, version.metadata_id = conversion_id, metadata_id
        session.add(version)
        session.flush()
    if change != "new" and version.id == row.current_version_id:
        change = "unchanged"
    if latest:
        row.current_version_id = version.id
        restore_if_removed(session, row, article.url, source, capture)
    return version.id, change


def _new_article(
    session: Session, key: str, source: str, article: Article, seen: datetime
) -> ArticleRow:
    row = ArticleRow(
        url=key,
        source=source,
        site=article.site,
        platform=article.platform,
        first_seen=seen,
        last_seen=seen,
    )
    session.add(row)
    session.flush()
    return row


def _belongs(
    session: Session, article_id: int, source: str, capture: CaptureRow, *, created: bool
) -> bool:
    """The article belongs to ``source`` too (``article_sources``); True if it did not
    yet. ``articles.source`` stays the first source's: a second source over the same
    pages takes nothing from the first. An article ``created`` just now belongs to none."""
    if not source:
        return False
    seen = capture.fetched_at
    link = None if created else session.get(ArticleSourceRow, (article_id, source))
    if link is not None:
        if seen < link.first_seen:  # an older capture read late (WARCs re-read)
            link.first_seen, link.first_capture_id = seen, capture.id
        link.last_seen = max(link.last_seen, seen)
        return False
    session.add(
        ArticleSourceRow(
            article_id=article_id,
            source=source,
            first_seen=seen,
            last_seen=seen,
            first_capture_id=capture.id,
        )
    )  # flushed with the version: nothing needs its key before
    return True


def _touch(row: ArticleRow, article: Article, seen: datetime) -> Change:
    """Update the article's seen times and labels; "changed" until proven otherwise."""
    row.first_seen = min(row.first_seen, seen)
    row.last_seen = max(row.last_seen, seen)
    row.site = article.site or row.site
    row.platform = article.platform or row.platform
    return "changed"
