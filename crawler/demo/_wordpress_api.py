"""The WordPress blogs' machine-readable endpoints: ``/feed/``, the REST API, the sitemaps.

``/feed/?paged=N`` holds ``FEED_PAGE`` posts a page (WordPress: ``posts_per_rss``, 10; 404
past the end); ``/wp-json/wp/v2/posts`` takes ``per_page`` (1 to ``MAX_PER_PAGE``, 100 as in
WordPress; more is a 400) and ``page`` and answers ``X-WP-Total``/``X-WP-TotalPages``; the
core sitemap index ``/wp-sitemap.xml`` lists ``/wp-sitemap-posts-post-N.xml`` of
``SITEMAP_PAGE`` URLs each (WordPress: ``wp_sitemaps_max_urls``, 2,000). Small sizes, so a
30-article world already needs several pages of each.
"""

from __future__ import annotations

import json
from datetime import UTC
from email.utils import format_datetime
from typing import TYPE_CHECKING

from crawler.demo import _response, _text
from crawler.demo._response import Response
from crawler.demo._text import esc

if TYPE_CHECKING:
    from datetime import datetime

    from crawler.demo._model import Post
    from crawler.demo._response import Headers
    from crawler.demo._wordpress import WordPressBlog

VERSION = "6.4.2"
PER_PAGE = 10  # posts on an HTML listing page
FEED_PAGE = 4
MAX_PER_PAGE = 100
SITEMAP_PAGE = 3


def feed(blog: WordPressBlog, page: int) -> Response | None:
    chunk = blog.posts[(page - 1) * FEED_PAGE : page * FEED_PAGE]
    if page < 1 or not chunk:
        return None
    items = "\n".join(
        f"<item><title>{esc(p.title)}</title><link>{blog.base}{p.path}</link>"
        f"<comments>{blog.base}{p.path}#respond</comments>"
        f"<dc:creator><![CDATA[{p.author}]]></dc:creator>"
        f"<pubDate>{format_datetime(p.published.astimezone(UTC), usegmt=True)}</pubDate>"
        f"{_atom_updated(blog.modified(p), p)}"
        f"<category><![CDATA[{p.labels[0]}]]></category>"
        f'<guid isPermaLink="false">{blog.base}/?p={p.post_id}</guid>'
        f"<description><![CDATA[{blog.excerpt(p)}]]></description>"
        f"<content:encoded><![CDATA[{blog.body(p)}]]></content:encoded>"
        "<slash:comments>0</slash:comments></item>"
        for p in chunk
    )
    newest = max(map(blog.modified, blog.posts))
    build = format_datetime(newest.astimezone(UTC), usegmt=True)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/">\n<channel>\n'
        f"<title>{esc(blog.name)}</title>"
        f'<atom:link href="{blog.base}/feed/" rel="self" type="application/rss+xml" />'
        f"<link>{blog.base}</link><description>{esc(blog.tagline)}</description>"
        f"<lastBuildDate>{build}</lastBuildDate><language>vi</language>"
        f"<generator>https://wordpress.org/?v={VERSION}</generator>\n{items}\n</channel>\n</rss>\n"
    )
    return _response.xml(text, "application/rss+xml; charset=UTF-8")


def _atom_updated(modified: datetime, post: Post) -> str:
    """An edited post's ``<atom:updated>`` (WordPress's RSS has none; the demo's tells)."""
    if modified == post.published:
        return ""
    return f"<atom:updated>{_text.iso(modified)}</atom:updated>"


