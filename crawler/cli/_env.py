"""The environment the commands read, in one place.

- ``ARCHIVIST_HOME``: the data folder (default ``./data``);
- ``ARCHIVIST_SOURCES``: the folder of source files (default ``./schedules``);
- ``ARCHIVIST_STORE_URL``: the records database (default: SQLite in the data folder);
- ``ARCHIVIST_TIMEZONE``: the zone times are shown in (default: the schedules' zone);
- ``ARCHIVIST_EVIDENCE_KEY``, ``ARCHIVIST_EVIDENCE_CERT``: the operator's ECDSA P-256
  key and its certificate chain (PEM), to sign evidence bundles; ``ARCHIVIST_EVIDENCE_TSA``:
  the RFC 3161 timestamp authority to stamp them (none: no timestamp).
- ``ARCHIVIST_REDIS_URL``, ``ARCHIVIST_REDIS_PREFIX``: the Redis of distributed runs
  (default ``redis://127.0.0.1:6379/0``) and the first part of its keys (``archivist``).

``crawler/settings.py`` reads the same variables for crawls started the Scrapy way.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.exc import SQLAlchemyError

from archive.store import Store, StoreError
from crawler.errors import SigningConfigError
from crawler.research.signing import Signer
from crawler.runs.orphans import close_orphans
from crawler.sources.times import TIMEZONE_ENV, display_zone

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)


def data_home() -> Path:
    return Path(os.environ.get("ARCHIVIST_HOME") or "data")


def sources_dir() -> Path:
    return Path(os.environ.get("ARCHIVIST_SOURCES") or "schedules")


def store_url() -> str | None:
    """The records database's URL as set, or None for the default."""
    return os.environ.get("ARCHIVIST_STORE_URL") or None


def redis_url() -> str:
    return os.environ.get("ARCHIVIST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_prefix() -> str:
    return os.environ.get("ARCHIVIST_REDIS_PREFIX") or "archivist"


def shown_zone() -> ZoneInfo:
    """The zone every time is shown in (a ``ConfigError`` naming the variable if bad)."""
    return display_zone(os.environ.get(TIMEZONE_ENV))


def open_store() -> Store:
    """The records store; first, the rows of runs whose crawl died unwatched are closed
    (crawler/runs/orphans.py), so no command shows a dead crawl as running."""
    store = Store(store_url() or f"sqlite:///{data_home().resolve() / 'archivist.db'}")
    if store.read_only:  # a read-only data folder: read it as it is
        return store
    try:
        close_orphans(store, data_home(), sources_dir())
    except (StoreError, SQLAlchemyError, OSError) as exc:
        logger.warning("Could not close the runs left running by dead crawls: %s", exc)
    return store


def collection_folders(collection: str | None) -> list[Path]:
    """The folder of one collection (a usage error if it has none), or of every one."""
    root = data_home() / "collections"
    if collection is not None:
        folder = root / collection
        if not (folder / "archive").is_dir():
            raise click.ClickException(f"no collection {collection!r} in {root.resolve()}")
        return [folder]
    return sorted(p.parent for p in root.glob("*/archive"))


def evidence_signer(
    key: Path | None = None, cert: Path | None = None, tsa: str | None = None
) -> Signer | None:
    """The operator's evidence signer from the options given, else the environment; None
    when no key is configured (bundles are then written unsigned)."""
    key = key or _path_env("ARCHIVIST_EVIDENCE_KEY")
    cert = cert or _path_env("ARCHIVIST_EVIDENCE_CERT")
    tsa = tsa or os.environ.get("ARCHIVIST_EVIDENCE_TSA") or None
    if key is None and cert is None:
        return None
    if key is None or cert is None:
        missing = "ARCHIVIST_EVIDENCE_KEY" if key is None else "ARCHIVIST_EVIDENCE_CERT"
        raise SigningConfigError(missing, "a key needs its certificate and the other way round")
    return Signer.from_files(key, cert, tsa)


def _path_env(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None
