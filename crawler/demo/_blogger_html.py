"""Blogger page markup in Vietnamese: the classic "Blog1" layout and the newer theme.

Classic: ``div.post-outer > div.post.hentry``, ``abbr.published[title]``, date headers
like "Thứ Hai, 23 tháng 4, 2012". Newer (Contempo-like): ``article.post-outer-container``,
``time.published[datetime]``. Both keep ``div.post-body.entry-content#post-body-<id>``.
"""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from crawler.demo import _text, _variants
from crawler.demo._blogger_feeds import STATIC_PAGES
from crawler.demo._text import esc
from crawler.demo._traps import BLOGGER_ADMIN, toggle_url

if TYPE_CHECKING:
    from crawler.demo._comments import Comment
    from crawler.demo._model import Post

CSS = """/* Blogger widgets bundle (demo) */
body { font: normal normal 14px Georgia, serif; color: #222; background: #f6f6f6; }
.date-header span { background: #999; color: #fff; padding: 2px 6px; }
.post-title { font-size: 22px; } .post-body { line-height: 1.5; } .post-footer { color: #666; }
.blog-pager { text-align: center; margin: 1em 0; } .sidebar .widget { margin-bottom: 1.5em; }
article.post-outer-container { background: #fff; padding: 1em; margin-bottom: 1em; }
"""


def label_url(base: str, label: str) -> str:
    return f"{base}/search/label/{quote(label)}"


def page(
    *,
    base: str,
    name: str,
    blog_id: int,
    title: str,
    canonical: str,
    main: str,
    sidebar: str,
    extra_head: str = "",
    modern: bool = False,
) -> str:
    """The whole HTML document around the Blog1 widget (``main``) and the sidebar."""
    body_class = "version-1-3-3 variant-indie" if modern else "loading"
    return f"""<!DOCTYPE html>
<html class='v2' dir='ltr' lang='vi' xmlns='http://www.w3.org/1999/xhtml' xmlns:b='http://www.google.com/2005/gml/b' xmlns:data='http://www.google.com/2005/gml/data' xmlns:expr='http://www.google.com/2005/gml/expr'>
<head>
<meta content='width=1100' name='viewport'/>
<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>
<meta content='blogger' name='generator'/>
<link href='{base}/favicon.ico' rel='icon' type='image/x-icon'/>
<link href='{canonical}' rel='canonical'/>
<link rel="alternate" type="application/atom+xml" title="{esc(name)} - Atom" href="{base}/feeds/posts/default" />
<link rel="alternate" type="application/rss+xml" title="{esc(name)} - RSS" href="{base}/feeds/posts/default?alt=rss" />
{extra_head}<title>{esc(title)}</title>
<link type='text/css' rel='stylesheet' href='{base}/static/v1/widgets/css_bundle_v2.css' />
</head>
<body class='{body_class}'>
<div class='content'><div class='content-outer'>
<header><div class='header section' id='header'><div class='widget Header' data-version='1' id='Header1'>
<div id='header-inner'><div class='titlewrapper'><h1 class='title'><a href='{base}/'>{esc(name)}</a></h1></div>
<div class='descriptionwrapper'><p class='description'><span>Đọc và chia sẻ tin tức thời sự</span></p></div>
<img alt='{esc(name)}' src='{base}/images/header.png' width='16' height='16'/></div></div></div></header>
<div class='main-outer'><div class='main section' id='main'><div class='widget Blog' data-version='1' id='Blog1'>
<meta content='{blog_id}' itemprop='blogId'/>
{main}
</div></div></div>
<aside><div class='sidebar section' id='sidebar-right-1'>
{sidebar}
</div></aside>
</div></div>
<div class='footer-outer'><div class='widget Attribution' id='Attribution1'>Được tạo bởi Blogger.</div></div>
</body>
</html>
"""


