"""The WordPress 6.x blogs (Twenty Twelve-like markup): goc-nhin.test and dien-dan.test.

Posts at ``/YYYY/MM/DD/<slug>/`` (also ``amp/``, ``comment-page-N/`` and any query: the same
post); ``/feed/`` (``?paged=N``), the REST API (``/wp-json/wp/v2/posts?per_page=&page=``
with ``X-WP-Total``/``X-WP-TotalPages``), the core sitemap (``/wp-sitemap.xml``) and
``/?p=<id>`` shortlinks that redirect. A ``locked`` blog (dien-dan.test) has the Vietnamese
robots.txt template that forbids the API, the feed, ``?p=`` and ``?replytocom=``, and its
``/wp-json/`` answers 403: only its sitemap and its pages list its posts.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from crawler.demo import _media, _response, _text
from crawler.demo import _wordpress_api as api
from crawler.demo import _wordpress_html as markup
from crawler.demo._changes import SOFT_TITLE, served
from crawler.demo._comments import comments_for
from crawler.demo._model import NEWS_NAME, make_posts, pick_hidden, wordpress_path
from crawler.demo._news import article_text
from crawler.demo._text import esc
from crawler.demo._wordpress_api import PER_PAGE

if TYPE_CHECKING:
    from datetime import datetime

    from crawler.demo._comments import Comment
    from crawler.demo._model import BlogSpec, Post
    from crawler.demo._response import Response
    from crawler.demo.world import World

FORBIDDEN = ("/wp-admin/", "/?s=")
LOCKED_FORBIDDEN = ("/wp-admin/", "/wp-json/", "/feed/", "/*?p=*", "/*?replytocom=*", "/?s=")


class WordPressBlog:
    def __init__(self, world: World, spec: BlogSpec, *, tagline: str, locked: bool = False) -> None:
        self.world, self.spec, self.tagline, self.locked = world, spec, tagline, locked
        self.base, self.name = f"http://{spec.host}", spec.name
        self.server = "nginx"
        self.forbidden = LOCKED_FORBIDDEN if locked else FORBIDDEN
        generated = make_posts(spec, world.articles, world.seed, wordpress_path)
        oldest_first = generated[::-1]
        hidden = pick_hidden(list(range(len(oldest_first))), len(generated))
        self.hidden = {oldest_first[k].key for k in hidden}
        self.generated = generated
        """The posts as generated, before any change (``World.delete``, ``World.add``)."""
        self.posts = served(generated, world.changes, self.base)
        self.visible = [p for p in self.posts if p.key not in self.hidden]
        """Posts some HTML page links to; the hidden ones are only in the feed, API and sitemap."""
        self.by_path = {p.path: p for p in self.posts}
        self.by_id = {p.post_id: p for p in self.posts}
        self.by_key = {p.key: p for p in self.posts}
        self.position = {p.key: i for i, p in enumerate(self.posts)}
        self.categories = {_text.slugify(lb): lb for p in self.posts for lb in p.labels}
        self.body = functools.lru_cache(maxsize=1024)(self._body)

    def category(self, post: Post) -> tuple[str, str]:
        return _text.slugify(post.labels[0]), post.labels[0]

    def _image(self, post: Post) -> str:
        return (
            f'<p><img class="aligncenter size-medium" src="{self.base}/wp-content/uploads/'
            f'{post.published:%Y/%m}/{post.key}.jpg" width="32" height="24" alt=""></p>'
        )

    def modified(self, post: Post) -> datetime:
        """When ``post`` last changed (``World.edit``), else its publication time."""
        return self.world.changes.modified(self.base + post.path, post.published)

    def _body(self, post: Post) -> str:
        w = self.world
        added = list(w.changes.paragraphs(self.base + post.path))
        if post.source is None:
            r = _text.rng(w.seed, self.spec.host, "own-body", post.key)
            paras = _text.paragraphs(r, "kinh-te", r.randint(3, 5), w.body_bytes)
            return self._image(post) + "\n" + _text.paras_html(paras + added)
        art = post.source
        text = article_text(w.seed, art, w.body_bytes)
        return "\n".join(
            (
                f"<p><strong>{esc(text.lead)}</strong></p>",
                self._image(post),
                _text.paras_html([*text.paragraphs, *added]),
                f"<p><em>{esc(art.author)}</em></p>",
                f'<p>Nguồn: <a href="{art.url}">{NEWS_NAME}</a></p>',
            )
        )

    def excerpt(self, post: Post) -> str:
        text = (
            article_text(self.world.seed, post.source, self.world.body_bytes).lead
            if post.source
            else ""
        )
        return text or _text.rng(self.world.seed, self.spec.host, "excerpt", post.key).choice(
            ("Một vài suy nghĩ sau tuần làm việc.", "Ghi chép ngắn của người viết.")
        )

    # -- pages -------------------------------------------------------------------------

    def replies(self, post: Post) -> tuple[Comment, ...]:
        return comments_for(self.world.seed, self.spec.host, post, blogger=False)

    def post_page(self, post: Post) -> Response:
        i = self.position[post.key]
        older = next((p for p in self.posts[i + 1 :] if p.key not in self.hidden), None)
        newer = next((p for p in reversed(self.posts[:i]) if p.key not in self.hidden), None)
        nav = []
        if older is not None:
            nav.append(
                f'<span class="nav-previous"><a href="{self.base}{older.path}" rel="prev">← {esc(older.title)}</a></span>'
            )
        if newer is not None:
            nav.append(
                f'<span class="nav-next"><a href="{self.base}{newer.path}" rel="next">{esc(newer.title)} →</a></span>'
            )
        body_class = (
            f"post-template-default single single-post postid-{post.post_id} single-format-standard"
        )
        content = markup.post_content(self, post, "".join(nav))
        return markup.document(
            self, f"{post.title} | {self.name}", body_class, content, markup.post_head(self, post)
        )

    def notice(self, text: str) -> Response:
        """The 200 page a deleted post's URL shows (``World.delete(url, how="soft")``)."""
        content = (
            '<article id="post-0" class="post error404 no-results not-found">'
            f'<header class="entry-header"><h1 class="entry-title">{esc(text)}</h1></header>'
            "</article>"
        )
        return markup.document(self, f"{SOFT_TITLE} | {self.name}", "error404", content)

    def listing(self, posts: list[Post], page: int, base_path: str, title: str) -> Response | None:
        chunk = posts[(page - 1) * PER_PAGE : page * PER_PAGE]
        if page < 1 or (page > 1 and not chunk):
            return None
        items = "\n".join(markup.listing_item(self, p) for p in chunk)
        nav = []
        if len(posts) > page * PER_PAGE:
            nav.append(
                f'<div class="nav-previous"><a href="{self.base}{base_path}page/{page + 1}/">← Bài cũ hơn</a></div>'
            )
        if page > 1:
            newer = f"{base_path}page/{page - 1}/" if page > 2 else base_path
            nav.append(
                f'<div class="nav-next"><a href="{self.base}{newer}">Bài mới hơn →</a></div>'
            )
        content = f'{items}\n<nav id="nav-below" class="navigation">{"".join(nav)}</nav>'
        body_class = "home blog" if base_path == "/" else "archive category"
        return markup.document(self, title, body_class, content)

    # -- routing -----------------------------------------------------------------------

    def respond(self, path: str, query: str) -> Response | None:
        params = parse_qs(query)
        post = self._post_of(path)
        if post is not None:
            return self.post_page(post)
        if path == "/":
            return self._root(params)
        return self._machine(path, params) or self._listing_route(path) or self._static(path)

    def _machine(self, path: str, params: dict[str, list[str]]) -> Response | None:
        """The feed, the REST API (403 when locked) and the sitemaps."""
        if path == "/feed/":
            paged = params.get("paged", ["1"])[0]
            return api.feed(self, int(paged)) if paged.isdigit() else None
        if path.startswith("/wp-json/"):
            return api.forbidden() if self.locked else api.rest(self, path, params)
        if path.startswith("/wp-sitemap"):
            return api.sitemap(self, path[1:])
        return None

    def _post_of(self, path: str) -> Post | None:
        """The post at ``path``, or at its AMP view or a comment page of it."""
        if path in self.by_path:
            return self.by_path[path]
        parts = path.rstrip("/").split("/")
        if path.endswith("/amp/"):
            return self.by_path.get(path.removesuffix("amp/"))
        if len(parts) > 2 and parts[-1].startswith("comment-page-") and parts[-1][13:].isdigit():
            return self.by_path.get("/".join(parts[:-1]) + "/")
        return None

    def _listing_route(self, path: str) -> Response | None:
        parts = path.strip("/").split("/")
        if not path.endswith("/"):
            return None
        if parts[0] == "page" and len(parts) == 2 and parts[1].isdigit():
            title = f"{self.name} | Trang {parts[1]}"
            return self.listing(self.visible, int(parts[1]), "/", title)
        if parts[0] == "category" and len(parts) in {2, 4}:
            return self._category_page(parts)
        return None

    def _root(self, params: dict[str, list[str]]) -> Response | None:
        if "p" in params:
            number = params["p"][0]
            post = self.by_id.get(int(number)) if number.isdigit() else None
            return _response.redirect(self.base + post.path, 301) if post else None
        if "s" in params:
            words = _text.nfc(params["s"][0].strip())
            found = [p for p in self.visible if words and words.lower() in p.title.lower()]
            return self.listing(found, 1, "/", f"Kết quả tìm kiếm “{words}” | {self.name}")
        return self.listing(self.visible, 1, "/", f"{self.name} | {self.tagline}")

    def _category_page(self, parts: list[str]) -> Response | None:
        slug = parts[1]
        if slug not in self.categories or (
            len(parts) == 4 and (parts[2] != "page" or not parts[3].isdigit())
        ):
            return None
        posts = [p for p in self.visible if self.category(p)[0] == slug]
        page = int(parts[3]) if len(parts) == 4 else 1
        return self.listing(
            posts, page, f"/category/{slug}/", f"{self.categories[slug]} | {self.name}"
        )

    def _static(self, path: str) -> Response | None:
        if path == "/wp-admin/":
            return markup.document(self, f"Đăng nhập | {self.name}", "login", "<form></form>")
        if path == "/robots.txt":
            disallow = "".join(f"Disallow: {p}\n" for p in self.forbidden)
            return _response.text(
                f"User-agent: *\n{disallow}Allow: /wp-admin/admin-ajax.php\n\n"
                f"Sitemap: {self.base}/wp-sitemap.xml\n"
            )
        if path == "/wp-content/themes/twentytwelve/style.css":
            return _response.data(markup.CSS.encode(), "text/css")
        if path == "/wp-content/uploads/2012/01/cropped-header.png":
            return _response.data(_media.png(f"{self.spec.host}/header"), "image/png")
        parts = path.split("/")
        if (
            len(parts) == 6
            and parts[:3] == ["", "wp-content", "uploads"]
            and parts[5].endswith(".jpg")
        ):
            key = parts[5].removesuffix(".jpg")
            post = self.by_key.get(key)
            if post is not None and f"{post.published:%Y/%m}" == f"{parts[3]}/{parts[4]}":
                return _response.data(_media.jpeg(f"{self.spec.host}/{key}"), "image/jpeg")
        return None
