"""Opening the database: the SQLAlchemy engine, and SQLite's pragmas (WAL, busy timeout,
synchronous=NORMAL) and its BEGIN IMMEDIATE for writes.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from archive.store._schema import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine


__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "make_engine"]

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, shown_url: str) -> tuple[Engine, bool]:
    """The engine, and whether it opened the database read-only (see ``_read_only_uri``)."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return create_engine(url), False
    except (ArgumentError, ImportError) as exc:
        raise StoreError(
            shown_url,
            "not a database URL archivist can use (sqlite:///path/archivist.db or "
            f"postgresql+psycopg://user@host/db): {str(exc).splitlines()[0]}",
        ) from exc
    database = parsed.database or ""
    read_only = False
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(shown_url, f"cannot create its folder: {exc}") from exc
        reading = _read_only_uri(Path(database))
        if reading is not None:
            url = parsed.set(database=reading, query={"uri": "true"}).render_as_string(False)
            read_only = True
    elif database.startswith("file:") and "mode=ro" in database:
        read_only = True
    engine = create_engine(url)
    # ``?timeout=`` in the URL (seconds, as sqlite3 takes it) sets the busy timeout.
    given = parsed.query.get("timeout")
    busy_ms = int(float(str(given)) * 1000) if given else SQLITE_BUSY_TIMEOUT_MS
    connect = functools.partial(_sqlite_connect, busy_ms=busy_ms, read_only=read_only)
    event.listen(engine, "connect", connect)
    event.listen(engine, "begin", _sqlite_read if read_only else _sqlite_begin)
    return engine, read_only


def _read_only_uri(path: Path) -> str | None:
    """A ``file:`` URI that opens ``path`` read-only, if it cannot be written here (a
    read-only file, folder or mount); None if it can, or does not exist yet.

    A reader of a WAL database needs its ``-shm`` file, made beside it: in a folder it
    cannot write, the database opens only if that file and ``-wal`` are there already
    (left by a writer that did not close) or as ``immutable``, which is right when there
    is no ``-wal``, since a clean close folds it into the database.
    """
    if not path.exists() or (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return None
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    side = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if not os.access(path.parent, os.W_OK) and not all(p.exists() for p in side):
        uri += "&immutable=1"
    return uri


def _sqlite_connect(
    dbapi_connection: Any, _record: object, *, busy_ms: int, read_only: bool
) -> None:
    # Let SQLAlchemy's "begin" event open transactions, as BEGIN IMMEDIATE: a deferred
    # transaction that reads then writes fails at once in WAL mode if another wrote.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
    if not read_only:  # a reader leaves the journal mode as it is
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


def _sqlite_read(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
