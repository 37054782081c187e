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


def test_every_archivist_setting_a_component_reads_has_one_default():
    """A name read anywhere in crawler/ is Scrapy's or is in crawler/default_settings.py."""
    import re
    from pathlib import Path

    from scrapy.settings import default_settings as scrapy_defaults

    from crawler import default_settings

    read = set()
    for path in Path(default_settings.__file__).parent.rglob("*.py"):
        read |= set(re.findall(r"settings\.get\w*\(\s*\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    assert len(read) > 20  # the pattern still finds the reads
    ours = {name for name in dir(default_settings) if name.isupper()}
    assert read - ours - set(dir(scrapy_defaults)) == set()


def test_the_add_on_brings_the_defaults_under_every_other_setting():
    from tests.helpers.crawls import component_crawler

    crawler = component_crawler(ARCHIVE_MAX_SIZE=5000)
    settings = crawler.settings
    assert settings.getint("ARCHIVE_MAX_SIZE") == 5000  # an explicit value wins
    assert settings.get("ARCHIVE_DEDUPE") == "collection"
    assert settings.getfloat("POLITENESS_MAX_CRAWL_DELAY") == 60.0
    assert settings.getbool("EXTRACT_ENABLED") is True
