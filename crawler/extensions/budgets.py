"""Budgets that close a crawl: bytes received and pages fetched.

``ByteBudgetExtension`` stops the crawl as ``closespider_bytes`` once the bodies
received pass ``CLOSESPIDER_BYTES`` (a source's ``limits.max_bytes``).

``PageBudgetExtension`` stops it as ``closespider_pagecount`` once ``ARCHIVIST_MAX_PAGES``
pages (a source's ``limits.max_pages``) have come back: the spider's own requests
(pages, lists, feeds, sitemaps, the API), not requisites nor robots.txt. Scrapy's
``CLOSESPIDER_PAGECOUNT`` counts every response: on the demo world a budget of 40 bought
35 pages, its robots.txt, images and style sheets taking the rest.

Stats: ``archivist/pages``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.spiders.base import KIND

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


class _Budget:
    """Closes the crawl with ``reason`` once ``used`` reaches the ``setting``'s limit."""

    setting: ClassVar[str]
    reason: ClassVar[str]
    unit: ClassVar[str]

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit
        self._closing = False
        crawler.signals.connect(self._on_response, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        limit = crawler.settings.getint(cls.setting)
        if limit <= 0:
            raise NotConfigured
        return cls(crawler, limit)

    def used(self, request: Request) -> int | None:
        """What the budget holds spent after this response; None: it did not count."""
        raise NotImplementedError

    def _on_response(self, response: Response, request: Request) -> None:
        used = self.used(request)
        if used is None or used < self.limit or self._closing or self.crawler.engine is None:
            return
        self._closing = True
        logger.info("%d %s, the limit of %d: closing", used, self.unit, self.limit)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=self.reason))


class ByteBudgetExtension(_Budget):
    """Closes the crawl as ``closespider_bytes`` past ``CLOSESPIDER_BYTES`` bytes received."""

    setting, reason, unit = "CLOSESPIDER_BYTES", "closespider_bytes", "bytes received"

    def used(self, request: Request) -> int | None:
        assert self.crawler.stats is not None
        return int(self.crawler.stats.get_value("downloader/response_bytes", 0))


_REQUISITE = "asset"  # the kind (crawler.spiders.base.KIND) of a requisite's request


class PageBudgetExtension(_Budget):
    """Closes the crawl as ``closespider_pagecount`` past ``ARCHIVIST_MAX_PAGES`` pages."""

    setting, reason, unit = "ARCHIVIST_MAX_PAGES", "closespider_pagecount", "pages"

    def __init__(self, crawler: Crawler, limit: int) -> None:
        super().__init__(crawler, limit)
        self.pages = 0

    def used(self, request: Request) -> int | None:
        kind = request.meta.get(KIND)
        if kind is None or kind == _REQUISITE:
            return None  # robots.txt, a requisite
        self.pages += 1
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archivist/pages", self.pages)
        return self.pages
