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
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, delete, event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from archive.store._console import ConsoleMixin
from archive.store._events import ChangeRecord, EventRecord, EventsMixin, restore_if_removed
from archive.store._monitor import MonitorMixin
from archive.store._recrawl import (
    CaptureLog,
    LastResponse,
    RecrawlMixin,
)
from archive.store._reposts import RepostsMixin, Republication, TextSide
from archive.store._rows import article_of, ref_of, search_text, version_row
from archive.store._runs import RunRecord, RunsMixin
from archive.store._schema import (
    RUN_STATUSES,
    ArticleRow,
    ArticleVersionRow,
    CaptureRow,
    PassageRow,
    StoreError,
)
from archive.text._fold import fold

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from types import TracebackType

    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.sql import ColumnElement

    from archive.text.article import Article
    from archive.warc.records import RecordRef

__all__ = [
    "RUN_STATUSES",
    "CaptureFields",
    "CaptureLog",
    "ChangeRecord",
    "EventRecord",
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
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant: it serialises concurrent migrations on one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x61726368

Change = Literal["new", "changed", "unchanged"]
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


class Store(RunsMixin, RecrawlMixin, EventsMixin, MonitorMixin, ConsoleMixin, RepostsMixin):
    """The records database at ``url``; a context manager that closes it."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.shown_url = self.url.render_as_string(hide_password=True)
        self.engine: Engine = _engine(url, self.shown_url)
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
        return self._write(
            lambda session: (
                _capture_row(
                    session,
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
        """``add_capture`` then ``record_article``, in one transaction (as the crawl's
        extraction processes record each article).

        Returns the capture's id, the version's id and the change.
        """

        def work(session: Session) -> tuple[int, int, Change]:
            row = _capture_row(session, capture)
            version_id, change = _record_in(
                session, article, row, source, conversion_id, metadata_id
            )
            return row.id, version_id, change

        return self._write(work)

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

        def work(session: Session) -> tuple[int, Change]:
            capture = session.get(CaptureRow, capture_id)
            if capture is None:
                raise StoreError(self.shown_url, f"it has no capture {capture_id}; add it first")
            return _record_in(session, article, capture, source, conversion_id, metadata_id)

        return self._write(work)

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
            statement = statement.where(ArticleRow.source == source)
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
            for model in (PassageRow, ArticleVersionRow, ArticleRow):
                session.execute(delete(model))

        self._write(work)
        logger.info("Cleared the article records of %s", self.shown_url)

    def _stored(self, statement: Any) -> list[StoredArticle]:
        with Session(self.engine) as session, session.begin():
            return [_stored_article(*row) for row in session.execute(statement)]


def _engine(url: str, shown_url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(shown_url, f"cannot create its folder: {exc}") from exc
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    # Let SQLAlchemy's "begin" event open transactions, as BEGIN IMMEDIATE: a deferred
    # transaction that reads then writes fails at once in WAL mode if another wrote.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    _wal(cursor)
    # In WAL mode NORMAL is consistent after any crash; a power cut may lose the last
    # commits: articles the WARCs still hold (`archivist extract` rebuilds them), a run
    # left "running" (found an orphan, as after a crash). A commit then waits for no
    # fsync: 0.30 -> 0.19 ms per record here, milliseconds on disks where an fsync costs
    # that, for each article the pool records.
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _wal(cursor: Any) -> None:
    """Switch to WAL once per database file (it persists); wait out a concurrent switch.

    Changing the journal mode needs the database to itself and does not wait on the
    busy timeout: a second process opening a new database at the same moment gets
    "database is locked" at once, so it retries here.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


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


def _capture_row(
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


def _record_in(  # noqa: PLR0917 - record_article's arguments, in its order
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
    if row is None:
        row = _new_article(session, key, source, article, capture.fetched_at)
        change: Change = "new"
        latest = True
    else:
        latest = capture.fetched_at >= row.last_seen
        change = _touch(row, source, article, capture.fetched_at)
    version = session.scalar(
        select(ArticleVersionRow).filter_by(article_id=row.id, body_hash=article.body_hash)
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


def _touch(row: ArticleRow, source: str, article: Article, seen: datetime) -> Change:
    """Update the article's seen times and labels; "changed" until proven otherwise."""
    row.first_seen = min(row.first_seen, seen)
    row.last_seen = max(row.last_seen, seen)
    row.source = source or row.source
    row.site = article.site or row.site
    row.platform = article.platform or row.platform
    return "changed"


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
    )
