"""Scrapy's HTTP/1.1 download handler, made to keep every response that arrived.

Three changes to ``scrapy.core.downloader.handlers.http11``, each for an archive's
promise that what a server sent is kept, and none for the request side:

- **Stalled past the download timeout.** Scrapy cancels the download and raises
  ``DownloadTimeoutError``: the status, headers and body received so far are lost.
  Here, once the headers have arrived, the response is finished with what came and the
  flag ``timeout``; the capture writes it with ``WARC-Truncated: time``.
- **Longer than ``DOWNLOAD_MAXSIZE``.** Scrapy empties the buffer and cancels: nothing
  is kept. Here the first ``DOWNLOAD_MAXSIZE`` bytes are, flagged ``maxsize``
  (``WARC-Truncated: length``), and the connection is closed. A body whose announced
  ``Content-Length`` is over the bound is still refused before it is read, as Scrapy
  does (logged by Scrapy with both sizes).
- **Header section bound.** Twisted reads a header line of at most 16 KiB and drops a
  longer one with a bare "connection lost", yet sets no bound on the number of lines,
  so an endless header section grows in memory until the timeout. Here one bound,
  ``DOWNLOAD_MAX_HEADER_SIZE`` (256 KiB, Chrome's), covers the whole section; a response
  over it fails with ``HeaderSectionTooLarge``, whose message names the URL and the
  setting. Under the bound, a long header line (a 64 KiB cookie) is read and archived.

Scrapy builds a new ``_ScrapyAgent`` for each request, so the agent's attributes here
are per request. The reader and the parser are switched to the subclasses below the way
Scrapy itself switches Twisted's parser (``_LenientHTTP11ClientProtocol.request``): by
replacing the class of the object Twisted made, which adds no state it lacks.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
    _ResponseReader,
    _ScrapyAgent,
)
from scrapy.exceptions import DownloadFailedError, DownloadTimeoutError
from scrapy.utils._download_handlers import wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from crawler.errors import HeaderSectionTooLarge

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response, TextResponse
    from twisted.internet.defer import Deferred
    from twisted.internet.interfaces import IAddress
    from twisted.web._newclient import HTTP11ClientProtocol
    from twisted.web._newclient import Request as TxRequest
    from twisted.web.client import Response as TxResponse
    from twisted.web.iweb import IResponse

R = TypeVar("R", bound="TextResponse")

__all__ = ["ArchivingHTTPDownloadHandler", "head_of"]

logger = logging.getLogger(__name__)


def head_of(response: R, size: int, *flags: str) -> R:
    """The response with its body cut to ``size`` bytes, made without ``replace()``:
    ``replace`` copies ``encoding``, and reading it decodes (and keeps) the whole body."""
    return response.__class__(
        url=response.url,
        status=response.status,
        headers=response.headers,
        body=response.body[:size],
        flags=[*response.flags, *flags],
        request=response.request,
        certificate=response.certificate,
        ip_address=response.ip_address,
        protocol=response.protocol,
    )


class _BoundedParser(_LenientHTTPClientParser):
    """Scrapy's lenient parser with one bound on the whole header section."""

    header_bound = 256 * 1024  # set on the class made for each handler

    def lineReceived(self, line: bytes) -> None:
        seen = getattr(self, "_header_bytes", 0) + len(line) + 2
        self._header_bytes = seen
        if seen > self.header_bound:
            self._over_bound()
            return
        super().lineReceived(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        self._over_bound()

    def _over_bound(self) -> None:
        if getattr(self, "_bound_error", None) is None:
            self._bound_error = HeaderSectionTooLarge(
                f"header section longer than {self.header_bound} bytes "
                "(DOWNLOAD_MAX_HEADER_SIZE); the response was not read"
            )
            self.setRawMode()  # type: ignore[no-untyped-call]  # what follows is dropped
            transport: Any = self.transport
            transport.loseConnection()

    def rawDataReceived(self, data: bytes) -> None:
        if getattr(self, "_bound_error", None) is None:
            super().rawDataReceived(data)  # type: ignore[no-untyped-call]

    def connectionLost(self, reason: Failure | None = None) -> None:
        error = getattr(self, "_bound_error", None)
        super().connectionLost(Failure(error) if error is not None else reason)  # type: ignore[no-untyped-call]


def _bounded_factory(parser: type[_BoundedParser]) -> type[_LenientHTTP11ClientFactory]:
    class Protocol(_LenientHTTP11ClientProtocol):
        def request(self, request: TxRequest) -> Deferred[IResponse]:
            d = super().request(request)
            assert self._parser is not None
            self._parser.__class__ = parser
            return d

    class Factory(_LenientHTTP11ClientFactory):
        def buildProtocol(self, addr: IAddress | None) -> HTTP11ClientProtocol:
            return Protocol(self._quiescentCallback)  # type: ignore[no-untyped-call]

    return Factory


class _KeepingReader(_ResponseReader):
    """Scrapy's body reader, which keeps the first ``maxsize`` bytes of a longer body."""

    def dataReceived(self, data: bytes) -> None:
        room = self._maxsize - self._bytes_received
        if self._finished.called or not self._maxsize or len(data) <= room:
            super().dataReceived(data)
            return
        super().dataReceived(data[:room])
        if self._finished.called:
            return
        logger.warning(
            "Keeping the first %d bytes of %s: its body is longer (DOWNLOAD_MAXSIZE)",
            self._maxsize,
            self._request.url,
        )
        transport: Any = self.transport
        transport.stopProducing()
        transport.loseConnection()
        self._finish_response(flags=["maxsize"])


class _KeepingAgent(_ScrapyAgent):
    """Scrapy's agent, which keeps a response that stalls after its headers."""

    _reader: _ResponseReader | None = None

    def _cb_bodyready(self, txresponse: TxResponse, request: Request) -> Any:
        deliver = txresponse.deliverBody

        def keep(protocol: Any) -> None:
            protocol.__class__ = _KeepingReader
            self._reader = protocol
            deliver(protocol)  # type: ignore[no-untyped-call]

        txresponse.deliverBody = keep  # type: ignore[method-assign]
        return super()._cb_bodyready(txresponse, request)

    def _cb_timeout(self, result: Any, request: Request, url: str, timeout: float) -> Any:
        try:
            return super()._cb_timeout(result, request, url, timeout)
        except DownloadTimeoutError:
            reader = self._reader
            if reader is None:  # no headers yet: nothing arrived that makes a response
                raise
        logger.warning(
            "Keeping %d bytes of %s: it stalled past the download timeout (%gs)",
            reader._bytes_received,
            url,
            timeout,
        )
        received = {
            "txresponse": reader._txresponse,
            "body": reader._bodybuf.getvalue(),
            "flags": ["timeout"],
            "certificate": reader._certificate,
            "ip_address": reader._ip_address,
        }
        return self._cb_bodydone(received, url)  # type: ignore[arg-type]


class ArchivingHTTPDownloadHandler(HTTP11DownloadHandler):
    """``HTTP11DownloadHandler`` that keeps stalled and overlong responses, and bounds headers.

    Settings: ``DOWNLOAD_MAX_HEADER_SIZE``, Scrapy's ``DOWNLOAD_MAXSIZE`` and
    ``DOWNLOAD_TIMEOUT``.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        bound = crawler.settings.getint("DOWNLOAD_MAX_HEADER_SIZE")
        parser = type("_Parser", (_BoundedParser,), {"header_bound": bound, "MAX_LENGTH": bound})
        self._pool._factory = _bounded_factory(parser)

    async def download_request(self, request: Request) -> Response:
        agent = _KeepingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except DownloadFailedError as exc:
            cause = exc.__cause__
            reasons = cause.reasons if isinstance(cause, ResponseFailed) else []
            for reason in reasons:
                if isinstance(reason.value, HeaderSectionTooLarge):
                    raise HeaderSectionTooLarge(f"{request.url}: {reason.value}") from None
            raise
