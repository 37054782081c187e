"""The demo world's discovery facts: hidden posts, paged lists, variants, traps, robots.

Everything is asked of ``World.url_response`` directly (no server): what the discovery
spiders' tests will later check in the server's request log. Traps, robots.txt and the
families' markers are in ``test_discovery_traps.py``.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest

from crawler.demo import World
from crawler.demo._blogger_feeds import DEFAULT_RESULTS, MAX_RESULTS, SITEMAP_INDEX_PAGES
from crawler.demo._wordpress_api import FEED_PAGE
from tests.helpers.demo_hosts import BLOGGER, CLASSIC, NEWS, WORDPRESS, WP
from tests.helpers.demo_pages import NS, get, links, locs, wp_sitemap, xml

PAGE_CAP = 1500


@pytest.fixture(scope="module")
def world() -> World:
    return World(30)


# -- hidden posts ----------------------------------------------------------------------------


def test_about_one_post_in_seven_is_hidden_on_every_site(world):
    for host in world.hosts:
        every, hidden = world.article_urls(host), world.hidden_urls(host)
        assert 1 <= len(hidden) <= max(1, len(every) // 7), host
        for url in hidden:
            assert b"<title>" in get(world, url).body  # the page itself renders
    assert len(world.hidden_urls(NEWS)) == 4


def test_hidden_posts_are_linked_from_no_html_page(world):
    """Follow every ``<a href>`` on the demo hosts (traps and forbidden paths too)."""
    hosts = set(world.hosts)
    hidden = {u for h in world.hosts for u in world.hidden_urls(h)}
    queue = deque(u for urls in world.seeds.values() for u in urls)
    seen, fetched = set(queue), 0
    while queue and fetched < PAGE_CAP:
        url = queue.popleft()
        response = world.url_response(url)
        fetched += 1
        kind = dict(response.headers).get("Content-Type", "") if response else ""
        if response is None or response.status != 200 or "text/html; charset=UTF-8" not in kind:
            continue
        for link in links(world, url):
            target = link.split("#")[0]
            assert target not in hidden, (url, link)
            if urlsplit(target).hostname in hosts and target not in seen:
                seen.add(target)
                queue.append(target)
    assert fetched == PAGE_CAP  # the traps never end
    for host in world.hosts:
        assert set(world.article_urls(host)) - set(world.hidden_urls(host)) <= seen, host


def test_hidden_posts_are_in_the_feeds_sitemaps_and_api(world):
    rss = xml(world, f"http://{NEWS}/rss/tin-moi-nhat.rss")
    assert set(world.hidden_urls(NEWS)) <= {e.text for e in rss.iterfind("channel/item/link")}
    for host in BLOGGER:
        assert set(world.hidden_urls(host)) <= set(blogger_sitemap(world, host))
        assert set(world.hidden_urls(host)) <= set(blogger_feed(world, host, ""))
    for host in WORDPRESS:
        assert set(world.hidden_urls(host)) <= set(wp_sitemap(world, host))
    api = world.url_response(f"http://{WP}/wp-json/wp/v2/posts?per_page=100")
    assert api is not None
    assert set(world.hidden_urls(WP)) <= set(re.findall(r'"link":"([^"]+)"', api.body.decode()))


# -- paged lists -------------------------------------------------------------------------------


def blogger_feed(world: World, host: str, query: str) -> list[str]:
    """Entry permalinks over every page, following ``rel=next``; checks the paging maths."""
    url: str | None = f"http://{host}/feeds/posts/default{query}"
    found: list[str] = []
    pages = 0
    while url:
        feed = xml(world, url)
        total = int(feed.findtext("os:totalResults", namespaces=NS) or 0)
        start = int(feed.findtext("os:startIndex", namespaces=NS) or 0)
        per = int(feed.findtext("os:itemsPerPage", namespaces=NS) or 0)
        entries = feed.findall("atom:entry", NS)
        assert start == len(found) + 1
        assert len(entries) == min(per, total - start + 1)
        found += [e.find("atom:link[@rel='alternate']", NS).get("href") for e in entries]
        nxt = feed.find("atom:link[@rel='next']", NS)
        url = nxt.get("href") if nxt is not None else None
        pages += 1
    assert pages == -(-len(found) // per)
    return found


def test_blogger_feeds_come_in_small_pages(world):
    for host in BLOGGER:
        every = world.article_urls(host)
        assert sorted(blogger_feed(world, host, "")) == sorted(every)
        assert sorted(blogger_feed(world, host, "?max-results=500")) == sorted(every)
        first = xml(world, f"http://{host}/feeds/posts/default?max-results=500")
        assert first.findtext("os:itemsPerPage", namespaces=NS) == str(MAX_RESULTS)
        default = xml(world, f"http://{host}/feeds/posts/default")
        assert len(default.findall("atom:entry", NS)) == DEFAULT_RESULTS < len(every)
        label = blogger_feed(world, host, "/-/T%E1%BA%A3n%20m%E1%BA%A1n")
        assert len(label) == 3  # the own posts
    # at size 30: 14 and 11 posts, 3 pages of 5 each
    assert [len(world.article_urls(h)) for h in BLOGGER] == [14, 11]
    rss, url, pages = set(), f"http://{CLASSIC}/feeds/posts/default?alt=rss", 0
    while url:
        page = xml(world, url)
        rss |= {e.text for e in page.iterfind("channel/item/link")}
        nxt = page.find("channel/atom:link[@rel='next']", NS)
        url, pages = (nxt.get("href") if nxt is not None else None), pages + 1
    assert rss == set(world.article_urls(CLASSIC))
    assert pages == 3


def blogger_sitemap(world: World, host: str) -> list[str]:
    found, page = [], 1
    while (response := world.url_response(f"http://{host}/sitemap.xml?page={page}")).status == 200:
        found += locs(ET.fromstring(response.body))
        page += 1
    return found


def test_blogger_sitemap_index_lists_fewer_pages_than_exist(world):
    for host in BLOGGER:
        index = xml(world, f"http://{host}/sitemap.xml")
        listed = [e.text for e in index.iterfind("sm:sitemap/sm:loc", NS)]
        assert len(listed) == SITEMAP_INDEX_PAGES
        found = blogger_sitemap(world, host)
        assert sorted(found) == sorted(world.article_urls(host))
        assert len(found) > sum(len(locs(xml(world, u or ""))) for u in listed)
        pages = xml(world, f"http://{host}/sitemap-pages.xml")
        for url in locs(pages):
            get(world, url)


def test_wordpress_lists_come_in_small_pages(world):
    for host in WORDPRESS:
        assert sorted(wp_sitemap(world, host)) == sorted(world.article_urls(host))
    found, paged = [], 1
    while (feed := world.url_response(f"http://{WP}/feed/?paged={paged}")).status == 200:
        items = [e.text for e in ET.fromstring(feed.body).iterfind("channel/item/link")]
        assert 1 <= len(items) <= FEED_PAGE
        found, paged = found + items, paged + 1
    assert sorted(found) == sorted(world.article_urls(WP))
    assert paged - 1 == 3  # 9 posts, 4 a page
    api = get(world, f"http://{WP}/wp-json/wp/v2/posts?per_page=100")
    headers = dict(api.headers)
    assert (headers["X-WP-Total"], headers["X-WP-TotalPages"]) == ("9", "1")
    get(world, f"http://{WP}/wp-json/wp/v2/posts?per_page=101", 400)
    two = dict(get(world, f"http://{WP}/wp-json/wp/v2/posts?per_page=2&page=5").headers)
    assert two["X-WP-TotalPages"] == "5"
    assert 'rel="prev"' in two["Link"]


def test_news_lists_sitemaps_and_google_news(world):
    robots = get(world, f"http://{NEWS}/robots.txt").body.decode()
    named = re.findall(r"^Sitemap: (\S+)$", robots, re.MULTILINE)
    assert named == [f"http://{NEWS}/sitemaps/google-news.xml", f"http://{NEWS}/sitemap.xml"]
    index = [e.text or "" for e in xml(world, named[1]).iterfind("sm:sitemap/sm:loc", NS)]
    assert len(index) > 5
    found = {u for loc in index for u in locs(xml(world, loc))}
    assert found == set(world.article_urls(NEWS))
    news = xml(world, named[0])
    assert news.find("sm:url/news:news/news:publication_date", NS) is not None
    assert locs(news) == world.article_urls(NEWS)[::-1][:10]


def test_every_sitemap_url_has_its_publication_time_as_lastmod(world):
    published = {a.url: a.published for a in world.articles}
    for host in BLOGGER + WORDPRESS:
        blog = world._blogs[host]
        published |= {f"http://{host}{p.path}": p.published for p in blog.posts}
    roots = [xml(world, f"http://{NEWS}/sitemaps/google-news.xml")]
    roots += [xml(world, f"http://{h}/sitemap.xml?page=1") for h in BLOGGER]
    roots += [xml(world, f"http://{h}/wp-sitemap-posts-post-1.xml") for h in WORDPRESS]
    month = xml(world, f"http://{NEWS}/sitemap.xml").find("sm:sitemap/sm:loc", NS)
    roots.append(xml(world, month.text or ""))
    checked = 0
    for root in roots:
        for url in root.iterfind("sm:url", NS):
            lastmod = datetime.fromisoformat(url.findtext("sm:lastmod", namespaces=NS) or "")
            assert lastmod == published[url.findtext("sm:loc", namespaces=NS) or ""]
            checked += 1
    assert checked > 20


# -- variants ------------------------------------------------------------------------------------


def _canonical(url: str) -> str:
    parts = urlsplit(url.split("#", maxsplit=1)[0])
    path = parts.path.removeprefix("/ncr") or "/"
    path = re.sub(r"(amp|comment-page-\d+)/$", "", path)
    return f"http://{parts.hostname}{path}"


def test_variants_are_linked_and_are_the_same_page(world):
    for host in world.hosts:
        variants = world.variant_urls(host)
        post = _canonical(variants[0])
        assert post in world.article_urls(host)
        month = re.sub(r"(/\d{4}/\d\d/).*", r"\1", post)
        linked = set(links(world, post))
        if host in BLOGGER:
            linked |= set(links(world, month)) | set(links(world, f"http://{host}/"))
        linked = {u.split("#")[0] for u in linked}
        missing = {v for v in variants if v not in linked}
        assert not missing, (host, missing)
        original = get(world, post).body
        for variant in variants:
            response = world.url_response(variant.split("#")[0])
            if urlsplit(variant).hostname not in world.hosts:
                assert response is None  # the server answers 502: a visible defect
                continue
            assert response is not None
            assert response.status == 200, variant
            assert response.body == (original if _canonical(variant) == post else response.body)
    kinds = "".join(world.variant_urls(CLASSIC))
    for needle in ("?m=1", "?m=0", "?showComment=", "spref=fb", "spref=tw", "/ncr"):
        assert needle in kinds
    assert "#" not in kinds
    post = _canonical(world.variant_urls(CLASSIC)[0])
    month = re.sub(r"(/\d{4}/\d\d/).*", r"\1", post)
    fragments = set(links(world, post)) | set(links(world, month))
    assert {f"{post}#more", f"{post}#comment-form"} <= fragments
    assert any(re.search(r"\?showComment=\d+#c\d+$", u) for u in fragments)
    assert "blogspot.com.vn" in kinds
    assert "/ncr/" in kinds
    wp = "".join(world.variant_urls(WP))
    for needle in (
        "?replytocom=",
        "comment-page-2/",
        "share=facebook&nb=1",
        "like=1&_wpnonce=",
        "/amp/",
    ):
        assert needle in wp
    assert f'<link rel="amphtml" href="{_canonical(world.variant_urls(WP)[0])}amp/" />' in (
        get(world, _canonical(world.variant_urls(WP)[0])).body.decode()
    )
