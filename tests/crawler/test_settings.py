"""Scrapy settings and the add-on: archival defaults, nothing listening."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

from crawler.addon import ArchivistAddon
from crawler.extensions.capture import WarcCaptureExtension
from crawler.middlewares.routing import LoopbackOnlyMiddleware, RouteProxyMiddleware
from crawler.pipelines.extract import ExtractPipeline


def project_settings():
    from scrapy.settings import Settings

    import crawler.settings

    return Settings({k: v for k, v in vars(crawler.settings).items() if k.isupper()})


def test_no_telnet_console_and_no_remote_control():
    settings = project_settings()
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("ROBOTSTXT_OBEY") is True


def test_addon_enables_components_and_yields_to_explicit_settings():
    crawler = get_crawler(settings_dict={"ADDONS": {ArchivistAddon: 0}})
    crawler._apply_settings()
    assert crawler.settings.getdict("EXTENSIONS")[WarcCaptureExtension] == 0
    mws = crawler.settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert mws[RouteProxyMiddleware] == 740
    assert mws[LoopbackOnlyMiddleware] == 760
    assert crawler.settings.getdict("ITEM_PIPELINES")[ExtractPipeline] == 300
    off = get_crawler(
        settings_dict={
            "ADDONS": {ArchivistAddon: 0},
            "DOWNLOADER_MIDDLEWARES": {RouteProxyMiddleware: None},
        }
    )
    off._apply_settings()
    assert off.settings.getdict("DOWNLOADER_MIDDLEWARES")[RouteProxyMiddleware] is None
