"""The demo world's feeds, sitemaps and reposts through the server, and every link of the small world resolving."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree as ET

import pytest

from tests.helpers.demo_hosts import CLASSIC, DD, MODERN, NEWS, WP
from tests.helpers.demo_http import fetch
from tests.helpers.demo_pages import NS

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
