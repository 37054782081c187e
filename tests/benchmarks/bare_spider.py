"""The reference: a plain Scrapy CrawlSpider, no capture (run by bench_crawl.py)."""

from __future__ import annotations

from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule


class BareSpider(CrawlSpider):
    name = "bare"
    allowed_domains = ["thoisu.test"]
    start_urls = ["http://thoisu.test/"]
    rules = (Rule(LinkExtractor(allow_domains=["thoisu.test"]), follow=True),)
