"""WordPress page markup (Twenty Twelve-like): the document, the entry meta, a post page's
content with its Jetpack share buttons and comments, and listing items.

Search (``/?s=``) and ``/wp-admin/`` are linked from the sidebar's "Công cụ" widget although
robots.txt forbids them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from crawler.demo import _response, _text, _variants
from crawler.demo._text import esc
from crawler.demo._wordpress_api import VERSION

if TYPE_CHECKING:
    from datetime import datetime

    from crawler.demo._model import Post
    from crawler.demo._response import Response
    from crawler.demo._wordpress import WordPressBlog

SEARCH_WORDS = ("bầu cử", "kinh tế")

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


def sidebar(blog: WordPressBlog) -> tuple[str, str]:
    """The "Bài viết mới" and "Chuyên mục" widgets' list items."""
    cats = "".join(
        f'<li><a href="{blog.base}/category/{slug}/">{esc(name)}</a></li>'
        for slug, name in sorted(blog.categories.items())
    )
    want = blog.world.links_per_page
    recent = "".join(
        f'<li><a href="{blog.base}{p.path}">{esc(p.title)}</a></li>'
        for p in blog.visible[: max(5, want - len(blog.categories) - 10) if want else 5]
    )
    return recent, cats


def document(
    blog: WordPressBlog, title: str, body_class: str, content: str, head: str = ""
) -> Response:
    recent, cats = sidebar(blog)
    html = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width" />
<title>{esc(title)}</title>
<link rel="alternate" type="application/rss+xml" title="{esc(blog.name)} &raquo; Dòng thông tin" href="{blog.base}/feed/" />
<link rel='stylesheet' id='twentytwelve-style-css' href='{blog.base}/wp-content/themes/twentytwelve/style.css?ver={VERSION}' type='text/css' media='all' />
<link rel="https://api.w.org/" href="{blog.base}/wp-json/" />
<meta name="generator" content="WordPress {VERSION}" />
{head}</head>
<body class="{body_class}">
<div id="page" class="hfeed site">
<header id="masthead" class="site-header" role="banner">
<hgroup><h1 class="site-title"><a href="{blog.base}/" rel="home">{esc(blog.name)}</a></h1>
<h2 class="site-description">{esc(blog.tagline)}</h2></hgroup>
<img src="{blog.base}/wp-content/uploads/2012/01/cropped-header.png" class="header-image" width="16" height="16" alt="{esc(blog.name)}" />
</header>
<div id="main" class="wrapper">
<div id="primary" class="site-content"><div id="content" role="main">
{content}
</div></div>
<div id="secondary" class="widget-area" role="complementary">
<aside id="recent-posts-2" class="widget widget_recent_entries"><h3 class="widget-title">Bài viết mới</h3><ul>{recent}</ul></aside>
<aside id="categories-2" class="widget widget_categories"><h3 class="widget-title">Chuyên mục</h3><ul>{cats}</ul></aside>
{tools(blog)}
</div>
</div>
<footer id="colophon" role="contentinfo"><div class="site-info">Tự hào sử dụng WordPress</div></footer>
</div>
</body>
</html>
"""
    return _response.page(
        html, headers=(("Link", f'<{blog.base}/wp-json/>; rel="https://api.w.org/"'),)
    )


def meta(blog: WordPressBlog, post: Post) -> str:
    slug, name = blog.category(post)
    p = post.published
    return (
        f'<footer class="entry-meta">Bài viết này được đăng trong <a href="{blog.base}/category/{slug}/" '
        f'rel="category tag">{esc(name)}</a> vào <a href="{blog.base}{post.path}" rel="bookmark">'
        f'<time class="entry-date published" datetime="{_text.iso(p)}">{p.day} Tháng {_MONTHS[p.month - 1]}, '
        f'{p.year}</time></a><span class="by-author"> bởi <span class="author vcard">{esc(post.author)}'
        "</span></span>.</footer>"
    )


def tools(blog: WordPressBlog) -> str:
    """Links into paths robots.txt forbids: the admin and the search."""
    searches = "".join(
        f'<li><a href="{blog.base}/?s={quote_plus(w)}">Tìm: {esc(w)}</a></li>' for w in SEARCH_WORDS
    )
    return (
        '<aside id="meta-2" class="widget widget_meta"><h3 class="widget-title">Công cụ</h3><ul>'
        f'<li><a href="{blog.base}/wp-admin/">Quản trị</a></li>{searches}</ul></aside>'
    )


def post_content(blog: WordPressBlog, post: Post, nav: str) -> str:
    slug, _ = blog.category(post)
    replies = blog.replies(post)
    return f"""<article id="post-{post.post_id}" class="post-{post.post_id} post type-post status-publish format-standard hentry category-{slug}">
<header class="entry-header"><h1 class="entry-title">{esc(post.title)}</h1></header>
<div class="entry-content">
{blog.body(post)}
{_variants.wordpress_share(blog.base, post)}
</div>
{meta(blog, post)}
</article>
<nav class="nav-single">{nav}</nav>
<div id="comments" class="comments-area">{_variants.wordpress_comments(blog.base, post, replies)}<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">Để lại một bình luận</h3>
<form action="{blog.base}/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-form-comment"><label for="comment">Bình luận</label><textarea id="comment" name="comment"></textarea></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Phản hồi" /></p>
</form></div></div>"""


def post_head(blog: WordPressBlog, post: Post) -> str:
    return (
        f'<link rel="alternate" type="application/json" href="{blog.base}/wp-json/wp/v2/posts/{post.post_id}" />\n'
        f'<link rel="canonical" href="{blog.base}{post.path}" />\n'
        f"<link rel='shortlink' href='{blog.base}/?p={post.post_id}' />\n"
        f'<link rel="amphtml" href="{blog.base}{post.path}amp/" />\n'
        f'<meta property="article:published_time" content="{_text.iso(post.published)}" />\n'
        + _modified_meta(blog.modified(post), post)
    )


def _modified_meta(modified: datetime, post: Post) -> str:
    """``article:modified_time``, only for an edited post (``World.edit``)."""
    if modified == post.published:
        return ""
    return f'<meta property="article:modified_time" content="{_text.iso(modified)}" />\n'


def listing_item(blog: WordPressBlog, p: Post) -> str:
    return (
        f'<article id="post-{p.post_id}" class="post-{p.post_id} post type-post status-publish hentry">'
        f'<header class="entry-header"><h2 class="entry-title"><a href="{blog.base}{p.path}" rel="bookmark">'
        f'{esc(p.title)}</a></h2></header><div class="entry-summary"><p>{esc(blog.excerpt(p))}</p>'
        f'<a href="{blog.base}{p.path}" class="more-link">Đọc tiếp <span class="meta-nav">→</span></a>'
        f"</div>{meta(blog, p)}</article>"
    )
