"""The site-agnostic spider: seeds, scope, link following and page requisites.

A family module adds only data (``deny`` patterns, later feeds and sitemaps), the
way Scrapy's ``SitemapSpider`` takes ``sitemap_rules``. Callbacks parse and yield;
they never write files: capture happens at the downloader edge.

Run as ``scrapy crawl <family> -a source=<name or path.yaml> [-a run_id=ID]``. The
source's limits, user agent, robots policy and collection become this crawl's
settings (with the "spider" priority, so ``-s`` on the command line still wins).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, TextResponse

from crawler.articles import ArticleRule
from crawler.items import ArticlePage
from crawler.runs import new_run_id
from crawler.sources import Source, SourceError, find_source, load_source

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from archive import RecordRef

_LINKS = "//a/@href | //area/@href"
_REQUISITES = (
    "//img/@src | //script/@src | //link[@rel='stylesheet' or contains(@rel, 'icon')]/@href"
    " | //source/@src | //video/@poster | //input[@type='image']/@src"
)
_SRCSET = "//img/@srcset | //source/@srcset"
_CSS_URL = re.compile(rb"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def apply_source(settings: BaseSettings, source: Source, run_id: str) -> None:
    """Turn a source's declarations into this crawl's settings."""
    values: dict[str, Any] = {
        "USER_AGENT": source.full_user_agent,
        "ROBOTSTXT_OBEY": source.robots == "obey",
        "DEPTH_LIMIT": source.limits.max_depth or 0,
        "CLOSESPIDER_PAGECOUNT": source.limits.max_pages or 0,
        "CLOSESPIDER_TIMEOUT": source.limits.max_duration or 0,
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


class ArchivistSpider(Spider):
    """Crawls a source's hosts from its seeds, with each page's requisites."""

    deny: ClassVar[tuple[str, ...]] = ()
    """Regular expressions of URLs never followed (URL variants, traps)."""

    def __init__(self, source: Source, run_id: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.run_id = run_id
        self.allowed_domains = list(source.allowed_hosts)
        self._hosts = frozenset(source.allowed_hosts)
        self._deny = re.compile("|".join(self.deny)) if self.deny else None
        self._seen: set[str] = set()
        self._articles = ArticleRule(source.family, source.article_patterns)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        name = kwargs.pop("source", None)
        if not name:
            raise SourceError(
                "(command line)", "source", f"run `scrapy crawl {cls.name} -a source=NAME`"
            )
        path = find_source(str(name), Path(crawler.settings.get("SOURCES_DIR") or "schedules"))
        source = load_source(path)
        if source.family != cls.name:
            raise SourceError(
                path, "family", f"is {source.family!r}; run `scrapy crawl {source.family}`"
            )
        run_id = str(kwargs.pop("run_id", "") or "") or new_run_id(source.name)
        apply_source(crawler.settings, source, run_id)
        return super().from_crawler(crawler, *args, source=source, run_id=run_id, **kwargs)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.source.seeds:
            self._seen.add(url)
            yield Request(url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[Request | ArticlePage]:
        if not isinstance(response, HtmlResponse):
            return
        root = response.selector.root
        yield from self._follow(response, root.xpath(_REQUISITES), self.parse_requisite)
        yield from self._follow(response, _srcset_urls(root.xpath(_SRCSET)), self.parse_requisite)
        yield from self._follow(response, root.xpath(_LINKS), self.parse)
        refs = response.meta.get("archive_refs")
        if refs and response.status == 200 and self.is_article(response):
            yield self._article_page(response, refs[0])

    def is_article(self, response: HtmlResponse) -> bool:
        """Whether a page holds an article to extract (the rest is archived only)."""
        return self._articles.matches(response.url, response.selector.root)

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
        if isinstance(response, HtmlResponse):
            yield from self.parse(response)
        elif isinstance(response, TextResponse) and b"css" in (
            response.headers.get(b"Content-Type") or b""
        ):
            found = (a or b for a, b in _CSS_URL.findall(response.body))
            refs = (ref.decode("utf-8", "replace") for ref in found)
            yield from self._follow(response, refs, self.parse_requisite)

    def in_scope(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            return False
        host = parts.hostname or ""
        if host not in self._hosts and not any(host.endswith("." + h) for h in self._hosts):
            return False
        return not (self._deny and self._deny.search(url))

    def _follow(self, response: Response, hrefs: Iterable[str], callback: Any) -> Iterator[Request]:
        seen = self._seen
        for href in hrefs:
            url = response.urljoin(str(href).strip()).split("#", 1)[0]
            if url in seen:
                continue
            seen.add(url)
            if self.in_scope(url):
                yield Request(url, callback=callback)


def _srcset_urls(values: Iterable[str]) -> Iterator[str]:
    for value in values:
        for candidate in str(value).split(","):
            if candidate.strip():
                yield candidate.split()[0]
