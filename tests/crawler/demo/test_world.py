"""The demo world: real server on loopback, fetched as a proxy (and as an origin)."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from collections import deque
from html.parser import HTMLParser
from urllib.parse import unquote_plus, urljoin, urlsplit
from xml.etree import ElementTree as ET

import pytest

from crawler.demo import DemoServer, World
from tests.helpers import REPO_ROOT

SMALL = 12
SLOW = 0.3
LARGE = 200_000
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "atom": "http://www.w3.org/2005/Atom",
    "os": "http://a9.com/-/spec/opensearchrss/1.0/",
}
NEWS, CLASSIC, MODERN, WP, DD = (
    "thoisu.test",
    "nhipcau.blogspot.test",
    "tiengdan.blogspot.test",
    "goc-nhin.test",
    "dien-dan.test",
)


@pytest.fixture(scope="module")
def small():
    return World(SMALL, slow_delay=SLOW, large_bytes=LARGE)


@pytest.fixture(scope="module")
def server(small):
    with DemoServer(small) as running:
        yield running


class Fetched:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(server, url, headers=None, method="GET") -> Fetched:
    """One proxy-form request; no redirects followed, body as sent (still gzip-encoded)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, url, headers=headers or {})
        resp = conn.getresponse()
        return Fetched(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def raw_exchange(server, request: bytes) -> bytes:
    """Send raw request bytes, read the raw answer until the server closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def dechunk(body: bytes) -> tuple[bytes, int]:
    out, count = b"", 0
    while True:
        size_line, body = body.split(b"\r\n", 1)
        size = int(size_line, 16)
        if size == 0:
            assert body == b"\r\n"
            return out, count
        out, body, count = out + body[:size], body[size:], count + 1
        assert body[:2] == b"\r\n"
        body = body[2:]


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
    started = time.perf_counter()
    world = World(5000, page_bytes=50_000, links_per_page=50)
    assert time.perf_counter() - started < 5
    assert len(world.article_urls(NEWS)) == 5000
    page = world.url_response(world.article_urls(NEWS)[1234])
    assert page is not None
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


# -- feeds and sitemaps -----------------------------------------------------------------


def xml(server, url) -> ET.Element:
    got = fetch(server, url)
    assert got.status == 200, url
    return ET.fromstring(got.body)


def sitemap_urls(server, index_url) -> set[str]:
    urls: set[str] = set()
    for loc in xml(server, index_url).iterfind("sm:sitemap/sm:loc", NS):
        urls |= {u.text or "" for u in xml(server, loc.text).iterfind("sm:url/sm:loc", NS)}
    return urls


def test_news_sitemaps_and_rss(server, small):
    assert fetch(server, "http://thoisu.test/robots.txt").text.endswith(
        "Sitemap: http://thoisu.test/sitemap.xml\n"
    )
    assert sitemap_urls(server, "http://thoisu.test/sitemap.xml") == set(small.article_urls(NEWS))
    links = [
        e.text
        for e in xml(server, "http://thoisu.test/rss/tin-moi-nhat.rss").iterfind(
            "channel/item/link"
        )
    ]
    assert set(links) == set(small.article_urls(NEWS))
    section = xml(server, "http://thoisu.test/rss/chinh-tri.rss").iterfind("channel/item/link")
    assert all("/chinh-tri/" in (e.text or "") for e in section)


@pytest.mark.parametrize("host", [CLASSIC, MODERN])
def test_blogger_feeds_and_sitemaps(server, small, host):
    expected = set(small.article_urls(host))
    assert "Disallow: /search" in fetch(server, f"http://{host}/robots.txt").text
    assert sitemap_urls(server, f"http://{host}/sitemap.xml") <= expected  # the index falls short
    pages, page = [], 1
    while (got := fetch(server, f"http://{host}/sitemap.xml?page={page}")).status == 200:
        pages.append(got.text)
        page += 1
    assert {u for p in pages for u in re.findall(r"<loc>([^<]+)</loc>", p)} == expected
    url, found = f"http://{host}/feeds/posts/default?max-results=3", []
    while url:
        feed = xml(server, url)
        assert feed.findtext("os:totalResults", namespaces=NS) == str(len(expected))
        found += [
            e.get("href") for e in feed.iterfind("atom:entry/atom:link[@rel='alternate']", NS)
        ]
        nxt = feed.find("atom:link[@rel='next']", NS)
        url = nxt.get("href") if nxt is not None else None
    assert sorted(found) == sorted(expected)
    default = xml(server, f"http://{host}/feeds/posts/default")
    assert len(default.findall("atom:entry", NS)) == min(5, len(expected))
    url, links = f"http://{host}/feeds/posts/default?alt=rss", set()
    while url:
        rss = xml(server, url)
        links |= {e.text for e in rss.iterfind("channel/item/link")}
        nxt = rss.find("channel/atom:link[@rel='next']", NS)
        url = nxt.get("href") if nxt is not None else None
    assert links == expected


def test_blogger_label_feed_and_comments(server, small):
    feed = xml(
        server, "http://nhipcau.blogspot.test/feeds/posts/default/-/Ch%C3%ADnh%20tr%E1%BB%8B"
    )
    links = {e.get("href") for e in feed.iterfind("atom:entry/atom:link[@rel='alternate']", NS)}
    assert small.seed_repost_url in links
    entry = feed.find("atom:entry", NS)
    replies = entry.find("atom:link[@type='application/atom+xml'][@rel='replies']", NS)
    assert replies is not None
    comments = xml(server, replies.get("href"))
    total = entry.findtext("{http://purl.org/syndication/thread/1.0}total")
    assert comments.findtext("os:totalResults", namespaces=NS) == total
    assert len(comments.findall("atom:entry", NS)) == int(total or 0)


def test_wordpress_endpoints(server, small):
    expected = set(small.article_urls(WP))
    head = fetch(server, "http://goc-nhin.test/").text
    assert '<meta name="generator" content="WordPress 6.' in head
    assert '<link rel="https://api.w.org/" href="http://goc-nhin.test/wp-json/" />' in head
    assert sitemap_urls(server, "http://goc-nhin.test/wp-sitemap.xml") == expected
    feed, paged = set(), 1
    while (got := fetch(server, f"http://goc-nhin.test/feed/?paged={paged}")).status == 200:
        feed |= {e.text for e in ET.fromstring(got.body).iterfind("channel/item/link")}
        paged += 1
    assert feed == expected
    assert paged == 3  # four posts a page
    pages = fetch(server, "http://goc-nhin.test/wp-json/wp/v2/posts?per_page=2&page=1")
    assert pages.header("X-WP-Total") == str(len(expected))
    assert pages.header("X-WP-TotalPages") == str(-(-len(expected) // 2))
    links = set()
    for n in range(1, int(pages.header("X-WP-TotalPages") or 0) + 1):
        body = fetch(server, f"http://goc-nhin.test/wp-json/wp/v2/posts?per_page=2&page={n}").body
        links |= {post["link"] for post in json.loads(body)}
    assert links == expected
    assert fetch(server, "http://goc-nhin.test/wp-json/wp/v2/posts?page=99").status == 400


# -- the reposts --------------------------------------------------------------------------


def visible_lines(html: str) -> list[str]:
    text = re.sub(r"<script.*?</script>|<[^>]+>", "\n", html, flags=re.DOTALL)
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_seed_repost_is_served(server, small):
    from importlib import resources

    seed = resources.files("crawler.demo").joinpath("data/blogger-repost.txt").read_text("utf-8")
    seed_lines = [line.strip() for line in seed.splitlines() if line.strip()]
    url = small.seed_repost_url
    assert url.startswith("http://nhipcau.blogspot.test/2012/04/")
    assert url.endswith(".html")
    html = fetch(server, url).text
    assert "<meta content='blogger' name='generator'/>" in html
    assert "Thứ Hai, 23 tháng 4, 2012" in html
    assert "title='2012-04-23T" in html
    lines = visible_lines(html)
    positions = [lines.index(line) for line in seed_lines]  # each seed line is a whole line
    assert positions == sorted(positions)
    assert seed_lines[-4:] == [
        "Thanh Bình",
        "(Theo website Trương Tấn Sang)",
        "0 nhận xét:",
        "Đăng nhận xét",
    ]
    assert seed == (resources.files("crawler.demo") / "data/blogger-repost.txt").read_text("utf-8")


def test_reposts_carry_their_credits(server, small):
    for post, original in small.reposts(CLASSIC).items():
        html = fetch(server, post).text
        assert "(Theo website Báo Thời Sự)" in html
        title = re.search(r"<h1 class=\"title-detail\">(.*?)</h1>", fetch(server, original).text)
        assert title is not None
        assert title.group(1) in html
    modern = [fetch(server, p).text for p in small.reposts(MODERN)]
    assert any("Nguồn: <a href='http://thoisu.test/" in h for h in modern)
    assert all(
        "class='post-outer-container'" in h and "<time class='published' datetime=" in h
        for h in modern
    )
    for post, original in small.reposts(WP).items():
        html = fetch(server, post).text
        assert f'<p>Nguồn: <a href="{original}">Báo Thời Sự</a></p>' in html
        assert '<time class="entry-date published" datetime="' in html


# -- the whole small world ----------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (
                value
                and (name in {"href", "src", "poster"})
                and not value.startswith(("#", "mailto:"))
            ):
                self.links.append(value)


def test_every_link_resolves(server, small):
    """Every link answers; a trap's first page answers too, but its links are not followed."""
    deliberate = {small.cases[c] for c in ("not_found", "gone", "server_error")}
    traps = re.compile("|".join(p for h in small.hosts for p in small.trap_patterns(h)))
    queue, seen, pages = deque(u for urls in small.seeds.values() for u in urls), set(), 0
    seen.update(queue)
    while queue:
        url = queue.popleft()
        if urlsplit(url).hostname not in small.hosts:
            assert traps.search(url), url  # never served: only trap links lead there
            continue
        got = fetch(server, url)
        if url in deliberate or url.startswith(f"http://{DD}/wp-json/"):  # 403: API disabled
            continue
        assert got.status < 400, url
        if traps.search(url):
            continue
        kind = got.header("Content-Type") or ""
        if not kind.startswith("text/html") or "charset=UTF-8" not in kind:
            continue
        pages += 1
        html = got.text
        assert unicodedata.is_normalized("NFC", html), url
        parser = _Links()
        parser.feed(html)
        for link in parser.links:
            target = urljoin(url, link).split("#")[0]
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert deliberate <= seen
    assert set(small.cases.values()) - {small.cases["redirect_chain"]} <= seen | {
        small.cases["two_cookies"]
    }
    for host in small.hosts:
        hidden = set(small.hidden_urls(host))
        assert set(small.article_urls(host)) - hidden <= seen
        assert not hidden & seen
    assert pages > 50


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
