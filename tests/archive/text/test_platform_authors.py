"""A WordPress post's author, not its commenters (whose markup says ``author`` too)."""

from __future__ import annotations

from lxml import html

from archive.text._platform import platform_fields

POST = """<html><body class="single single-post postid-9 comments-open">
<article class="post"><h1 class="entry-title">Tiêu đề</h1>
<span class="author vcard"><span class="fn">Hồng Quân</span></span>
<div class="entry-content"><p>Nội dung.</p></div></article>
<div id="comments" class="comments-area"><ol class="comment-list">
<li class="comment"><div class="comment-author vcard"><cite class="author fn">Khách</cite></div>
<div class="comment-content"><p>Hay quá!</p></div></li></ol></div>
</body></html>"""


def test_the_post_author_counts_and_the_commenters_do_not():
    fields = platform_fields(html.fromstring(POST), "wordpress")
    assert fields.authors == ["Hồng Quân"]  # the body's comments-open is no comment


def test_a_post_with_only_commenters_names_no_author():
    page = POST.replace('<span class="author vcard"><span class="fn">Hồng Quân</span></span>', "")
    assert platform_fields(html.fromstring(page), "wordpress").authors == []
