"""Blogger feeds and sitemaps: paged Atom (``start-index``/``max-results``), ``?alt=rss``,
label feeds, per-post comment feeds, the ``sitemap.xml?page=N`` index and
``sitemap-pages.xml``.

The sizes are small so that even a 30-article world has several pages of each: a page of
``DEFAULT_RESULTS`` entries, ``max-results`` capped at ``MAX_RESULTS`` (Blogger: 25 and
150), ``SITEMAP_PAGE`` URLs a sitemap page (Blogger: about 150). Like Blogger's 2015 bug
(research/platforms.md 1.4), the index lists at most ``SITEMAP_INDEX_PAGES`` pages while
``?page=N`` answers up to the last: a reader must ask for ``N + 1`` until a 404.
"""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime
from typing import TYPE_CHECKING, Protocol

from crawler.demo import _text
from crawler.demo._text import esc

if TYPE_CHECKING:
    from datetime import datetime

    from crawler.demo._comments import Comment
    from crawler.demo._model import Post

DEFAULT_RESULTS = 5
MAX_RESULTS = 7
SITEMAP_PAGE = 3
SITEMAP_INDEX_PAGES = 2
STATIC_PAGES = {"/p/gioi-thieu.html": "Giới thiệu"}
_ATOM_NS = (
    "xmlns='http://www.w3.org/2005/Atom' "
    "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
    "xmlns:blogger='http://schemas.google.com/blogger/2008' "
    "xmlns:gd='http://schemas.google.com/g/2005' "
    "xmlns:thr='http://purl.org/syndication/thread/1.0'"
)


class BlogLike(Protocol):
    base: str
    name: str
    owner: str
    blog_id: int
    labels: list[str]

    def body(self, post: Post) -> str: ...

    def modified(self, post: Post) -> datetime: ...

    def replies(self, post: Post) -> tuple[Comment, ...]: ...


def _tag(blog: BlogLike, post: Post | None = None) -> str:
    tag = f"tag:blogger.com,1999:blog-{blog.blog_id}"
    return f"{tag}.post-{post.post_id}" if post else tag


def _entry(blog: BlogLike, post: Post) -> str:
    permalink = blog.base + post.path
    when = _text.iso(post.published, millis=True)
    changed = _text.iso(blog.modified(post), millis=True)
    cats = "".join(
        f"<category scheme='http://www.blogger.com/atom/ns#' term='{esc(lb)}'/>"
        for lb in post.labels
    )
    return (
        f"<entry><id>{_tag(blog, post)}</id><published>{when}</published><updated>{changed}</updated>"
        f"{cats}<title type='text'>{esc(post.title)}</title>"
        f"<content type='html'>{esc(blog.body(post))}</content>"
        f"<link rel='replies' type='application/atom+xml' "
        f"href='{blog.base}/feeds/{post.post_id}/comments/default' title='Đăng Nhận xét'/>"
        f"<link rel='replies' type='text/html' href='{permalink}#comment-form' title='0 Nhận xét'/>"
        f"<link rel='self' type='application/atom+xml' "
        f"href='{blog.base}/feeds/posts/default/{post.post_id}'/>"
        f"<link rel='alternate' type='text/html' href='{permalink}' title='{esc(post.title)}'/>"
        f"<author><name>{esc(post.author)}</name><email>noreply@blogger.com</email></author>"
        f"<thr:total>{len(blog.replies(post))}</thr:total></entry>"
    )


def paging(query: dict[str, list[str]]) -> tuple[int, int] | None:
    """``(start, per_page)`` from ``start-index`` and ``max-results``; None if malformed."""
    start = query.get("start-index", ["1"])[0]
    per = query.get("max-results", [str(DEFAULT_RESULTS)])[0]
    if not (start.isdigit() and per.isdigit()) or int(start) < 1 or int(per) < 1:
        return None
    return int(start), min(int(per), MAX_RESULTS)


def _next_link(url: str, rss: bool, start: int, per: int, total: int) -> str:
    if start + per > total:
        return ""
    alt = "alt=rss&amp;" if rss else ""
    href = f"{url}?{alt}start-index={start + per}&amp;max-results={per}"
    if rss:
        return f"<atom:link rel='next' type='application/rss+xml' href='{href}'/>"
    return f"<link rel='next' type='application/atom+xml' href='{href}'/>"


def _open_search(total: int, start: int, per: int) -> str:
    return (
        f"<openSearch:totalResults>{total}</openSearch:totalResults>"
        f"<openSearch:startIndex>{start}</openSearch:startIndex>"
        f"<openSearch:itemsPerPage>{per}</openSearch:itemsPerPage>"
    )


def atom(blog: BlogLike, posts: list[Post], url: str, start: int, per: int) -> str:
    """One page of an Atom posts feed at ``url`` (absolute, no query)."""
    chunk = posts[start - 1 : start - 1 + per]
    updated = (
        _text.iso(max(map(blog.modified, posts)), millis=True)
        if posts
        else "2012-01-01T00:00:00.000+07:00"
    )
    cats = "".join(f"<category term='{esc(lb)}'/>" for lb in blog.labels)
    entries = "\n".join(_entry(blog, p) for p in chunk)
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><feed {_ATOM_NS}>"
        f"<id>{_tag(blog)}</id><updated>{updated}</updated>{cats}"
        f"<title type='text'>{esc(blog.name)}</title><subtitle type='html'></subtitle>"
        f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' href='{url}'/>"
        f"<link rel='self' type='application/atom+xml' "
        f"href='{url}?start-index={start}&amp;max-results={per}'/>"
        f"<link rel='alternate' type='text/html' href='{blog.base}/'/>"
        f"{_next_link(url, False, start, per, len(posts))}"
        f"<author><name>{esc(blog.owner)}</name><email>noreply@blogger.com</email></author>"
        f"<generator version='7.00'>Blogger</generator>{_open_search(len(posts), start, per)}\n"
        f"{entries}\n</feed>"
    )


