"""Decompression with its own bound: a small compressed body may inflate without limit.

``BoundedDecompressionMiddleware`` is Scrapy's ``HttpCompressionMiddleware`` (in its
place, 590) with one change: it inflates at most ``DECOMPRESSION_MAXSIZE`` bytes
(16 MiB), where Scrapy's bound is ``DOWNLOAD_MAXSIZE`` (1 GiB), the same as for the bytes
on the wire. A 1 MB gzip body that inflates to 1 GB cost a crawl 1.19 GB of memory and
7 s; now it stops at the bound. Nothing is lost: the capture (at ``response_downloaded``,
before any middleware) has archived the body as sent, still compressed; only the
spider does not get it (``IgnoreRequest``), and the stat and the log say why.

Settings: ``DECOMPRESSION_MAXSIZE`` (16 MiB). Stats: ``decompression/too_big``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

__all__ = ["BoundedDecompressionMiddleware"]

logger = logging.getLogger(__name__)


class BoundedDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, bounded by ``DECOMPRESSION_MAXSIZE``."""

    def __init__(self, stats: StatsCollector | None = None, *, crawler: Crawler | None = None):
        super().__init__(stats, crawler=crawler)
        if crawler is not None:
            bound = crawler.settings.getint("DECOMPRESSION_MAXSIZE")
            self._max_size = min(self._max_size, bound)
            self._warn_size = min(self._warn_size, self._max_size)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("decompression/too_big")
            raise
