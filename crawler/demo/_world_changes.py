"""``World``'s change API: what tests do to the demo world between two crawls.

Edit an article, delete one (four ways) and restore it, add one, or change only the
timestamp in every page's chrome. Each change rebuilds the sites from ``World.changes``
and empties the response cache, so the next request sees it. Nothing reads the clock:
the same calls give the same bytes. Not thread-safe: change the world between crawls,
not while the server answers one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.demo._changes import (
    DELETE_HOWS,
    added_article,
    added_post,
    local_time,
    next_time,
)
from crawler.demo._model import NEWS_HOST, blogger_path, wordpress_path

if TYPE_CHECKING:
    from datetime import datetime

    from crawler.demo._blogger import BloggerBlog
    from crawler.demo._changes import Changes
    from crawler.demo._model import Article
    from crawler.demo._news import NewsSite
    from crawler.demo._wordpress import WordPressBlog


class WorldChangesMixin:
    """``edit``, ``delete``, ``restore``, ``add`` and ``tick``, mixed into ``World``."""

    # Provided by World.
    seed: int
    size: int
    articles: list[Article]
    news: NewsSite
    changes: Changes

    def article_urls(self, host: str) -> list[str]:
        raise NotImplementedError

    def family(self, host: str) -> str:
        raise NotImplementedError

    def _blog(self, host: str) -> BloggerBlog | WordPressBlog:
        raise NotImplementedError

    def _changed(self) -> None:
        raise NotImplementedError

    def edit(self, url: str, new_paragraph: str, at: datetime) -> None:
        """Append ``new_paragraph`` to the body of the article or post at ``url`` and make
        ``at`` (aware; shown to the second) its modified time: on its page (JSON-LD,
        ``article:modified_time``, ``Last-Modified`` where the page has them) and in every
        list that names it (sitemap ``<lastmod>``, Atom ``<updated>``, RSS
        ``<atom:updated>``, WordPress REST ``modified``/``modified_gmt``). Title, author
        and publication time stay. Edit again to append another paragraph."""
        self._served(url)
        self.changes.edit(url, new_paragraph, at)
        self._changed()

    def delete(self, url: str, how: str = "404") -> None:
        """Take the article or post at ``url`` down: it answers ``404``, ``410``, a
        redirect to its site's home page (``home``) or a 200 page that says "Bài viết
        không tồn tại hoặc đã bị gỡ bỏ." (``soft``), and leaves every list and page."""
        if how not in DELETE_HOWS:
            raise ValueError(f"how must be one of {', '.join(DELETE_HOWS)}, not {how!r}")
        self._served(url)
        self.changes.deleted[url] = how
        self._changed()

    def restore(self, url: str) -> None:
        """Undo ``delete``: the item is served and listed again, edits kept."""
        if self.changes.deleted.pop(url, None) is None:
            raise KeyError(f"not a deleted article: {url!r}")
        self._changed()

    def add(self, host: str, at: datetime | None = None) -> str:
        """Publish a new article (news) or post (blogs) on ``host`` at ``at``, or a few
        hours after the newest one there; it is listed first. Returns its URL."""
        when = local_time(at) if at is not None else None
        if host == NEWS_HOST:
            added = self.changes.articles
            newest = max(a.published for a in (*self.articles, *added))
            when = when or next_time(self.seed, host, len(added), newest)
            article = added_article(self.seed, self.size + len(added), when)
            added.append(article)
            self._changed()
            return article.url
        blog = self._blog(host)
        posts = self.changes.posts.setdefault(host, [])
        every = (*blog.generated, *posts)
        when = when or next_time(self.seed, host, len(posts), max(p.published for p in every))
        path_for = blogger_path if self.family(host) == "blogger" else wordpress_path
        taken = {p.path for p in every}
        post = added_post(
            blog.spec,
            self.seed,
            len(posts),
            when,
            path_for=path_for,
            taken=taken,
            number=len(every),
        )
        posts.append(post)
        self._changed()
        return f"http://{host}{post.path}"

    def tick(self, stamp: str) -> None:
        """Show "Cập nhật lúc <stamp>" in the footer of every HTML page; nothing else
        changes (not the article, not what the extractor keeps). ``tick("")`` removes it."""
        self.changes.stamp = stamp or None
        self._changed()

    def _served(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        if url not in self.article_urls(host):
            raise KeyError(f"not an article or post served now: {url!r}")
