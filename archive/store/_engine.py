"""Opening the database: the SQLAlchemy engine, and SQLite's pragmas (WAL, busy timeout,
synchronous=NORMAL) and its BEGIN IMMEDIATE for writes.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from archive.store._schema import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine


__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "make_engine"]

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, shown_url: str) -> Engine:
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(
            shown_url,
            "not a database URL archivist can use (sqlite:///path/archivist.db or "
            f"postgresql+psycopg://user@host/db): {str(exc).splitlines()[0]}",
        ) from exc
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(shown_url, f"cannot create its folder: {exc}") from exc
    engine = create_engine(url)
    # ``?timeout=`` in the URL (seconds, as sqlite3 takes it) sets the busy timeout.
    given = parsed.query.get("timeout")
    busy_ms = int(float(str(given)) * 1000) if given else SQLITE_BUSY_TIMEOUT_MS
    event.listen(engine, "connect", functools.partial(_sqlite_connect, busy_ms=busy_ms))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: object, *, busy_ms: int) -> None:
    # Let SQLAlchemy's "begin" event open transactions, as BEGIN IMMEDIATE: a deferred
    # transaction that reads then writes fails at once in WAL mode if another wrote.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
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
