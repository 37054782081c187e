"""Incremental recrawls: conditional requests from the last capture of each URL.

``ConditionalRequestMiddleware`` (a downloader middleware) looks up the latest 200
response of a URL in the records store and sends its validators back
(``If-None-Match`` from its ``ETag``, ``If-Modified-Since`` from its
``Last-Modified``). A ``304`` answer is then written as a ``revisit`` record with the
server-not-modified profile (``crawler.extensions.capture``), pointing at that capture,
and the spider gets the response it validated, read back from the WARC: a 304 home or
listing page still yields its links, and a 304 article is still extracted (unchanged).

Settings:
- ``RECRAWL_CONDITIONAL`` (True): send conditional requests.
- ``ARCHIVE_DEDUPE`` ("collection"): where the capture looks for an earlier response
  with the same payload digest to write an identical-payload ``revisit`` instead:
  ``collection`` (pywb resolves revisits within a collection), ``all`` (every
  collection: for tools with one index over all), or ``off``.

A request with ``meta["dont_revalidate"] = True`` is sent unconditionally.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from sqlalchemy.exc import SQLAlchemyError

from archive.warc.reader import read_record_at
from crawler.extensions.records import capture_log, collection_of, data_home

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from archive.store import CaptureLog, LastResponse

__all__ = [
    "DEDUPE_SCOPES",
    "ConditionalRequestMiddleware",
]

logger = logging.getLogger(__name__)

DEDUPE_SCOPES = ("collection", "all", "off")
PREVIOUS = "archivist_previous"
"""``Request.meta`` key: the ``LastResponse`` a conditional request revalidates."""


class ConditionalRequestMiddleware:
    """Adds ``If-None-Match`` / ``If-Modified-Since`` from the URL's last capture."""

    def __init__(self, crawler: Crawler, log: CaptureLog, collection: str) -> None:
        self.crawler = crawler
        self.log = log
        self.collection = collection
        self.archive_dir = data_home(crawler.settings) / "collections" / collection / "archive"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("RECRAWL_CONDITIONAL"):
            raise NotConfigured
        log = capture_log(crawler)
        if log is None:
            raise NotConfigured
        return cls(crawler, log, collection_of(crawler))

    def process_request(self, request: Request) -> None:
        if request.method != "GET" or request.meta.get("dont_revalidate"):
            return
        if b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return
        try:
            previous: LastResponse | None = self.log.last_response(request.url)
        except SQLAlchemyError:
            logger.exception("Could not look up the last capture of %s", request.url)
            return
        if previous is None or not (previous.etag or previous.last_modified):
            return
        if previous.etag:
            request.headers[b"If-None-Match"] = previous.etag
        if previous.last_modified:
            request.headers[b"If-Modified-Since"] = previous.last_modified
        request.meta[PREVIOUS] = previous
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("recrawl/conditional_requests")
        return

    def process_response(self, request: Request, response: Response) -> Response:
        """A 304 becomes, for the spider, the stored response it validated."""
        previous: LastResponse | None = request.meta.get(PREVIOUS)
        if response.status != 304 or previous is None:
            return response
        try:
            stored = read_record_at(
                self.archive_dir / previous.filename, previous.offset, previous.length
            )
        except (OSError, ValueError) as exc:
            logger.warning("304 for %s but its original is unreadable: %s", request.url, exc)
            return response
        headers = Headers(
            [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.http_headers]
        )
        cls = responsetypes.from_args(headers=headers, url=request.url, body=stored.payload)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("recrawl/not_modified")
        request.meta["archivist_not_modified"] = True
        return response.replace(
            cls=cls, status=stored.status or 200, headers=headers, body=stored.payload
        )
