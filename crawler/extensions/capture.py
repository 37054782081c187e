"""Capture every exchange into WARC files, at the ``response_downloaded`` signal.

That signal fires right after the download handler returns and before any
downloader middleware, so robots.txt, each redirect hop, each retry, error pages,
feeds and images all pass here, with the body still content-encoded.

Settings:
- ``ARCHIVE_ENABLED`` (True): off raises NotConfigured.
- ``ARCHIVIST_HOME`` ("data"): WARCs go to ``<home>/collections/<collection>/archive/``.
- ``ARCHIVE_COLLECTION`` (the spider's name): the pywb collection.
- ``ARCHIVE_PREFIX`` (the collection): the first part of each file name.
- ``ARCHIVE_MAX_SIZE`` (1 GB): a file is closed and a new one begun past this size.
- ``ARCHIVE_GZIP_LEVEL`` (6): zlib level of each record's gzip member; 0 writes plain WARC.
- ``ARCHIVE_WARC_VERSION`` ("1.1").
- ``ARCHIVE_INFO`` ({}): more ``warcinfo`` fields (operator, source, run id...).
- ``ARCHIVE_INDEX`` (True): index each WARC into ``<collection>/indexes/`` (pywb's CDXJ)
  as soon as it is closed, in a thread; at the end of the crawl the per-file indexes
  are merged into ``index.cdxj`` (``archive.index``). Stats ``archive/indexed_files``,
  ``archive/index_errors``; ``archivist index`` rebuilds a collection's index.

A request with ``meta["dont_archive"] = True`` is not written. Stats:
``archive/records``, ``archive/bytes``, ``archive/files``, ``archive/record_errors``,
``archive/write_errors``, ``archive/recovered_files``. At start, ``.open`` files that
a killed crawl of this host left in the folder are cut after their last whole record
and closed (``archive.recover``). A write failure (disk full) closes the spider with the
reason ``archive_write_failed``; the files keep every whole record written before it.
"""

from __future__ import annotations

import logging
import platform
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import scrapy
import twisted
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import threads
from twisted.internet.defer import Deferred, DeferredList

from archive import RecordError, WarcFileWriter, WarcWriteError, recover_abandoned
from archive.index import index_file, merge_indexes
from crawler import __version__
from crawler.capture import exchange_from

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

CAPTURE_NOTE = (
    "HTTP headers as parsed by Twisted: names canonicalised, Transfer-Encoding and "
    "Connection not kept; bodies de-chunked and still content-encoded; Content-Length "
    "added (with X-Archivist-Framing) where the server sent none; standard reason phrase"
)


class WarcCaptureExtension:
    """Writes a request record and a response record for every download."""

    def __init__(self, crawler: Crawler, writer: WarcFileWriter) -> None:
        self.crawler = crawler
        self.writer = writer
        self.failed = False
        self.indexes_dir = writer.directory.parent / "indexes"
        self._indexing: list[Deferred[Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured
        assert crawler.spidercls is not None
        collection = settings.get("ARCHIVE_COLLECTION") or crawler.spidercls.name
        home = Path(settings.get("ARCHIVIST_HOME") or "data")
        writer = WarcFileWriter(
            home / "collections" / collection / "archive",
            prefix=settings.get("ARCHIVE_PREFIX") or collection,
            info=_warcinfo(settings.getdict("ARCHIVE_INFO"), collection, crawler),
            max_size=settings.getint("ARCHIVE_MAX_SIZE", 1_000_000_000),
            gzip_level=settings.getint("ARCHIVE_GZIP_LEVEL", 6),
            warc_version=str(settings.get("ARCHIVE_WARC_VERSION", "1.1")),
        )
        ext = cls(crawler, writer)
        if settings.getbool("ARCHIVE_INDEX", True):
            writer.on_close = ext.index_closed
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        """Finish the ``.open`` files that crashed crawls of this host left here."""
        try:
            recovered = recover_abandoned(self.writer.directory, self.writer.host)
        except OSError:
            logger.exception("Could not recover abandoned WARC files")
            return
        if recovered:
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("archive/recovered_files", len(recovered))
            if self.writer.on_close is not None:
                for path in recovered:
                    self.index_closed(path)

    def index_closed(self, path: Path) -> None:
        """Index a closed WARC in a thread: the reactor goes on capturing meanwhile."""
        done: Deferred[Any] = threads.deferToThread(index_file, path, self.indexes_dir)
        done.addCallbacks(self._indexed, self._index_failed, errbackArgs=(path,))
        self._indexing.append(done)

    def _indexed(self, _: Path) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/indexed_files")

    def _index_failed(self, failure: Any, path: Path) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/index_errors")
        logger.error(
            "Could not index %s (archivist index rebuilds it): %s", path, failure.getErrorMessage()
        )

    def response_downloaded(self, response: Response, request: Request) -> None:
        if request.meta.get("dont_archive") or self.failed:
            return
        stats = self.crawler.stats
        assert stats is not None
        try:
            refs = self.writer.write_exchange(exchange_from(request, response))
        except RecordError as exc:
            stats.inc_value("archive/record_errors")
            logger.warning("Not archived: %s", exc, extra={"spider": self.crawler.spider})
            return
        except WarcWriteError as exc:
            self._write_failed(exc)
            return
        request.meta["archive_refs"] = refs
        stats.inc_value("archive/records", 2)
        stats.inc_value("archive/bytes", refs[0].length + refs[1].length)

    def _write_failed(self, exc: WarcWriteError) -> None:
        self.failed = True
        assert self.crawler.stats is not None
        assert self.crawler.engine is not None
        self.crawler.stats.inc_value("archive/write_errors")
        logger.error("Stopping the crawl: %s", exc, extra={"spider": self.crawler.spider})
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_write_failed"))

    def spider_closed(self, reason: str) -> Deferred[Any] | None:
        try:
            self.writer.close()
        except OSError:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/write_errors")
            logger.exception("Could not close %s", self.writer.current_path)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archive/files", len(self.writer.closed_files))
        self.crawler.stats.set_value(
            "archive/file_names", [p.name for p in self.writer.closed_files]
        )
        if not self._indexing:
            return None
        # The crawl ends once its files are indexed and folded into index.cdxj.
        waiting: Deferred[Any] = DeferredList(self._indexing)
        waiting.addCallback(lambda _: threads.deferToThread(merge_indexes, self.indexes_dir))
        waiting.addErrback(self._merge_failed)
        return waiting

    def _merge_failed(self, failure: Any) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/index_errors")
        logger.error(
            "Could not merge the indexes in %s: %s", self.indexes_dir, failure.getErrorMessage()
        )


def _warcinfo(extra: dict[str, Any], collection: str, crawler: Crawler) -> list[tuple[str, str]]:
    settings = crawler.settings
    software = (
        f"archivist/{__version__} (Scrapy {scrapy.__version__}; "
        f"Twisted {twisted.__version__}; Python {platform.python_version()})"
    )
    info = [
        ("software", software),
        ("hostname", socket.gethostname()),
        ("isPartOf", collection),
        ("robots", "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"),
        ("http-header-user-agent", str(settings.get("USER_AGENT", ""))),
        ("archivist-capture", CAPTURE_NOTE),
    ]
    info.extend((str(k), str(v)) for k, v in extra.items())
    return info
