"""Politeness toward the archive, against a real HTTP server on loopback: a pause between
two requests, Retry-After on 429/503, doubling back-off, no redirect followed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from crawler.backfill.client import ArchiveClient, retry_after
from crawler.errors import BackfillError


class _Archive(BaseHTTPRequestHandler):
    script: ClassVar[list[tuple[int, dict[str, str], bytes]]] = []
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers.items()))
        status, headers, body = self.script.pop(0) if self.script else (200, {}, b"done")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def archive():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Archive)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Archive.script, _Archive.seen = [], []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _client(waits: list[float], **options) -> ArchiveClient:
    return ArchiveClient("archivist-test/0.1 (+tests@example.org)", sleep=waits.append, **options)


def test_retry_after_and_back_off_are_honoured(archive):
    _Archive.script = [
        (429, {"Retry-After": "7"}, b"slow down"),
        (503, {}, b"busy"),
        (503, {}, b"busy"),
        (200, {"Content-Type": "text/html"}, b"<p>the capture</p>"),
    ]
    waits: list[float] = []
    client = _client(waits, delay=0, backoff=0.5)
    answer = client.get(f"{archive}/coll/20121005083000id_/http://news.example/")
    assert (answer.status, answer.body) == (200, b"<p>the capture</p>")
    assert waits == [7.0, 1.0, 2.0]  # Retry-After, then 0.5 s doubling from the 2nd try
    assert client.requests == 4
    assert client.waited == 10.0
    assert _Archive.seen[0]["User-Agent"] == "archivist-test/0.1 (+tests@example.org)"
    assert "gzip" in _Archive.seen[0]["Accept-Encoding"]


def test_a_retry_after_over_the_limit_stops_with_one_line(archive):
    _Archive.script = [(429, {"Retry-After": "3600"}, b"")]
    with pytest.raises(BackfillError, match=r"wait 3600s \(Retry-After\), over the 600s allowed"):
        _client([], delay=0).get(f"{archive}/cdx")


def test_an_archive_that_keeps_failing_is_given_up(archive):
    _Archive.script = [(500, {}, b"")] * 3
    waits: list[float] = []
    with pytest.raises(BackfillError, match="still fails after 3 attempts"):
        _client(waits, delay=0, retries=2, backoff=1).get(f"{archive}/cdx")
    assert waits == [1, 2]


def test_requests_are_spaced_by_the_delay(archive):
    waits: list[float] = []
    client = _client(waits, delay=0.5)
    client.get(f"{archive}/a")
    client.get(f"{archive}/b")
    assert len(waits) == 1
    assert 0.3 < waits[0] <= 0.5


def test_redirects_are_kept_not_followed(archive):
    _Archive.script = [(302, {"Location": "/elsewhere"}, b"")]
    answer = _client([], delay=0).get(f"{archive}/x")
    assert answer.status == 302
    assert answer.header("location") == "/elsewhere"
    assert len(_Archive.seen) == 1


def test_an_unreachable_archive_is_one_line():
    waits: list[float] = []
    with pytest.raises(BackfillError, match="still fails after 2 attempts"):
        _client(waits, delay=0, retries=1, backoff=0).get("http://127.0.0.1:9/cdx")
    with pytest.raises(BackfillError, match="not an http"):
        _client(waits).get("file:///etc/passwd")


def test_retry_after_reads_seconds_and_dates():
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after("Sun, 06 Dec 2026 12:01:30 GMT", now) == 90
    assert retry_after("soon", now) is None
