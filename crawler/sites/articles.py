"""Which captured pages hold an article: the rule the spiders and ``archivist extract`` share.

On a blog platform the URL decides first: Blogger post pages (``/YYYY/MM/slug.html``)
and WordPress single posts (``/YYYY/MM/DD/slug/``) are articles. Their listing pages
carry BlogPosting markup for every post they list, so that markup never decides there.
WordPress lets a blog choose its permalinks (``/slug/``, ``/news/slug/``,
``/index.php/2019/slug/``; four of the six real WordPress posts in
tests/archive/text/real_pages), so a WordPress page is also an article when WordPress
itself says it shows one post: ``body_class()`` writes ``single-post`` (Hybrid themes
``singular-post``) and ``postid-N`` on a single post and on nothing else, and the REST
API link of a single post names ``/wp/v2/posts/N``. On a news site
a page is an article when its URL matches the source's ``article_patterns`` or when
the page says so itself: ``og:type=article`` or a JSON-LD Article / NewsArticle.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["FAMILY_ARTICLE_PATTERNS", "ArticleRule"]

FAMILY_ARTICLE_PATTERNS: dict[str, tuple[str, ...]] = {
    "news": (),
    "blogger": (r"^https?://[^/]+/\d{4}/\d{2}/[^/?#]+\.html$",),
    "wordpress": (r"^https?://[^/]+/\d{4}/\d{2}/\d{2}/[^/?#]+/$",),
}
_WP_SINGLE = re.compile(r"(?:^|\s)(?:single-post|singular-post|postid-\d+)(?:\s|$)")
_WP_POST_API = re.compile(r"/wp/v2/posts/\d+")
_LD_ARTICLE = re.compile(r'"@type"\s*:\s*"(?:News|Blog|Scholarly)?(?:Article|Posting)"')


class ArticleRule:
    """``rule.matches(url, root)`` for one source: its patterns plus its family's.

    For family ``auto`` each page's own head markers pick the family's rule.
    """

    def __init__(self, family: str, patterns: tuple[str, ...] = ()) -> None:
        self._by_page: dict[str, ArticleRule] | None = None
        if family == "auto":
            self._by_page = {name: ArticleRule(name, patterns) for name in FAMILY_ARTICLE_PATTERNS}
        family_patterns = FAMILY_ARTICLE_PATTERNS.get(family, ())
        every = (*patterns, *family_patterns)
        self._urls = re.compile("|".join(every)) if every else None
        self._url_decides = bool(family_patterns)
        self._wordpress = family == "wordpress"

    def matches(self, url: str, root: HtmlElement) -> bool:
        if self._by_page is not None:
            from crawler.sites.families import detect_family  # noqa: PLC0415 - feedparser, only for auto

            return self._by_page[detect_family(root)].matches(url, root)
        if self._urls is not None and self._urls.search(url):
            return True
        if self._wordpress:
            return _wordpress_single_post(root)
        if self._url_decides:
            return False
        og = " ".join(str(v) for v in root.xpath("//meta[@property='og:type']/@content"))
        if "article" in og.lower():
            return True
        scripts = " ".join(
            str(s) for s in root.xpath("//script[@type='application/ld+json']/text()")
        )
        return bool(_LD_ARTICLE.search(scripts))


def _wordpress_single_post(root: HtmlElement) -> bool:
    """Whether WordPress says the page shows one post (``body_class()``, the REST link)."""
    classes = " ".join(str(c) for c in root.xpath("//body/@class"))
    if _WP_SINGLE.search(classes):
        return True
    links = root.xpath("//link[@rel='alternate'][@type='application/json']/@href")
    return any(_WP_POST_API.search(str(href)) for href in links)
