"""The site-agnostic spider: seeds, scope, link following, page requisites, trap guards.

Each family (``crawler.sites.families``) adds where its posts are listed (feeds, sitemaps,
the WordPress API: ``crawler/spiders/_lists.py``) and its variants and traps
(``crawler.sites.discovery``); a source of family ``auto`` learns each host's family from
its home page. Every URL is reduced to its canonical form before the seen-check, so
each post is requested once however many ways it is linked. Callbacks parse and
yield; they never write files: capture happens at the downloader edge.

Run as ``scrapy crawl <family> -a source=<name or path.yaml> [-a run_id=ID]``. The
source's limits, manners, user agent, robots policy and collection become this
crawl's settings (with the "spider" priority, so ``-s`` on the command line still wins).

Stats: ``discovery/<family>/<kind>`` (responses by kind: seed, post, listing, feed,
sitemap, api, asset), ``discovery/variants_folded``, ``discovery/duplicates_skipped``,
``discovery/traps_avoided`` (and ``.../<rule>``), ``discovery/out_of_scope``,
``discovery/host_limit``, ``discovery/comment_feeds_skipped``, ``discovery/family/<host>``;
``recrawl/sweep`` (full or incremental: ``crawler.spiders.sweep``), ``recrawl/unchanged_skipped``,
``recrawl/known_requested`` (known articles a full sweep asked for); Scrapy's ``robotstxt/forbidden``.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy import Request, Selector, Spider, signals
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.response import get_base_url

from crawler.extensions.records import data_home, open_records
from crawler.items import ArticlePage
from crawler.runs.child import new_run_id
from crawler.sites.articles import ArticleRule
from crawler.sites.discovery import canonical_url, is_comment_feed, resolve_link, trap_reason
from crawler.sites.families import FAMILIES, detect_family
from crawler.sources.schema import Source, SourceError, find_source, load_source
from crawler.spiders._lists import PostListsMixin
from crawler.spiders._seen import UrlSet
from crawler.spiders.sweep import SweepPlan, plan_sweep, record_sweep

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from lxml.html import HtmlElement
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from archive import RecordRef
    from crawler.sites.families import Kind

_LINKS = "//a/@href | //area/@href"
_CUT = {"dataloss", "timeout", "maxsize", "cut_to_read"}  # flags of a page not whole
_REQUISITES = (
    "//img/@src | //script/@src | //link[@rel='stylesheet' or contains(@rel, 'icon')]/@href"
    " | //source/@src | //video/@poster | //input[@type='image']/@src"
)
_SRCSET = "//img/@srcset | //source/@srcset"
_CSS_URL = re.compile(rb"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")
KIND = "archivist_kind"  # request meta: what the spider expects the response to be
_KNOWN_PRIORITY = -10  # known articles after lists and links, which may name them first


def apply_source(settings: BaseSettings, source: Source, run_id: str) -> None:
    """Turn a source's declarations into this crawl's settings."""
    manners = source.manners
    values: dict[str, Any] = {
        "USER_AGENT": source.full_user_agent,
        "ROBOTSTXT_OBEY": source.robots == "obey",
        "DEPTH_LIMIT": source.limits.max_depth or 0,
        # Pages, not requisites: Scrapy's CLOSESPIDER_PAGECOUNT counts every response.
        "ARCHIVIST_MAX_PAGES": source.limits.max_pages or 0,
        "CLOSESPIDER_TIMEOUT": source.limits.max_duration or 0,
        "CLOSESPIDER_BYTES": source.limits.max_bytes or 0,
        # The declared delay is a floor, not an average: no jitter below it.
        "DOWNLOAD_DELAY": manners.delay,
        "DOWNLOAD_DELAY_JITTER": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": manners.per_host,
        "AUTOTHROTTLE_ENABLED": manners.autothrottle,
        "AUTOTHROTTLE_START_DELAY": manners.delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(manners.per_host),
        "POLITENESS_MAX_RETRY_AFTER": manners.max_retry_after,
        "POLITENESS_MAX_CRAWL_DELAY": manners.max_crawl_delay,
        "NETWORK_ALLOW_PRIVATE": list(source.allow_private),
        "ARCHIVE_COLLECTION": source.collection,
        "ARCHIVE_PREFIX": source.name,
        "ARCHIVE_INFO": {
            "operator": source.contact,
            "description": f"archivist crawl of source {source.name} ({source.family})",
            "archivist-source": source.name,
            "archivist-run-id": run_id,
        },
    }
    for key, value in values.items():
        settings.set(key, value, "spider")


class ArchivistSpider(PostListsMixin, Spider):
    """Crawls a source's hosts from its seeds and its family's post lists."""

    def __init__(self, source: Source, run_id: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.run_id = run_id
        self.allowed_domains = list(source.allowed_hosts)
        self._hosts = frozenset(source.allowed_hosts)
        scope = source.scope
        self._include = re.compile("|".join(scope.include)) if scope.include else None
        self._exclude = re.compile("|".join(scope.exclude)) if scope.exclude else None
        # Every URL met, as digests (crawler/spiders/_seen.py: 70 bytes a URL, not 230).
        self._seen = UrlSet()
        self._refused = UrlSet()
        self._unchanged = UrlSet()  # known articles an incremental run leaves alone
        self._per_host: Counter[str] = Counter()
        self.families: dict[str, str] = {}
        """Host -> family; set from the source, or from each home page for ``auto``."""
        if source.family in FAMILIES:
            self.families = {urlsplit(s).hostname or "": source.family for s in source.seeds}
        self._rules = {name: ArticleRule(name, source.article_patterns) for name in FAMILIES}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        name = kwargs.pop("source", None)
        if not name:
            raise SourceError(
                "(command line)", "source", f"run `scrapy crawl {cls.name} -a source=NAME`"
            )
        path = find_source(str(name), Path(crawler.settings.get("SOURCES_DIR")))
        source = load_source(path)
        if source.family != cls.name:
            raise SourceError(
                path, "family", f"is {source.family!r}; run `scrapy crawl {source.family}`"
            )
        run_id = str(kwargs.pop("run_id", "") or "") or new_run_id(source.name)
        apply_source(crawler.settings, source, run_id)
        spider = super().from_crawler(crawler, *args, source=source, run_id=run_id, **kwargs)
        spider.connect_lists(crawler)
        crawler.signals.connect(spider.remember_sweep, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        self.sweep = self._plan_sweep()
        for seed in self.source.seeds:
            url = canonical_url(seed)
            self._seen.add(url)
            yield Request(url, callback=self.parse, meta={KIND: "seed"})
            host = urlsplit(url).hostname or ""
            if host in self.families:
                for request in self.list_requests(url, self.families[host]):
                    yield request
            if self.source.robots != "obey":
                for request in self.robots_requests(url):
                    yield request
        if self.sweep.full:
            for request in self._known_articles():
                yield request

    def _known_articles(self) -> Iterator[Request]:
        """A full sweep asks for every article known from earlier runs, named anywhere or
        not: a post taken off every list and page is still checked, and its 404 seen."""
        assert self.crawler.stats is not None
        for url in sorted(self.sweep.known):
            if url in self._seen:
                continue
            request = self.page_request(url, url, self.parse, "post")
            if request is not None:
                self._seen.add(url)
                self.crawler.stats.inc_value("recrawl/known_requested")
                yield request.replace(priority=_KNOWN_PRIORITY)

    def _sweep_state(self) -> Path:
        home = data_home(self.crawler.settings)
        return home / "state" / f"{self.source.name}.sweep.json"

    def _plan_sweep(self) -> SweepPlan:
        """A full sweep, or an incremental run that skips known, unchanged articles."""
        store = open_records(self.crawler)
        source = self.source
        known = store.article_fetch_times(source.name, source.collection) if store else {}
        mode = str(self.crawler.settings.get("RECRAWL_SWEEP"))
        plan = plan_sweep(self._sweep_state(), source.recrawl, known, datetime.now(UTC), mode)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("recrawl/sweep", "full" if plan.full else "incremental")
        self.logger.info(
            "%s: %s (%s)",
            source.name,
            "full sweep" if plan.full else "incremental run",
            plan.reason,
        )
        return plan

    def remember_sweep(self, reason: str) -> None:
        if reason == "finished" and hasattr(self, "sweep"):
            record_sweep(self._sweep_state(), self.sweep, datetime.now(UTC))

    def family_of(self, url: str) -> str:
        host = urlsplit(url).hostname or ""
        return self.families.get(host) or next(
            (f for h, f in self.families.items() if host.endswith("." + h)), "news"
        )

    def count(self, response: Response, kind: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"discovery/{self.family_of(response.url)}/{kind}")

    def parse(self, response: Response) -> Iterator[Request | ArticlePage]:
        if not isinstance(response, HtmlResponse):
            yield from self.parse_linked_list(response)
            return
        response = self.readable(response)
        root = page_tree(response)
        kind = response.meta.get(KIND)
        if kind == "seed":
            yield from self._learn_family(response, root)
        found = [*root.xpath(_REQUISITES), *_srcset_urls(root.xpath(_SRCSET))]
        assets = self.capped(response, found, "DISCOVERY_MAX_PAGE_LINKS")
        yield from self._follow(response, assets, self.parse_requisite, "asset")
        if self.source.discovery.follow_links:
            links = self.capped(response, root.xpath(_LINKS), "DISCOVERY_MAX_PAGE_LINKS")
            yield from self._follow(response, links, self.parse, "page")
        if self.source.discovery.feeds and self.family_of(response.url) == "news":
            yield from self.alternate_feeds(response, root)
        # A known article's URL is extracted whatever it serves now (a soft 404 is news).
        known = response.url in self.sweep.known
        is_article = response.status == 200 and (known or self.is_article(response, root))
        self.count(response, kind if kind == "seed" else "post" if is_article else "listing")
        refs = response.meta.get("archive_refs")
        if refs and is_article and not _CUT.intersection(response.flags):  # not a whole page
            yield self._article_page(response, refs[0])

    def _learn_family(self, response: HtmlResponse, root: HtmlElement) -> Iterator[Request]:
        """``auto``: the home page says which family the host belongs to."""
        host = urlsplit(response.url).hostname or ""
        if host in self.families:
            return
        server = (response.headers.get(b"Server") or b"").decode("latin-1")
        family = detect_family(root, server)
        self.families[host] = family
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(f"discovery/family/{host}", family)
        self.logger.info("%s looks like a %s site", host, family)
        yield from self.list_requests(response.url, family)

    def is_article(self, response: HtmlResponse, root: HtmlElement) -> bool:
        """Whether a page (``root``: its tree) holds an article to extract (the rest is
        archived only)."""
        return self._rules[self.family_of(response.url)].matches(response.url, root)

    def _article_page(self, response: HtmlResponse, ref: RecordRef) -> ArticlePage:
        headers = tuple(
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            for v in values
            if k.lower() != b"content-encoding"  # the body here is already decoded
        )
        return ArticlePage(
            url=response.url,
            body=response.body,
            headers=headers,
            status=response.status,
            response_ref=ref,
            fetched_at=datetime.now(UTC),
            collection=self.source.collection,
            source=self.source.name,
        )

    def parse_requisite(self, response: Response) -> Iterator[Request | ArticlePage]:
        """Stylesheets bring their own requisites (fonts, images, imports)."""
        self.count(response, "asset")
        if isinstance(response, TextResponse) and b"css" in (
            response.headers.get(b"Content-Type") or b""
        ):
            found = (a or b for a, b in _CSS_URL.findall(response.body))
            refs = (ref.decode("utf-8", "replace") for ref in found)
            yield from self._follow(response, refs, self.parse_requisite, "asset")

    def in_scope(self, url: str) -> bool:
        """Whether a link may be followed: host, prefixes, include and exclude."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            return False
        host = parts.hostname or ""
        if host not in self._hosts and not any(host.endswith("." + h) for h in self._hosts):
            return False
        prefixes = self.source.scope.prefixes
        if prefixes and not url.startswith(prefixes):
            return False
        if self._include is not None and not self._include.search(url):
            return False
        return not (self._exclude is not None and self._exclude.search(url))

    def _follow(
        self, response: Response, hrefs: Iterable[str], callback: Any, kind: Kind | str
    ) -> Iterator[Request]:
        """Requests for the links not seen before, in scope, and not traps or variants."""
        stats = self.crawler.stats
        assert stats is not None
        base = get_base_url(response) if isinstance(response, TextResponse) else response.url
        duplicates = 0  # most links of a page were seen before: counted once a page
        try:
            for href in hrefs:
                link = resolve_link(base, str(href).strip())
                if link is None:  # mailto:, javascript:, or no URL at all ("http://a:b/")
                    continue
                raw, url = link
                if url in self._seen or url in self._refused:
                    duplicates += 1
                    continue
                if kind == "asset":  # requisites come from any host (CDNs), never followed on
                    self._seen.add(url)
                    yield Request(url, callback=callback, meta={KIND: kind, "allow_offsite": True})
                    continue
                if url != raw.split("#", 1)[0]:
                    stats.inc_value("discovery/variants_folded")
                request = self.page_request(raw, url, callback)
                if request is None:
                    # Refused as a link; a feed or sitemap that names it may still be trusted.
                    self._refused.add(url)
                else:
                    self._seen.add(url)
                    yield request
        finally:
            if duplicates:
                stats.inc_value("discovery/duplicates_skipped", duplicates)

    def page_request(
        self,
        raw: str,
        url: str,
        callback: Any,
        kind: Kind | str = "page",
        lastmod: str | None = None,
    ) -> Request | None:
        """A page request after the guards: scope, traps, the per-host budget."""
        stats = self.crawler.stats
        assert stats is not None
        if not self.in_scope(url):
            stats.inc_value("discovery/out_of_scope")
            return None
        if not self.source.discovery.comment_feeds and is_comment_feed(url):
            stats.inc_value("discovery/comment_feeds_skipped")
            return None
        reason = trap_reason(raw, self.family_of(url)) if kind == "page" else None
        if reason:
            stats.inc_value("discovery/traps_avoided")
            stats.inc_value(f"discovery/traps_avoided/{reason}")
            return None
        if not self.sweep.wants(url, lastmod):
            self._unchanged.add(url)
            stats.set_value("recrawl/unchanged_skipped", len(self._unchanged))
            return None
        host = urlsplit(url).hostname or ""
        budget = self.source.limits.max_pages_per_host
        if budget is not None and self._per_host[host] >= budget:
            stats.inc_value("discovery/host_limit")
            return None
        self._per_host[host] += 1
        meta: dict[str, Any] = {KIND: kind}
        if lastmod:
            meta["archivist_lastmod"] = lastmod
        return Request(url, callback=callback, meta=meta)

    def is_seen(self, url: str) -> bool:
        return url in self._seen

    def seen_before(self, url: str) -> bool:
        """Marks ``url`` seen; True if it already was."""
        if url in self._seen:
            return True
        self._seen.add(url)
        return False


def page_tree(response: HtmlResponse) -> HtmlElement:
    """The page's parsed tree, held by its parse alone.

    Not ``response.selector``, which Scrapy caches on the response: the response and
    its selector then refer to each other, a reference cycle that only a full garbage
    collection (a rare one in a long crawl) frees, so each page's tree and decoded text
    outlived its parse by far. Measured at the end of a 5,000-article crawl: 145 parsed
    responses waiting for the collector, none once the tree went with the parse."""
    return Selector(response).root


def _srcset_urls(values: Iterable[str]) -> Iterator[str]:
    for value in values:
        for candidate in str(value).split(","):
            if candidate.strip():
                yield candidate.split()[0]
