"""The URLs a crawl failed on, each counted once, after its retries, by the kind of error.

``FailedUrlsMiddleware`` sits just before Scrapy's ``RetryMiddleware`` (550) in number,
so its ``process_response`` and ``process_exception`` run after Retry's: it sees a URL's
last answer only (a 500 retried twice is one ``http:500``, not three) and redirects
already followed. Kinds: ``http:<status>`` (400 and up), ``timeout``, ``dns``,
``refused``, ``connection``, ``truncated`` (the body cut short), ``tls``,
``download:<exception>``, and ``spider:<exception>`` for a callback that raised.

A probe is a request that may well find nothing: the lists a family guesses (feeds,
sitemaps, the REST API), the page past a list's end, robots.txt. Its request carries
``meta[crawler.stats.PROBE]`` (robots.txt is one by its path); a 4xx answer to it is
expected, counted apart and no error. A refusal (``IgnoreRequest``: robots.txt, the
network guard, a budget) and a download cancelled as the crawl closes are no errors.

Each of the first ``FAILURES_LISTED`` URLs of a kind is logged at WARNING and listed
with its line in the log (``LOG_FILE``), so a reader can find what the log says of it.

Stats: ``failures/kind/<kind>`` (URLs), ``failures/expected/<kind>`` (probes),
``failures/urls`` (the listed ones: ``{"kind", "url", "line"}``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import defer, error
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from crawler.stats import PROBE

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

__all__ = ["FailedUrlsMiddleware", "exception_kind", "response_kind"]

logger = logging.getLogger(__name__)

_EXCEPTION_KINDS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError, defer.TimeoutError), "timeout"),
    ((CannotResolveHostError, error.DNSLookupError), "dns"),
    ((DownloadConnectionRefusedError, error.ConnectionRefusedError), "refused"),
    ((ResponseDataLossError,), "truncated"),
    ((DownloadFailedError, ResponseFailed, ResponseNeverReceived, error.ConnectionLost), "connection"),
)  # fmt: skip
_NOT_ERRORS = (IgnoreRequest, DownloadCancelledError, defer.CancelledError)


def response_kind(response: Response) -> str | None:
    """What error a response is (``http:404``, ``truncated``), or None if it is none."""
    if response.status >= 400:
        return f"http:{response.status}"
    if "dataloss" in response.flags:  # DOWNLOAD_FAIL_ON_DATALOSS off: kept, but cut short
        return "truncated"
    return None


def exception_kind(exception: BaseException) -> str | None:
    """What error a download exception is, or None for a refusal or a cancellation."""
    if isinstance(exception, _NOT_ERRORS):
        return None
    for types, kind in _EXCEPTION_KINDS:
        if isinstance(exception, types):
            return kind
    if type(exception).__module__.startswith("OpenSSL"):
        return "tls"
    return f"download:{type(exception).__name__}"


class _LogLines:
    """Finds the line of the log file where a message was just written: the file is read
    on from where the last look stopped, its lines counted (a resumed run's log goes on)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._lines = 0

    def line_of(self, marker: str) -> int | None:
        """The number of the last line written since the last look that holds ``marker``."""
        if self._file is None:
            if self.path is None or not self.path.exists():
                return None
            self._file = self.path.open("rb")
        chunk = self._file.read()
        lines = chunk.split(b"\n")
        partial = lines.pop()  # what follows the last newline: a line still being written
        if partial:
            self._file.seek(-len(partial), os.SEEK_CUR)
        wanted = marker.encode("utf-8")
        found = [n for n, line in enumerate(lines, self._lines + 1) if wanted in line]
        self._lines += len(lines)
        return found[-1] if found else None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class FailedUrlsMiddleware:
    """Counts each URL's failure once, by kind, and lists the first of each kind."""

    def __init__(self, stats: StatsCollector, listed: int, log_file: Path | None) -> None:
        self.stats = stats
        self.listed = listed
        self.log = _LogLines(log_file)
        self._done: set[str] = set()
        self._per_kind: dict[str, int] = {}
        self._urls: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        log_file = crawler.settings.get("LOG_FILE")
        listed = crawler.settings.getint("FAILURES_LISTED")
        middleware = cls(crawler.stats, listed, Path(log_file) if log_file else None)
        crawler.signals.connect(middleware.spider_error, signal=signals.spider_error)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        kind = response_kind(response)
        if kind is not None:
            self.failed(request, kind)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        kind = exception_kind(exception)
        if kind is not None:
            self.failed(request, kind)

    def spider_error(self, failure: Failure, response: Response) -> None:
        self.failed(response.request or response, f"spider:{type(failure.value).__name__}")

    def spider_closed(self) -> None:
        self.log.close()

    def failed(self, request: Request | Response, kind: str) -> None:
        """``request``'s URL failed with ``kind``: counted, unless it was already, or it
        was a probe that found nothing."""
        url = request.url
        if url in self._done:
            return
        self._done.add(url)
        probe = request.meta.get(PROBE) or urlsplit(url).path == "/robots.txt"
        if probe and kind.startswith("http:4"):
            self.stats.inc_value(f"failures/expected/{kind}")
            return
        self.stats.inc_value(f"failures/kind/{kind}")
        count = self._per_kind[kind] = self._per_kind.get(kind, 0) + 1
        if count <= self.listed:
            message = f"Failed ({kind}): {url}"
            logger.warning(message)
            self._urls.append({"kind": kind, "url": url, "line": self.log.line_of(message)})
            self.stats.set_value("failures/urls", self._urls)
        elif count == self.listed + 1:
            logger.warning("More URLs failed with %s: counted, no longer listed one by one", kind)
