"""News sites: the sitemaps robots.txt names, the feeds pages name, plus links.

What a family lists and which of its URLs are variants or traps is data in
``crawler.sites.families`` and ``crawler.sites.discovery``; the spider only carries the name.
"""

from __future__ import annotations

from crawler.spiders.base import ArchivistSpider


class NewsSpider(ArchivistSpider):
    name = "news"
