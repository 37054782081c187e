"""Serve a ``World`` on loopback, as an HTTP proxy and as an origin server.

``DemoServer(world)`` binds 127.0.0.1 on an ephemeral port and answers both request forms:

* proxy form, ``GET http://thoisu.test/path?q HTTP/1.1`` (the crawler, ``curl -x``, wget with
  ``http_proxy``), and
* origin form, ``GET /path`` with ``Host: thoisu.test``.

Keep-alive HTTP/1.1, GET and HEAD only; an unknown host gets a 502, and so does a
``CONNECT`` (an ``https://`` URL through the proxy: the demo world serves none, but links
to ``https://www.blogger.com``). Every request is recorded in ``DemoServer.log``.
"""

from __future__ import annotations

import functools
import gzip
import logging
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from crawler.demo import _response

if TYPE_CHECKING:
    from types import TracebackType

    from crawler.demo._response import Response
    from crawler.demo.world import World

logger = logging.getLogger(__name__)

_CHUNK = 2048  # chunk size of chunked responses; small, so even short pages have several


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One request as the server saw it."""

    time: float  # time.monotonic() when the request was read
    host: str
    method: str
    target: str  # path and query
    status: int
    headers: tuple[tuple[str, str], ...]


@functools.lru_cache(maxsize=256)
def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=1, mtime=0)  # nginx default gzip_comp_level


def _accepts_gzip(value: str) -> bool:
    for item in value.split(","):
        name, _, params = item.partition(";")
        if name.strip().lower() not in {"gzip", "x-gzip", "*"}:
            continue
        q = params.strip().lower().removeprefix("q=")
        try:
            return not params.strip() or float(q) > 0
        except ValueError:
            return True
    return False


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive clients must not hold up stop()

    def __init__(self, address: tuple[str, int], demo: DemoServer) -> None:
        self.demo = demo
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # client went away, or stop() closed the socket
            logger.debug("Connection from %s ended: %r", client_address, error)
        else:
            logger.error("Error while serving %s", client_address, exc_info=error)

    def close_connections(self) -> None:
        with self.connections_lock:
            sockets = list(self.connections)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                logger.debug("Socket already closed")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "archivist-demo"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_CONNECT(self) -> None:
        """Refuse a tunnel with a 502, logged as ``CONNECT host:port``: a visible defect."""
        host = urlsplit("//" + self.path).hostname or ""
        self.server.demo.record(
            LogEntry(time.monotonic(), host, "CONNECT", self.path, 502, tuple(self.headers.items()))
        )
        self.close_connection = True
        response = _response.text(f"502 Bad Gateway: no tunnel to {host}\n", 502, "archivist-demo")
        self._write(response, head=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        message = format % args
        logger.debug("%s %s", self.address_string(), message)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        message = format % args
        logger.info("%s %s", self.address_string(), message)

    def _split_target(self) -> tuple[str, str]:
        """``(host, path?query)`` from a proxy-form or an origin-form request."""
        if self.path[:7].lower() == "http://":
            parts = urlsplit(self.path)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            return (parts.hostname or ""), target
        host = urlsplit("//" + self.headers.get("Host", "")).hostname or ""
        return host, self.path

    def _serve(self, *, head: bool) -> None:
        started = time.monotonic()
        host, target = self._split_target()
        response = self.server.demo.world.respond(host, target) if host else None
        if response is None:
            shown = host or "(no Host header)"
            response = _response.text(
                f"502 Bad Gateway: unknown host {shown}\n", 502, "archivist-demo"
            )
        entry = LogEntry(
            started, host, self.command, target, response.status, tuple(self.headers.items())
        )
        self.server.demo.record(entry)
        if response.delay:
            time.sleep(response.delay)
        try:
            self._write(response, head=head)
        except (BrokenPipeError, ConnectionResetError) as error:
            logger.debug("Client left during %s %s: %r", self.command, self.path, error)
            self.close_connection = True

    def _head(self, response: Response, extra: list[tuple[str, str]]) -> bytes:
        phrase = HTTPStatus(response.status).phrase
        lines = [f"HTTP/1.1 {response.status} {phrase}"]
        lines += [f"{name}: {value}" for name, value in (*response.headers, *extra)]
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _write(self, response: Response, *, head: bool) -> None:
        encoded = response.gzip and _accepts_gzip(self.headers.get("Accept-Encoding", ""))
        body = _gzip(response.body) if encoded else response.body
        extra = [("Content-Encoding", "gzip")] if encoded else []
        chunked = response.chunked and self.request_version != "HTTP/1.0"
        if chunked:
            extra.append(("Transfer-Encoding", "chunked"))
        else:
            length = len(body) if response.stream is None else response.length
            extra.append(("Content-Length", str(length)))
        if head:
            self.wfile.write(self._head(response, extra))
        elif response.stream is not None:
            self.wfile.write(self._head(response, extra))
            for piece in response.stream():
                self.wfile.write(piece)
        elif chunked:
            self.wfile.write(self._head(response, extra))
            for start in range(0, len(body), _CHUNK):
                piece = body[start : start + _CHUNK]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(self._head(response, extra) + body)


class DemoServer:
    """Serve ``world`` on a daemon thread; use as a context manager or start()/stop()."""

    def __init__(self, world: World, host: str = "127.0.0.1", port: int = 0) -> None:
        self.world = world
        self._address = (host, port)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._log: list[LogEntry] = []
        self._log_lock = threading.Lock()

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("DemoServer already started")
        self._httpd = _HTTPServer(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"demo-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("Demo world serving on %s", self.proxy_url)
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        logger.info("Demo world stopped")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("DemoServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def proxy_url(self) -> str:
        return f"http://{self._address[0]}:{self.port}"

    @staticmethod
    def url(host: str, path: str = "/") -> str:
        return f"http://{host}{path}"

    def record(self, entry: LogEntry) -> None:
        with self._log_lock:
            self._log.append(entry)

    @property
    def log(self) -> list[LogEntry]:
        """A copy of the request log, oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()