def _classic_post(base: str, blog_id: int, post: Post, body: str) -> str:
    permalink = base + post.path
    labels = ", ".join(
        f"<a href='{label_url(base, lb)}' rel='tag'>{esc(lb)}</a>" for lb in post.labels
    )
    return f"""<div class='post-outer'>
<div class='post hentry uncustomized-post-template' itemprop='blogPost' itemscope='itemscope' itemtype='http://schema.org/BlogPosting'>
<meta content='{base}/images/s320/{post.key}.jpg' itemprop='image_url'/>
<meta content='{blog_id}' itemprop='blogId'/>
<meta content='{post.post_id}' itemprop='postId'/>
<a name='{post.post_id}'></a>
<h3 class='post-title entry-title' itemprop='name'><a href='{permalink}'>{esc(post.title)}</a></h3>
<div class='post-header'><div class='post-header-line-1'></div></div>
<div class='post-body entry-content' id='post-body-{post.post_id}' itemprop='description articleBody'>
{body}
<div style='clear: both;'></div>
</div>
<div class='post-footer'><div class='post-footer-line post-footer-line-1'>
<span class='post-author vcard'>Đăng bởi <span class='fn' itemprop='author' itemscope='itemscope' itemtype='http://schema.org/Person'><span itemprop='name'>{esc(post.author)}</span></span></span>
<span class='post-timestamp'>lúc <meta content='{permalink}' itemprop='url'/><a class='timestamp-link' href='{permalink}' rel='bookmark' title='permanent link'><abbr class='published' itemprop='datePublished' title='{_text.iso(post.published)}'>{post.published:%H:%M}</abbr></a></span>
<span class='post-comment-link'><a class='comment-link' href='{permalink}#comment-form'>0 nhận xét</a></span>
</div><div class='post-footer-line post-footer-line-2'><span class='post-labels'>Nhãn: {labels}</span></div>
{_variants.blogger_footer(base.removeprefix("http://"), blog_id, post)}</div>
</div>
</div>"""


def _modern_post(
    base: str, blog_id: int, post: Post, body: str, modified: datetime | None = None
) -> str:
    permalink = base + post.path
    labels = "".join(
        f"<a href='{label_url(base, lb)}' rel='tag'>{esc(lb)}</a>" for lb in post.labels
    )
    when = _text.iso(post.published)
    ld = {
        "@context": "http://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "datePublished": when,
        "author": {"@type": "Person", "name": post.author},
    }
    if modified is not None and modified != post.published:  # an edited post (World.edit)
        ld["dateModified"] = _text.iso(modified)
    return f"""<article class='post-outer-container'>
<div class='post-outer'>
<div class='post'>
<script type='application/ld+json'>{json.dumps(ld, ensure_ascii=False)}</script>
<a name='{post.post_id}'></a>
<h3 class='post-title entry-title'><a href='{permalink}'>{esc(post.title)}</a></h3>
<div class='post-header'><div class='post-header-line-1'>
<span class='byline post-timestamp'><meta content='{permalink}'/><a class='timestamp-link' href='{permalink}' rel='bookmark' title='permanent link'><time class='published' datetime='{when}' title='{when}'>{post.published.day} tháng {post.published.month}, {post.published.year}</time></a></span>
</div></div>
<div class='post-body entry-content float-container' id='post-body-{post.post_id}'>
{body}
</div>
<div class='post-footer'>
<div class='post-footer-line post-footer-line-1'><span class='byline post-author vcard'><span class='post-author-label'>Đăng bởi</span> <span class='fn'>{esc(post.author)}</span></span></div>
<div class='post-footer-line post-footer-line-2'><span class='byline post-labels'><span class='byline-label'>Nhãn:</span> {labels}</span></div>
{_variants.blogger_footer(base.removeprefix("http://"), blog_id, post)}
</div>
</div>
</div>"""


def post_block(
    base: str,
    blog_id: int,
    post: Post,
    body: str,
    *,
    modern: bool,
    modified: datetime | None = None,
) -> str:
    if modern:
        return _modern_post(base, blog_id, post, body, modified) + "\n</article>"
    return _classic_post(base, blog_id, post, body)


def listing(
    base: str, blog_id: int, items: list[tuple[Post, str]], *, modern: bool, pager: str
) -> str:
    """Posts grouped under date headers (classic) or as a column of articles (newer)."""
    if modern:
        posts = "\n".join(post_block(base, blog_id, p, b, modern=True) for p, b in items)
        return f"<div class='blog-posts hfeed container'>\n{posts}\n</div>\n{pager}"
    groups = []
    for header, group in itertools.groupby(
        items, key=lambda item: _text.blogger_date(item[0].published)
    ):
        blocks = "\n".join(post_block(base, blog_id, p, b, modern=False) for p, b in group)
        groups.append(
            f"<div class='date-outer'><h2 class='date-header'><span>{header}</span></h2>\n"
            f"<div class='date-posts'>\n{blocks}\n</div></div>"
        )
    return "<div class='blog-posts hfeed'>\n" + "\n".join(groups) + f"\n</div>\n{pager}"


