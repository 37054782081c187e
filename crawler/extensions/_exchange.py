"""Scrapy request/response -> ``archive.HttpExchange``: the only bridge to the archive.

Where the download handler tapped the connection (``ARCHIVE_EXACT``, the default), the
exchange carries the bytes as they crossed it (``crawler.handler.wire_of``), and the
records hold those. Otherwise, what Scrapy lets us see, and so what a record holds:
- the body as transferred but de-chunked, still content-encoded (gzip stays gzip),
  because ``response_downloaded`` fires before any downloader middleware;
- every header value, repeated names kept (``getlist``), names as Twisted and Scrapy
  canonicalise them (``Set-Cookie``, ``Content-Type``);
- ``Content-Length`` only when the server sent one; Twisted hides
  ``Transfer-Encoding`` and ``Connection``;
- the protocol version as received, but not the reason phrase (the standard one
  for the status code is written).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from archive import HttpExchange
from crawler.handler import wire_of

if TYPE_CHECKING:
    from scrapy.http import Headers, Request, Response

__all__ = ["exchange_from"]


def _pairs(headers: Headers) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((bytes(name), bytes(value)) for name in headers for value in headers.getlist(name))


def _truncation(response: Response) -> str | None:
    if "dataloss" in response.flags:
        return "disconnect"
    if "download_stopped" in response.flags or "maxsize" in response.flags:
        return "length"
    if "timeout" in response.flags:
        return "time"
    return None


def exchange_from(request: Request, response: Response) -> HttpExchange:
    """The exchange as the downloader saw it, at the moment it finished."""
    request_headers = _pairs(request.headers)
    body = request.body or b""
    return HttpExchange(
        url=request.url,
        method=request.method,
        request_headers=request_headers,
        request_body=body,
        protocol=response.protocol or "HTTP/1.1",
        status=response.status,
        response_headers=_pairs(response.headers),
        response_body=response.body,
        ip_address=str(response.ip_address) if response.ip_address else None,
        length_known=b"Content-Length" in response.headers,
        truncated=_truncation(response),
        date=datetime.now(UTC),
        wire=wire_of(response),
    )
