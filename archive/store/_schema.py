"""The records database's tables as typed SQLAlchemy models.

The models describe the schema that ``archive/store/migrations`` creates; the migrations,
not ``create_all``, make it. ``tests/archive/store/test_store.py`` checks that the two agree.

Times are stored as UTC (``UTCDateTime``) and come back timezone-aware. An article's
published/modified moments keep their original UTC offset in a second column (seconds
east of UTC), so ``+07:00`` comes back as ``+07:00``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from archive.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

__all__ = [
    "RUN_STATUSES",
    "ArticleEventRow",
    "ArticleRow",
    "ArticleSourceRow",
    "ArticleVersionRow",
    "Base",
    "CaptureRow",
    "PassageRow",
    "RunRow",
    "StoreError",
    "UTCDateTime",
]

RUN_STATUSES = frozenset(
    {"queued", "running", "finished", "failed", "timed_out", "stopped", "skipped", "interrupted"}
)

# Deterministic constraint names on every database, so batch migrations can find them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; naive UTC on SQLite, which has no time zones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"the records store takes timezone-aware datetimes, got {value!r}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (Index(None, "source", "started_at"), Index(None, "status"))

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    collection: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    finish_reason: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    archived_bytes: Mapped[int] = mapped_column("bytes", BigInteger, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_changed: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    warc_files: Mapped[list[str]] = mapped_column(JSON, default=list)
    log_path: Mapped[str | None] = mapped_column(Text)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # [{"kind", "url", "line"}]: the first URLs of each error kind, where the log says so.
    failed_urls: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class CaptureRow(Base):
    __tablename__ = "captures"
    __table_args__ = (Index(None, "url"), Index(None, "payload_digest"), Index(None, "run_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    collection: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(Text)
    payload_digest: Mapped[str] = mapped_column(String(200))
    warc_filename: Mapped[str] = mapped_column(Text)
    warc_offset: Mapped[int] = mapped_column(BigInteger)  # WARCs pass 2 GiB
    warc_length: Mapped[int] = mapped_column(BigInteger)
    record_id: Mapped[str] = mapped_column(String(200), unique=True)
    # Since 0002: revisits, and what a conditional request needs.
    record_type: Mapped[str] = mapped_column(
        String(20), default="response", server_default="response"
    )
    refers_to: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # Since 0010: a backfilled capture's WARC-Source-URI (the other archive's URL for it).
    origin: Mapped[str | None] = mapped_column(Text)


class ArticleEventRow(Base):
    """An article seen before that is gone (``removed``) or back (``restored``)."""

    __tablename__ = "article_events"
    __table_args__ = (Index(None, "url"), Index(None, "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    collection: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))


class ArticleRow(Base):
    __tablename__ = "articles"
    __table_args__ = (Index(None, "source"), Index(None, "last_seen"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    source: Mapped[str] = mapped_column(String(200))
    site: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(50))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    # Circular with article_versions.article_id: the migration adds it after both tables.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_versions.id", use_alter=True)
    )


class ArticleSourceRow(Base):
    """A source that captured an article: an article belongs to every such source.

    ``articles.source`` is the first of them, the one that found it; every per-source
    question (counts, filters, a run's new articles) asks this table. Since 0007.
    """

    __tablename__ = "article_sources"
    __table_args__ = (Index(None, "source"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    first_capture_id: Mapped[int | None] = mapped_column(
        ForeignKey("captures.id", ondelete="SET NULL")
    )
    """The capture that made it this source's: its run counts the article as new."""


class ArticleVersionRow(Base):
    """One distinct body of one article, with every field of the ``Article``."""

    __tablename__ = "article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "body_hash"),
        Index(None, "capture_id"),
        Index(None, "url"),
        Index(None, "passages"),  # finds the versions not fingerprinted yet
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id"))
    body_hash: Mapped[str] = mapped_column(String(64))
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_offset: Mapped[int | None] = mapped_column(Integer)
    published_source: Mapped[str | None] = mapped_column(String(100))
    modified: Mapped[datetime | None] = mapped_column(UTCDateTime)
    modified_offset: Mapped[int | None] = mapped_column(Integer)
    modified_source: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(35))
    site: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(50))
    tags: Mapped[list[str]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    comments: Mapped[list[str]] = mapped_column(JSON)
    credit_name: Mapped[str | None] = mapped_column(Text)
    credit_url: Mapped[str | None] = mapped_column(Text)
    credit_line: Mapped[str | None] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(50))
    encoding_confidence: Mapped[float] = mapped_column(Float)
    encoding_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    extractor: Mapped[str] = mapped_column(String(100))
    extractor_version: Mapped[str] = mapped_column(String(100))
    extractor_options: Mapped[list[list[str]]] = mapped_column(JSON)
    search_text: Mapped[str] = mapped_column(Text)
    conversion_id: Mapped[str | None] = mapped_column(String(200))
    metadata_id: Mapped[str | None] = mapped_column(String(200))
    # Since 0005: how many passage fingerprints it has; None until they are computed.
    passages: Mapped[int | None] = mapped_column(Integer)


class PassageRow(Base):
    """One passage fingerprint of one version's body (``archive/text/passages.py``): the
    rows that find which articles republish which, by the fingerprints they share."""

    __tablename__ = "passages"
    __table_args__ = (Index(None, "hash"),)

    version_id: Mapped[int] = mapped_column(
        ForeignKey("article_versions.id", ondelete="CASCADE"), primary_key=True
    )
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # an unsigned CRC-32
