"""Sources of family ``auto``: each host's family is read off its home page."""

from __future__ import annotations

from crawler.spiders.base import ArchivistSpider


class AutoSpider(ArchivistSpider):
    name = "auto"