def rest_post(blog: WordPressBlog, post: Post) -> dict[str, object]:
    local, utc = (
        post.published.replace(tzinfo=None),
        post.published.astimezone(UTC).replace(tzinfo=None),
    )
    changed = blog.modified(post)
    changed_local, changed_utc = (
        changed.replace(tzinfo=None),
        changed.astimezone(UTC).replace(tzinfo=None),
    )
    slug = post.path.rstrip("/").rsplit("/", 1)[1]
    cat_ids = sorted(blog.categories)
    return {
        "id": post.post_id,
        "date": local.isoformat(),
        "date_gmt": utc.isoformat(),
        "guid": {"rendered": f"{blog.base}/?p={post.post_id}"},
        "modified": changed_local.isoformat(),
        "modified_gmt": changed_utc.isoformat(),
        "slug": slug,
        "status": "publish",
        "type": "post",
        "link": blog.base + post.path,
        "title": {"rendered": esc(post.title)},
        "content": {"rendered": blog.body(post), "protected": False},
        "excerpt": {"rendered": f"<p>{esc(blog.excerpt(post))}</p>\n", "protected": False},
        "author": 1,
        "categories": [cat_ids.index(blog.category(post)[0]) + 1],
        "tags": [],
    }


def rest_posts(blog: WordPressBlog, params: dict[str, list[str]]) -> Response:
    per, page = params.get("per_page", ["10"])[0], params.get("page", ["1"])[0]
    if not (per.isdigit() and 1 <= int(per) <= MAX_PER_PAGE):
        return _rest_error(400, "rest_invalid_param", "Tham số không hợp lệ: per_page")
    total = len(blog.posts)
    pages = -(-total // int(per))
    if not page.isdigit() or not 1 <= int(page) <= max(1, pages):
        return _rest_error(
            400, "rest_post_invalid_page_number", "Số trang yêu cầu lớn hơn số trang hiện có."
        )
    n, size = int(page), int(per)
    items = [rest_post(blog, p) for p in blog.posts[(n - 1) * size : n * size]]
    links = []
    if n < pages:
        links.append(f'<{blog.base}/wp-json/wp/v2/posts?per_page={size}&page={n + 1}>; rel="next"')
    if n > 1:
        links.append(f'<{blog.base}/wp-json/wp/v2/posts?per_page={size}&page={n - 1}>; rel="prev"')
    headers: Headers = (("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages)))
    headers += (("Link", ", ".join(links)),) if links else ()
    return _response.as_json(items, headers)


def sitemap(blog: WordPressBlog, name: str) -> Response | None:
    pages = max(1, -(-len(blog.posts) // SITEMAP_PAGE))
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    if name == "wp-sitemap.xml":
        entries = "".join(
            f"<sitemap><loc>{blog.base}/wp-sitemap-posts-post-{n}.xml</loc></sitemap>"
            for n in range(1, pages + 1)
        )
        return _response.xml(
            f'{head}<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n'
        )
    number = name.removeprefix("wp-sitemap-posts-post-").removesuffix(".xml")
    if not number.isdigit() or not 1 <= int(number) <= pages:
        return None
    n = int(number)
    urls = "".join(
        f"<url><loc>{blog.base}{p.path}</loc><lastmod>{_text.iso(blog.modified(p))}</lastmod></url>"
        for p in blog.posts[(n - 1) * SITEMAP_PAGE : n * SITEMAP_PAGE]
    )
    return _response.xml(
        f'{head}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
    )


def rest(blog: WordPressBlog, path: str, params: dict[str, list[str]]) -> Response | None:
    if path == "/wp-json/":
        root = {
            "name": blog.name,
            "url": blog.base,
            "home": blog.base,
            "namespaces": ["wp/v2"],
            "routes": {"/wp/v2/posts": {"methods": ["GET"]}},
        }
        return _response.as_json(root)
    if path == "/wp-json/wp/v2/posts":
        return rest_posts(blog, params)
    number = path.removeprefix("/wp-json/wp/v2/posts/")
    post = blog.by_id.get(int(number)) if number.isdigit() else None
    return _response.as_json(rest_post(blog, post)) if post else None


def _rest_error(status: int, code: str, message: str) -> Response:
    body = json.dumps(
        {"code": code, "message": message, "data": {"status": status}}, ensure_ascii=False
    )
    headers = (("Server", "nginx"), ("Content-Type", "application/json; charset=UTF-8"))
    return Response(status, headers, body.encode())


def forbidden() -> Response:
    """What a security plugin answers for ``/wp-json/`` on a locked blog."""
    return _rest_error(403, "rest_disabled", "API REST đã bị tắt trên trang này.")
