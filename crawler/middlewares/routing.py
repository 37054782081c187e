"""Route hosts through a proxy, and refuse to leave the machine when told so.

``RouteProxyMiddleware`` sends requests for some hosts through an HTTP proxy. The
demo world uses it: its sites have names under the reserved ``.test`` domain
(RFC 6761) with no port, and the demo server on 127.0.0.1 answers for all of them
as a proxy, so URLs stay the same from run to run and no name is ever looked up.
A ``.test``, ``.example``, ``.invalid`` or ``.localhost`` host with no route is
refused rather than resolved.

Settings:
- ``ROUTE_PROXIES`` ({}): ``{"<host or .suffix>": "http://127.0.0.1:PORT"}``.
- ``NETWORK_LOOPBACK_ONLY`` (False): ``LoopbackOnlyMiddleware`` refuses every
  request whose connection would go anywhere but 127.0.0.0/8 or ::1 (tests, demo).

Stats: ``route/proxied``, ``route/refused_reserved``, ``route/refused_not_loopback``.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

RESERVED_SUFFIXES = (".test", ".example", ".invalid", ".localhost")


def _match(host: str, routes: dict[str, str]) -> str | None:
    if host in routes:
        return routes[host]
    for key, proxy in routes.items():
        if key.startswith(".") and (host.endswith(key) or host == key[1:]):
            return proxy
    return None


class RouteProxyMiddleware:
    """Sets ``meta["proxy"]`` for the hosts that ``ROUTE_PROXIES`` names."""

    def __init__(self, routes: dict[str, str], stats: StatsCollector) -> None:
        self.routes = {key.lower(): value for key, value in routes.items()}
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.settings.getdict("ROUTE_PROXIES"), crawler.stats)

    def process_request(self, request: Request) -> None:
        host = (urlsplit(request.url).hostname or "").lower()
        proxy = _match(host, self.routes)
        if proxy is not None:
            request.meta.setdefault("proxy", proxy)
            self.stats.inc_value("route/proxied")
        elif host.endswith(RESERVED_SUFFIXES) and "proxy" not in request.meta:
            self.stats.inc_value("route/refused_reserved")
            raise IgnoreRequest(
                f"{request.url}: {host} is a reserved name with no route; for the demo "
                "world start `archivist demo serve` and set ROUTE_PROXIES as it prints"
            )


class LoopbackOnlyMiddleware:
    """Refuses any request whose connection would leave the machine."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NETWORK_LOOPBACK_ONLY"):
            raise NotConfigured
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_request(self, request: Request) -> None:
        target = request.meta.get("proxy") or request.url
        host = urlsplit(target if "//" in target else f"//{target}").hostname or ""
        if host == "localhost" or _is_loopback(host):
            return
        self.stats.inc_value("route/refused_not_loopback")
        raise IgnoreRequest(f"{request.url}: {host} is not on loopback (NETWORK_LOOPBACK_ONLY)")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
