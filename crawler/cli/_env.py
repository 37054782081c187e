"""The environment the commands read, in one place.

- ``ARCHIVIST_HOME``: the data folder (default ``./data``);
- ``ARCHIVIST_SOURCES``: the folder of source files (default ``./schedules``);
- ``ARCHIVIST_STORE_URL``: the records database (default: SQLite in the data folder).

``crawler/settings.py`` reads the same variables for crawls started the Scrapy way.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from archive.store import Store


def data_home() -> Path:
    return Path(os.environ.get("ARCHIVIST_HOME") or "data")


def sources_dir() -> Path:
    return Path(os.environ.get("ARCHIVIST_SOURCES") or "schedules")


def store_url() -> str | None:
    """The records database's URL as set, or None for the default."""
    return os.environ.get("ARCHIVIST_STORE_URL") or None


def open_store() -> Store:
    return Store(store_url() or f"sqlite:///{data_home().resolve() / 'archivist.db'}")


def collection_folders(collection: str | None) -> list[Path]:
    """The folder of one collection (a usage error if it has none), or of every one."""
    root = data_home() / "collections"
    if collection is not None:
        folder = root / collection
        if not (folder / "archive").is_dir():
            raise click.ClickException(f"no collection {collection!r} in {root.resolve()}")
        return [folder]
    return sorted(p.parent for p in root.glob("*/archive"))
