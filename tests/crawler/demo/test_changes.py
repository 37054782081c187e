"""The demo world changes between crawls (World.edit, delete, restore, add, tick): what its
pages and lists say after each change, and what two crawls of it record."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from lxml import html

from archive.text.extract import extract
from crawler.demo import World
from crawler.demo.world import BLOGGER_CLASSIC, BLOGGER_MODERN, DIEN_DAN, NEWS, WORDPRESS
from crawler.sites.families import read_feed, read_sitemap, read_wp_posts
from crawler.spiders.sweep import parse_lastmod

if TYPE_CHECKING:
    from archive.text.article import Article

HOSTS = (NEWS, BLOGGER_CLASSIC, BLOGGER_MODERN, WORDPRESS, DIEN_DAN)
EDITED_AT = datetime(2026, 5, 4, 9, 30, 15, tzinfo=UTC)
PARAGRAPH = "Cập nhật: tòa soạn đã bổ sung ý kiến của các chuyên gia kinh tế về dự án này."
NOTICE = "Bài viết không tồn tại hoặc đã bị gỡ bỏ."


@pytest.fixture
def small() -> World:
    return World(12)


def extracted(body: bytes, url: str) -> Article:
    article = extract(body, url)
    assert article is not None, url
    return article


def get(world: World, url: str) -> tuple[int, dict[str, str], bytes]:
    response = world.url_response(url)
    assert response is not None, url
    return response.status, dict(response.headers), response.body


def _urls(world: World, url: str, pattern: str) -> list[str]:
    status, _, body = get(world, url)
    return re.findall(pattern, body.decode()) if status == 200 else []


def lists(world: World, host: str) -> dict[str, list[tuple[str, str | None]]]:
    """Each list of posts of ``host`` (every page of it) -> its (url, lastmod), in order."""
    base = f"http://{host}"
    found: dict[str, list[tuple[str, str | None]]] = {}
    if host == NEWS:
        for sitemap in _urls(world, f"{base}/sitemap.xml", r"<loc>([^<]+)</loc>"):
            name = "google-news" if "google" in sitemap else "sitemap"
            found.setdefault(name, [])
            found[name] += [(i.url, i.lastmod) for i in read_sitemap(get(world, sitemap)[2])[1]]
        rss = f"{base}/rss/tin-moi-nhat.rss"
        found["rss"] = [(i.url, i.lastmod) for i in read_feed(get(world, rss)[2], rss).posts]
        return found
    if world.family(host) == "blogger":
        for alt in ("atom", "rss"):
            url: str | None = f"{base}/feeds/posts/default?alt={alt}&max-results=7"
            items: list[tuple[str, str | None]] = []
            while url:
                page = read_feed(get(world, url)[2], url)
                items += [(i.url, i.lastmod) for i in page.posts]
                url = page.next_url
            found[alt] = items
        found["sitemap"] = [
            (i.url, i.lastmod)
            for n in range(1, 20)
            if get(world, f"{base}/sitemap.xml?page={n}")[0] == 200
            for i in read_sitemap(get(world, f"{base}/sitemap.xml?page={n}")[2])[1]
        ]
        return found
    status, _, body = get(world, f"{base}/wp-json/wp/v2/posts?per_page=100")
    if status == 200:
        found["api"] = [(i.url, i.lastmod) for i in read_wp_posts(body)]
    found["sitemap"] = [
        (i.url, i.lastmod)
        for sitemap in _urls(world, f"{base}/wp-sitemap.xml", r"<loc>([^<]+)</loc>")
        for i in read_sitemap(get(world, sitemap)[2])[1]
    ]
    found["feed"] = [
        (i.url, i.lastmod)
        for n in range(1, 20)
        if get(world, f"{base}/feed/?paged={n}")[0] == 200
        for i in read_feed(get(world, f"{base}/feed/?paged={n}")[2], base).posts
    ]
    return found


def home_links(world: World, host: str) -> list[str]:
    """The post URLs the home page links to, in order."""
    posts = set(world.article_urls(host))
    tree = html.fromstring(get(world, f"http://{host}/")[2])
    tree.make_links_absolute(f"http://{host}/")
    return list(dict.fromkeys(u for u in tree.xpath("//a/@href") if u in posts))


def visible_post(world: World, host: str) -> str:
    """A post of ``host`` that the home page links to, not the newest."""
    return home_links(world, host)[1]


# -- edit ----------------------------------------------------------------------------------


@pytest.mark.parametrize("host", HOSTS)
def test_an_edit_changes_the_body_and_every_modified_time(small, host):
    url = visible_post(small, host)
    before = extracted(get(small, url)[2], url)
    small.edit(url, PARAGRAPH, EDITED_AT)
    status, headers, body = get(small, url)
    after = extracted(body, url)
    assert status == 200
    assert PARAGRAPH in after.body
    assert PARAGRAPH not in before.body
    assert after.body_hash != before.body_hash
    assert (after.title, after.authors) == (before.title, before.authors)
    for name, items in lists(small, host).items():
        (lastmod,) = [when for u, when in items if u == url]
        assert parse_lastmod(lastmod) == EDITED_AT, name
        others = [parse_lastmod(when) for u, when in items if u != url]
        assert all(when is not None and when < EDITED_AT for when in others), name
    page = body.decode()
    if host == NEWS:
        assert parse_lastmod(headers["Last-Modified"]) == EDITED_AT
        assert 'property="article:modified_time" content="2026-05-04T16:30:15+07:00"' in page
        assert '"dateModified": "2026-05-04T16:30:15+07:00"' in page
    elif host == BLOGGER_MODERN:
        assert '"dateModified": "2026-05-04T16:30:15+07:00"' in page
    elif small.family(host) == "wordpress":
        assert 'property="article:modified_time" content="2026-05-04T16:30:15+07:00"' in page


def test_the_rest_api_says_modified_and_modified_gmt(small):
    url = small.article_urls(WORDPRESS)[0]
    small.edit(url, PARAGRAPH, EDITED_AT)
    post = small.wordpress.by_path[urlsplit(url).path]
    item = json.loads(get(small, f"http://{WORDPRESS}/wp-json/wp/v2/posts/{post.post_id}")[2])
    assert (item["modified"], item["modified_gmt"]) == (
        "2026-05-04T16:30:15",
        "2026-05-04T09:30:15",
    )
    assert item["date"] != item["modified"]
    assert PARAGRAPH in item["content"]["rendered"]


def test_a_second_edit_appends_another_paragraph(small):
    url = small.article_urls(NEWS)[3]
    small.edit(url, PARAGRAPH, EDITED_AT)
    small.edit(url, "Đính chính: số liệu đã được sửa.", EDITED_AT + timedelta(hours=1))
    body = extracted(get(small, url)[2], url).body
    assert PARAGRAPH in body
    assert "Đính chính: số liệu đã được sửa." in body
    assert parse_lastmod(get(small, url)[1]["Last-Modified"]) == EDITED_AT + timedelta(hours=1)


# -- delete and restore ----------------------------------------------------------------------


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("how", ["404", "410", "home", "soft"])
def test_a_deleted_post_answers_as_asked_and_leaves_every_list(small, host, how):
    url = visible_post(small, host)
    assert url in home_links(small, host)
    small.delete(url, how)
    status, headers, body = get(small, url)
    assert status == {"404": 404, "410": 410, "home": 301, "soft": 200}[how]
    if how == "home":
        assert headers["Location"] == f"http://{host}/"
    if how == "soft":
        assert NOTICE in body.decode()
        notice = extract(body, url)
        assert notice is None or len(notice.body.split()) < 40
    assert url not in small.article_urls(host)
    assert url not in home_links(small, host)
    for name, items in lists(small, host).items():
        assert url not in [u for u, _ in items], name


def test_a_restored_post_is_back_byte_for_byte():
    world, fresh = World(12), World(12)
    urls = [visible_post(world, host) for host in HOSTS]
    pages = [u for host in HOSTS for u in (f"http://{host}/", *world.article_urls(host))]
    for url in urls:
        world.delete(url, "soft")
    for url in urls:
        world.restore(url)
    assert [get(world, u) for u in pages] == [get(fresh, u) for u in pages]
    for host in HOSTS:
        assert lists(world, host) == lists(fresh, host)


# -- add -------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", HOSTS)
def test_an_added_post_is_listed_first_and_extracts(small, host):
    old = small.article_urls(host)
    url = small.add(host)
    assert small.article_urls(host) == [*old, url]
    status, _, body = get(small, url)
    assert status == 200
    article = extracted(body, url)
    assert article.title
    assert article.authors
    assert len(article.body.split()) > 100
    assert article.published is not None
    assert home_links(small, host)[0] == url
    for name, items in lists(small, host).items():
        # thoisu.test's month sitemaps run oldest first: the new article ends the last one.
        assert items[-1 if (host, name) == (NEWS, "sitemap") else 0][0] == url, name


def test_add_at_a_given_time_and_twice():
    world = World(12)
    at = datetime(2014, 2, 3, 8, 0, tzinfo=UTC)
    first = world.add(WORDPRESS, at)
    second = world.add(WORDPRESS)
    assert first != second
    assert [u for u, _ in lists(world, WORDPRESS)["api"][:2]] == [second, first]
    assert parse_lastmod(dict(lists(world, WORDPRESS)["sitemap"])[first]) == at
    published = extracted(get(world, first)[2], first).published
    assert published is not None
    assert published.value == at


def test_the_same_changes_give_the_same_bytes():
    def changed() -> World:
        world = World(12)
        for host in HOSTS:
            world.add(host)
            world.edit(world.article_urls(host)[2], PARAGRAPH, EDITED_AT)
            world.delete(world.article_urls(host)[4], "home")
        world.tick("09:15")
        return world

    one, two = changed(), changed()
    for host in HOSTS:
        assert one.article_urls(host) == two.article_urls(host)
        pages = [f"http://{host}/", *one.article_urls(host)]
        assert [get(one, u) for u in pages] == [get(two, u) for u in pages]
        assert lists(one, host) == lists(two, host)


# -- tick ------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", HOSTS)
def test_a_tick_changes_only_the_chrome(small, host):
    post = visible_post(small, host)
    pages = [f"http://{host}/", post]
    before = [get(small, u) for u in pages]
    machine = lists(small, host)
    small.tick("09:15")
    after = [get(small, u) for u in pages]
    for (status, headers, old), (status2, headers2, new) in zip(before, after, strict=True):
        assert (status, headers) == (status2, headers2)
        assert old != new
        assert new.decode().count("Cập nhật lúc 09:15") == 1
        assert new.replace('<p class="cap-nhat">Cập nhật lúc 09:15</p>\n'.encode(), b"") == old
    assert extracted(after[1][2], post).body_hash == extracted(before[1][2], post).body_hash
    assert lists(small, host) == machine
    small.tick("")
    assert [get(small, u) for u in pages] == before


# -- misuse ----------------------------------------------------------------------------------


def test_changes_refuse_what_is_not_there(small):
    url = small.article_urls(WORDPRESS)[0]
    with pytest.raises(KeyError):
        small.edit(f"http://{WORDPRESS}/2012/01/01/khong-co/", PARAGRAPH, EDITED_AT)
    with pytest.raises(KeyError):
        small.add("example.test")
    with pytest.raises(ValueError, match="how must be one of"):
        small.delete(url, "gone")
    with pytest.raises(ValueError, match="time zone"):
        small.edit(url, PARAGRAPH, datetime(2026, 5, 4, 9, 30))
    with pytest.raises(KeyError):
        small.restore(url)
    small.delete(url, "410")
    with pytest.raises(KeyError):
        small.edit(url, PARAGRAPH, EDITED_AT)  # a deleted post cannot be edited
