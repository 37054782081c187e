"""Links to other renderings of a post: duplicates a naive crawler would fetch.

Each answers 200 with the same article (the server routes posts by path and ignores the
query), except the hosts that are never served (``www.blogger.com``, the
``.blogspot.com.vn`` alias), where any request is a visible defect. The links sit in chrome
the extractor prunes: Blogger's ``post-footer``, WordPress's ``sharedaddy`` and
``entry-meta``, the news site's ``social-tools`` next to the article.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.demo._news import NEWS_QUERIES
from crawler.demo._text import esc
from crawler.demo._traps import BLOGGER_ADMIN, alias_host

if TYPE_CHECKING:
    from crawler.demo._comments import Comment
    from crawler.demo._model import Article, Post

WP_SHARES = ("?share=facebook&nb=1", "?share=twitter&nb=1", "?like=1&_wpnonce=abc")


def _a(href: str, text: str, css: str = "") -> str:
    cls = f" class='{css}'" if css else ""
    return f"<a{cls} href='{href.replace('&', '&amp;')}' rel='nofollow'>{text}</a>"


# -- Blogger ---------------------------------------------------------------------------------


def blogger_urls(host: str, blog_id: int, post: Post, comments: tuple[Comment, ...]) -> list[str]:
    """Every variant of ``post`` its pages link to, as linked (fragments kept)."""
    permalink = f"http://{host}{post.path}"
    ids = f"blogID={blog_id}&postID={post.post_id}"
    return [
        f"{permalink}?m=1",
        f"{permalink}?m=0",
        f"{permalink}#more",
        f"{permalink}#comment-form",
        f"{permalink}?spref=fb",
        f"{permalink}?spref=tw",
        f"http://{host}/ncr{post.path}",
        f"http://{host}/ncr",
        f"http://{alias_host(host)}{post.path}",
        f"{BLOGGER_ADMIN}/post-edit.g?{ids}&from=pencil",
        f"{BLOGGER_ADMIN}/share-post.g?{ids}&target=email",
        f"{BLOGGER_ADMIN}/share-post.g?{ids}&target=facebook",
        f"{BLOGGER_ADMIN}/comment.g?{ids}",
        *(f"{permalink}?showComment={c.millis}#c{c.id}" for c in comments),
    ]


def blogger_footer(host: str, blog_id: int, post: Post) -> str:
    """The third post-footer line: edit pencil, share buttons, mobile switch, aliases."""
    permalink = f"http://{host}{post.path}"
    ids = f"blogID={blog_id}&postID={post.post_id}"
    shares = "".join(
        _a(f"{BLOGGER_ADMIN}/share-post.g?{ids}&target={t}", t, f"share-button sb-{t}")
        for t in ("email", "facebook")
    )
    links = (
        _a(f"{permalink}?spref=fb", "Facebook", "share-button sb-spref"),
        _a(f"{permalink}?spref=tw", "Twitter", "share-button sb-spref"),
        _a(f"{permalink}?m=1", "Xem phiên bản di động", "mobile-link"),
        _a(f"{permalink}?m=0", "Xem phiên bản web", "mobile-link"),
        _a(f"http://{host}/ncr{post.path}", "Không chuyển hướng", "ncr-link"),
        _a(f"http://{host}/ncr", "Trang chủ (ncr)", "ncr-link"),
        _a(f"http://{alias_host(host)}{post.path}", "blogspot.com.vn", "alias-link"),
        _a(f"{permalink}#comment-form", "Nhận xét", "comment-link"),
    )
    return (
        "<div class='post-footer-line post-footer-line-3'>"
        f"<span class='item-control blog-admin pid-{blog_id}'>"
        f"{_a(f'{BLOGGER_ADMIN}/post-edit.g?{ids}&from=pencil', 'Sửa bài đăng')}</span>"
        f"<div class='post-share-buttons goog-inline-block'>{shares}{''.join(links)}</div></div>"
    )


def blogger_comments(permalink: str, comments: tuple[Comment, ...]) -> str:
    """The ``dl#comments-block`` items, each with its ``?showComment=`` permalink."""
    return "".join(
        f"<dt class='comment-author' id='c{c.id}'><a name='c{c.id}'></a>{esc(c.author)} nói...</dt>"
        f"<dd class='comment-body' id='Blog1_cmt-{c.id}'><p>{esc(c.text)}</p></dd>"
        "<dd class='comment-footer'><span class='comment-timestamp'>"
        f"<a href='{permalink}?showComment={c.millis}#c{c.id}' title='liên kết nhận xét'>"
        f"{c.when:%H:%M %d/%m/%Y}</a></span></dd>"
        for c in comments
    )


# -- WordPress -------------------------------------------------------------------------------


def wordpress_urls(base: str, post: Post, comments: tuple[Comment, ...]) -> list[str]:
    permalink = base + post.path
    out = [permalink + q for q in WP_SHARES]
    out += [f"{permalink}amp/", f"{permalink}?print=1"]
    if comments:
        out.append(f"{permalink}comment-page-2/#comments")
    out += [f"{permalink}?replytocom={c.id}#respond" for c in comments]
    return out


def wordpress_share(base: str, post: Post) -> str:
    """Jetpack's sharing and like buttons, and the AMP and print views."""
    permalink = base + post.path
    shares = "".join(
        f'<li><a rel="nofollow noopener noreferrer" class="share-{q.split("=")[1].split("&")[0]} '
        f'sd-button" href="{permalink}{q.replace("&", "&amp;")}" target="_blank">'
        f"<span>{q.split('=')[1].split('&')[0]}</span></a></li>"
        for q in WP_SHARES
    )
    return (
        '<div class="sharedaddy sd-sharing-enabled"><div class="sd-block sd-social">'
        f'<h3 class="sd-title">Chia sẻ:</h3><div class="sd-content"><ul>{shares}'
        f'<li><a href="{permalink}amp/">AMP</a></li>'
        f'<li><a href="{permalink}?print=1" rel="nofollow">In</a></li></ul></div></div></div>'
    )


def wordpress_comments(base: str, post: Post, comments: tuple[Comment, ...]) -> str:
    """The comment list with ``?replytocom=`` reply links, and the older-comments link."""
    permalink = base + post.path
    if not comments:
        return ""
    items = "".join(
        f'<li class="comment" id="li-comment-{c.id}"><article id="comment-{c.id}" '
        f'class="comment"><header class="comment-meta comment-author vcard"><cite>'
        f'<b class="fn">{esc(c.author)}</b></cite><time datetime="{c.when.isoformat()}">'
        f'{c.when:%d/%m/%Y %H:%M}</time></header><section class="comment-content comment">'
        f'<p>{esc(c.text)}</p></section><div class="reply"><a rel="nofollow" class="comment-reply-link" '
        f'href="{permalink}?replytocom={c.id}#respond">Trả lời</a></div></article></li>'
        for c in comments
    )
    return (
        f'<h2 class="comments-title">{len(comments)} bình luận</h2><ol class="commentlist">'
        f'{items}</ol><nav id="comment-nav-below" class="navigation" role="navigation">'
        f'<div class="nav-previous"><a href="{permalink}comment-page-2/#comments">'
        "← Bình luận cũ hơn</a></div></nav>"
    )


# -- thoisu.test ---------------------------------------------------------------------------------


def news_urls(art: Article) -> list[str]:
    return [art.url + q for q in NEWS_QUERIES]
