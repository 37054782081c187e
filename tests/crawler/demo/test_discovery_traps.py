"""The demo world's traps, robots.txt and family markers, asked of ``World.url_response``
directly (no server): endless traps on every page kind, paths robots.txt forbids, how
dien-dan is reached, each family's markers, HTTP dates in feeds, hosts never served."""

from __future__ import annotations

import http.client
import json
import re
from collections import deque
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest

from crawler.demo import DemoServer, World
from crawler.demo.run import route_settings
from tests.helpers.demo_hosts import BLOGGER, CLASSIC, DD, MODERN, NEWS, WORDPRESS, WP
from tests.helpers.demo_pages import get, links, wp_sitemap, xml


@pytest.fixture(scope="module")
def world() -> World:
    return World(30)


# -- traps ----------------------------------------------------------------------------------------


def _walk(world: World, start: str, steps: int, pattern: re.Pattern[str]) -> set[str]:
    """Breadth first through the links ``pattern`` matches; every page answers 200."""
    queue, visited = deque([start]), {start}
    while queue and len(visited) <= steps:
        for link in links(world, queue.popleft()):
            url = link.split("#")[0]
            if pattern.search(url) and url not in visited and len(visited) <= steps:
                get(world, url)
                visited.add(url)
                queue.append(url)
    return visited


@pytest.mark.parametrize(
    ("host", "start"),
    [
        (NEWS, f"http://{NEWS}/"),
        (CLASSIC, f"http://{CLASSIC}/"),
        (MODERN, f"http://{MODERN}/"),
    ],
)
def test_traps_never_end(world, host, start):
    patterns = [re.compile(p) for p in world.trap_patterns(host)]
    home_links = links(world, start)
    served = [p for p in patterns if any(p.search(u) for u in home_links)]
    for pattern in served:
        first = next(u for u in home_links if pattern.search(u))
        if urlsplit(first).hostname not in world.hosts:
            assert world.url_response(first) is None
            continue
        get(world, first)
        assert len(_walk(world, first, 25, pattern)) == 26


def test_trap_links_on_every_page_kind(world):
    joined = {h: re.compile("|".join(world.trap_patterns(h))) for h in world.hosts}
    assert world.trap_patterns(WP) == []
    post = world.article_urls(CLASSIC)[-1]
    found = [u for u in links(world, post) if joined[CLASSIC].search(u)]
    for needle in (
        "widgetType=BlogArchive",
        "/search/label/",
        "/search?q=",
        "www.blogger.com/post-edit.g",
        "www.blogger.com/comment.g",
        "www.blogger.com/share-post.g",
        ".blogspot.com.vn/",
    ):
        assert any(needle in u for u in found), needle
    search = links(world, f"http://{CLASSIC}/search?max-results=3")
    assert any("reverse-paginate=true" in u for u in search)
    assert any("updated-max=" in u and "reverse" not in u for u in search)
    news = [u for u in links(world, f"http://{NEWS}/") if joined[NEWS].search(u)]
    assert {urlsplit(u).path for u in news} >= {"/lich/2012/04/23/", "/tim-kiem"}
    # /tin-tuc/ looks like a section page; the trap is the repetition it links to.
    assert f"http://{NEWS}/tin-tuc/" in links(world, f"http://{NEWS}/")
    assert not joined[NEWS].search(f"http://{NEWS}/tin-tuc/")
    assert joined[NEWS].search(f"http://{NEWS}/tin-tuc/tin-tuc/")
    nested = links(world, f"http://{NEWS}/tin-tuc/tin-tuc/")
    assert f"http://{NEWS}/tin-tuc/tin-tuc/tin-tuc/" in nested
    calendar = links(world, f"http://{NEWS}/lich/2012/04/23/")
    assert {f"http://{NEWS}/lich/2012/04/22/", f"http://{NEWS}/lich/2012/04/24/"} <= set(calendar)
    explosion = links(world, f"http://{NEWS}/tim-kiem?sort=moi-nhat&trang=1&loc=tat-ca")
    assert len({u for u in explosion if "sort=" in u}) == 3 * 5 + 1


