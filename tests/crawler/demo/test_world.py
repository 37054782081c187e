"""The demo world: real server on loopback, fetched as a proxy (and as an origin)."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import time
import unicodedata
from urllib.parse import unquote_plus, urljoin, urlsplit

import pytest

from crawler.demo import DemoServer, World
from tests.helpers import REPO_ROOT
from tests.helpers.demo_hosts import CLASSIC, DD, LARGE, MODERN, NEWS, SLOW, SMALL, WP
from tests.helpers.demo_http import dechunk, fetch, raw_exchange

# -- API and determinism --------------------------------------------------------------


def test_public_api_shapes(small):
    assert small.hosts == [NEWS, CLASSIC, MODERN, WP, DD]
    assert small.seeds == {h: [f"http://{h}/"] for h in small.hosts}
    news = small.article_urls(NEWS)
    assert len(news) == SMALL
    assert all(
        re.fullmatch(
            r"http://thoisu\.test/(chinh-tri|xa-hoi|kinh-te|the-gioi)/[a-z0-9-]+-\d{6}\.html", u
        )
        for u in news
    )
    blogger = r"http://{}/20(12|13)/\d\d/[a-z0-9-]{{1,41}}(_\d\d)?\.html"
    for host in (CLASSIC, MODERN):
        assert all(
            re.fullmatch(blogger.format(re.escape(host)), u) for u in small.article_urls(host)
        )
    wp = r"http://(goc-nhin|dien-dan)\.test/20(12|13)/\d\d/\d\d/[a-z0-9-]+/"
    assert all(re.fullmatch(wp, u) for u in small.article_urls(WP) + small.article_urls(DD))
    # every 3rd/4th/5th article, three own posts each, and the seed repost on nhipcau
    assert len(small.article_urls(CLASSIC)) == 4 + 3 + 1
    assert len(small.article_urls(MODERN)) == 3 + 3
    assert len(small.article_urls(WP)) == 2 + 3
    assert len(small.article_urls(DD)) == 2 + 2  # every 6th from the 4th, two own posts
    expected = {
        "gzip",
        "chunked",
        "gzip_chunked",
        "redirect_chain",
        "redirect_final",
        "not_found",
        "gone",
        "server_error",
        "slow",
        "two_cookies",
        "query",
        "cp1258",
        "image",
        "css",
        "large",
    }
    assert expected <= set(small.cases)
    assert all(u.startswith("http://thoisu.test/") for u in small.cases.values())
    with pytest.raises(KeyError):
        small.article_urls("example.com")
    with pytest.raises(ValueError, match="size"):
        World(0)


def test_same_inputs_give_the_same_bytes():
    one, two = World(SMALL, seed=7), World(SMALL, seed=7)
    urls = [*one.cases.values(), *(u for h in one.hosts for u in one.article_urls(h))]
    urls += [f"http://{h}{p}" for h in one.hosts for p in ("/", "/robots.txt")]
    urls += [
        "http://nhipcau.blogspot.test/feeds/posts/default",
        "http://goc-nhin.test/feed/",
        "http://goc-nhin.test/wp-json/wp/v2/posts",
        "http://thoisu.test/sitemap.xml",
    ]
    for url in urls:
        a, b = one.url_response(url), two.url_response(url)
        assert a is not None
        assert b is not None
        assert (a.status, a.headers, a.body) == (b.status, b.headers, b.body), url
    assert one.article_urls(NEWS) == two.article_urls(NEWS)
    other = World(SMALL, seed=8)
    assert other.article_urls(NEWS) != one.article_urls(NEWS)


_DIGEST = """
import hashlib
from crawler.demo import World
w = World(12)
h = hashlib.sha256()
for url in [*w.cases.values(), *(u for host in w.hosts for u in w.article_urls(host))]:
    r = w.url_response(url)
    h.update(repr((url, r.status, r.headers)).encode())
    h.update(b"".join(r.stream()) if r.stream else r.body)
