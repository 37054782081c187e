"""Meta refresh read from a page's head: the same redirects, no second copy of the body."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler

from crawler.middlewares.metarefresh import HEAD_BYTES, HeadMetaRefreshMiddleware
from tests.helpers.crawls import component_crawler

REFRESH = b'<html><head><meta http-equiv="refresh" content="0; url=/moi"></head><body>'


def _middleware() -> HeadMetaRefreshMiddleware:
    crawler = component_crawler()
    base = crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    assert base[HeadMetaRefreshMiddleware] == 580  # the add-on put it in Scrapy's place
    assert MetaRefreshMiddleware not in base
    return build_from_crawler(HeadMetaRefreshMiddleware, crawler)


def _page(head: bytes, size: int) -> HtmlResponse:
    body = head + "<p>Đăng nhận xét</p>".encode() * (size // 20)
    return HtmlResponse("http://blog.test/cu", body=body, headers={"Content-Type": "text/html"})


def test_a_large_page_with_a_refresh_in_its_head_is_redirected() -> None:
    request = Request("http://blog.test/cu")
    result = _middleware().process_response(request, _page(REFRESH, 8 * HEAD_BYTES))
    assert isinstance(result, Request)
    assert result.url == "http://blog.test/moi"


def test_a_large_page_without_one_passes_on_undecoded() -> None:
    page = _page(b"<html><head></head><body>", 8 * HEAD_BYTES)
    result = _middleware().process_response(Request(page.url), page)
    assert result is page
    assert getattr(page, "_cached_ubody", None) is None  # Scrapy's would have decoded it whole
