"""A downloader middleware for crawl tests: marks each request whose URL holds
``/khong-luu/`` ("do not keep") with ``meta["dont_archive"]``, as a component of a
project would. Switched on with ``-s DOWNLOADER_MIDDLEWARES=`` naming it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.http import Request

MARK = "/khong-luu/"
SETTING = '{"tests.helpers.dont_archive.DontArchiveMiddleware": 1}'


class DontArchiveMiddleware:
    def process_request(self, request: Request) -> None:
        if MARK in request.url:
            request.meta["dont_archive"] = True
