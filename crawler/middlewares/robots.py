"""Scrapy's robots.txt middleware, with the parser handed to every request that waited.

In Scrapy 2.19 the requests to a host that arrive while its robots.txt is being
fetched all await one Deferred through ``maybe_deferred_to_future``, whose callback
(Twisted's ``Deferred.asFuture``) returns None: the first waiter gets the parser, every
other one gets None, which ``process_request_2`` reads as "no robots.txt" and lets
through. Measured on the demo world: ``/feed/`` of a blog whose robots.txt forbids it
was fetched while ``/wp-json/`` (the first waiter) was refused
(tests/e2e/test_discovery_crawl.py). Once the Deferred has fired, the middleware has
stored the parser by host; a waiter handed None looks it up there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.robotstxt import RobotParser

__all__ = ["SharedRobotsTxtMiddleware"]


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """``RobotsTxtMiddleware`` whose every waiting request gets the host's parser."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser
