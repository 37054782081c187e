"""The demo world: five deterministic Vietnamese web sites standing in for the real web.

* ``thoisu.test``: "Báo Thời Sự", the source news site, plus the archiver-breaking cases;
* ``nhipcau.blogspot.test``: a classic-layout Blogger blog reposting every 3rd article and
  the seed repost (``data/blogger-repost.txt``);
* ``tiengdan.blogspot.test``: a newer-theme Blogger blog reposting every 4th article;
* ``goc-nhin.test``: a WordPress blog reposting every 5th article;
* ``dien-dan.test``: a WordPress blog reposting every 6th article, whose robots.txt forbids
  the API and the feed and whose ``/wp-json/`` answers 403 (only its sitemap lists posts).

What a discovery crawler must cope with, on every site: hidden posts (about one in seven,
linked from no HTML page but listed in feeds, sitemaps and the API: ``hidden_urls``),
lists paged in small pages, duplicate variants of each post linked from its pages
(``variant_urls``), crawl traps without end (``trap_patterns``) and paths robots.txt
forbids yet the pages link to (``forbidden``).

Construction computes only ids, slugs, titles and dates; a page is rendered when asked
for (``World.respond``) and a few hundred are kept in an LRU cache. Same arguments, same
bytes: nothing reads the clock or an unseeded random source.

Between crawls a test may change the world (``edit``, ``delete``, ``restore``, ``add``,
``tick``): every page and list shows the change at once, and the same calls give the
same bytes.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.demo import _chrome, _news_feeds, _response, _traps, _variants
from crawler.demo._blogger import SEED_KEY, BloggerBlog
from crawler.demo._blogger_routes import FORBIDDEN as BLOGGER_FORBIDDEN
from crawler.demo._cases import CaseRoutes, case_paths
from crawler.demo._changes import Changes
from crawler.demo._model import (
    MAX_SIZE,
    NEWS_HOST,
    Article,
    BlogSpec,
    make_articles,
    pick_hidden,
)
from crawler.demo._news import NewsSite
from crawler.demo._wordpress import WordPressBlog
from crawler.demo._world_changes import WorldChangesMixin

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.demo._response import Response

__all__ = ["BLOGGER_CLASSIC", "BLOGGER_MODERN", "DIEN_DAN", "NEWS", "WORDPRESS", "World"]

NEWS = NEWS_HOST
BLOGGER_CLASSIC = "nhipcau.blogspot.test"
BLOGGER_MODERN = "tiengdan.blogspot.test"
WORDPRESS = "goc-nhin.test"
DIEN_DAN = "dien-dan.test"
_SPECS = {
    BLOGGER_CLASSIC: BlogSpec(BLOGGER_CLASSIC, "Nhịp Cầu", "Nhịp Cầu", 3, 0, 3, "theo"),
    BLOGGER_MODERN: BlogSpec(BLOGGER_MODERN, "Tiếng Dân", "Dân Thường", 4, 1, 3, "nguon"),
    WORDPRESS: BlogSpec(WORDPRESS, "Góc Nhìn", "Lê Khải", 5, 2, 3, "nguon"),
    DIEN_DAN: BlogSpec(DIEN_DAN, "Diễn Đàn", "Hồng Quân", 6, 3, 2, "nguon"),
}
_PAGE_OVERHEAD = 3000  # bytes of an article page that are not body paragraphs
_LINK_BYTES = 150  # bytes per related-article list item


class World(WorldChangesMixin):
    """A deterministic set of sites; ``size`` is the number of news articles.

    Tests change it between crawls with ``edit``, ``delete``, ``restore``, ``add`` and
    ``tick`` (``_world_changes``).
    """

    def __init__(
        self,
        size: int = 30,
        *,
        seed: int = 2012,
        page_bytes: int | None = None,
        links_per_page: int | None = None,
        slow_delay: float = 1.5,
        large_bytes: int = 3 * 1024 * 1024,
    ) -> None:
        _check(size, slow_delay, large_bytes)
        self.size, self.seed = size, seed
        self.page_bytes, self.links_per_page = page_bytes, links_per_page or 0
        self.slow_delay, self.large_bytes = slow_delay, large_bytes
        links = _LINK_BYTES * (links_per_page or 5)
        self.body_bytes = max(0, page_bytes - _PAGE_OVERHEAD - links) if page_bytes else 0
        self.articles: list[Article] = make_articles(size, seed)
        self.hidden_news = _hidden_news(size)
        """Indices of the articles only the sitemaps and RSS feeds name."""
        self.changes = Changes()
        """What ``edit``, ``delete``, ``add`` and ``tick`` changed since construction."""
        self._build()
        self.respond: Callable[[str, str], Response | None]
        self.respond = functools.lru_cache(maxsize=256)(self._respond)

    def _build(self) -> None:
        """The sites, from the articles and the changes so far (cheap: no page is rendered)."""
        self.news = NewsSite(self)
        self._cases = CaseRoutes(self, self.news)
        self._news_traps = _traps.NewsTraps(self.news.visible)
        self.blogger_classic = BloggerBlog(
            self, _SPECS[BLOGGER_CLASSIC], modern=False, seed_post=True
        )
        self.blogger_modern = BloggerBlog(
            self, _SPECS[BLOGGER_MODERN], modern=True, seed_post=False
        )
        self.wordpress = WordPressBlog(
            self, _SPECS[WORDPRESS], tagline="Góc nhìn thời sự của một người đọc báo"
        )
        self.dien_dan = WordPressBlog(
            self, _SPECS[DIEN_DAN], tagline="Diễn đàn của người đọc báo", locked=True
        )
        self._blogs: dict[str, BloggerBlog | WordPressBlog] = {
            BLOGGER_CLASSIC: self.blogger_classic,
            BLOGGER_MODERN: self.blogger_modern,
            WORDPRESS: self.wordpress,
            DIEN_DAN: self.dien_dan,
        }

    def _changed(self) -> None:
        """Rebuild the sites and forget every rendered page: the change shows at once."""
        self._build()
        self.respond.cache_clear()  # type: ignore[attr-defined]

    @property
    def hosts(self) -> list[str]:
        return [NEWS, BLOGGER_CLASSIC, BLOGGER_MODERN, WORDPRESS, DIEN_DAN]

    @property
    def seeds(self) -> dict[str, list[str]]:
        """Host -> seed URLs (the home page)."""
        return {host: [f"http://{host}/"] for host in self.hosts}

    @property
    def cases(self) -> dict[str, str]:
        """Case name -> absolute URL on thoisu.test (see ``_cases.case_paths``)."""
        return {name: f"http://{NEWS}{path}" for name, path in case_paths(self.articles[0]).items()}

    @property
    def seed_repost_url(self) -> str:
        """The nhipcau post that reproduces ``data/blogger-repost.txt``."""
        return f"http://{BLOGGER_CLASSIC}{self.blogger_classic.by_key[SEED_KEY].path}"

    def article_urls(self, host: str) -> list[str]:
        """Every article (news) or post (blogs) URL of ``host`` served now, oldest first."""
        if host == NEWS:
            return [art.url for art in self.news.articles]
        return [f"http://{host}{post.path}" for post in reversed(self._blog(host).posts)]

    def hidden_urls(self, host: str) -> list[str]:
        """Posts of ``host`` linked from no HTML page (only feeds, sitemaps, API), oldest first."""
        if host == NEWS:
            return [a.url for a in self.news.articles if a.index in self.hidden_news]
        blog = self._blog(host)
        return [f"http://{host}{p.path}" for p in reversed(blog.posts) if p.key in blog.hidden]

    def variant_urls(self, host: str) -> list[str]:
        """Variants of one visible post that its pages link to, as a client would request
        them (fragment dropped, ``&`` plain): each is a duplicate of the post if fetched.

        Links that differ from the post only by a fragment (``#more``, ``#comment-form``) are
        not requests and are left out. Those on hosts the server does not serve
        (``https://www.blogger.com/...``, ``<blog>.blogspot.com.vn``) are included.
        """
        if host == NEWS:
            linked = _variants.news_urls(self.news.newest[0])
            post_url = self.news.newest[0].url
        else:
            blog = self._blog(host)
            post = next(p for p in blog.visible if blog.replies(p))
            post_url = f"http://{host}{post.path}"
            if isinstance(blog, BloggerBlog):
                linked = _variants.blogger_urls(host, blog.blog_id, post, blog.replies(post))
            else:
                linked = _variants.wordpress_urls(blog.base, post, blog.replies(post))
        requested = (url.partition("#")[0] for url in linked)
        return list(dict.fromkeys(u for u in requested if u != post_url))

    def trap_patterns(self, host: str) -> list[str]:
        """Regular expressions (for ``re.search`` on absolute URLs) matching every trap URL
        linked from ``host``'s pages, the never-served hosts included."""
        family = "news" if host == NEWS else self.family(host)
        return _traps.patterns(host, family)

    def forbidden(self, host: str) -> list[str]:
        """The ``Disallow:`` values of ``host``'s robots.txt for ``User-agent: *``, in order."""
        if host == NEWS:
            return list(_news_feeds.FORBIDDEN)
        blog = self._blog(host)
        return list(BLOGGER_FORBIDDEN if isinstance(blog, BloggerBlog) else blog.forbidden)

    def family(self, host: str) -> str:
        """``news``, ``blogger`` or ``wordpress``."""
        if host == NEWS:
            return "news"
        return "blogger" if isinstance(self._blog(host), BloggerBlog) else "wordpress"

    def _blog(self, host: str) -> BloggerBlog | WordPressBlog:
        blog = self._blogs.get(host)
        if blog is None:
            raise KeyError(f"not a demo host: {host!r}")
        return blog

    def reposts(self, host: str) -> dict[str, str]:
        """Blog post URL -> URL of the news article it reposts, for one blog host."""
        blog = self._blogs[host]
        return {f"http://{host}{p.path}": p.source.url for p in blog.posts if p.source is not None}

    def url_response(self, url: str) -> Response | None:
        """``respond`` for an absolute ``http://host/path?query`` URL."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return self.respond(parts.hostname or "", target)

    def _respond(self, host: str, target: str) -> Response | None:
        """The response for ``target`` (path and query) on ``host``; None for an unknown host."""
        found = self._route(host, target)
        stamp = self.changes.stamp
        return _chrome.stamped(found, stamp) if found is not None and stamp else found

    def _route(self, host: str, target: str) -> Response | None:
        path, _, query = target.partition("?")
        how = self.changes.deleted.get(f"http://{host}{path}")
        if how is not None:
            site = self.news if host == NEWS else self._blog(host)
            return _chrome.removed(how, host, site.server, site.notice)
        if host == NEWS:
            found = (
                self._news_traps.respond(path, query)
                or self._cases.respond(path, query)
                or _news_feeds.respond(self.news, path)
                or self.news.respond(path, query)
            )
            return found or _response.not_found()
        blog = self._blogs.get(host)
        if blog is not None:
            return blog.respond(path, query) or _response.not_found(blog.server)
        return None


def _check(size: int, slow_delay: float, large_bytes: int) -> None:
    if not 1 <= size <= MAX_SIZE:
        raise ValueError(f"size must be between 1 and {MAX_SIZE}, got {size}")
    if slow_delay < 0:
        raise ValueError(f"slow_delay must not be negative, got {slow_delay}")
    if large_bytes < 1024:
        raise ValueError(f"large_bytes must be at least 1024, got {large_bytes}")


def _hidden_news(size: int) -> frozenset[int]:
    """About one article in seven, none that a blog reposts (a credit would link it) nor
    the first (the redirect case leads to it)."""
    reposted = {i for spec in _SPECS.values() for i in range(spec.offset, size, spec.every)}
    return pick_hidden([i for i in range(1, size) if i not in reposted], size)
