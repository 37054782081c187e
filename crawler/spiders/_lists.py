"""Where a site lists its posts: feeds, sitemaps, the WordPress REST API, robots.txt.

A mixin of ``ArchivistSpider``. The lists are paged to the end (``rel=next``,
``openSearch:totalResults``, ``X-WP-TotalPages``, Blogger's ``sitemap.xml?page=N``
until empty, WordPress's ``/feed/?paged=N``) with ``depth_reset``, so a long list
never trips the depth limit; a post they name is requested once, with its
``lastmod`` in ``meta["archivist_lastmod"]``. Lists a server refuses (404, 403,
robots.txt) cost nothing more: link following still finds what pages link. A list
guessed rather than named (a family's usual places, a label's feed, the page past
the last) is a probe (``meta["archivist_probe"]``): its 4xx is no error of the run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request, signals
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.response import get_base_url

from crawler.handler import head_of
from crawler.sites.discovery import canonical_url, resolve_link
from crawler.sites.families import (
    entry_points,
    label_feed,
    next_sitemap_page,
    next_wp_feed_page,
    read_feed,
    read_sitemap,
    read_wp_posts,
)
from crawler.stats import PROBE

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from lxml.html import HtmlElement
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.sites.families import Kind, Listed
    from crawler.sources.schema import Source

logger = logging.getLogger(__name__)
T = TypeVar("T")

_ALTERNATE_FEEDS = (
    "//link[@rel='alternate'][contains(@type, 'rss') or contains(@type, 'atom')]/@href"
)
_LIST_PRIORITY = 10  # lists before pages: they name what pages might never link


class PostListsMixin:
    """Feeds, sitemaps and the WordPress API, read to the last page."""

    # Provided by ArchivistSpider.
    source: Source
    crawler: Crawler
    families: dict[str, str]

    def family_of(self, url: str) -> str:
        raise NotImplementedError

    def count(self, response: Response, kind: str) -> None:
        raise NotImplementedError

    def seen_before(self, url: str) -> bool:
        raise NotImplementedError

    def is_seen(self, url: str) -> bool:
        raise NotImplementedError

    def parse(self, response: Response) -> Iterable[Any]:
        raise NotImplementedError

    def page_request(
        self,
        raw: str,
        url: str,
        callback: Any,
        kind: Kind | str = "page",
        lastmod: str | None = None,
    ) -> Request | None:
        raise NotImplementedError

    def connect_lists(self, crawler: Crawler) -> None:
        crawler.signals.connect(self._robots_parsed, signals.robots_parsed)

    def list_requests(self, url: str, family: str) -> Iterator[Request]:
        """The requests that start enumerating ``url``'s host as ``family``."""
        parts = urlsplit(url)
        found = self.source.discovery
        for entry in entry_points(
            family, f"{parts.scheme}://{parts.netloc}", feeds=found.feeds, api=found.api
        ):
            if entry.kind == "sitemap" and not found.sitemaps:
                continue
            request = self._list_request(entry.url, entry.kind, probe=True)
            if request is not None:
                yield request

    def _list_request(self, url: str, kind: Kind, *, probe: bool = False) -> Request | None:
        """A list's request; a ``probe`` is a guess, which may well find nothing."""
        try:
            canonical = canonical_url(url)
        except ValueError:  # a feed's "next" link that is no URL ("http://a:b/")
            return None
        if self.seen_before(canonical):
            return None
        callback = {
            "feed": self.parse_feed,
            "sitemap": self.parse_sitemap,
            "api": self.parse_api,
        }[kind]
        return Request(
            url,
            callback=callback,
            priority=_LIST_PRIORITY,
            meta={"archivist_kind": kind, "depth_reset": True, PROBE: probe},
        )

    def capped(self, response: Response, found: Sequence[T], setting: str) -> Sequence[T]:
        """The first ``setting`` links of what a page or list names (Heritrix's maxOutlinks)."""
        bound = self.crawler.settings.getint(setting)
        if not bound or len(found) <= bound:
            return found
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("discovery/links_capped")
        logger.warning(
            "Reading the first %d of the %d links of %s (%s)",
            bound,
            len(found),
            response.url,
            setting,
        )
        return found[:bound]

    def readable(self, response: HtmlResponse) -> HtmlResponse:
        """The page as parsed for links: its first ``DISCOVERY_MAX_PAGE_BYTES`` (a parsed
        tree costs tens of times the page's bytes; the page is archived whole)."""
        bound = self.crawler.settings.getint("DISCOVERY_MAX_PAGE_BYTES")
        if not bound or len(response.body) <= bound:
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("discovery/page_too_big")
        logger.warning(
            "Reading links from the first %d of the %d bytes of %s (DISCOVERY_MAX_PAGE_BYTES); "
            "archived whole, not extracted",
            bound,
            len(response.body),
            response.url,
        )
        return head_of(response, bound, "cut_to_read")

    def _too_big(self, response: Response) -> bool:
        """Whether a feed or sitemap is past ``DISCOVERY_MAX_LIST_BYTES`` (archived, not read)."""
        bound = self.crawler.settings.getint("DISCOVERY_MAX_LIST_BYTES")
        if not bound or len(response.body) <= bound:
            return False
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("discovery/list_too_big")
        logger.warning(
            "Not reading %s: %d bytes, over DISCOVERY_MAX_LIST_BYTES (%d); it is archived",
            response.url,
            len(response.body),
            bound,
        )
        return True

    def _posts(self, response: Response, listed: Sequence[Listed]) -> Iterator[Request]:
        for post in self.capped(response, listed, "DISCOVERY_MAX_LIST_LINKS"):
            # A list names posts absolute; a careless one, relative to itself; a hostile
            # one, by strings no URL parser reads (passed over, the rest still read).
            link = resolve_link(response.url, post.url)
            if link is None:
                continue
            raw, url = link
            if self.is_seen(url):
                continue
            request = self.page_request(raw, url, self.parse, "post", post.lastmod)
            if request is not None:
                # Seen only once asked for: a list without dates (WordPress's RSS) must
                # not hide an edit that a later list (the sitemap) dates.
                self.seen_before(url)
                yield request

    def parse_linked_list(self, response: Response) -> Iterator[Request]:
        """A feed or sitemap reached by a plain link: read it as what it is."""
        if not isinstance(response, TextResponse) or response.status != 200:
            return
        head = response.body[:1024].lstrip()
        if b"<urlset" in head or b"<sitemapindex" in head:
            if self.source.discovery.sitemaps:
                yield from self.parse_sitemap(response)
        elif (b"<rss" in head or b"<feed" in head) and self.source.discovery.feeds:
            yield from self.parse_feed(response)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        self.count(response, "feed")
        if self._too_big(response):
            return
        page = read_feed(response.body, response.url)
        yield from self._posts(response, page.posts)
        if page.next_url:
            request = self._list_request(page.next_url, "feed")
        else:
            guessed = next_wp_feed_page(response.url, bool(page.posts))
            request = self._list_request(guessed, "feed", probe=True) if guessed else None
        if request is not None:
            yield request
        if self.family_of(response.url) == "blogger" and self.source.discovery.label_feeds:
            parts = urlsplit(response.url)
            for label in sorted(page.labels):
                feed = label_feed(f"{parts.scheme}://{parts.netloc}", label)
                request = self._list_request(feed, "feed", probe=True)
                if request is not None:
                    yield request

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        self.count(response, "sitemap")
        if self._too_big(response):
            return
        kind, listed = read_sitemap(response.body)
        if kind == "sitemapindex":
            for sitemap in self.capped(response, listed, "DISCOVERY_MAX_LIST_LINKS"):
                request = self._list_request(sitemap.url, "sitemap")
                if request is not None:
                    yield request
            return
        yield from self._posts(response, listed)
        following = next_sitemap_page(response.url, bool(listed))
        if following:
            request = self._list_request(following, "sitemap", probe=True)
            if request is not None:
                yield request

    def parse_api(self, response: Response) -> Iterator[Request]:
        self.count(response, "api")
        yield from self._posts(response, read_wp_posts(response.body))
        pages = (response.headers.get(b"X-WP-TotalPages") or b"").decode("latin-1")
        if "&page=" in response.url or not pages.isdigit():
            return
        for number in range(2, int(pages) + 1):
            request = self._list_request(f"{response.url}&page={number}", "api")
            if request is not None:
                yield request

    def alternate_feeds(self, response: Response, root: HtmlElement) -> Iterator[Request]:
        """News sites: the RSS/Atom feeds a page names in its head (``root``: its tree)."""
        base = get_base_url(response) if isinstance(response, TextResponse) else response.url
        for href in root.xpath(_ALTERNATE_FEEDS):
            link = resolve_link(base, str(href).strip())
            if link is None:
                continue
            url = link[0]
            if urlsplit(url).hostname in self.source.allowed_hosts:
                request = self._list_request(url, "feed")
                if request is not None:
                    yield request

    def robots_requests(self, url: str) -> Iterator[Request]:
        """With robots.txt ignored, Scrapy does not fetch it: ask for it, for its sitemaps."""
        parts = urlsplit(url)
        robots = f"{parts.scheme}://{parts.netloc}/robots.txt"
        if not self.seen_before(robots):
            yield Request(
                robots,
                callback=self.parse_robots,
                priority=_LIST_PRIORITY,
                meta={"archivist_kind": "robots", PROBE: True},
            )

    def parse_robots(self, response: Response) -> Iterator[Request]:
        text = response.body.decode("utf-8", "replace")
        yield from self._robots_sitemaps(response.url, Protego.parse(text).sitemaps)

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Scrapy parsed a host's robots.txt (to obey it): crawl the sitemaps it names."""
        parser = getattr(robotparser, "rp", None)
        sitemaps = list(parser.sitemaps) if isinstance(parser, Protego) else []
        engine = self.crawler.engine
        assert engine is not None
        for found in self._robots_sitemaps(request.url, sitemaps):
            engine.crawl(found)

    def _robots_sitemaps(self, url: str, sitemaps: Iterable[str]) -> Iterator[Request]:
        if not self.source.discovery.sitemaps:
            return
        parts = urlsplit(url)
        named = [s for s in sitemaps if urlsplit(s).hostname == parts.hostname]
        guessed = not named
        if guessed and self.family_of(url) == "news":
            named = [f"{parts.scheme}://{parts.netloc}/sitemap.xml"]  # the usual place
        for sitemap in named:
            request = self._list_request(sitemap, "sitemap", probe=guessed)
            if request is not None:
                yield request
