"""WordPress blogs: the REST API, the core sitemap and the paged feed, plus links.

What a family lists and which of its URLs are variants or traps is data in
``crawler.sites.families`` and ``crawler.sites.discovery``; the spider only carries the name.
"""

from __future__ import annotations

from crawler.spiders.base import ArchivistSpider


class WordPressSpider(ArchivistSpider):
    name = "wordpress"
