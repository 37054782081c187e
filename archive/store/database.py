"""The records database: runs, captures, articles and every version of each article.

SQLAlchemy over SQLite by default (``<home>/archivist.db``) or any PostgreSQL URL.
Opening a ``Store`` brings the schema up to date with the Alembic migrations in
``archive/store/migrations``. SQLite runs in WAL mode with a busy timeout, and every
transaction starts with ``BEGIN IMMEDIATE``, so a crawl and the CLI can share the file.

The WARC files stay the source of truth: ``clear_articles`` empties the article records
so that ``archivist extract`` can rebuild them from the WARCs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import urlsplit

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from archive.store._console import ConsoleMixin
from archive.store._engine import make_engine
from archive.store._events import ChangeRecord, EventRecord, EventsMixin
from archive.store._monitor import MonitorMixin
from archive.store._recording import (
    ArticleCapture,
    CaptureFields,
    CaptureKey,
    Change,
    capture_by_id,
    capture_key,
    record_in,
)
from archive.store._recrawl import (
    CaptureLog,
    LastResponse,
    RecrawlMixin,
)
from archive.store._reposts import RepostsMixin, Republication, TextSide
from archive.store._rows import article_of, articles_of, ref_of, search_text
from archive.store._runs import FailedUrl, RunRecord, RunsMixin
from archive.store._schema import (
    RUN_STATUSES,
    ArticleRow,
    ArticleSourceRow,
    ArticleVersionRow,
    CaptureRow,
    PassageRow,
    StoreError,
)
from archive.text._fold import fold

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from types import TracebackType

    from sqlalchemy.engine import Connection
    from sqlalchemy.sql import ColumnElement

    from archive.text.article import Article
    from archive.warc.records import RecordRef

__all__ = [
    "RUN_STATUSES",
    "ArticleCapture",
    "CaptureFields",
    "CaptureLog",
    "ChangeRecord",
    "EventRecord",
    "FailedUrl",
    "LastResponse",
    "Republication",
    "RunRecord",
    "Store",
    "StoreError",
    "StoredArticle",
    "TextSide",
    "search_text",
]

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant: it serialises concurrent migrations on one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x61726368

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """One version of one article, with where it came from and when it was seen."""

    article: Article
    version_id: int
    source: str
    collection: str
    capture: RecordRef  # the raw capture this version was extracted from
    fetched_at: datetime
    first_seen: datetime
    last_seen: datetime
    extracted_at: datetime
    conversion_id: str | None = None
    metadata_id: str | None = None
    origin: str | None = None
    """Where another archive served the capture (a backfill); None: captured live."""

    @property
    def seen_by(self) -> str:
        """Who captured this version: ``live`` (this crawler), or the archive it was
        backfilled from (``archive web.archive.org``)."""
        return f"archive {urlsplit(self.origin).netloc}" if self.origin else "live"


class Store(RunsMixin, RecrawlMixin, EventsMixin, MonitorMixin, ConsoleMixin, RepostsMixin):
    """The records database at ``url``; a context manager that closes it."""

    def __init__(self, url: str) -> None:
        try:
            self.url = make_url(url)
        except ArgumentError as exc:
            raise StoreError(
                url, "not a database URL (sqlite:///path/archivist.db or postgresql+psycopg://...)"
            ) from exc
        self.shown_url = self.url.render_as_string(hide_password=True)
        self.engine, self.read_only = make_engine(url, self.shown_url)
        try:
            self._migrate()
        except BaseException:
            self.engine.dispose()
            raise

    @classmethod
    def for_home(cls, home: Path) -> Store:
        """The SQLite store of the data folder ``home``: ``<home>/archivist.db``."""
        return cls(f"sqlite:///{home.resolve() / 'archivist.db'}")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _migrate(self) -> None:
        if self.read_only:
            self._check_revision()
            return
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
        try:
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except CommandError as exc:
            raise StoreError(
                self.shown_url, f"{exc}; was it made by a newer archivist? Upgrade archivist"
            ) from exc
        except SQLAlchemyError as exc:
            raise StoreError(self.shown_url, str(exc).splitlines()[0]) from exc

    def _check_revision(self) -> None:
        """A read-only database is used as it is, if its schema is this archivist's."""
        script = ScriptDirectory(str(MIGRATIONS))
        try:
            with self.engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
        except SQLAlchemyError as exc:
            raise StoreError(self.shown_url, str(exc).splitlines()[0]) from exc
        if current != script.get_current_head():
            raise StoreError(
                self.shown_url,
                f"read-only, at schema revision {current}, where this archivist needs "
                f"{script.get_current_head()}: open it once with write access to upgrade it",
            )

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction; again if a concurrent writer won a race."""
        for attempt in range(3):
            try:
                with Session(self.engine, expire_on_commit=False) as session, session.begin():
                    return work(session)
            except IntegrityError:
                if attempt == 2:
                    raise
                logger.debug("Retrying a write to %s after a concurrent insert", self.shown_url)
        raise AssertionError("unreachable")

    def _write_core(self, work: Callable[[Connection], T]) -> T:
        """``_write`` for Core statements: ``work`` on a connection, in one transaction."""
        for attempt in range(3):
            try:
                with self.engine.begin() as connection:
                    return work(connection)
            except IntegrityError:
                if attempt == 2:
                    raise
                logger.debug("Retrying a write to %s after a concurrent insert", self.shown_url)
        raise AssertionError("unreachable")

    def add_capture(  # noqa: PLR0917 - callers pass the capture's fields in order
        self,
        collection: str,
        url: str,
        fetched_at: datetime,
        status: int,
        content_type: str,
        payload_digest: str,
        ref: RecordRef,
        run_id: str | None = None,
        *,
        record_type: str = "response",
        refers_to: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> int:
        """Record one capture; if its record id is known already, return the existing id.

        ``record_type`` is ``revisit`` for a revisit record, which ``refers_to`` the
        original's record id; ``etag`` and ``last_modified`` are the response's
        validators, sent back by the next crawl's conditional request.
        """
        fields = CaptureFields(
            collection, url, fetched_at, status, content_type, payload_digest, ref, run_id
        )
        return self._write_core(
            lambda connection: (
                capture_key(
                    connection,
                    fields,
                    record_type=record_type,
                    refers_to=refers_to,
                    etag=etag,
                    last_modified=last_modified,
                ).id
            )
        )

    def add_capture_with_article(
        self,
        capture: CaptureFields,
        article: Article,
        source: str,
        conversion_id: str | None = None,
        metadata_id: str | None = None,
    ) -> tuple[int, int, Change]:
        """``add_capture`` then ``record_article``, in one transaction: the capture's
        id, the version's id and the change."""
        [done] = self.add_captures_with_articles(
            [ArticleCapture(capture, article, source, conversion_id, metadata_id)]
        )
        return done

    def add_captures_with_articles(
        self, captures: Sequence[ArticleCapture]
    ) -> list[tuple[int, int, Change]]:
        """``add_capture_with_article`` for each of ``captures``, in order, in one
        transaction: all kept, or none (a pool process's batch of pages; measured, a
        transaction of its own cost each article 0.3 to 0.5 ms more)."""

        def work(connection: Connection) -> list[tuple[int, int, Change]]:
            done = []
            for capture, article, source, conversion_id, metadata_id in captures:
                key = capture_key(connection, capture)
                version_id, change = record_in(
                    connection, article, key, source, conversion_id, metadata_id
                )
                done.append((key.id, version_id, change))
            return done

        return self._write_core(work)

    def record_article(
        self,
        article: Article,
        capture_id: int,
        source: str,
        conversion_id: str | None = None,
        metadata_id: str | None = None,
    ) -> tuple[int, Change]:
        """Keep ``article`` as seen in capture ``capture_id``; say if it is new or changed.

        The key is the canonical URL, else the URL. A body hash not seen before adds a
        version; the current version moves to this one unless a later capture of the
        article was recorded already (as when WARCs are re-read out of order). A new
        version gets its search text; its passage fingerprints come later, off the
        crawl's path (``index_passages``).
        """

        def work(connection: Connection) -> tuple[int, Change]:
            capture: CaptureKey | None = capture_by_id(connection, capture_id)
            if capture is None:
                raise StoreError(self.shown_url, f"it has no capture {capture_id}; add it first")
            return record_in(connection, article, capture, source, conversion_id, metadata_id)

        return self._write_core(work)

    def articles(
        self,
        source: str | None = None,
        since: datetime | None = None,
        query: str | None = None,
        limit: int | None = None,
    ) -> list[StoredArticle]:
        """The current version of each article, newest (published, else first seen) first.

        ``since`` keeps articles last seen at or after it. ``query`` keeps articles whose
        title, authors, body or credit hold every word of it, ignoring case and
        diacritics ("truong tan sang" finds "Trương Tấn Sang").
        """
        statement = _stored_select(ArticleRow.current_version_id == ArticleVersionRow.id)
        if source is not None:
            statement = statement.where(ArticleRow.id.in_(articles_of(source)))
        if since is not None:
            statement = statement.where(ArticleRow.last_seen >= since)
        for word in fold(query or "").split():
            statement = statement.where(
                ArticleVersionRow.search_text.contains(word, autoescape=True)
            )
        newest = func.coalesce(ArticleVersionRow.published, ArticleRow.first_seen)
        statement = statement.order_by(newest.desc(), ArticleRow.id.desc()).limit(limit)
        return self._stored(statement)

    def versions(self, url: str) -> list[StoredArticle]:
        """Every version of the article at ``url`` (its key or any URL it was seen at)."""
        ids = select(ArticleVersionRow.article_id).where(ArticleVersionRow.url == url)
        keyed = select(ArticleRow.id).where(ArticleRow.url == url)
        statement = _stored_select(ArticleRow.id == ArticleVersionRow.article_id).where(
            ArticleRow.id.in_(keyed.union(ids))
        )
        return self._stored(statement.order_by(CaptureRow.fetched_at, ArticleVersionRow.id))

    def clear_articles(self) -> None:
        """Delete every article and version: not the runs, the captures or the events.

        Captures are the digest index and the validators recrawls revalidate with;
        ``archivist extract`` re-adds any that are missing from the WARCs (by record
        id). Removal events are observations of past crawls that no WARC re-reading
        would find again in order.
        """

        def work(session: Session) -> None:
            session.execute(update(ArticleRow).values(current_version_id=None))
            for model in (PassageRow, ArticleSourceRow, ArticleVersionRow, ArticleRow):
                session.execute(delete(model))

        self._write(work)
        logger.info("Cleared the article records of %s", self.shown_url)

    def _stored(self, statement: Any) -> list[StoredArticle]:
        with Session(self.engine) as session, session.begin():
            return [_stored_article(*row) for row in session.execute(statement)]


def _stored_select(version_join: ColumnElement[bool]) -> Any:
    return (
        select(ArticleVersionRow, ArticleRow, CaptureRow)
        .join(ArticleRow, version_join)
        .join(CaptureRow, CaptureRow.id == ArticleVersionRow.capture_id)
    )


def _stored_article(
    version: ArticleVersionRow, row: ArticleRow, capture: CaptureRow
) -> StoredArticle:
    return StoredArticle(
        article=article_of(version),
        version_id=version.id,
        source=row.source,
        collection=capture.collection,
        capture=ref_of(capture),
        fetched_at=capture.fetched_at,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        extracted_at=version.extracted_at,
        conversion_id=version.conversion_id,
        metadata_id=version.metadata_id,
        origin=capture.origin,
    )
