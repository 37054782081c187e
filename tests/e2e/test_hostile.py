"""The hostile web, on loopback servers: a crawl connects to no address it was not allowed.

The site the crawl is allowed (127.0.0.2) names an "internal" server (127.0.0.3) and a
``localhost`` one (a host name: judged on the address it resolves to) in its images,
its style sheet and a redirect; their own request logs must stay empty.
"""

from __future__ import annotations

import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import pytest

from crawler.runs.child import CrawlRun
from crawler.sources.schema import load_source
from tests.helpers.crawls import crawl, read_records, warc_files, warcio_check, write_source


class _Server:
    """A loopback server at ``address`` that logs every request it gets."""

    def __init__(self, address: str, pages: dict[str, tuple[int, dict[str, str], bytes]]):
        self.requests: list[str] = []
        log, served = self.requests, pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                log.append(self.path)
                status, headers, body = served.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((address, 0), Handler)
        self.port = self.httpd.server_address[1]
        self.pages = pages
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def internal():
    with _Server("127.0.0.3", {"/secret.png": (200, {}, b"secret")}) as server:
        yield server


@pytest.fixture
def local():
    with _Server("127.0.0.1", {"/admin.css": (200, {}, b"body{}")}) as server:
        yield server


def test_requisites_and_redirects_into_private_addresses_are_refused(tmp_path, internal, local):
    html = "text/html; charset=utf-8"
    pages: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"),
    }
    with _Server("127.0.0.2", pages) as site:
        inner = f"http://127.0.0.3:{internal.port}"
        by_name = f"http://localhost:{local.port}"
        pages["/"] = (
            200,
            {"Content-Type": html},
            (
                f'<html><head><link rel="stylesheet" href="{by_name}/admin.css"></head><body>'
                f'<img src="{inner}/secret.png"><a href="/ra-ngoai">ra</a>'
                f'<a href="/trong">trong</a></body></html>'
            ).encode(),
        )
        pages["/ra-ngoai"] = (302, {"Location": f"{inner}/secret.png"}, b"")
        pages["/trong"] = (200, {"Content-Type": html}, b"<html><body>trong</body></html>")
        source = tmp_path / "sources" / "ngoai.yaml"
        source.parent.mkdir()
        source.write_text(
            f"name: ngoai\nseeds: ['http://127.0.0.2:{site.port}/']\n"
            "contact: tests@example.org\nallow_private: ['127.0.0.2']\n",
            encoding="utf-8",
        )
        run = CrawlRun(load_source(source), source, tmp_path, {"NETWORK_LOOPBACK_ONLY": "0"})
        run.start()
        result = run.wait(timeout=120)
    assert result.finish_reason == "finished"
    assert internal.requests == []  # the servers' own logs: nothing reached them
    assert local.requests == []
    assert "/trong" in site.requests  # the allowed site was crawled
    stats = result.stats
    assert stats["network/refused"] == stats["network/refused/loopback"] == 2  # one a host
    assert "retry/count" not in stats  # a refusal is not retried
    log = result.log_path.read_text(encoding="utf-8")
    assert log.count("Not connecting to 127.0.0.3") == 1  # told once per host
    assert log.count("Not connecting to localhost") == 1
    files = warc_files(tmp_path)
    assert warcio_check(files).returncode == 0
    uris = {r["warc"].get_header("WARC-Target-URI") for r in read_records(files)}
    assert not [u for u in uris - {None} if "127.0.0.3" in u or "localhost" in u]


