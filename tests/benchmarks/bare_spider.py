"""The reference: a plain Scrapy CrawlSpider, no capture (run by bench_crawl.py).

``-a deny=<JSON list of regexes>`` keeps it out of the world's endless traps, as an
operator would configure a plain CrawlSpider for a site they know.
"""

from __future__ import annotations

import json
from typing import Any

from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule


class BareSpider(CrawlSpider):
    name = "bare"
    allowed_domains = ["thoisu.test"]
    start_urls = ["http://thoisu.test/"]

    def __init__(self, *args: Any, deny: str = "[]", **kwargs: Any) -> None:
        extractor = LinkExtractor(allow_domains=["thoisu.test"], deny=json.loads(deny))
        self.rules = (Rule(extractor, follow=True),)
        super().__init__(*args, **kwargs)
