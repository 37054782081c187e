"""What a changed world answers outside the sites' own routes: a deleted item's URL, and
the "Cập nhật lúc ..." stamp ``World.tick`` puts in the footer of every HTML page.

The stamp goes into each family's site footer (found by its opening tag), outside the
article and outside what the extractor keeps, so it changes a page's bytes and nothing
else.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from crawler.demo import _response
from crawler.demo._changes import SOFT_NOTICE
from crawler.demo._text import esc

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.demo._response import Response

_FOOTERS = (
    b'<footer class="footer">',  # thoisu.test (_news.shell)
    b"<div class='widget Attribution' id='Attribution1'>",  # Blogger (_blogger_html.page)
    b'<div class="site-info">',  # WordPress (_wordpress_html.document)
)
_GONE = (
    '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
    "<title>410 - Bài viết đã bị gỡ bỏ</title></head>"
    "<body><h1>Bài viết đã bị gỡ bỏ</h1><p>Bài viết này không còn trên trang.</p>"
    '<p><a href="/">Về trang chủ</a></p></body></html>'
)


def stamped(response: Response, stamp: str) -> Response:
    """``response`` with "Cập nhật lúc <stamp>" at the start of its site footer, if it is
    an HTML page that has one."""
    content_type = next((v for k, v in response.headers if k == "Content-Type"), "")
    if response.stream is not None or content_type != _response.HTML:
        return response
    line = f'<p class="cap-nhat">Cập nhật lúc {esc(stamp)}</p>\n'.encode()
    for footer in _FOOTERS:
        if footer in response.body:
            body = response.body.replace(footer, footer + line, 1)
            return dataclasses.replace(response, body=body)
    return response


def removed(how: str, host: str, server: str, notice: Callable[[str], Response]) -> Response:
    """What a deleted item's URL answers; ``notice(text)`` renders the site's 200 notice."""
    if how == "404":
        return _response.not_found(server)
    if how == "410":
        return _response.page(_GONE, 410, gzip=False, server=server)
    if how == "home":
        return _response.redirect(f"http://{host}/", 301, server)
    return notice(SOFT_NOTICE)
