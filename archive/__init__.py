"""archive: keeps and serves what was fetched. It never imports Scrapy or the crawler.

A researcher can use it on WARC files alone.
"""

from __future__ import annotations

import logging as _logging
import os as _os

from archive.errors import (
    ArchiveError,
    CollectionError,
    RecordError,
    StoreError,
    WarcWriteError,
)
from archive.warc.records import Header, HttpExchange, Original, RecordRef, Wire
from archive.warc.recover import recover_abandoned, recover_open_file
from archive.warc.writer import WarcFileWriter

__all__ = [
    "ArchiveError",
    "CollectionError",
    "Header",
    "HttpExchange",
    "Original",
    "RecordError",
    "RecordRef",
    "StoreError",
    "WarcFileWriter",
    "WarcWriteError",
    "Wire",
    "recover_abandoned",
    "recover_open_file",
]

# Bundled public-suffix data only (tldextract's snapshot, used by Scrapy's cookies and by
# surt): without this, the first look-up fetches the list from publicsuffix.org, a
# request nobody asked for (and, offline, a traceback in every crawl's log). Set the
# variable to a URL or file to use another list.
_os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

_logging.getLogger(__name__).addHandler(_logging.NullHandler())