def _bomb(inflated: int) -> bytes:
    """A gzip body of zeros: a few hundred kB that inflate to ``inflated`` bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    return b"".join([*(packer.compress(chunk) for _ in range(inflated >> 20)), packer.flush()])


class _CutShort(BaseHTTPRequestHandler):
    """Says 2,000 bytes, sends 800 and hangs up."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "2000")
        self.end_headers()
        self.wfile.write(b"<html><body>" + b"x" * 788)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def _peak_rss(run: CrawlRun) -> int:
    """The crawl process's peak RSS in bytes (VmHWM, read until it ends). Not ru_maxrss,
    nor Scrapy's memusage/max built on it: a process started by fork and exec inherits
    its parent's high-water mark there (pytest's, hundreds of MB late in a run)."""
    peak = 0
    while run.poll() is None:
        try:
            status = Path(f"/proc/{run.pid}/status").read_text()
        except OSError:
            break
        line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "")
        peak = max(peak, int(line.split()[1]) * 1024 if line else 0)
        time.sleep(0.02)
    return peak


def test_a_bomb_and_a_body_cut_short_are_archived_and_the_crawl_goes_on(tmp_path):
    bomb = _bomb(512 << 20)  # 512 MiB of zeros, about 0.5 MB sent
    cut = ThreadingHTTPServer(("127.0.0.2", 0), _CutShort)
    threading.Thread(target=cut.serve_forever, daemon=True).start()
    html = {"Content-Type": "text/html; charset=utf-8"}
    pages: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/bomb.html": (200, {**html, "Content-Encoding": "gzip"}, bomb),
        "/sau": (200, html, b"<html><body>sau</body></html>"),
    }
    with _Server("127.0.0.2", pages) as site:
        pages["/"] = (
            200,
            html,
            (
                f'<html><body><a href="/bomb.html">b</a><a href="/sau">s</a>'
                f'<a href="http://127.0.0.2:{cut.server_address[1]}/cut.html">c</a>'
                "</body></html>"
            ).encode(),
        )
        source = tmp_path / "sources" / "doc-hai.yaml"
        source.parent.mkdir()
        source.write_text(
            f"name: doc-hai\nseeds: ['http://127.0.0.2:{site.port}/']\nrobots: ignore\n"
            f"allowed_hosts: ['127.0.0.2']\ncontact: tests@example.org\n"
            "allow_private: ['127.0.0.2']\n",
            encoding="utf-8",
        )
        run = CrawlRun(load_source(source), source, tmp_path, {"NETWORK_LOOPBACK_ONLY": "0"})
        run.start()
        peak = _peak_rss(run)
        result = run.wait(timeout=120)
    cut.shutdown()
    cut.server_close()
    assert result.finish_reason == "finished"
    stats = result.stats
    assert stats["decompression/too_big"] == 1
    assert peak < 400 << 20, f"peak RSS {peak >> 20} MB"
    assert "/sau" in site.requests  # and the crawl went on
    files = warc_files(tmp_path)
    assert warcio_check(files).returncode == 0
    records = {
        r["warc"].get_header("WARC-Target-URI").rsplit("/", 1)[1]: r
        for r in read_records(files)
        if r["type"] == "response"
    }
    assert records["bomb.html"]["payload"] == bomb  # the bytes as sent, whole
    truncated = records["cut.html"]
    assert truncated["warc"].get_header("WARC-Truncated") == "disconnect"
    assert len(truncated["payload"]) == 800


def test_no_library_fetches_the_public_suffix_list(tmp_path, demo_server, monkeypatch):
    """Scrapy's cookies (and surt) ask tldextract for public suffixes, which fetches the
    list from publicsuffix.org unless told not to: the crawl process tells it."""
    monkeypatch.delenv("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", raising=False)
    cache = tmp_path / "tldextract-cache"
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(cache))  # no list fetched earlier to reuse
    source = write_source(tmp_path / "sources", "hau-to", "thoisu.test", max_pages=25)
    result = crawl(source, tmp_path, demo_server)
    assert result.returncode == 0
    assert result.stats.get("downloader/response_count", 0) > 20
    log = result.log_path.read_text(encoding="utf-8").lower()
    assert "suffix" not in log
    assert "tldextract" not in log  # offline, a fetch would log its failure here
