"""A source's limits and scope, each in a real crawl of a loopback site, judged by the
URLs the server saw (README: "A source file", "Discovery": the depth limit,
``max_pages_per_host``, scope prefixes / include / exclude, ``max_duration``)."""

from __future__ import annotations

import signal
import subprocess
from typing import TYPE_CHECKING

from crawler.runs.child import CrawlResult, CrawlRun
from crawler.sources.schema import load_source
from tests.helpers.logged_site import Reply, page, serving, write_source

if TYPE_CHECKING:
    from email.message import Message
    from pathlib import Path

    from tests.helpers.logged_site import LoggedSite

ROBOTS = Reply(body=b"User-agent: *\nAllow: /\n", kind="text/plain")
NOT_FOUND = Reply(404, b"not found", kind="text/plain")


def _crawl(tmp_path: Path, site: LoggedSite, timeout: float = 120, **fields: str) -> CrawlResult:
    source = write_source(
        tmp_path / "sources",
        "gioi-han",
        site,
        manners="{per_host: 2, autothrottle: false}",
        **fields,
    )
    run = CrawlRun(load_source(source), source, tmp_path / "home", {"NETWORK_LOOPBACK_ONLY": "1"})
    run.start()
    try:
        result = run.wait(timeout)
    except subprocess.TimeoutExpired:
        run.signal(signal.SIGKILL)
        run.wait(10)
        raise
    assert result.returncode == 0, result.log_path.read_text()[-3000:]
    return result


def chain(path: str, _headers: Message) -> Reply:
    """The home page starts a chain /d/1 -> /d/2 -> ... -> /d/9, one link deep each."""
    if path == "/robots.txt":
        return ROBOTS
    if path == "/":
        return Reply(body=page(["/d/1"], "home"))
    if path.startswith("/d/"):
        n = int(path.removeprefix("/d/"))
        return Reply(body=page([f"/d/{n + 1}"] if n < 9 else [], f"chain {n}"))
    return NOT_FOUND


def test_the_depth_limit_stops_following_links_that_deep(tmp_path):
    with serving(chain) as site:
        result = _crawl(tmp_path, site, limits="{max_depth: 3}")
    # The seed is depth 0; /d/3 is three links away from it, /d/4 four.
    assert sorted(site.pages()) == ["/", "/d/1", "/d/2", "/d/3"]
    assert result.stats["request_depth_max"] == 3


def test_without_a_depth_limit_the_whole_chain_is_followed(tmp_path):
    """The same site, no limit: what the test above cuts is there to be cut."""
    with serving(chain) as site:
        _crawl(tmp_path, site, limits="{max_depth: 0}")
    assert sorted(site.pages()) == ["/"] + [f"/d/{n}" for n in range(1, 10)]


def fan(path: str, _headers: Message) -> Reply:
    """The home page links 20 pages, each a leaf."""
    if path == "/robots.txt":
        return ROBOTS
    if path == "/":
        return Reply(body=page([f"/p/{n}" for n in range(20)], "home"))
    if path.startswith("/p/"):
        return Reply(body=page([], f"page {path}"))
    return NOT_FOUND


def test_max_pages_per_host_caps_the_pages_asked_of_a_host(tmp_path):
    with serving(fan) as site:
        result = _crawl(tmp_path, site, limits="{max_pages_per_host: 5}")
    leaves = [p for p in site.pages() if p.startswith("/p/")]
    # The budget counts the links the spider follows on the host (not its seed, nor
    # robots.txt and the sitemap probe): 5 of the 20 leaves, the other 15 held back.
    assert len(leaves) == 5, site.paths()
    assert len(set(leaves)) == 5
    assert result.stats["discovery/host_limit"] == 15


def test_without_max_pages_per_host_every_leaf_is_asked(tmp_path):
    with serving(fan) as site:
        result = _crawl(tmp_path, site, limits="{max_pages_per_host: 0}")
    assert len([p for p in site.pages() if p.startswith("/p/")]) == 20
    assert "discovery/host_limit" not in result.stats


