"""The crawl's records store and collection, shared by its components (one per crawl).

The capture extension, the recrawl middleware, the spider and the extraction pipeline
all need the same store, the same batched capture log and the same collection name;
they get them here, opened once and kept on the crawler.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from archive.store import Store, StoreError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from archive.store import CaptureLog

__all__ = ["capture_log", "collection_of", "data_home", "open_records", "records_url"]

logger = logging.getLogger(__name__)


def data_home(settings: BaseSettings) -> Path:
    """The data folder (``ARCHIVIST_HOME``)."""
    return Path(settings.get("ARCHIVIST_HOME"))


def collection_of(crawler: Crawler) -> str:
    """The collection the crawl writes to: ``ARCHIVE_COLLECTION``, else the spider's name."""
    assert crawler.spidercls is not None
    return str(crawler.settings.get("ARCHIVE_COLLECTION") or crawler.spidercls.name)


def records_url(settings: BaseSettings) -> str:
    """The records database's URL: ``STORE_URL``, else SQLite in the data folder."""
    default = f"sqlite:///{data_home(settings).resolve() / 'archivist.db'}"
    return str(settings.get("STORE_URL") or default)


def open_records(crawler: Crawler) -> Store | None:
    """The crawl's records store, opened once per crawl; None if it cannot be opened."""
    cached: Store | bool | None = getattr(crawler, "_archivist_records", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    store: Store | None
    try:
        store = Store(records_url(crawler.settings))
    except StoreError as exc:
        logger.warning("Recrawl features off, the records store is unavailable: %s", exc)
        store = None
    crawler._archivist_records = store  # type: ignore[attr-defined]
    return store


def capture_log(crawler: Crawler) -> CaptureLog | None:
    """The crawl's batched capture log (one per crawl, shared by capture and middleware)."""
    cached: CaptureLog | bool | None = getattr(crawler, "_archivist_capture_log", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    store = open_records(crawler)
    log = None
    if store is not None:
        settings = crawler.settings
        collection = collection_of(crawler)
        run_id = str(settings.getdict("ARCHIVE_INFO").get("archivist-run-id", "")) or None
        if run_id and store.get_run(run_id) is None:
            run_id = None  # a crawl started outside run bookkeeping has no runs row
        log = store.capture_log(collection, run_id)
    crawler._archivist_capture_log = log  # type: ignore[attr-defined]
    return log
