"""Between the store's rows and its values: ``Article`` <-> ``article_versions`` row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from archive.store._schema import ArticleSourceRow, ArticleVersionRow
from archive.text._fold import fold
from archive.text.article import Article, DatedValue
from archive.warc.records import RecordRef

if TYPE_CHECKING:
    from sqlalchemy import Select

    from archive.store._schema import CaptureRow

__all__ = ["article_of", "articles_of", "local_time", "ref_of", "search_text", "version_values"]


def search_text(article: Article) -> str:
    """Title, authors, body and credit name, folded for the search."""
    parts = [article.title, *article.authors, article.body]
    if article.credit is not None:
        parts.append(article.credit.name)
    return fold("\n".join(parts))


def _offset(value: datetime) -> int:
    delta = value.utcoffset()
    if delta is None:
        raise ValueError(f"the records store takes timezone-aware datetimes, got {value!r}")
    return int(delta.total_seconds())


def local_time(value: datetime, offset: int | None) -> datetime:
    """A stored UTC moment back in its page's own UTC offset (seconds east of UTC)."""
    return value.astimezone(timezone(timedelta(seconds=offset or 0)))


def _dated(value: datetime | None, offset: int | None, source: str | None) -> DatedValue | None:
    if value is None:
        return None
    return DatedValue(local_time(value, offset), source or "")


def version_values(
    article: Article, article_id: int, capture_id: int, search: str
) -> dict[str, Any]:
    """A new version row's values, every field of ``article``; ``search`` is its search text."""
    published, modified, credit = article.published, article.modified, article.credit
    values: dict[str, Any] = {
        "article_id": article_id,
        "capture_id": capture_id,
        "extracted_at": datetime.now(UTC),
        "published": published.value if published else None,
        "published_offset": _offset(published.value) if published else None,
        "published_source": published.source if published else None,
        "modified": modified.value if modified else None,
        "modified_offset": _offset(modified.value) if modified else None,
        "modified_source": modified.source if modified else None,
        "credit_name": credit.name if credit else None,
        "credit_url": credit.url if credit else None,
        "credit_line": credit.line if credit else None,
        "search_text": search,
    }
    for name in _PLAIN_FIELDS:  # as to_dict gives them, without copying the whole article
        value = getattr(article, name)
        if isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        values[name] = value
    return values


# The Article fields stored as they are in their own column of the same name.
_PLAIN_FIELDS = (
    "url",
    "canonical_url",
    "title",
    "body",
    "body_hash",
    "authors",
    "tags",
    "comments",
    "language",
    "site",
    "platform",
    "word_count",
    "encoding",
    "encoding_confidence",
    "encoding_note",
    "extractor",
    "extractor_version",
    "extractor_options",
)


def article_of(row: ArticleVersionRow) -> Article:
    """The ``Article`` a version row holds."""
    data: dict[str, Any] = {name: getattr(row, name) for name in _PLAIN_FIELDS}
    credit = None
    if row.credit_name is not None:
        credit = {"name": row.credit_name, "url": row.credit_url, "line": row.credit_line or ""}
    article = Article.from_dict({**data, "credit": credit})
    published = _dated(row.published, row.published_offset, row.published_source)
    modified = _dated(row.modified, row.modified_offset, row.modified_source)
    return replace(article, published=published, modified=modified)


def ref_of(capture: CaptureRow) -> RecordRef:
    """Where the capture's record is, as ``archive.warc.records`` names it."""
    return RecordRef(
        capture.warc_filename,
        capture.warc_offset,
        capture.warc_length,
        capture.record_id,
        capture.payload_digest,
    )


def articles_of(source: str) -> Select[int]:
    """The ids of the articles that belong to ``source``: every one it captured, whoever
    captured it first (``article_sources``). Per-source questions filter by this."""
    return select(ArticleSourceRow.article_id).where(ArticleSourceRow.source == source)
