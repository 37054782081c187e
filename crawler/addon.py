"""The one place where archivist's components are switched on, in their order.

Components are added with ``setdefault_in_component_priority_dict``, so a project,
spider or command line that names one (with another priority, or None to switch it
off) wins; plain values use the ``"addon"`` priority for the same reason
(Scrapy docs, topics/addons).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

from crawler import default_settings
from crawler.cluster.addon import enable_cluster
from crawler.extensions.budgets import ByteBudgetExtension, PageBudgetExtension
from crawler.extensions.capture import WarcCaptureExtension
from crawler.extensions.crawldelay import CrawlDelayExtension
from crawler.middlewares.decompression import BoundedDecompressionMiddleware
from crawler.middlewares.failures import FailedUrlsMiddleware
from crawler.middlewares.metarefresh import HeadMetaRefreshMiddleware
from crawler.middlewares.network import NetworkGuardMiddleware
from crawler.middlewares.politeness import RetryAfterMiddleware
from crawler.middlewares.recrawl import ConditionalRequestMiddleware
from crawler.middlewares.resume import ResumeMiddleware
from crawler.middlewares.robots import SharedRobotsTxtMiddleware
from crawler.middlewares.routing import LoopbackOnlyMiddleware, RouteProxyMiddleware
from crawler.pipelines.extract import ExtractPipeline

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


class ArchivistAddon:
    """Enables capture, routing, the loopback guard, politeness and extraction."""

    def update_settings(self, settings: BaseSettings) -> None:
        # Every archivist setting's default (crawler/default_settings.py), under all others.
        settings.setmodule(default_settings, "default")
        settings.set("ARCHIVE_ENABLED", True, "addon")
        # Scrapy's, with CONCURRENT_REQUESTS_PER_DOMAIN made to hold (crawler/downloader.py).
        settings.set("DOWNLOADER", "crawler.downloader.PerHostDownloader", "addon")
        # Scrapy's HTTP/1.1 handler, keeping the responses that stall or run long and
        # bounding header sections (crawler/handler.py); DOWNLOAD_HANDLERS still wins.
        handler = "crawler.handler.ArchivingHTTPDownloadHandler"
        base = {**settings.getdict("DOWNLOAD_HANDLERS_BASE"), "http": handler, "https": handler}
        settings.set("DOWNLOAD_HANDLERS_BASE", base, "addon")
        add = settings.setdefault_in_component_priority_dict
        # Scrapy's, with every request waiting for a robots.txt given its parser
        # (crawler/middlewares/robots.py).
        settings.replace_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES_BASE", RobotsTxtMiddleware, SharedRobotsTxtMiddleware
        )
        # First of all (RobotsTxtMiddleware is 100): what a resumed run captured already
        # is served from its WARCs and goes no further.
        add("DOWNLOADER_MIDDLEWARES", ResumeMiddleware, 50)
        # Scrapy's decompression, in its place (590), with a bound of its own
        # (crawler/middlewares/decompression.py).
        settings.replace_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES_BASE", HttpCompressionMiddleware, BoundedDecompressionMiddleware
        )
        # Scrapy's meta refresh, in its place (580), reading a page's head only
        # (crawler/middlewares/metarefresh.py).
        settings.replace_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES_BASE", MetaRefreshMiddleware, HeadMetaRefreshMiddleware
        )
        # Before HttpProxyMiddleware (750), which handles credentials for the
        # meta["proxy"] this one sets.
        add("DOWNLOADER_MIDDLEWARES", RouteProxyMiddleware, 740)
        # Conditional requests from the last capture of each URL (recrawls).
        add("DOWNLOADER_MIDDLEWARES", ConditionalRequestMiddleware, 730)
        # After HttpProxyMiddleware (750): by then the proxy decision is final.
        add("DOWNLOADER_MIDDLEWARES", LoopbackOnlyMiddleware, 760)
        # The network guard, after the proxy decision too; its process_exception runs
        # before RetryMiddleware's (550), so a refused address is not retried.
        add("DOWNLOADER_MIDDLEWARES", NetworkGuardMiddleware, 770)
        # Response side: after RetryMiddleware (550) in priority, so its process_response
        # runs first and holds the host back before the retry is scheduled.
        add("DOWNLOADER_MIDDLEWARES", RetryAfterMiddleware, 560)
        # Just before RetryMiddleware (550) in number: its process_response and
        # process_exception run after Retry's, so a URL's failure counts once, retried or not.
        add("DOWNLOADER_MIDDLEWARES", FailedUrlsMiddleware, 545)
        add("EXTENSIONS", ByteBudgetExtension, 0)
        add("EXTENSIONS", CrawlDelayExtension, 0)
        add("EXTENSIONS", PageBudgetExtension, 0)
        # The capture hooks a signal, so its order among extensions does not matter.
        add("EXTENSIONS", WarcCaptureExtension, 0)
        # The only pipeline so far: extraction in a process pool, then records.
        add("ITEM_PIPELINES", ExtractPipeline, 300)
        # A worker of a distributed run (CLUSTER_RUN): the frontier, seen-set and each
        # host's manners shared in Redis (crawler/cluster/addon.py).
        enable_cluster(settings)