print(hashlib.sha256(repr(sorted(w.cases.items())).encode()).hexdigest(), h.hexdigest())
"""


def test_hash_seed_does_not_matter():
    digests = {
        subprocess.run(
            [sys.executable, "-c", _DIGEST],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_wire_bytes_are_identical_across_servers():
    request = b"GET http://thoisu.test/ HTTP/1.1\r\nHost: thoisu.test\r\nConnection: close\r\n\r\n"
    answers = []
    for _ in range(2):
        with DemoServer(World(SMALL)) as running:
            answers.append(raw_exchange(running, request))
    assert answers[0] == answers[1]
    assert answers[0].startswith(b"HTTP/1.1 200 OK\r\n")


def test_large_world_is_lazy_and_padded():
    world = World(5000, page_bytes=50_000, links_per_page=50)
    # Lazy: construction renders no page (how fast it builds: tests/benchmarks/bench_world.py).
    assert world.respond.cache_info().currsize == 0  # type: ignore[attr-defined]
    assert len(world.article_urls(NEWS)) == 5000
    page = world.url_response(world.article_urls(NEWS)[1234])
    assert page is not None
    assert world.respond.cache_info().currsize == 1  # type: ignore[attr-defined]
    assert 40_000 < len(page.body) < 65_000
    links = set(re.findall(rb'href="(/[^"]*)"', page.body))
    assert 40 <= len(links) <= 60


# -- the cases --------------------------------------------------------------------------


def test_gzip_when_accepted(server, small):
    for url in (small.cases["gzip"], small.article_urls(NEWS)[0]):
        got = fetch(server, url, {"Accept-Encoding": "gzip"})
        assert got.status == 200
        assert got.header("Content-Encoding") == "gzip"
        assert int(got.header("Content-Length") or -1) == len(got.body)
        assert b"<html" in gzip.decompress(got.body)
        plain = fetch(server, url)
        assert plain.header("Content-Encoding") is None
        assert plain.body == gzip.decompress(got.body)


def test_chunked_on_the_wire(server, small):
    path = urlsplit(small.cases["chunked"]).path
    raw = raw_exchange(
        server, f"GET {path} HTTP/1.1\r\nHost: thoisu.test\r\nConnection: close\r\n\r\n".encode()
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"\r\nTransfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    html, chunks = dechunk(body)
    assert chunks >= 2
    assert html.startswith(b"<!DOCTYPE html>")
    assert html.rstrip().endswith(b"</html>")


def test_gzip_and_chunked(server, small):
    url = small.cases["gzip_chunked"]
    raw = raw_exchange(
        server, f"GET {url} HTTP/1.1\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n".encode()
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"\r\nTransfer-Encoding: chunked" in head
    assert b"\r\nContent-Encoding: gzip" in head
    assert b"Content-Length" not in head
    encoded, _ = dechunk(body)
    assert b"</html>" in gzip.decompress(encoded)


def test_two_set_cookie_headers(server, small):
    got = fetch(server, small.cases["two_cookies"])
    cookies = got.all("Set-Cookie")
    assert len(cookies) == 2
    assert {c.split("=")[0] for c in cookies} == {"phien", "dong-y-cookie"}


def test_redirect_chain_hop_by_hop(server, small):
    url, seen = small.cases["redirect_chain"], []
    for expected in (301, 302, 307):
        got = fetch(server, url)
        assert got.status == expected, url
        seen.append(url)
        url = urljoin(url, got.header("Location") or "")
    assert len(set(seen)) == 3
    assert url == small.cases["redirect_final"]
    assert fetch(server, url).status == 200


def test_error_statuses(server, small):
    assert fetch(server, small.cases["not_found"]).status == 404
    assert fetch(server, small.cases["gone"]).status == 410
    assert fetch(server, small.cases["server_error"]).status == 500
    assert fetch(server, "http://thoisu.test/khong-co-trang-nay").status == 404


def test_slow_page(server, small):
    started = time.monotonic()
    got = fetch(server, small.cases["slow"])
    assert got.status == 200
    assert time.monotonic() - started >= SLOW


def test_query_strings_matter(server, small):
    page2 = fetch(server, small.cases["query"]).text
    page1 = fetch(server, small.cases["query"].replace("trang=2", "trang=1")).text
    assert "bau-cu" in page2
    assert "(trang 2)" in page2
    assert page1 != page2
    vi = fetch(server, small.cases["query_vi"])
    assert "“bầu cử”" in vi.text
    assert unquote_plus(urlsplit(small.cases["query_vi"]).query) == "tu-khoa=bầu cử"
    video7, video8 = (
        fetch(server, small.cases["video"]),
        fetch(server, small.cases["video"].replace("id=7", "id=8")),
    )
    assert video7.status == video8.status == 200
    assert video7.body != video8.body
    assert fetch(server, "http://thoisu.test/video?id=99").status == 404


def test_windows_1258_page(server, small):
    got = fetch(server, small.cases["cp1258"])
    assert got.header("Content-Type") == "text/html; charset=windows-1258"
    with pytest.raises(UnicodeDecodeError):
        got.body.decode("utf-8")
    text = got.body.decode("cp1258")
    assert '<meta charset="windows-1258">' in text
    assert any(unicodedata.combining(c) for c in text)  # tone marks stay combining
    assert "Hà Nội đón năm mới 2005" in unicodedata.normalize("NFC", text)


def test_requisites(server, small):
    magic = {"image": b"\x89PNG", "image_jpeg": b"\xff\xd8\xff", "image_gif": b"GIF89a"}
    for case, start in magic.items():
        got = fetch(server, small.cases[case])
        assert got.status == 200, case
        assert got.body.startswith(start), case
        assert (got.header("Content-Type") or "").startswith("image/")
    css = fetch(server, small.cases["css"])
    assert css.header("Content-Type") == "text/css"
    assert b"body" in css.body


def test_large_file(server, small):
    got = fetch(server, small.cases["large"])
    assert int(got.header("Content-Length") or -1) == LARGE == len(got.body)
    assert got.body.startswith(b"%PDF-1.4")
    assert got.body.endswith(b"%%EOF\n")
    head = fetch(server, small.cases["large"], method="HEAD")
    assert head.body == b""
    assert head.header("Content-Length") == str(LARGE)
    assert World(SMALL, large_bytes=LARGE).url_response(small.cases["large"]) is not None
