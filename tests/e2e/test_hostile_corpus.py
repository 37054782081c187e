"""One crawl through a corpus of hostile responses, with the network guard on.

A raw-socket site at 127.0.0.2 (the only address the source allows) serves bombs of each
kind, an endless header section and an endless body, a response that stalls, one cut
short, a 64 KiB header, a redirect chain into a private address, requisites on internal
addresses, a lying charset, a huge page, a link farm and an oversized sitemap. An
"internal" server at 127.0.0.3 logs every request it gets. The crawl must finish, keep
every response that arrived, stay under 400 MB of RSS, and never reach 127.0.0.3.
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time
import zlib
from typing import TYPE_CHECKING

import brotli

from archive.store import Store
from crawler.runs.child import CrawlRun
from crawler.sources.schema import load_source
from tests.e2e.test_hostile import _peak_rss
from tests.helpers.crawls import read_records, warc_files, warcio_check
from tests.helpers.pywb_harness import pywb_venv
from tests.helpers.required import PYWB, missing

if TYPE_CHECKING:
    import socket
    import subprocess
    from pathlib import Path

HTML = b"Content-Type: text/html; charset=utf-8\r\n"
# Says it is an article, so that only its being cut short keeps it from being extracted.
ARTICLE = b'<html><head><meta property="og:type" content="article"></head><body><p>'
WORDS = "Ông Trương Tấn Sang thăm Hà Nội và gặp cử tri. ".encode()
VIETNAMESE = "Trương Tấn Sang thăm Hà Nội. ".encode() * 40
FARM = 500  # links on the farm page; the crawl reads DISCOVERY_MAX_PAGE_LINKS of them
SITEMAP_URLS = 40_000  # about 2.5 MB of sitemap, over the test's DISCOVERY_MAX_LIST_BYTES


def _gzip_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join([*(packer.compress(bytes(1 << 20)) for _ in range(512)), packer.flush()])


def _deflate_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 15)
    return b"".join([*(packer.compress(bytes(1 << 20)) for _ in range(512)), packer.flush()])


def _br_bomb() -> bytes:
    packer = brotli.Compressor(quality=5)
    return b"".join([*(packer.process(bytes(1 << 20)) for _ in range(512)), packer.finish()])


def _index(internal: int) -> bytes:
    cases = [
        "gzip-bomb.html", "deflate-bomb.html", "br-bomb.html", "endless-headers.html",
        "endless-body.html", "stall.html", "cut.html", "long-header.html", "redirect/1",
        "lying.html", "huge.html", "farm.html", "sitemap.xml", "broken-links.html",
        "bad-locs.xml",
    ]  # fmt: skip
    links = "".join(f'<a href="/{case}">{case}</a>' for case in cases)
    inside = (
        f'<img src="http://127.0.0.3:{internal}/secret.png">'
        f'<link rel="stylesheet" href="http://localhost:{internal}/admin.css">'
        f'<script src="http://169.254.169.254:{internal}/latest/meta-data"></script>'
    )
    return f"<html><head>{inside}</head><body>{links}</body></html>".encode()


class _Site:
    """Raw responses by path: each case writes its own bytes to the socket."""

    def __init__(self, internal: int) -> None:
        self.internal = internal
        self.requests: list[str] = []
        self.bombs = {"gzip": _gzip_bomb(), "deflate": _deflate_bomb(), "br": _br_bomb()}
        self.long_cookie = "a" * (64 * 1024)

    def serve(self, path: str, out: socket.socket) -> None:
        self.requests.append(path)
        name = path.strip("/").replace("/", "_").replace("-", "_").replace(".", "_") or "index"
        handler = getattr(self, f"case_{name}", None)
        if handler is None and path.startswith("/farm/"):
            handler = self.case_farm_page
        if handler is None:
            out.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnone")
            return
        handler(out)

    @staticmethod
    def _send(out: socket.socket, body: bytes, headers: bytes = HTML, status: bytes = b"200 OK"):
        head = b"HTTP/1.1 " + status + b"\r\n" + headers
        out.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def case_index(self, out: socket.socket) -> None:
        self._send(out, _index(self.internal))

    def _bomb(self, out: socket.socket, kind: str) -> None:
        name = {"gzip": b"gzip", "deflate": b"deflate", "br": b"br"}[kind]
        self._send(out, self.bombs[kind], HTML + b"Content-Encoding: " + name + b"\r\n")

    def case_gzip_bomb_html(self, out: socket.socket) -> None:
        self._bomb(out, "gzip")

    def case_deflate_bomb_html(self, out: socket.socket) -> None:
        self._bomb(out, "deflate")

    def case_br_bomb_html(self, out: socket.socket) -> None:
        self._bomb(out, "br")

    def case_endless_headers_html(self, out: socket.socket) -> None:
        out.sendall(b"HTTP/1.1 200 OK\r\n")
        junk = b"X-Junk: " + b"j" * 1000 + b"\r\n"
        for _ in range(200_000):  # 200 MB of header lines, unless the client hangs up
            out.sendall(junk * 16)

    def case_endless_body_html(self, out: socket.socket) -> None:
        out.sendall(b"HTTP/1.1 200 OK\r\n" + HTML + b"Connection: close\r\n\r\n<html><body>")
        chunk = b"<p>endless</p>" * 4096
        for _ in range(20_000):  # about 1 GB, unless the client hangs up
            out.sendall(chunk)

    def case_stall_html(self, out: socket.socket) -> None:
        out.sendall(b"HTTP/1.1 200 OK\r\n" + HTML + b"Content-Length: 10000\r\n\r\n")
        start = ARTICLE + WORDS * 12
        out.sendall(start + b"s" * (1000 - len(start)))
        time.sleep(20)

    def case_cut_html(self, out: socket.socket) -> None:
        out.sendall(b"HTTP/1.1 200 OK\r\n" + HTML + b"Content-Length: 2000\r\n\r\n")
        start = ARTICLE + WORDS * 12
        out.sendall(start + b"x" * (800 - len(start)))

    def case_long_header_html(self, out: socket.socket) -> None:
        cookie = b"Set-Cookie: big=" + self.long_cookie.encode() + b"\r\n"
        self._send(out, b"<html><body>long header</body></html>", HTML + cookie)

    def case_redirect_1(self, out: socket.socket) -> None:
        self._send(out, b"", b"Location: /redirect/2\r\n", b"302 Found")

    def case_redirect_2(self, out: socket.socket) -> None:
        where = f"http://127.0.0.3:{self.internal}/admin".encode()
        self._send(out, b"", b"Location: " + where + b"\r\n", b"302 Found")

    def case_lying_html(self, out: socket.socket) -> None:
        body = ARTICLE + VIETNAMESE + b"</p></body></html>"
        self._send(out, body, b"Content-Type: text/html; charset=iso-8859-1\r\n")

    def case_huge_html(self, out: socket.socket) -> None:
        self._send(out, b"<html><body>" + b"<p>huge page of text</p>" * 800_000 + b"</body></html>")

    def case_farm_html(self, out: socket.socket) -> None:
        links = "".join(f'<a href="/farm/{n}">{n}</a>' for n in range(FARM))
        self._send(out, f"<html><body>{links}</body></html>".encode())

    def case_farm_page(self, out: socket.socket) -> None:
        self._send(out, b"<html><body>a farm page</body></html>")

    def case_broken_links_html(self, out: socket.socket) -> None:
        # Links no URL parser reads (a port that is no number, a broken IPv6 host), then
        # a good one: the bad ones are passed over, the page's other links still followed.
        bad = ("http://a:abc/", "http://[::1/x", "ftp://a:b/x", "http://a:99999/", "//b:c/")
        links = "".join(f'<a href="{href}">x</a>' for href in (*bad, "/after-broken.html"))
        self._send(out, f"<html><body>{links}</body></html>".encode())

    def case_after_broken_html(self, out: socket.socket) -> None:
        self._send(out, b"<html><body>reached past the broken links</body></html>")

    def case_bad_locs_xml(self, out: socket.socket) -> None:
        locs = ("http://a:abc/", "http://[::1/x", "/after-bad-loc.html")
        urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
        body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        self._send(out, body.encode(), b"Content-Type: application/xml\r\n")

    def case_after_bad_loc_html(self, out: socket.socket) -> None:
        self._send(out, b"<html><body>reached past the bad locations</body></html>")

    def case_sitemap_xml(self, out: socket.socket) -> None:
        urls = "".join(f"<url><loc>/s/{n}</loc></url>" for n in range(SITEMAP_URLS))
        body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        self._send(out, body.encode(), b"Content-Type: application/xml\r\n")


def _server(
    address: str, site: _Site | None, log: list[str], port: int = 0
) -> socketserver.ThreadingTCPServer:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = self.request.recv(65536)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode()
            if site is None:
                log.append(path)
                self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
                return
            with contextlib.suppress(OSError):  # the crawler hung up on an endless answer
                site.serve(path, self.request)

    socketserver.ThreadingTCPServer.daemon_threads = True
    server = socketserver.ThreadingTCPServer((address, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _warcio_check(files: list[Path]) -> subprocess.CompletedProcess[str]:
    """``warcio check`` from the pywb environment. warcio 1.8 decodes ``br`` through
    brotlipy's API; the crawl's environment has Google's brotli (Scrapy's), whose
    Decompressor has no ``unused_data``, so warcio there fails on any br response."""
    warcio = pywb_venv() / "bin" / "warcio"
    if not warcio.exists():
        missing(f"{warcio} is missing: run scripts/pywb-env", PYWB)
    return warcio_check(files, str(warcio))


def test_a_crawl_through_the_hostile_corpus(tmp_path: Path) -> None:
    internal_log: list[str] = []
    internal = _server("127.0.0.3", None, internal_log)
    port = internal.server_address[1]
    local = _server("127.0.0.1", None, internal_log, port)  # where "localhost" resolves
    site = _Site(port)
    server = _server("127.0.0.2", site, [])
    source = tmp_path / "sources" / "doc-hai.yaml"
    source.parent.mkdir()
    source.write_text(
        f"name: doc-hai\nseeds: ['http://127.0.0.2:{server.server_address[1]}/']\n"
        "robots: ignore\nallowed_hosts: ['127.0.0.2']\ncontact: tests@example.org\n"
        "allow_private: ['127.0.0.2']\n",
        encoding="utf-8",
    )
    settings = {
        "NETWORK_LOOPBACK_ONLY": "0",
        # long enough to read the endless body's 64 MiB on a loaded machine (at load 12
        # on two cores, 4 s cut it by time before its length); the stall waits this long
        "DOWNLOAD_TIMEOUT": "12",
        "DISCOVERY_MAX_PAGE_LINKS": "30",
        "DISCOVERY_MAX_LIST_BYTES": "1000000",
    }
    run = CrawlRun(load_source(source), source, tmp_path, settings)
    run.start()
    peak = _peak_rss(run)
    result = run.wait(timeout=240)
    for each in (server, internal, local):
        each.shutdown()
        each.server_close()

    assert result.finish_reason == "finished"
    assert internal_log == []  # nothing reached an internal address, however named
    assert peak < 400 << 20, f"peak RSS {peak >> 20} MB"
    stats = result.stats
    assert stats["decompression/too_big"] == 3
    assert stats["discovery/links_capped"] == 1
    assert stats["discovery/list_too_big"] == 1
    assert stats["discovery/page_too_big"] == 2  # huge.html and endless-body.html
    assert len([p for p in site.requests if p.startswith("/farm/")]) == 30
    assert not [p for p in site.requests if p.startswith("/s/")]
    assert "/after-broken.html" in site.requests
    assert "/after-bad-loc.html" in site.requests  # a sitemap's other entries still read
    log = result.log_path.read_text(encoding="utf-8")
    assert "Spider error processing" not in log

    _every_response_that_arrived_is_kept(tmp_path, site, result.log_path)
    _articles_only_from_whole_pages(tmp_path, server.server_address[1])


def _every_response_that_arrived_is_kept(tmp_path: Path, site: _Site, log_path: Path) -> None:
    files = warc_files(tmp_path)
    assert _warcio_check(files).returncode == 0
    every = read_records(files)
    records = {
        r["warc"].get_header("WARC-Target-URI").split("/", 3)[3]: r
        for r in every
        if r["type"] == "response"
    }
    kept = {r["warc"].get_header("WARC-Target-URI") for r in every if r["type"] == "revisit"}
    kept = {uri.split("/", 3)[3] for uri in kept} | set(records)  # the farm's pages are alike
    arrived = set(site.requests) - {"/endless-headers.html"}  # its headers never ended
    assert {f"/{uri}" for uri in kept} >= arrived
    assert "endless-headers.html" not in records
    log = log_path.read_text(encoding="utf-8")
    assert "endless-headers.html: header section longer than" in log
    for kind in ("gzip", "deflate", "br"):
        assert records[f"{kind}-bomb.html"]["payload"] == site.bombs[kind]
    endless = records["endless-body.html"]
    assert endless["warc"].get_header("WARC-Truncated") == "length"
    assert len(endless["payload"]) == 64 * 1024 * 1024
    stalled = records["stall.html"]
    assert stalled["warc"].get_header("WARC-Truncated") == "time"
    assert len(stalled["payload"]) == 1000
    assert records["cut.html"]["warc"].get_header("WARC-Truncated") == "disconnect"
    cookie = records["long-header.html"]["http"].get_header("Set-Cookie")
    assert cookie == "big=" + site.long_cookie
    assert records["lying.html"]["payload"].endswith(VIETNAMESE + b"</p></body></html>")
    assert records["huge.html"]["warc"].get_header("WARC-Truncated") is None


def _articles_only_from_whole_pages(tmp_path: Path, port: int) -> None:
    with Store.for_home(tmp_path) as store:  # articles: from whole pages only
        base = f"http://127.0.0.2:{port}"
        assert not store.versions(f"{base}/stall.html")
        assert not store.versions(f"{base}/cut.html")
        (lying,) = store.versions(f"{base}/lying.html")  # the same markup, whole
    assert "Trương Tấn Sang" in lying.article.body  # not mojibake: UTF-8 overrode the label
    assert lying.article.encoding_note
