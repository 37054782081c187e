"""Manners a server can ask for: ``Retry-After`` on 429/503, and a byte budget per crawl.

``RetryAfterMiddleware`` sits just before Scrapy's ``RetryMiddleware`` in the response
chain: on a 429 or 503 it holds back the host's download slot for as long as the
server asked (``Retry-After`` in seconds or as an HTTP date; without one, a back-off
that doubles per answer), then ``RetryMiddleware`` re-schedules the request, which
waits in the slot. A wait longer than ``POLITENESS_MAX_RETRY_AFTER`` gives the host
up for this crawl: its queued requests are dropped, counted and logged, never
hammered. The slot's own delay comes back after the host answers normally.

``CrawlDelayExtension`` honours robots.txt's ``Crawl-delay`` for the crawl's user agent:
the host's requests go at least that far apart (``PerHostDownloader.delay_floors``,
which AutoThrottle cannot lower), up to ``POLITENESS_MAX_CRAWL_DELAY`` (a source's
``manners.max_crawl_delay``; 0: ignored). Scrapy reads robots.txt but not its delay.

``ByteBudgetExtension`` stops the crawl as ``closespider_bytes`` once the bodies
received pass ``CLOSESPIDER_BYTES`` (a source's ``limits.max_bytes``).

``PageBudgetExtension`` stops it as ``closespider_pagecount`` once ``ARCHIVIST_MAX_PAGES``
pages (a source's ``limits.max_pages``) have come back: the spider's own requests
(pages, lists, feeds, sitemaps, the API), not requisites nor robots.txt. Scrapy's
``CLOSESPIDER_PAGECOUNT`` counts every response: on the demo world a budget of 40 bought
35 pages, its robots.txt, images and style sheets taking the rest.

Stats: ``politeness/retry_after``, ``politeness/waited_seconds``,
``politeness/hosts_given_up``, ``politeness/given_up_requests``,
``politeness/crawl_delay_hosts``.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, ClassVar, Self

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached

from crawler.downloader import PerHostDownloader
from crawler.spiders.base import KIND

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

_BACKOFF_START = 1.0  # seconds, when a 429/503 names no Retry-After


def retry_after_seconds(value: bytes | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110, 10.2.3); None if absent or bad."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class RetryAfterMiddleware:
    """Waits as long as a 429/503 asks before the host gets another request."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("POLITENESS_MAX_RETRY_AFTER", 600.0)
        self._saved_delay: dict[str, float] = {}
        self._held_until: dict[str, float] = {}
        self._backoff: dict[str, float] = {}
        self._given_up: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if urlparse_cached(request).netloc in self._given_up:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("politeness/given_up_requests")
            raise IgnoreRequest(f"host gave a Retry-After beyond the limit: {request.url}")

    def process_response(self, request: Request, response: Response) -> Response:
        key, slot = self._slot(request)
        if slot is None or key is None:
            return response
        if response.status not in {429, 503}:
            # Back to the slot's own delay once the wait is over: an answer to a request
            # that was already on its way during the wait must not cut it short.
            if key in self._saved_delay and time.monotonic() >= self._held_until.get(key, 0):
                slot.delay = self._saved_delay.pop(key)
                self._backoff.pop(key, None)
            return response
        now = time.time()
        wait = retry_after_seconds(response.headers.get(b"Retry-After"), now)
        if wait is None:
            wait = self._backoff.get(key, _BACKOFF_START / 2) * 2
            self._backoff[key] = wait
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("politeness/retry_after")
        netloc = urlparse_cached(request).netloc
        if wait > self.max_wait:
            self._given_up.add(netloc)
            stats.inc_value("politeness/hosts_given_up")
            logger.warning(
                "%s asked to wait %.0fs (over the %.0fs limit): giving the host up for this crawl",
                netloc, wait, self.max_wait,
            )  # fmt: skip
            return response
        logger.info(
            "%s answered %d: waiting %.1fs before asking it again", netloc, response.status, wait
        )
        self._saved_delay.setdefault(key, slot.delay)
        slot.delay = max(slot.delay, wait)
        slot.lastseen = time.monotonic()  # the clock Scrapy's slots use
        self._held_until[key] = slot.lastseen + wait
        stats.inc_value("politeness/waited_seconds", round(wait))
        return response

    def _slot(self, request: Request) -> tuple[str | None, Slot | None]:
        engine = self.crawler.engine
        if engine is None:
            return None, None
        key = engine.downloader.get_slot_key(request)
        return key, engine.downloader.slots.get(key)


class CrawlDelayExtension:
    """Keeps each host's requests as far apart as its robots.txt ``Crawl-delay`` asks."""

    def __init__(self, crawler: Crawler, limit: float) -> None:
        self.crawler = crawler
        self.limit = limit
        settings = crawler.settings
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        crawler.signals.connect(self._on_robots, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        limit = crawler.settings.getfloat("POLITENESS_MAX_CRAWL_DELAY", 60.0)
        if not crawler.settings.getbool("ROBOTSTXT_OBEY") or limit <= 0:
            raise NotConfigured
        return cls(crawler, limit)

    def _on_robots(self, robotparser: RobotParser, request: Request) -> None:
        asked = robotparser.crawl_delay(self.user_agent or "*")
        engine = self.crawler.engine
        if not asked or asked <= 0 or engine is None:
            return
        downloader = engine.downloader
        if not isinstance(downloader, PerHostDownloader):
            logger.warning("Crawl-delay not honoured: the downloader is not PerHostDownloader")
            return
        host = urlparse_cached(request).netloc
        delay = min(asked, self.limit)
        if asked > self.limit:
            logger.warning(
                "%s asks for a Crawl-delay of %.0fs, over the %.0fs limit: waiting %.0fs",
                host, asked, self.limit, delay,
            )  # fmt: skip
        else:
            logger.info("%s asks for a Crawl-delay of %gs: one request per %gs", host, asked, delay)
        key = downloader.get_slot_key(request)
        downloader.delay_floors[key] = max(delay, downloader.delay_floors.get(key, 0.0))
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("politeness/crawl_delay_hosts")


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
