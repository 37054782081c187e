"""Blogger / Blogspot blogs."""

from __future__ import annotations

from crawler.spiders.base import ArchivistSpider


class BloggerSpider(ArchivistSpider):
    name = "blogger"
    # URL variants of one post and widget traps (research/platforms.md, 1.6 and 1.11).
    deny = (
        r"[?&](m|showComment|spref|widgetType)=",
        r"//www\.blogger\.com/",
        r"/search\?q=",
        r"reverse-paginate=",
    )
