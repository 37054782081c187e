"""Family detection and the readers of feeds, sitemaps and the WordPress API, on the demo world's
real answers (the same bytes the spiders get)."""

from __future__ import annotations

import gzip

import pytest
from lxml import html

from crawler.demo.world import BLOGGER_CLASSIC, BLOGGER_MODERN, NEWS, WORDPRESS, World
from crawler.sites.families import (
    detect_family,
    entry_points,
    label_feed,
    next_sitemap_page,
    next_wp_feed_page,
    read_feed,
    read_sitemap,
    read_wp_posts,
)


@pytest.fixture(scope="module")
def world() -> World:
    return World(30)


def body(world: World, url: str) -> bytes:
    response = world.url_response(url)
    assert response is not None
    assert response.status == 200, url
    return response.body


@pytest.mark.parametrize(
    ("host", "family"),
    [
        (NEWS, "news"),
        (BLOGGER_CLASSIC, "blogger"),
        (BLOGGER_MODERN, "blogger"),
        (WORDPRESS, "wordpress"),
    ],
)
def test_each_demo_home_page_says_its_family(world: World, host: str, family: str) -> None:
    root = html.fromstring(body(world, f"http://{host}/"))
    assert detect_family(root) == family


def test_blogger_is_known_by_its_server_header_alone() -> None:
    assert detect_family(html.fromstring("<html><head></head></html>"), "GSE") == "blogger"
    assert detect_family(html.fromstring("<html><head></head></html>"), "nginx") == "news"


def test_entry_points_follow_the_source_switches() -> None:
    blog = [e.url for e in entry_points("blogger", "http://b.test/")]
    assert blog[0] == "http://b.test/feeds/posts/default?max-results=150"
    assert "http://b.test/sitemap.xml" in blog
    wp = entry_points("wordpress", "http://w.test", feeds=False, api=False)
    assert [e.url for e in wp] == ["http://w.test/wp-sitemap.xml"]
    assert entry_points("news", "http://n.test") == []


def test_blogger_feed_pages_chain_to_every_post(world: World) -> None:
    url = f"http://{BLOGGER_CLASSIC}/feeds/posts/default?max-results=3"
    found: list[str] = []
    pages = 0
    while url:
        page = read_feed(body(world, url), url)
        found += [p.url for p in page.posts]
        assert page.total == len(world.article_urls(BLOGGER_CLASSIC))
        assert all(p.lastmod for p in page.posts)
        url = page.next_url or ""
        pages += 1
    assert pages > 1
    assert sorted(found) == sorted(world.article_urls(BLOGGER_CLASSIC))


def test_blogger_feed_names_labels_and_label_feeds_are_encoded(world: World) -> None:
    url = f"http://{BLOGGER_CLASSIC}/feeds/posts/default?max-results=150"
    page = read_feed(body(world, url), url)
    assert page.labels
    assert all(label.strip() for label in page.labels)
    assert label_feed("http://b.test", "Chính trị").endswith(
        "/-/Ch%C3%ADnh%20tr%E1%BB%8B?max-results=150"
    )


def test_wordpress_feed_is_paged_by_number(world: World) -> None:
    url = f"http://{WORDPRESS}/feed/"
    page = read_feed(body(world, url), url)
    assert page.posts
    assert next_wp_feed_page(url, True) == url + "?paged=2"
    assert next_wp_feed_page(url + "?paged=2", True) == url + "?paged=3"
    assert next_wp_feed_page(url + "?paged=9", False) is None
    assert next_wp_feed_page("http://b.test/feeds/posts/default", True) is None


def test_wordpress_api_lists_every_post(world: World) -> None:
    url = f"http://{WORDPRESS}/wp-json/wp/v2/posts?per_page=100"
    posts = read_wp_posts(body(world, url))
    assert sorted(p.url for p in posts) == sorted(world.article_urls(WORDPRESS))
    assert read_wp_posts(b'{"code": "rest_forbidden"}') == []
    assert read_wp_posts(b"<html>") == []


def test_sitemap_index_and_pages_probed_past_the_index(world: World) -> None:
    kind, sitemaps = read_sitemap(body(world, f"http://{BLOGGER_CLASSIC}/sitemap.xml"))
    assert kind == "sitemapindex"
    assert sitemaps
    found: list[str] = []
    url: str | None = sitemaps[0].url
    while url:
        response = world.url_response(url)
        assert response is not None
        kind, posts = read_sitemap(response.body) if response.status == 200 else ("", [])
        found += [p.url for p in posts]
        url = next_sitemap_page(url, bool(posts))
    assert len(found) > sum(len(read_sitemap(body(world, s.url))[1]) for s in sitemaps)
    assert set(world.article_urls(BLOGGER_CLASSIC)) <= set(found)


def test_gzipped_and_broken_sitemaps() -> None:
    xml = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>http://n.test/a.html</loc><lastmod>2012-04-23</lastmod></url></urlset>"
    )
    kind, posts = read_sitemap(gzip.compress(xml))
    assert kind == "urlset"
    assert [(p.url, p.lastmod) for p in posts] == [("http://n.test/a.html", "2012-04-23")]
    assert read_sitemap(b"<html><body>not a sitemap")[1] == []


def test_blogger_sitemap_pages_are_probed_until_empty() -> None:
    url = "http://b.test/sitemap.xml?page=2"
    assert next_sitemap_page(url, True) == "http://b.test/sitemap.xml?page=3"
    assert next_sitemap_page(url, False) is None
    assert next_sitemap_page("http://b.test/sitemap.xml", True) is None
    assert next_sitemap_page("http://b.test/post-sitemap.xml?page=2", True) is None
