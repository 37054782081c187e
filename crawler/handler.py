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

And one addition, the tap (``ARCHIVE_EXACT``, on when ``ARCHIVE_ENABLED`` is): Twisted's
client parses a response into status, headers and body and drops the rest (chunk
framing, ``Transfer-Encoding``, ``Connection``, header case and order, the reason
phrase). The connection's protocol here keeps, for each exchange, the bytes it wrote
(the request) and the bytes it read (the response) before its parser sees them; above
TLS, so they are decrypted. On a kept-alive connection an exchange ends where the
parser finishes its response (any bytes after that end belong to no response and are
left out). ``wire_of(response)`` gives them to the capture as an ``archive.Wire``
(``release_wire(response)`` lets them go once the records are written); a
response cut at ``DOWNLOAD_MAXSIZE``, or whose bytes on the wire passed twice that
bound (a body in one-byte chunks), has none, and is archived as parsed. The response
bytes are spooled to a temporary file past 1 MiB, so a large body is not held twice.

Scrapy builds a new ``_ScrapyAgent`` for each request, so the agent's attributes here
are per request. The reader and the parser are switched to the subclasses below the way
Scrapy itself switches Twisted's parser (``_LenientHTTP11ClientProtocol.request``): by
replacing the class of the object Twisted made, which adds no state it lacks.
"""

from __future__ import annotations

import logging
import re
import tempfile
import weakref
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
from zope.interface import directlyProvides, providedBy  # type: ignore[import-untyped]

from archive import Wire
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

__all__ = ["ArchivingHTTPDownloadHandler", "head_of", "release_wire", "wire_of"]

logger = logging.getLogger(__name__)

_INTERIM = re.compile(rb"HTTP/\d\.\d 1\d\d\b")
SPOOL_IN_MEMORY = 1 << 20
"""Response bytes a tap keeps in memory; past this, in a temporary file."""


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


class _Tap:
    """One exchange's bytes on its connection: the request written, the response read."""

    __slots__ = (
        "__weakref__",
        "bound",
        "closer",
        "done",
        "over",
        "read",
        "request",
        "response",
    )

    def __init__(self, bound: int) -> None:
        self.bound = bound  # response bytes past which the tap gives up; 0: none
        self.request = bytearray()
        # Closed when this tap goes, or, once handed over, when its response goes.
        self.response = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        self.closer: Any = weakref.finalize(self, self.response.close)
        self.read = 0
        self.done = self.over = False

    def received(self, data: bytes) -> None:
        if self.done or self.over:
            return
        self.read += len(data)
        if self.bound and self.read > self.bound:
            self.over = True
            self.response.truncate(0)
            return
        self.response.write(data)

    def finish(self, rest: bytes) -> None:
        """The parser has its whole response: ``rest``, read with it, is none of it."""
        if rest and not self.over:
            self.response.truncate(self.read - len(rest))
        self.done = True

    def wire(self, owner: object) -> Wire | None:
        """The exchange's bytes, kept open as long as ``owner`` lives; None if lost."""
        self.done = True  # what still arrives (a stalled body) is no part of the record
        if self.over or not self.request or not self.read:
            return None
        self.response.seek(0)
        if _INTERIM.match(self.response.read(16)):  # a 1xx before it: readers take the first
            return None
        self.closer.detach()
        self.closer = weakref.finalize(owner, self.response.close)
        self.response.seek(0)
        return Wire(bytes(self.request), self.response)  # type: ignore[arg-type]


_TAPS: weakref.WeakKeyDictionary[TxRequest, _Tap] = weakref.WeakKeyDictionary()
_WIRES: weakref.WeakKeyDictionary[Response, tuple[Wire, Any]] = weakref.WeakKeyDictionary()
"""A response -> its exchange's bytes and the finalizer that closes them."""


def wire_of(response: Response) -> Wire | None:
    """The bytes of ``response``'s exchange as they crossed the connection, if tapped."""
    kept = _WIRES.get(response)
    return kept[0] if kept is not None else None