# -- robots.txt ---------------------------------------------------------------------------------


def _rule(prefix: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(prefix).replace(r"\*", ".*"))


def test_robots_forbids_paths_the_pages_link_to(world):
    for host in world.hosts:
        robots = get(world, f"http://{host}/robots.txt").body.decode()
        star = robots.split("User-agent: *", 1)[1]
        assert re.findall(r"^Disallow: (\S+)$", star, re.MULTILINE) == world.forbidden(host)
        rules = [_rule(p) for p in world.forbidden(host)]
        home = [u for u in links(world, f"http://{host}/") if urlsplit(u).hostname == host]
        post = [u for u in links(world, world.article_urls(host)[-1]) if host in u]
        blocked = [
            u
            for u in home + post
            if any(
                r.search(urlsplit(u).path + ("?" + urlsplit(u).query if "?" in u else ""))
                for r in rules
            )
        ]
        assert blocked, host
    dien_dan = get(world, f"http://{DD}/robots.txt").body.decode()
    for line in ("/wp-json/", "/feed/", "/*?p=*", "/*?replytocom=*"):
        assert f"Disallow: {line}\n" in dien_dan


def test_dien_dan_is_reachable_only_through_its_sitemap_and_pages(world):
    get(world, f"http://{DD}/wp-json/", 403)
    get(world, f"http://{DD}/wp-json/wp/v2/posts", 403)
    assert sorted(wp_sitemap(world, DD)) == sorted(world.article_urls(DD))
    assert world.reposts(DD)
    assert all(re.search(r"-\d{6}\.html$", u) for u in world.reposts(DD).values())
    listed = set(links(world, f"http://{DD}/"))
    visible = set(world.article_urls(DD)) - set(world.hidden_urls(DD))
    assert visible <= listed


# -- family markers ---------------------------------------------------------------------------


def test_family_markers(world):
    for host in world.hosts:
        page = get(world, f"http://{host}/").body.decode()
        blogger = "<meta content='blogger' name='generator'/>" in page and (
            'type="application/atom+xml" title="' in page
            and f'href="http://{host}/feeds/posts/default" />' in page
        )
        wordpress = (
            f'<link rel="https://api.w.org/" href="http://{host}/wp-json/" />' in page
            and '<meta name="generator" content="WordPress 6.' in page
        )
        assert (blogger, wordpress) == (host in BLOGGER, host in WORDPRESS), host


def test_feed_dates_are_http_dates(world):
    """RSS ``pubDate`` parses, so incremental crawls can compare it with ``lastmod``."""
    rss = xml(world, f"http://{NEWS}/rss/tin-moi-nhat.rss")
    newest = parsedate_to_datetime(rss.findtext("channel/item/pubDate") or "")
    assert newest.astimezone(UTC) == world.articles[-1].published.astimezone(UTC)


def test_never_served_hosts_reach_the_log_as_502():
    """Requests for ``www.blogger.com`` or a ``.blogspot.com.vn`` alias are defects the log shows."""
    with DemoServer(World(12)) as server:
        routes = json.loads(route_settings(server)["ROUTE_PROXIES"])
        assert set(routes) == {".test", "www.blogger.com", ".blogspot.com.vn"}
        for method, target in (
            ("GET", "http://nhipcau.blogspot.com.vn/2012/04/x.html"),
            ("CONNECT", "www.blogger.com:443"),
        ):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                conn.request(method, target)
                assert conn.getresponse().status == 502
            finally:
                conn.close()
        assert [(e.method, e.host, e.status) for e in server.log] == [
            ("GET", "nhipcau.blogspot.com.vn", 502),
            ("CONNECT", "www.blogger.com", 502),
        ]
