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
- ``ARCHIVE_EXACT`` (True): records hold the bytes as they crossed the connection (the
  download handler's tap, ``crawler.handler``); off, they are rebuilt from Scrapy's
  parsed response (see ``_exchange.py`` for what that loses).
- ``ARCHIVE_INFO`` ({}): more ``warcinfo`` fields (operator, source, run id...).
- ``ARCHIVE_INDEX`` (True): index each WARC into ``<collection>/indexes/`` (pywb's CDXJ)
  as soon as it is closed, in a thread; at the end of the crawl the per-file indexes
  are merged into ``index.cdxj`` (``archive.warc.cdxj``). Stats ``archive/indexed_files``,
  ``archive/index_errors``; ``archivist index`` rebuilds a collection's index.

Recrawls (``crawler.middlewares.recrawl``): a ``304`` to a conditional request is written as a
``revisit`` (server-not-modified) of the capture it revalidated; a ``200`` whose
payload digest the records store already holds (``ARCHIVE_DEDUPE``: in this
collection, in all, or off) as a ``revisit`` (identical-payload-digest) of the first
capture with it. Every capture goes into the store's ``captures`` table (the digest
index, with the ``ETag`` and ``Last-Modified`` the next crawl revalidates with). A
known article that now answers 404/410, or redirects to its site's home page, gets a
``removed`` event. Stats ``archive/revisits/identical``, ``archive/revisits/not_modified``,
``recrawl/removed``.

A request with ``meta["dont_archive"] = True`` is not written. Stats:
``archive/records``, ``archive/bytes``, ``archive/files``, ``archive/record_errors``,
``archive/write_errors``, ``archive/recovered_files``. At start, ``.open`` files that
a killed crawl of this host left in the folder are cut after their last whole record
and closed (``archive.warc.recover``). A write failure (disk full) closes the spider with the
reason ``archive_write_failed``; the files keep every whole record written before it.
"""

from __future__ import annotations

import dataclasses
import logging
import platform
import socket
from typing import TYPE_CHECKING, Any, Self

import scrapy
import twisted
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.defer import Deferred, DeferredList

from archive import Original, RecordError, WarcFileWriter, WarcWriteError, recover_abandoned
from archive.store import removal_reason
from archive.warc._record import sha1_digest
from archive.warc.cdxj import index_file, merge_indexes
from archive.warc.reader import read_record_at
from crawler import __version__
from crawler.extensions._exchange import exchange_from
from crawler.extensions.records import capture_log, collection_of, data_home, open_records
from crawler.handler import release_wire
from crawler.middlewares.recrawl import DEDUPE_SCOPES, PREVIOUS

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

    from archive import HttpExchange, RecordRef
    from archive.store import CaptureLog, LastResponse, Store

logger = logging.getLogger(__name__)

CAPTURE_NOTE = (
    "HTTP headers as parsed by Twisted: names canonicalised, Transfer-Encoding and "
    "Connection not kept; bodies de-chunked and still content-encoded; Content-Length "
    "added (with X-Archivist-Framing) where the server sent none; standard reason phrase"
)
EXACT_NOTE = (
    "HTTP messages byte for byte as they crossed the connection (TLS decrypted): status "
    "line, header case, order and repeats, chunk framing; WARC-Payload-Digest over the "
    "entity with chunk framing removed and content coding kept (WARC 1.1, 6.3.2). A "
    "response cut at DOWNLOAD_MAXSIZE is stored as parsed: " + CAPTURE_NOTE
)


class WarcCaptureExtension:
    """Writes a request record and a response record for every download."""

    def __init__(self, crawler: Crawler, writer: WarcFileWriter) -> None:
        self.crawler = crawler
        self.writer = writer
        self.failed = False
        self.indexes_dir = writer.directory.parent / "indexes"
        self._indexing: list[Deferred[Any]] = []
        self.collection = writer.directory.parent.name
        settings = crawler.settings
        self.dedupe = str(settings.get("ARCHIVE_DEDUPE"))
        if self.dedupe not in DEDUPE_SCOPES:
            raise NotConfigured(f"ARCHIVE_DEDUPE must be one of {DEDUPE_SCOPES}: {self.dedupe!r}")
        self.store: Store | None = None
        self.log: CaptureLog | None = None
        if settings.getbool("ARCHIVE_RECORD_CAPTURES"):
            self.store = open_records(crawler)
            self.log = capture_log(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED"):
            raise NotConfigured
        collection = collection_of(crawler)
        index_dir = data_home(settings) / "collections" / collection / "indexes"
        writer = WarcFileWriter(
            data_home(settings) / "collections" / collection / "archive",
            prefix=settings.get("ARCHIVE_PREFIX") or collection,
            info=_warcinfo(settings.getdict("ARCHIVE_INFO"), collection, crawler),
            max_size=settings.getint("ARCHIVE_MAX_SIZE"),
            gzip_level=settings.getint("ARCHIVE_GZIP_LEVEL"),
            warc_version=str(settings.get("ARCHIVE_WARC_VERSION")),
            index_dir=index_dir if settings.getbool("ARCHIVE_INDEX") else None,
        )
        ext = cls(crawler, writer)
        if settings.getbool("ARCHIVE_INDEX"):
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
        """Index a closed WARC, unless the writer did as it wrote it: read it back in a
        thread (the reactor goes on capturing meanwhile)."""
        if self.writer.index_written(path):
            self._indexed(path)
            return
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
        try:
            self._capture(response, request)
        finally:
            # Nothing reads the exchange's bytes again, and the response may wait long
            # (to be parsed, then extracted): they go now, not with it.
            release_wire(response)

    def _capture(self, response: Response, request: Request) -> None:
        if request.meta.get("dont_archive") or self.failed:
            return
        stats = self.crawler.stats
        assert stats is not None
        try:
            exchange = exchange_from(request, response)
            original, not_modified, digest = self._revisit_of(exchange, request)
            if original is not None and not_modified:
                validated, fields = self._validated(exchange, request.meta[PREVIOUS])
                refs = self.writer.write_revisit(
                    validated,
                    original,
                    not_modified=True,
                    request_exchange=exchange,
                    extra_fields=fields,
                )
            elif original is not None:
                refs = self.writer.write_revisit(exchange, original, not_modified=False)
            else:
                refs = self.writer.write_exchange(exchange, digest)
            if original is not None:
                kind = "not_modified" if not_modified else "identical"
                stats.inc_value(f"archive/revisits/{kind}")
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
        if self.log is not None:
            self._record(exchange, refs[0], original)

    def _revisit_of(
        self, exchange: HttpExchange, request: Request
    ) -> tuple[Original | None, bool, str | None]:
        """The capture this response repeats, whether the server said 304, and the
        payload digest if it was computed here (the writer then need not hash again)."""
        previous = request.meta.get(PREVIOUS)
        if exchange.status == 304 and previous is not None:
            return previous.original, True, None
        if self.log is None or self.dedupe == "off" or exchange.status != 200:
            return None, False, None
        if exchange.truncated or not exchange.response_body:
            return None, False, None
        digest = sha1_digest([exchange.response_body])
        try:
            return self.log.find_original(digest, anywhere=self.dedupe == "all"), False, digest
        except Exception:  # the capture matters more than saving its bytes
            logger.exception("Digest look-up failed; writing %s in full", exchange.url)
            return None, False, digest

    def _validated(
        self, exchange: HttpExchange, previous: LastResponse
    ) -> tuple[HttpExchange, list[tuple[str, str]]]:
        """The response a 304 validated: the original's, with the 304's header fields.

        A 304 means "the response you hold is current, with these updated fields" (RFC
        9111, 4.3.4). Replay tools take a revisit's status and headers from its block
        and only the payload from the original, so a block holding the bare 304 would
        replay as "304 Not Modified"; this block holds the validated response instead,
        and the WARC field ``Archivist-Server-Status`` keeps what the server said. The
        request record shows the conditional request as sent.
        """
        said = [
            ("Archivist-Server-Status", f"{exchange.status} {exchange.reason or 'Not Modified'}")
        ]
        path = self.writer.directory / previous.filename
        try:
            stored = read_record_at(path, previous.offset, previous.length)
        except (OSError, ValueError):
            logger.warning(
                "Original of %s unreadable; the revisit keeps the bare 304", exchange.url
            )
            return exchange, said
        updated = {name.lower() for name, _ in exchange.response_headers} - _NOT_UPDATED
        headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in stored.http_headers
            if name.lower().encode("latin-1") not in updated
        ]
        headers += [
            (name, value) for name, value in exchange.response_headers if name.lower() in updated
        ]
        merged = dataclasses.replace(
            exchange,
            status=stored.status or 200,
            reason="",
            response_headers=tuple(headers),
            length_known=True,
            wire=None,  # the block is the merged response; the request record, the wire's
        )
        return merged, said

    def _record(self, exchange: HttpExchange, ref: RecordRef, original: Original | None) -> None:
        """Add the capture to the store (the digest index) and note removed articles."""
        assert self.log is not None
        text = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in exchange.response_headers
        }
        try:
            self.log.add(
                exchange.url,
                exchange.date,
                exchange.status,
                text.get("content-type", ""),
                ref,
                original,
                text.get("etag"),
                text.get("last-modified"),
            )
            self._maybe_removed(exchange, text.get("location"), ref)
        except Exception:  # the WARC holds it; the index can be rebuilt from WARCs
            logger.exception("Could not record the capture of %s", exchange.url)

    def _maybe_removed(self, exchange: HttpExchange, location: str | None, ref: RecordRef) -> None:
        assert self.store is not None
        assert self.log is not None
        detail = removal_reason(exchange.url, exchange.status, location)
        log = self.log
        if detail is None or not self.store.mark_removed(
            exchange.url,
            self.collection,
            exchange.date,
            detail,
            exchange.status,
            lambda: log.capture_id(ref.record_id),
        ):
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("recrawl/removed")
        logger.warning("Article removed: %s %s", exchange.url, detail)

    def _write_failed(self, exc: WarcWriteError) -> None:
        self.failed = True
        assert self.crawler.stats is not None
        assert self.crawler.engine is not None
        self.crawler.stats.inc_value("archive/write_errors")
        logger.error("Stopping the crawl: %s", exc, extra={"spider": self.crawler.spider})
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_write_failed"))

    async def spider_closed(self, reason: str) -> None:
        if self.log is not None:
            try:
                self.log.close()
            except Exception:  # the WARCs hold every capture regardless
                logger.exception("Could not record the last captures in the store")
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
        written = any(self.writer.index_written(path) for path in self.writer.closed_files)
        if not self._indexing and not written:
            return
        # The crawl ends once its files are indexed and folded into index.cdxj.
        await maybe_deferred_to_future(DeferredList(self._indexing))
        try:
            await maybe_deferred_to_future(threads.deferToThread(merge_indexes, self.indexes_dir))
        except Exception as exc:  # noqa: BLE001 - the WARCs are safe; `archivist index` rebuilds it
            self.crawler.stats.inc_value("archive/index_errors")
            logger.error("Could not merge the indexes in %s: %s", self.indexes_dir, exc)


_NOT_UPDATED = {b"content-length", b"content-encoding", b"transfer-encoding", b"content-type"}
"""Fields of a 304 that never replace the stored response's (RFC 9111, 3.2)."""


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
        ("archivist-capture", EXACT_NOTE if settings.getbool("ARCHIVE_EXACT") else CAPTURE_NOTE),
    ]
    info.extend((str(k), str(v)) for k, v in extra.items())
    return info