def scoped(path: str, _headers: Message) -> Reply:
    """Links each of which only one of the scope's rules keeps out, and an image outside
    the scope (a requisite: fetched all the same)."""
    if path == "/robots.txt":
        return ROBOTS
    if path == "/":
        links = ["/tin/1", "/tin/2", "/khac/3", "/tin/gioi-thieu", "/tin/video/4"]
        return Reply(body=page(links, "home", extra='<img src="/khac/anh.png">'))
    if path == "/khac/anh.png":
        return Reply(body=b"\x89PNG\r\n\x1a\n", kind="image/png")
    return Reply(body=page([], f"page {path}"))


def test_scope_prefixes_include_and_exclude_each_keep_their_links_out(tmp_path):
    with serving(scoped) as site:
        scope = f"{{prefixes: ['{site.base}/tin/'], include: ['/[0-9]+$'], exclude: ['/video/']}}"
        result = _crawl(tmp_path, site, scope=scope)
    asked = set(site.pages())
    assert {"/", "/tin/1", "/tin/2"} <= asked
    assert "/khac/3" not in asked  # outside the prefixes (include and exclude let it in)
    assert "/tin/gioi-thieu" not in asked  # matches no include (in the prefix, not excluded)
    assert "/tin/video/4" not in asked  # excluded (in the prefix, included)
    assert "/khac/anh.png" in asked  # a requisite, from anywhere
    assert result.stats["discovery/out_of_scope"] >= 3


def slow_site(path: str, _headers: Message) -> Reply:
    """Endless: every page takes 0.3 s and links two more."""
    if path == "/robots.txt":
        return ROBOTS
    if path == "/sitemap.xml":
        return NOT_FOUND
    n = int(path.removeprefix("/n/")) if path.startswith("/n/") else 0
    return Reply(body=page([f"/n/{2 * n + 1}", f"/n/{2 * n + 2}"], f"node {n}"), delay=0.3)


def test_max_duration_stops_the_crawl_after_that_long(tmp_path):
    with serving(slow_site) as site:
        result = _crawl(tmp_path, site, limits="{max_duration: 3s}", timeout=60)
        first = min(h.at for h in site.hits)
        last = max(h.at for h in site.hits)
    assert result.finish_reason == "closespider_timeout"
    # Scrapy's timer starts with the spider, before the first request. At the deadline
    # no new request is scheduled, but those already handed to the downloader (up to
    # CONCURRENT_REQUESTS, 16, at 2 to the host and 0.3 s each: 2.4 s) still go out.
    assert last - first < 3 + 2.4 + 2, last - first
    assert len(site.pages()) >= 5  # it did crawl until then
    assert result.seconds < 40


FEED_PAGES = 6


def paged_feed(path: str, _headers: Message) -> Reply:
    """The home page names a feed of six pages, each page the next one's link and one post."""
    if path == "/robots.txt":
        return ROBOTS
    if path == "/":
        feed = '<link rel="alternate" type="application/rss+xml" href="/feed/1">'
        return Reply(body=page([], "home", extra=feed))
    if path.startswith("/feed/"):
        n = int(path.removeprefix("/feed/"))
        following = f'<atom:link rel="next" href="/feed/{n + 1}"/>' if n < FEED_PAGES else ""
        rss = (
            '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<channel><title>tin</title>{following}<item><title>bai {n}</title>"
            f"<link>/bai/{n}</link></item></channel></rss>"
        )
        return Reply(body=rss.encode(), kind="application/rss+xml")
    if path.startswith("/bai/"):
        return Reply(body=page([], f"bai {path}"))
    return NOT_FOUND


def test_list_paging_does_not_count_as_depth(tmp_path):
    """README, Discovery: a feed read to its last page resets the depth at each page, so
    a depth limit of 2 still reaches the posts of its sixth page."""
    with serving(paged_feed) as site:
        _crawl(tmp_path, site, limits="{max_depth: 2}")
    pages = site.pages()
    assert [p for p in pages if p.startswith("/feed/")] == [f"/feed/{n}" for n in range(1, 7)]
    assert sorted(p for p in pages if p.startswith("/bai/")) == [f"/bai/{n}" for n in range(1, 7)]
