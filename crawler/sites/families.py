"""Site families: how to recognise Blogger, WordPress and news sites, and where each
lists every post it has (feeds, sitemaps, the WordPress REST API).

Pure functions: the spiders request what ``entry_points`` names and read the answers
with ``read_feed``, ``read_sitemap`` and ``read_wp_posts``; tests call them directly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import feedparser
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = [
    "FAMILIES",
    "Entry",
    "FeedPage",
    "Kind",
    "Listed",
    "detect_family",
    "entry_points",
    "label_feed",
    "next_sitemap_page",
    "next_wp_feed_page",
    "read_feed",
    "read_sitemap",
    "read_wp_posts",
]

FAMILIES = ("news", "blogger", "wordpress")
Kind = Literal["seed", "post", "listing", "feed", "sitemap", "api", "asset", "robots"]
BLOGGER_PAGE = 150  # entries per feed page asked for; Blogger has served at most 150-500
WP_PAGE = 100  # the REST API's largest per_page
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps protocol's own limit, uncompressed

_BLOGGER_FEED = re.compile(r"/feeds/posts/(?:default|summary|full)\b")


@dataclass(frozen=True, slots=True)
class Entry:
    """A URL that lists posts: where enumeration of one host starts."""

    url: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Listed:
    """A post named by a feed, sitemap or API, with when it last changed (if said)."""

    url: str
    lastmod: str | None = None


@dataclass(slots=True)
class FeedPage:
    """One page of an RSS or Atom feed."""

    posts: list[Listed] = field(default_factory=list)
    next_url: str | None = None
    total: int | None = None
    labels: set[str] = field(default_factory=set)


def detect_family(root: HtmlElement, server: str = "") -> str:
    """``blogger``, ``wordpress`` or ``news`` from a page's head markers (platforms.md 1.1, 2.1)."""
    generator = " ".join(str(v) for v in root.xpath("//meta[@name='generator']/@content")).lower()
    links = " ".join(str(v) for v in root.xpath("//link/@href | //link/@rel"))
    if "blogger" in generator or _BLOGGER_FEED.search(links) or server.strip() == "GSE":
        return "blogger"
    if "wordpress" in generator or "https://api.w.org/" in links or "/wp-content/" in links:
        return "wordpress"
    return "news"


def entry_points(family: str, base: str, *, feeds: bool = True, api: bool = True) -> list[Entry]:
    """The family's own lists of posts on the site at ``base`` (scheme and host)."""
    base = base.rstrip("/")
    if family == "blogger":
        found = [
            Entry(f"{base}/sitemap.xml", "sitemap"),
            Entry(f"{base}/sitemap-pages.xml", "sitemap"),
        ]
        if feeds:
            found.insert(0, Entry(f"{base}/feeds/posts/default?max-results={BLOGGER_PAGE}", "feed"))
        return found
    if family == "wordpress":
        found = [Entry(f"{base}/wp-sitemap.xml", "sitemap")]
        if api:
            fields = "id,link,modified_gmt"
            found.insert(
                0, Entry(f"{base}/wp-json/wp/v2/posts?per_page={WP_PAGE}&_fields={fields}", "api")
            )
        if feeds:
            found.append(Entry(f"{base}/feed/", "feed"))
        return found
    return []  # news sites: the sitemaps in robots.txt and the feeds their pages link


def label_feed(base: str, label: str) -> str:
    """A Blogger label's feed (the label percent-encoded)."""
    return f"{base.rstrip('/')}/feeds/posts/default/-/{quote(label, safe='')}?max-results={BLOGGER_PAGE}"


def read_feed(body: bytes, url: str) -> FeedPage:
    """Posts, the next page and the total of an RSS/Atom feed page (RFC 5005, OpenSearch)."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    page = FeedPage()
    for entry in parsed.entries:
        link = _entry_link(entry)
        if link:
            # dict.get: FeedParserDict's own maps a missing "updated" to "published" with a warning
            when = dict.get(entry, "updated") or dict.get(entry, "published")
            page.posts.append(Listed(link, str(when) if when else None))
        page.labels.update(str(t.get("term")) for t in entry.get("tags") or () if t.get("term"))
    for link in parsed.feed.get("links") or ():
        if link.get("rel") == "next" and link.get("href"):
            page.next_url = str(link["href"])
    total = parsed.feed.get("opensearch_totalresults")
    if total and str(total).isdigit():
        page.total = int(total)
    return page


def _entry_link(entry: feedparser.FeedParserDict) -> str | None:
    for link in entry.get("links") or ():
        if link.get("rel") == "alternate" and link.get("type", "text/html") == "text/html":
            return str(link["href"])
    found = entry.get("link")
    return str(found) if found else None


def next_wp_feed_page(url: str, had_posts: bool) -> str | None:
    """WordPress feeds page with ``?paged=N`` and carry no next link: ask for N+1."""
    parts = urlsplit(url)
    if not had_posts or not parts.path.endswith("/feed/"):
        return None
    query = dict(parse_qsl(parts.query))
    page = int(query.get("paged", "1")) if query.get("paged", "1").isdigit() else 1
    query["paged"] = str(page + 1)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def read_sitemap(body: bytes) -> tuple[str, list[Listed]]:
    """(``sitemapindex`` or ``urlset``, the locations with their lastmod); gzip is opened."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
    try:
        sitemap = Sitemap(body)
    except Exception:  # noqa: BLE001 - lxml raises several types on non-XML bodies
        return "", []
    listed = [Listed(str(d["loc"]), d.get("lastmod")) for d in sitemap if d.get("loc")]
    return sitemap.type, listed


def next_sitemap_page(url: str, had_urls: bool) -> str | None:
    """Blogger's sitemap index may list fewer pages than exist: ask ``?page=N+1`` until empty."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    page = query.get("page", "")
    if not had_urls or not parts.path.endswith("/sitemap.xml") or not page.isdigit():
        return None
    query["page"] = str(int(page) + 1)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def read_wp_posts(body: bytes) -> list[Listed]:
    """The posts of one page of ``/wp-json/wp/v2/posts``."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    return [
        Listed(str(post["link"]), post.get("modified_gmt"))
        for post in data
        if isinstance(post, dict) and post.get("link")
    ]
