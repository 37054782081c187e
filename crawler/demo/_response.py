"""What a demo host answers: a plain value the server turns into bytes on the wire."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

Headers = tuple[tuple[str, str], ...]

HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class Response:
    """A rendered response.

    ``headers`` never hold ``Content-Length``, ``Transfer-Encoding`` or
    ``Content-Encoding``: the server adds them. ``gzip`` allows a gzip-encoded body when
    the request accepts it; ``chunked`` sends the body with chunked transfer coding;
    ``delay`` is slept before answering; ``stream`` (with ``length``) replaces ``body``
    for large files.
    """

    status: int
    headers: Headers = ()
    body: bytes = b""
    gzip: bool = False
    chunked: bool = False
    delay: float = 0.0
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int = 0

    @property
    def content_length(self) -> int:
        return self.length if self.stream is not None else len(self.body)


def page(
    html: str, status: int = 200, headers: Headers = (), *, gzip: bool = True, server: str = "nginx"
) -> Response:
    """An HTML page in UTF-8 that may be gzip-encoded."""
    head = (("Server", server), ("Content-Type", HTML), ("Vary", "Accept-Encoding"), *headers)
    return Response(status, head, html.encode(), gzip=gzip)


def data(body: bytes, content_type: str, headers: Headers = (), server: str = "nginx") -> Response:
    return Response(200, (("Server", server), ("Content-Type", content_type), *headers), body)


def xml(text: str, content_type: str = XML, server: str = "nginx") -> Response:
    return data(text.encode(), content_type, server=server)


def as_json(value: object, headers: Headers = (), server: str = "nginx") -> Response:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return data(body, "application/json; charset=UTF-8", headers, server)


def text(body: str, status: int = 200, server: str = "nginx") -> Response:
    return Response(status, (("Server", server), ("Content-Type", TEXT)), body.encode())


def redirect(location: str, status: int = 301, server: str = "nginx") -> Response:
    body = f'<html><body><a href="{location}">{location}</a></body></html>'
    headers = (("Server", server), ("Content-Type", HTML), ("Location", location))
    return Response(status, headers, body.encode())


def not_found(server: str = "nginx") -> Response:
    html = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        "<title>404 - Không tìm thấy trang</title></head>"
        "<body><h1>Không tìm thấy trang</h1><p>Trang bạn yêu cầu không tồn tại.</p>"
        '<p><a href="/">Về trang chủ</a></p></body></html>'
    )
    return page(html, 404, gzip=False, server=server)
