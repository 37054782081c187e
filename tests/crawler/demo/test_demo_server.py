"""The demo server itself: its request log, unknown hosts, origin-form requests, keep-alive, urllib through it, quiet disconnects; which sources the demo crawls."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request

import pytest

from crawler.demo import World
from tests.helpers import REPO_ROOT
from tests.helpers.demo_hosts import NEWS
from tests.helpers.demo_http import fetch

# -- the server itself ---------------------------------------------------------------------


def test_log_records_requests(server):
    server.clear_log()
    fetch(
        server,
        "http://thoisu.test/tim-kiem?tu-khoa=bau-cu",
        {"Accept-Encoding": "gzip", "X-Test": "1"},
    )
    (entry,) = server.log
    assert (entry.host, entry.method, entry.target, entry.status) == (
        "thoisu.test",
        "GET",
        "/tim-kiem?tu-khoa=bau-cu",
        200,
    )
    assert ("X-Test", "1") in entry.headers
    assert entry.time <= time.monotonic()
    server.clear_log()
    assert server.log == []


def test_unknown_host_is_502(server):
    got = fetch(server, "http://example.com/")
    assert got.status == 502
    assert "example.com" in got.text


def test_origin_form_head_and_keep_alive(server, small):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for path in ("/", "/robots.txt"):
            conn.request("GET", path, headers={"Host": "goc-nhin.test"})
            resp = conn.getresponse()
            assert resp.status == 200
            assert resp.read()
        sock = conn.sock
        conn.request("HEAD", "/", headers={"Host": "thoisu.test"})
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.read() == b""
        assert int(resp.getheader("Content-Length") or 0) > 0
        assert conn.sock is sock  # one connection for all three requests
        conn.request("POST", "/", body=b"x", headers={"Host": "thoisu.test"})
        assert conn.getresponse().status == 501
    finally:
        conn.close()


def test_urllib_through_the_proxy(server, small):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.proxy_url}))
    with opener.open(small.cases["redirect_chain"], timeout=10) as resp:
        assert resp.url == small.cases["redirect_final"]
        assert resp.status == 200
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(small.cases["gone"], timeout=10)
    assert info.value.code == 410
    info.value.close()
    assert server.url(NEWS, "/x") == "http://thoisu.test/x"
    assert server.proxy_url == f"http://127.0.0.1:{server.port}"


def test_client_disconnect_is_quiet(server, small, caplog):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"GET {small.cases['large']} HTTP/1.1\r\nHost: thoisu.test\r\n\r\n".encode())
        sock.recv(1024)
    time.sleep(0.2)
    assert fetch(server, "http://thoisu.test/robots.txt").status == 200
    assert not [r for r in caplog.records if r.levelname in {"ERROR", "CRITICAL"}]


def test_the_demo_crawls_only_its_own_sources(tmp_path):
    """A user's source over a demo host, and a broken file of theirs, are not the demo's."""
    from crawler.demo.run import demo_sources

    for path in (REPO_ROOT / "schedules").glob("demo-*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "cua-toi.yaml").write_text(
        "name: cua-toi\nseeds: ['http://thoisu.test/']\ncontact: me@example.org\n",
        encoding="utf-8",
    )
    (tmp_path / "hong.yaml").write_text("name: [\n", encoding="utf-8")
    names = {source.name for _, source in demo_sources(tmp_path, World(4).hosts)}
    assert names == {p.stem for p in (REPO_ROOT / "schedules").glob("demo-*.yaml")}
