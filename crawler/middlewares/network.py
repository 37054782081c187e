"""The network guard: no connection to a private, loopback, link-local, multicast or
reserved address unless the source allows it.

A page's images, scripts and styles, its redirects, robots.txt and feeds come from any
host the page names, and a crawler on a server can reach addresses the public cannot
(``http://169.254.169.254/``, ``http://10.0.0.5:8080/admin``, ``http://localhost/``).
The guard judges the address a connection goes to, not the URL's host name:

- host names are judged by ``GuardedResolver`` (Scrapy's ``TWISTED_DNS_RESOLVER``) on
  the address the resolution gave, which is the address Twisted then connects to, so a
  name that resolves to a public address once and to a private one the next time (DNS
  rebinding) is judged on each resolution;
- IP literals in URLs, which Twisted never resolves, by ``NetworkGuardMiddleware``
  before the request goes out.

Only globally routable unicast addresses pass (Python's ``ipaddress.is_global``: not
private, loopback, link-local, shared (100.64/10), documentation, reserved or
unspecified), never multicast. Allowed besides: the hosts and networks a source lists in
``allow_private`` (``NETWORK_ALLOW_PRIVATE``), loopback when the crawl is loopback-only
(``NETWORK_LOOPBACK_ONLY``: tests and the demo), and the proxies the operator routes
through (``ROUTE_PROXIES``: the connection goes to the proxy). Every refusal is counted
(``network/refused``, ``network/refused/<reason>``) and logged once per host with its
reason; the request is dropped, not retried.

Settings: ``NETWORK_GUARD`` (True), ``NETWORK_ALLOW_PRIVATE`` ([]).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.errors import CrawlerError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from twisted.internet.defer import Deferred

__all__ = [
    "AddressRefused",
    "GuardedResolver",
    "NetworkGuardMiddleware",
    "NetworkPolicy",
    "address_refusal",
]

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def address_refusal(address: Address) -> str | None:
    """Why a connection to ``address`` is refused by default, or None if it may go."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address.is_multicast:
        return "multicast"
    if address.is_global:
        return None
    for reason in ("unspecified", "loopback", "link_local", "reserved", "private"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    return "not globally routable"


class NetworkPolicy:
    """Which addresses a crawl may connect to (see the module's docstring)."""

    def __init__(
        self, allowed: Iterable[str] = (), *, loopback: bool = False, proxies: Iterable[str] = ()
    ) -> None:
        self.hosts: set[str] = set()
        self.networks: list[Network] = []
        for entry in allowed:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry.lower().rstrip("."))
        self.loopback = loopback
        self.proxies = {host.lower() for host in proxies}
        self._told: set[str] = set()
        self.refused_names: dict[str, AddressRefused] = {}
        """Host names whose resolution was refused (Twisted reports them as a failed
        lookup, without the reason: the guard finds it here)."""

    def refusal(self, host: str, address: str) -> str | None:
        """Why ``host`` (its connection going to ``address``) is refused, or None."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return None  # not an address: nothing to judge (Twisted will fail on it)
        why = address_refusal(ip)
        if why is None:
            return None
        host = host.lower().rstrip(".")
        if host in self.hosts or host in self.proxies or address in self.proxies:
            return None
        if any(ip in network for network in self.networks):
            return None
        if self.loopback and ip.is_loopback:
            return None
        return why

    def first_time(self, host: str) -> bool:
        """True the first time a refusal of ``host`` is told (each is logged once)."""
        if host in self._told:
            return False
        self._told.add(host)
        return True


_POLICY: NetworkPolicy | None = None
"""The crawl's policy: one crawl per process, set when its guard is built."""


class AddressRefused(CrawlerError, DNSLookupError):
    """A host name resolved to an address the crawl may not connect to."""

    def __init__(self, host: str, address: str, why: str) -> None:
        super().__init__(f"{host} resolves to {address}, a {why} address; refused")
        self.host, self.address, self.why = host, address, why


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, whose every answer the crawl's policy judges."""

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        return super().getHostByName(name, timeout).addCallback(self._judge, name)

    @staticmethod
    def _judge(address: str, name: str) -> str:
        why = None if _POLICY is None else _POLICY.refusal(name, address)
        if why is not None:
            assert _POLICY is not None
            refused = _POLICY.refused_names[name.lower()] = AddressRefused(name, address, why)
            raise refused
        return address


class NetworkGuardMiddleware:
    """Refuses IP-literal hosts the policy refuses, and counts every refusal."""

    def __init__(self, policy: NetworkPolicy, stats: StatsCollector) -> None:
        self.policy = policy
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        global _POLICY  # noqa: PLW0603 - the resolver is the reactor's, built before the crawl
        settings = crawler.settings
        if not settings.getbool("NETWORK_GUARD"):
            _POLICY = None
            raise NotConfigured
        proxies = {
            urlsplit(proxy if "//" in proxy else f"//{proxy}").hostname or ""
            for proxy in settings.getdict("ROUTE_PROXIES").values()
        }
        policy = NetworkPolicy(
            settings.getlist("NETWORK_ALLOW_PRIVATE"),
            loopback=settings.getbool("NETWORK_LOOPBACK_ONLY"),
            proxies=proxies - {""},
        )
        _POLICY = policy
        assert crawler.stats is not None
        return cls(policy, crawler.stats)

    def process_request(self, request: Request) -> None:
        target = request.meta.get("proxy") or request.url
        host = urlsplit(target if "//" in target else f"//{target}").hostname or ""
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return  # a name: judged on its resolved address by GuardedResolver
        why = self.policy.refusal(host, host)
        if why is not None:
            self._refused(request, host, f"{host} is a {why} address", why)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, DNSLookupError | CannotResolveHostError):
            return
        target = request.meta.get("proxy") or request.url
        host = (urlsplit(target if "//" in target else f"//{target}").hostname or "").lower()
        refused = exception if isinstance(exception, AddressRefused) else None
        refused = refused or self.policy.refused_names.get(host)
        if refused is not None:  # not a failed lookup: ours, so no retry either
            self._refused(request, refused.host, str(refused), refused.why)

    def _refused(self, request: Request, host: str, said: str, why: str) -> None:
        self.stats.inc_value("network/refused")
        self.stats.inc_value(f"network/refused/{why}")
        if self.policy.first_time(host):
            logger.warning(
                "Not connecting to %s (%s); a source allows it with allow_private: [%s]",
                host,
                said,
                host,
            )
        raise IgnoreRequest(f"{request.url}: {said}")