def single(
    base: str,
    blog_id: int,
    post: Post,
    body: str,
    *,
    modern: bool,
    pager: str,
    replies: tuple[Comment, ...] = (),
    modified: datetime | None = None,
) -> str:
    """A post page: the post, its comment block and form, then the pager."""
    comments_feed = f"{base}/feeds/{post.post_id}/comments/default"
    heading = f"{len(replies)} nhận xét:"
    if modern and not replies:
        heading = "Không có nhận xét nào:"
    editor = f"{BLOGGER_ADMIN}/comment.g?blogID={blog_id}&amp;postID={post.post_id}"
    comments = f"""<div class='comments' id='comments'>
<a name='comments'></a>
<h4>{heading}</h4>
<div id='Blog1_comments-block-wrapper'><dl class='avatar-comment-indent' id='comments-block'>{_variants.blogger_comments(base + post.path, replies)}</dl></div>
<p class='comment-footer'></p>
<div class='comment-form'>
<a name='comment-form'></a>
<h4 id='comment-post-message'>Đăng nhận xét</h4>
<p></p>
<a href='{editor}' id='comment-editor-src'></a>
</div>
</div>"""
    if modern:
        comments = comments.replace(
            "<div class='comments' id='comments'>",
            "<section class='comments embed' data-num-comments='0' id='comments'>",
            1,
        )
        comments = comments.removesuffix("</div>") + "</section>"
        block = post_block(base, blog_id, post, body, modern=True, modified=modified)
        block = block.removesuffix("\n</article>")
        main = f"<div class='blog-posts hfeed container'>\n{block}\n{comments}\n</article>\n</div>"
    else:
        date_header = _text.blogger_date(post.published)
        block = post_block(base, blog_id, post, body, modern=False)
        main = (
            f"<div class='blog-posts hfeed'>\n<div class='date-outer'><h2 class='date-header'>"
            f"<span>{date_header}</span></h2>\n<div class='date-posts'>\n{block}\n{comments}\n"
            "</div></div>\n</div>"
        )
    feeds = (
        "<div class='post-feeds'><div class='feed-links'>Đăng ký: "
        f"<a class='feed-link' href='{comments_feed}' target='_blank' "
        "type='application/atom+xml'>Đăng Nhận xét (Atom)</a></div></div>"
    )
    return f"{main}\n{pager}\n{feeds}"


def pager(base: str, newer: str | None, older: str | None) -> str:
    parts = ["<div class='blog-pager' id='blog-pager'>"]
    if newer:
        parts.append(
            f"<span id='blog-pager-newer-link'><a class='blog-pager-newer-link' href='{newer}' "
            "id='Blog1_blog-pager-newer-link' title='Bài đăng Mới hơn'>Bài đăng Mới hơn</a></span>"
        )
    if older:
        parts.append(
            f"<span id='blog-pager-older-link'><a class='blog-pager-older-link' href='{older}' "
            "id='Blog1_blog-pager-older-link' title='Bài đăng Cũ hơn'>Bài đăng Cũ hơn</a></span>"
        )
    parts.append(f"<a class='home-link' href='{base}/'>Trang chủ</a>\n</div>")
    return "\n".join(parts)


def sidebar(base: str, months: list[tuple[str, int]], recent: list[Post], labels: list[str]) -> str:
    month_items = "\n".join(
        f"<li><a class='toggle' href='{toggle_url(base, date(int(ym[:4]), int(ym[5:]), 1))}'>"
        "<span class='zippy'>►&#160;</span></a>"
        f"<a class='post-count-link' href='{base}/{ym}/'>{ym.replace('/', '-')}</a> "
        f"<span class='post-count' dir='ltr'>({count})</span></li>"
        for ym, count in months
    )
    recent_items = "\n".join(
        f"<li><a href='{base}{p.path}'>{esc(p.title)}</a></li>" for p in recent
    )
    pages = "\n".join(f"<li><a href='{base}{p}'>{esc(t)}</a></li>" for p, t in STATIC_PAGES.items())
    label_items = "\n".join(
        f"<li><a dir='ltr' href='{label_url(base, lb)}'>{esc(lb)}</a></li>" for lb in labels
    )
    return f"""<div class='widget BlogArchive' data-version='1' id='BlogArchive1'>
<h2>Lưu trữ Blog</h2>
<div class='widget-content'><div id='ArchiveList'><ul class='hierarchy'>
{month_items}
</ul><ul class='posts'>
{recent_items}
</ul></div></div></div>
<div class='widget PageList' data-version='1' id='PageList1'><h2>Trang</h2><ul>
{pages}
<li><a href='{base}/search?q=b%E1%BA%A7u+c%E1%BB%AD'>Tìm: bầu cử</a></li>
</ul></div>
<div class='widget Label' data-version='1' id='Label1'>
<h2>Nhãn</h2>
<div class='widget-content list-label-widget-content'><ul>
{label_items}
</ul></div></div>"""
