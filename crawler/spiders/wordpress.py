"""WordPress blogs."""

from __future__ import annotations

from crawler.spiders.base import ArchivistSpider


class WordPressSpider(ArchivistSpider):
    name = "wordpress"
    # Comment-reply, share-button and alternate-rendering variants of one post.
    deny = (r"[?&](replytocom|share|like|amp)=", r"/amp/?$", r"/wp-admin/", r"/wp-login\.php")
