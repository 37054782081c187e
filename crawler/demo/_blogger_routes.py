"""The Blogger routes that are not post pages: feeds, sitemaps, robots.txt, images, search.

``/search`` (paging with ``updated-max``, newer pages with ``reverse-paginate=true``, labels
with ``start``/``by-date``, ``?q=`` queries that suggest longer queries) is a trap that
robots.txt forbids; every page of it links more of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus, unquote

from crawler.demo import _blogger_feeds as feeds
from crawler.demo import _blogger_html as markup
from crawler.demo import _media, _response, _text

if TYPE_CHECKING:
    from crawler.demo._blogger import BloggerBlog
    from crawler.demo._model import Post
    from crawler.demo._response import Response

SERVER = "GSE"
ATOM = "application/atom+xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
FORBIDDEN = ("/search", "/share-widget")
_QUERY_WORDS = ("quốc hội", "bầu cử", "kinh tế", "tin mới", "dân sinh")


def robots(blog: BloggerBlog) -> Response:
    disallow = "".join(f"Disallow: {p}\n" for p in FORBIDDEN)
    return _response.text(
        "User-agent: Mediapartners-Google\nDisallow: \n\nUser-agent: *\n"
        f"{disallow}Allow: /\n\nSitemap: {blog.base}/sitemap.xml\n",
        server=SERVER,
    )


def misc(blog: BloggerBlog, path: str, params: dict[str, list[str]]) -> Response | None:
    if path == "/sitemap.xml" and "page" in params:
        page = params["page"][0]
        text = feeds.sitemap_page(blog, blog.posts, int(page)) if page.isdigit() else None
        return _response.xml(text, server=SERVER) if text else None
    if path in feeds.STATIC_PAGES:
        return blog.static_page(path)
    fixed = {
        "/robots.txt": lambda: robots(blog),
        "/sitemap.xml": lambda: _response.xml(feeds.sitemap_index(blog, blog.posts), server=SERVER),
        "/sitemap-pages.xml": lambda: _response.xml(
            feeds.sitemap_pages(blog, blog.posts[-1]), server=SERVER
        ),
        "/static/v1/widgets/css_bundle_v2.css": lambda: _response.data(
            markup.CSS.encode(), "text/css", server=SERVER
        ),
        "/favicon.ico": lambda: _response.data(
            _media.gif(blog.spec.host), "image/gif", server=SERVER
        ),
    }
    return fixed[path]() if path in fixed else None


def images(blog: BloggerBlog, path: str) -> Response | None:
    if path == "/images/header.png":
        return _response.data(_media.png(f"{blog.spec.host}/header"), "image/png", server=SERVER)
    parts = path.split("/")
    if len(parts) == 4 and parts[2] in {"s320", "s1600"} and parts[3].endswith(".jpg"):
        key = parts[3].removesuffix(".jpg")
        if key in blog.by_key:
            body = _media.jpeg(f"{blog.spec.host}/{key}", 4 if parts[2] == "s320" else 8, 3)
            return _response.data(body, "image/jpeg", server=SERVER)
    return None


def search(blog: BloggerBlog, path: str, params: dict[str, list[str]]) -> Response | None:
    posts, base, title = blog.visible, f"{blog.base}/search?", blog.name
    per, label_page = blog.home_posts, False
    if path.startswith("/search/label/"):
        label = _text.nfc(unquote(path.removeprefix("/search/label/")))
        if label not in blog.labels:
            return None
        posts = [p for p in posts if label in p.labels]
        base, title, per, label_page = f"{blog.base}{path}?", f"{blog.name}: {label}", 20, True
    elif path != "/search":
        return None
    if "q" in params:
        return query(blog, _text.nfc(params["q"][0].strip()))
    if "max-results" in params:
        per = int(params["max-results"][0]) if params["max-results"][0].isdigit() else per
    if "updated-max" in params:
        try:
            mark = datetime.fromisoformat(params["updated-max"][0].replace(" ", "+"))
        except ValueError:
            return None
        newer = params.get("reverse-paginate") == ["true"]
        posts = [p for p in posts if (p.published > mark if newer else p.published < mark)]
        posts = posts[-max(1, per) :] if newer else posts
    return blog.listing(posts, max(1, per), title, base, paged=True, by_date=not label_page)


def query(blog: BloggerBlog, words: str) -> Response:
    """``/search?q=``: matching posts, and longer queries to try (without end)."""
    found = [p for p in blog.visible if words and words.lower() in p.title.lower()]
    more = [f"{words} {w}".strip() for w in _QUERY_WORDS[:3]]
    links = "".join(
        f"<li><a href='{blog.base}/search?q={quote_plus(q)}'>{_text.esc(q)}</a></li>" for q in more
    )
    return blog.listing(
        found,
        max(1, len(found)),
        f"{blog.name}: tìm “{words}”",
        f"{blog.base}/search?",
        extra=f"<div class='status-msg-wrap'><ul class='related-searches'>{links}</ul></div>",
    )


def feed_route(blog: BloggerBlog, path: str, params: dict[str, list[str]]) -> Response | None:
    parts = unquote(path).strip("/").split("/")
    if len(parts) == 4:
        return _feed_item(blog, parts)
    selected = _feed_posts(blog, parts)
    page = feeds.paging(params)
    alt = params.get("alt", ["atom"])[0]
    if selected is None or page is None or alt not in {"atom", "rss"}:
        return None
    url, posts = selected
    if alt == "rss":
        return _response.xml(feeds.rss(blog, posts, url, *page), RSS, SERVER)
    return _response.xml(feeds.atom(blog, posts, url, *page), ATOM, SERVER)


def _feed_item(blog: BloggerBlog, parts: list[str]) -> Response | None:
    """A post's comment feed, or one post as an Atom entry."""
    if parts[2:] == ["comments", "default"] and parts[1] in blog.by_id:
        return _response.xml(feeds.comments(blog, blog.by_id[parts[1]]), ATOM, SERVER)
    if parts[:3] == ["feeds", "posts", "default"] and parts[3] in blog.by_id:
        return _response.xml(feeds.single_entry(blog, blog.by_id[parts[3]]), ATOM, SERVER)
    return None


def _feed_posts(blog: BloggerBlog, parts: list[str]) -> tuple[str, list[Post]] | None:
    """The feed URL and its posts: the whole blog, or one label (``/-/<Label>``)."""
    url = f"{blog.base}/feeds/posts/default"
    if parts == ["feeds", "posts", "default"]:
        return url, blog.posts
    label = _text.nfc(parts[-1])
    if (
        len(parts) != 5
        or parts[:4] != ["feeds", "posts", "default", "-"]
        or label not in blog.labels
    ):
        return None
    return f"{url}/-/{quote(label)}", [p for p in blog.posts if label in p.labels]