def release_wire(response: Response) -> None:
    """Let the bytes of ``response``'s exchange go now (the capture, once its records are
    written): a response lives on after its capture, waiting to be parsed, then to be
    extracted, and its wire bytes (in memory up to ``SPOOL_IN_MEMORY``) need not live
    with it. Measured on the benchmark, up to 150 responses wait at once."""
    kept = _WIRES.pop(response, None)
    if kept is not None:
        kept[1]()  # the finalizer: closes the spooled file, frees its buffer


class _TappedTransport:
    """The connection's transport as the protocol sees it: what is written is also kept
    in the protocol's current tap. Provides what the real transport provides (Twisted
    asks ``ITCPTransport.providedBy`` before it turns Nagle off)."""

    def __init__(self, transport: Any, protocol: Any) -> None:
        self._transport = transport
        self._protocol = protocol
        directlyProvides(self, providedBy(transport))

    def write(self, data: bytes) -> None:
        if (tap := self._protocol._tap) is not None:
            tap.request += data
        self._transport.write(data)

    def writeSequence(self, data: list[bytes]) -> None:
        if (tap := self._protocol._tap) is not None:
            for piece in data:
                tap.request += piece
        self._transport.writeSequence(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _bounded_factory(
    parser: type[_BoundedParser], tap_bound: int | None
) -> type[_LenientHTTP11ClientFactory]:
    """Protocols with the bounded parser and, unless ``tap_bound`` is None, the tap."""

    class Protocol(_LenientHTTP11ClientProtocol):
        _tap: _Tap | None = None

        def makeConnection(self, transport: Any) -> None:
            if tap_bound is not None:
                transport = _TappedTransport(transport, self)
            super().makeConnection(transport)  # type: ignore[no-untyped-call]

        def request(self, request: TxRequest) -> Deferred[IResponse]:
            if tap_bound is not None and self._state == "QUIESCENT":
                self._tap = _TAPS[request] = _Tap(tap_bound)
            d = super().request(request)
            assert self._parser is not None
            self._parser.__class__ = parser
            return d

        def dataReceived(self, bytes: bytes) -> None:  # noqa: A002 - Twisted's name
            if self._tap is not None:
                self._tap.received(bytes)
            super().dataReceived(bytes)  # type: ignore[no-untyped-call]

        def _finishResponse_WAITING(self, rest: bytes) -> None:
            if self._tap is not None:
                self._tap.finish(rest)
                self._tap = None
            super()._finishResponse_WAITING(rest)

        _finishResponse_TRANSMITTING = _finishResponse_WAITING

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

    def _cb_bodydone(self, result: Any, url: str) -> Response:
        response = super()._cb_bodydone(result, url)
        # Twisted's response holds its request behind a proxyForInterface wrapper.
        sent = getattr(result["txresponse"].request, "original", None)
        tap = _TAPS.pop(sent, None) if sent is not None else None
        if tap is not None and "maxsize" not in response.flags:
            wire = tap.wire(response)
            if wire is not None:
                _WIRES[response] = (wire, tap.closer)
        return response

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
        return self._cb_bodydone(received, url)


class ArchivingHTTPDownloadHandler(HTTP11DownloadHandler):
    """``HTTP11DownloadHandler`` that keeps stalled and overlong responses, bounds headers,
    and taps each exchange's bytes on the wire.

    Settings: ``DOWNLOAD_MAX_HEADER_SIZE``, ``ARCHIVE_EXACT``, Scrapy's ``DOWNLOAD_MAXSIZE``
    and ``DOWNLOAD_TIMEOUT``.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        bound = crawler.settings.getint("DOWNLOAD_MAX_HEADER_SIZE")
        parser = type("_Parser", (_BoundedParser,), {"header_bound": bound, "MAX_LENGTH": bound})
        settings = crawler.settings
        tap_bound = None
        if settings.getbool("ARCHIVE_EXACT") and settings.getbool("ARCHIVE_ENABLED"):
            tap_bound = bound + 2 * self._default_maxsize if self._default_maxsize else 0
        self._pool._factory = _bounded_factory(parser, tap_bound)

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
