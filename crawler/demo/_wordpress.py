"""goc-nhin.test: a self-hosted WordPress 6.x blog (Twenty Twelve-like markup).

Posts at ``/YYYY/MM/DD/<slug>/``; ``/feed/`` (``?paged=N``), the REST API
(``/wp-json/wp/v2/posts?per_page=&page=`` with ``X-WP-Total``/``X-WP-TotalPages``), the core
sitemap (``/wp-sitemap.xml``) and ``/?p=<id>`` shortlinks that redirect.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from crawler.demo import _media, _response, _text
from crawler.demo import _wordpress_api as api
from crawler.demo._model import NEWS_NAME, make_posts, wordpress_path
from crawler.demo._news import article_text
from crawler.demo._text import esc
from crawler.demo._wordpress_api import PER_PAGE, VERSION

if TYPE_CHECKING:
    from crawler.demo._model import BlogSpec, Post
    from crawler.demo._response import Response
    from crawler.demo.world import World

_MONTHS = (
    "Một",
    "Hai",
    "Ba",
    "Tư",
    "Năm",
    "Sáu",
    "Bảy",
    "Tám",
    "Chín",
    "Mười",
    "Mười Một",
    "Mười Hai",
)
CSS = """/*
Theme Name: Twenty Twelve
Version: 4.1
*/
body { font-family: "Open Sans", Helvetica, Arial, sans-serif; color: #444; background: #e6e6e6; }
.site { max-width: 960px; margin: 0 auto; background: #fff; padding: 0 40px; }
.entry-title { font-size: 20px; } .entry-content p { line-height: 1.7; } .entry-meta { color: #757575; }
"""


class WordPressBlog:
    def __init__(self, world: World, spec: BlogSpec) -> None:
        self.world, self.spec = world, spec
        self.base, self.name = f"http://{spec.host}", spec.name
        self.server = "nginx"
        self.posts = make_posts(spec, world.articles, world.seed, wordpress_path)
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

    def _body(self, post: Post) -> str:
        w = self.world
        if post.source is None:
            r = _text.rng(w.seed, self.spec.host, "own-body", post.key)
            paras = _text.paragraphs(r, "kinh-te", r.randint(3, 5), w.body_bytes)
            return self._image(post) + "\n" + _text.paras_html(paras)
        art = post.source
        text = article_text(w.seed, art, w.body_bytes)
        return "\n".join(
            (
                f"<p><strong>{esc(text.lead)}</strong></p>",
                self._image(post),
                _text.paras_html(list(text.paragraphs)),
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

    def _sidebar(self) -> tuple[str, str]:
        """The "Bài viết mới" and "Chuyên mục" widgets' list items."""
        cats = "".join(
            f'<li><a href="{self.base}/category/{slug}/">{esc(name)}</a></li>'
            for slug, name in sorted(self.categories.items())
        )
        want = self.world.links_per_page
        recent = "".join(
            f'<li><a href="{self.base}{p.path}">{esc(p.title)}</a></li>'
            for p in self.posts[: max(5, want - len(self.categories) - 10) if want else 5]
        )
        return recent, cats

    def _doc(self, title: str, body_class: str, content: str, head: str = "") -> Response:
        recent, cats = self._sidebar()
        html = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width" />
<title>{esc(title)}</title>
<link rel="alternate" type="application/rss+xml" title="{esc(self.name)} &raquo; Dòng thông tin" href="{self.base}/feed/" />
<link rel='stylesheet' id='twentytwelve-style-css' href='{self.base}/wp-content/themes/twentytwelve/style.css?ver={VERSION}' type='text/css' media='all' />
<link rel="https://api.w.org/" href="{self.base}/wp-json/" />
<meta name="generator" content="WordPress {VERSION}" />
{head}</head>
<body class="{body_class}">
<div id="page" class="hfeed site">
<header id="masthead" class="site-header" role="banner">
<hgroup><h1 class="site-title"><a href="{self.base}/" rel="home">{esc(self.name)}</a></h1>
<h2 class="site-description">Góc nhìn thời sự của một người đọc báo</h2></hgroup>
<img src="{self.base}/wp-content/uploads/2012/01/cropped-header.png" class="header-image" width="16" height="16" alt="{esc(self.name)}" />
</header>
<div id="main" class="wrapper">
<div id="primary" class="site-content"><div id="content" role="main">
{content}
</div></div>
<div id="secondary" class="widget-area" role="complementary">
<aside id="recent-posts-2" class="widget widget_recent_entries"><h3 class="widget-title">Bài viết mới</h3><ul>{recent}</ul></aside>
<aside id="categories-2" class="widget widget_categories"><h3 class="widget-title">Chuyên mục</h3><ul>{cats}</ul></aside>
</div>
</div>
<footer id="colophon" role="contentinfo"><div class="site-info">Tự hào sử dụng WordPress</div></footer>
</div>
</body>
</html>
"""
        return _response.page(
            html, headers=(("Link", f'<{self.base}/wp-json/>; rel="https://api.w.org/"'),)
        )

    def _meta(self, post: Post) -> str:
        slug, name = self.category(post)
        p = post.published
        return (
            f'<footer class="entry-meta">Bài viết này được đăng trong <a href="{self.base}/category/{slug}/" '
            f'rel="category tag">{esc(name)}</a> vào <a href="{self.base}{post.path}" rel="bookmark">'
            f'<time class="entry-date published" datetime="{_text.iso(p)}">{p.day} Tháng {_MONTHS[p.month - 1]}, '
            f'{p.year}</time></a><span class="by-author"> bởi <span class="author vcard">{esc(post.author)}'
            "</span></span>.</footer>"
        )

    def post_page(self, post: Post) -> Response:
        slug, _ = self.category(post)
        i = self.position[post.key]
        nav = []
        if i + 1 < len(self.posts):
            older = self.posts[i + 1]
            nav.append(
                f'<span class="nav-previous"><a href="{self.base}{older.path}" rel="prev">← {esc(older.title)}</a></span>'
            )
        if i > 0:
            newer = self.posts[i - 1]
            nav.append(
                f'<span class="nav-next"><a href="{self.base}{newer.path}" rel="next">{esc(newer.title)} →</a></span>'
            )
        content = f"""<article id="post-{post.post_id}" class="post-{post.post_id} post type-post status-publish format-standard hentry category-{slug}">
<header class="entry-header"><h1 class="entry-title">{esc(post.title)}</h1></header>
<div class="entry-content">
{self.body(post)}
</div>
{self._meta(post)}
</article>
<nav class="nav-single">{"".join(nav)}</nav>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">Để lại một bình luận</h3>
<form action="{self.base}/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-form-comment"><label for="comment">Bình luận</label><textarea id="comment" name="comment"></textarea></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Phản hồi" /></p>
</form></div></div>"""
        head = (
            f'<link rel="alternate" type="application/json" href="{self.base}/wp-json/wp/v2/posts/{post.post_id}" />\n'
            f'<link rel="canonical" href="{self.base}{post.path}" />\n'
            f"<link rel='shortlink' href='{self.base}/?p={post.post_id}' />\n"
            f'<meta property="article:published_time" content="{_text.iso(post.published)}" />\n'
        )
        body_class = (
            f"post-template-default single single-post postid-{post.post_id} single-format-standard"
        )
        return self._doc(f"{post.title} | {self.name}", body_class, content, head)

    def listing(self, posts: list[Post], page: int, base_path: str, title: str) -> Response | None:
        chunk = posts[(page - 1) * PER_PAGE : page * PER_PAGE]
        if page < 1 or (page > 1 and not chunk):
            return None
        items = "\n".join(
            f'<article id="post-{p.post_id}" class="post-{p.post_id} post type-post status-publish hentry">'
            f'<header class="entry-header"><h2 class="entry-title"><a href="{self.base}{p.path}" rel="bookmark">'
            f'{esc(p.title)}</a></h2></header><div class="entry-summary"><p>{esc(self.excerpt(p))}</p>'
            f'<a href="{self.base}{p.path}" class="more-link">Đọc tiếp <span class="meta-nav">→</span></a>'
            f"</div>{self._meta(p)}</article>"
            for p in chunk
        )
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
        return self._doc(title, "home blog" if base_path == "/" else "archive category", content)

    # -- routing -----------------------------------------------------------------------

    def respond(self, path: str, query: str) -> Response | None:
        params = parse_qs(query)
        if path in self.by_path:
            return self.post_page(self.by_path[path])
        if path == "/":
            return self._root(params)
        if path == "/feed/":
            paged = params.get("paged", ["1"])[0]
            return api.feed(self, int(paged)) if paged.isdigit() else None
        if path.startswith("/wp-json/"):
            return api.rest(self, path, params)
        if path.startswith("/wp-sitemap"):
            return api.sitemap(self, path[1:])
        return self._listing_route(path) or self._static(path)

    def _listing_route(self, path: str) -> Response | None:
        parts = path.strip("/").split("/")
        if not path.endswith("/"):
            return None
        if parts[0] == "page" and len(parts) == 2 and parts[1].isdigit():
            return self.listing(self.posts, int(parts[1]), "/", f"{self.name} | Trang {parts[1]}")
        if parts[0] == "category" and len(parts) in {2, 4}:
            return self._category_page(parts)
        return None

    def _root(self, params: dict[str, list[str]]) -> Response | None:
        if "p" in params:
            number = params["p"][0]
            post = self.by_id.get(int(number)) if number.isdigit() else None
            return _response.redirect(self.base + post.path, 301) if post else None
        return self.listing(self.posts, 1, "/", f"{self.name} | Góc nhìn thời sự")

    def _category_page(self, parts: list[str]) -> Response | None:
        slug = parts[1]
        if slug not in self.categories or (
            len(parts) == 4 and (parts[2] != "page" or not parts[3].isdigit())
        ):
            return None
        posts = [p for p in self.posts if self.category(p)[0] == slug]
        page = int(parts[3]) if len(parts) == 4 else 1
        return self.listing(
            posts, page, f"/category/{slug}/", f"{self.categories[slug]} | {self.name}"
        )

    def _static(self, path: str) -> Response | None:
        if path == "/robots.txt":
            return _response.text(
                "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
                f"Sitemap: {self.base}/wp-sitemap.xml\n"
            )
        if path == "/wp-content/themes/twentytwelve/style.css":
            return _response.data(CSS.encode(), "text/css")
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