def rss(blog: BlogLike, posts: list[Post], url: str, start: int, per: int) -> str:
    """The same page as RSS 2.0 (``?alt=rss``)."""
    chunk = posts[start - 1 : start - 1 + per]
    newest = max(map(blog.modified, posts)) if posts else None
    build = format_datetime(newest.astimezone(UTC), usegmt=True) if newest else ""
    items = "\n".join(
        f"<item><guid isPermaLink='false'>{_tag(blog, p)}</guid>"
        f"<pubDate>{format_datetime(p.published.astimezone(UTC), usegmt=True)}</pubDate>"
        + "".join(
            f"<category domain='http://www.blogger.com/atom/ns#'>{esc(lb)}</category>"
            for lb in p.labels
        )
        + _atom_updated(blog.modified(p), p)
        + f"<title>{esc(p.title)}</title><description>{esc(blog.body(p))}</description>"
        f"<link>{blog.base}{p.path}</link><author>noreply@blogger.com ({esc(p.author)})</author>"
        f"<thr:total>{len(blog.replies(p))}</thr:total></item>"
        for p in chunk
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0' "
        "xmlns:atom='http://www.w3.org/2005/Atom' "
        "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
        "xmlns:thr='http://purl.org/syndication/thread/1.0'><channel>"
        f"<atom:id>{_tag(blog)}</atom:id><lastBuildDate>{build}</lastBuildDate>"
        f"<title>{esc(blog.name)}</title><description></description><link>{blog.base}/</link>"
        f"<managingEditor>noreply@blogger.com ({esc(blog.owner)})</managingEditor>"
        f"<generator>Blogger</generator>{_open_search(len(posts), start, per)}"
        f"{_next_link(url, True, start, per, len(posts))}\n{items}\n</channel></rss>"
    )


def _atom_updated(modified: datetime, post: Post) -> str:
    """An edited post's ``<atom:updated>`` in the RSS feed (none for the others)."""
    if modified == post.published:
        return ""
    return f"<atom:updated>{_text.iso(modified, millis=True)}</atom:updated>"


def single_entry(blog: BlogLike, post: Post) -> str:
    return f"<?xml version='1.0' encoding='UTF-8'?>{_entry(blog, post).replace('<entry>', f'<entry {_ATOM_NS}>', 1)}"


def comments(blog: BlogLike, post: Post) -> str:
    url = f"{blog.base}/feeds/{post.post_id}/comments/default"
    when = _text.iso(post.published, millis=True)
    replies = blog.replies(post)
    entries = "".join(
        f"<entry><id>{_tag(blog)}.post-{c.id}</id>"
        f"<published>{_text.iso(c.when, millis=True)}</published>"
        f"<title type='text'>{esc(c.text[:40])}</title><content type='html'>{esc(c.text)}</content>"
        f"<link rel='alternate' type='text/html' "
        f"href='{blog.base}{post.path}?showComment={c.millis}#c{c.id}'/>"
        f"<author><name>{esc(c.author)}</name></author></entry>"
        for c in replies
    )
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><feed {_ATOM_NS}>"
        f"<id>{_tag(blog)}.post{post.post_id}..comments</id><updated>{when}</updated>"
        f"<title type='text'>Nhận xét về {esc(post.title)}</title>"
        f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' href='{url}'/>"
        f"<link rel='self' type='application/atom+xml' href='{url}'/>"
        f"<link rel='alternate' type='text/html' href='{blog.base}{post.path}'/>"
        f"<author><name>{esc(blog.owner)}</name><email>noreply@blogger.com</email></author>"
        f"<generator version='7.00'>Blogger</generator>"
        f"{_open_search(len(replies), 1, DEFAULT_RESULTS)}{entries}</feed>"
    )


def sitemap_index(blog: BlogLike, posts: list[Post]) -> str:
    pages = min(SITEMAP_INDEX_PAGES, max(1, -(-len(posts) // SITEMAP_PAGE)))
    entries = "".join(
        f"<sitemap><loc>{blog.base}/sitemap.xml?page={n}</loc></sitemap>"
        for n in range(1, pages + 1)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{entries}</sitemapindex>"
    )


def sitemap_page(blog: BlogLike, posts: list[Post], page: int) -> str | None:
    chunk = posts[(page - 1) * SITEMAP_PAGE : page * SITEMAP_PAGE]
    if page < 1 or not chunk:
        return None
    urls = "".join(
        f"<url><loc>{blog.base}{p.path}</loc>"
        f"<lastmod>{blog.modified(p).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</lastmod></url>"
        for p in chunk
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"
    )


def sitemap_pages(blog: BlogLike, updated: Post) -> str:
    """``/sitemap-pages.xml``: the blog's static pages (``/p/<slug>.html``)."""
    when = f"{updated.published.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    urls = "".join(
        f"<url><loc>{blog.base}{path}</loc><lastmod>{when}</lastmod></url>" for path in STATIC_PAGES
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"
    )
