"""Blogger / Blogspot blogs: the Atom feed, label feeds and the paged sitemap, plus links.

What a family lists and which of its URLs are variants or traps is data in
``crawler.sites.families`` and ``crawler.sites.discovery``; the spider only carries the name.
"""

from __future__ import annotations

from crawler.spiders.base import ArchivistSpider


class BloggerSpider(ArchivistSpider):
    name = "blogger"
