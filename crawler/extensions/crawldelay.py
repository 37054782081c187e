"""robots.txt's ``Crawl-delay``, honoured: Scrapy reads robots.txt but not its delay.

``CrawlDelayExtension`` keeps a host's requests at least that far apart for the crawl's
user agent (``PerHostDownloader.delay_floors``, which AutoThrottle cannot lower), up to
``POLITENESS_MAX_CRAWL_DELAY`` (a source's ``manners.max_crawl_delay``; 0: ignored). Not
read where robots.txt is ignored.

Stats: ``politeness/crawl_delay_hosts``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from crawler.downloader import PerHostDownloader

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


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
        limit = crawler.settings.getfloat("POLITENESS_MAX_CRAWL_DELAY")
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
