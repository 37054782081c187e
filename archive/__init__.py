"""archive: keeps and serves what was fetched. It never imports Scrapy or the crawler.

A researcher can use it on WARC files alone.
"""

from __future__ import annotations

import logging as _logging

from archive.errors import (
    ArchiveError,
    CollectionError,
    RecordError,
    StoreError,
    WarcWriteError,
)
from archive.warc.records import Header, HttpExchange, Original, RecordRef
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
    "recover_abandoned",
    "recover_open_file",
]

_logging.getLogger(__name__).addHandler(_logging.NullHandler())
