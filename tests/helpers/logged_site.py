"""A loopback site for whole crawls that logs every request with its arrival time.

The test gives it an ``app``: a function of (path, request headers) to a ``Reply``.
The site answers in a thread per request, so a reply may wait (``delay``), and a
reply may stall after its headers and part of its body until the site shuts down
(``stall``). ``write_source`` writes a source file over it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from email.message import Message
    from pathlib import Path


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    kind: str = "text/html; charset=utf-8"
    delay: float = 0.0
    stall: bool = False  # send the headers and half the body, then hang


@dataclass(frozen=True)
class Hit:
    at: float  # time.monotonic() on arrival
    path: str
    headers: Message


class LoggedSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: Callable[[str, Message], Reply], host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _Handler)
        self.app = app
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.released = threading.Event()  # set at shutdown: stalled replies end

    @property
    def base(self) -> str:
        return f"http://{self.server_address[0]}:{self.server_address[1]}"

    def paths(self) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits]

    def times(self, path: str) -> list[float]:
        with self.lock:
            return [h.at for h in self.hits if h.path == path]

    def pages(self) -> list[str]:
        """The paths asked, without robots.txt and the sitemap a news crawl probes."""
        return [p for p in self.paths() if p not in {"/robots.txt", "/sitemap.xml"}]


class _Handler(BaseHTTPRequestHandler):
    server: LoggedSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass

    def do_GET(self) -> None:
        site = self.server
        with site.lock:
            site.hits.append(Hit(time.monotonic(), self.path, self.headers))
        reply = site.app(self.path, self.headers)
        if reply.delay:
            site.released.wait(reply.delay)
        self.send_response(reply.status)
        names = {name.lower() for name, _ in reply.headers}
        if "content-type" not in names and reply.status != 304:
            self.send_header("Content-Type", reply.kind)
        if reply.status != 304:
            self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if reply.stall:
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            site.released.wait(300)
            self.close_connection = True
            return
        if reply.status != 304:
            self.wfile.write(reply.body)


def page(links: list[str] | tuple[str, ...] = (), text: str = "", extra: str = "") -> bytes:
    """An HTML page with these links (and some text of its own, so no two are alike)."""
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return f"<html><body><p>{text}</p>{anchors}{extra}</body></html>".encode()


@contextlib.contextmanager
def serving(app: Callable[[str, Message], Reply], host: str = "127.0.0.1") -> Iterator[LoggedSite]:
    site = LoggedSite(app, host)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.released.set()
        site.shutdown()
        site.server_close()


def write_source(folder: Path, name: str, site: LoggedSite, extra: str = "", **fields: str) -> Path:
    """A news source over ``site``: ``fields`` are more top-level YAML lines (limits,
    scope, manners...), ``extra`` is appended as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    lines = [
        f"name: {name}",
        "family: news",
        f"seeds: ['{site.base}/']",
        "contact: tests@example.org",
        *(f"{key}: {value}" for key, value in fields.items()),
    ]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path
