"""News sites: the generic crawl (feeds and sitemaps come with discovery)."""

from __future__ import annotations

from crawler.spiders.base import ArchivistSpider


class NewsSpider(ArchivistSpider):
    name = "news"
    deny = (r"[?&](print|share)=",)
