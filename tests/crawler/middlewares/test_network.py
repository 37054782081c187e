"""The network guard's policy: which addresses a crawl may connect to (no traffic here)."""

from __future__ import annotations

import ipaddress

import pytest

from crawler.middlewares.network import NetworkPolicy, address_refusal


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("fd12:3456::1", "private"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not globally routable"),  # carrier-grade NAT
        ("192.0.2.10", "private"),  # documentation
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
    ],
)
def test_only_globally_routable_unicast_addresses_pass(address, why):
    assert address_refusal(ipaddress.ip_address(address)) == why


def test_a_source_allows_hosts_and_networks_and_loopback_only_crawls_allow_loopback():
    policy = NetworkPolicy(["10.20.0.0/16", "intranet.example", "127.0.0.2"])
    assert policy.refusal("intranet.example", "10.99.0.1") is None  # by name
    assert policy.refusal("other.example", "10.20.3.4") is None  # by network
    assert policy.refusal("other.example", "10.21.3.4") == "private"
    assert policy.refusal("127.0.0.2", "127.0.0.2") is None
    assert policy.refusal("127.0.0.3", "127.0.0.3") == "loopback"
    assert policy.refusal("localhost", "127.0.0.1") == "loopback"
    assert policy.refusal("public.example", "93.184.216.34") is None
    loopback = NetworkPolicy(loopback=True)
    assert loopback.refusal("localhost", "127.0.0.1") is None
    assert loopback.refusal("nas.lan", "192.168.0.2") == "private"
    proxied = NetworkPolicy(proxies=["127.0.0.1"])
    assert proxied.refusal("127.0.0.1", "127.0.0.1") is None  # the operator's own proxy


def test_each_refused_host_is_told_once():
    policy = NetworkPolicy()
    assert policy.first_time("10.0.0.1")
    assert not policy.first_time("10.0.0.1")
    assert policy.first_time("10.0.0.2")


def test_every_answer_of_the_resolver_is_judged_so_a_rebound_name_is_refused(monkeypatch):
    """DNS rebinding: a name that first resolves to a public address and then to an
    internal one. Each answer is judged as it comes back, and the connection uses the
    address judged, so the second is refused. Offline, the name server is played by
    Twisted's threaded lookup answering in turn (the unit here is the judging)."""
    from scrapy.resolver import dnscache
    from twisted.internet import defer, reactor
    from twisted.internet.base import ThreadedResolver

    from crawler.middlewares import network

    answers = iter(["93.184.216.34", "169.254.169.254"])
    monkeypatch.setattr(
        ThreadedResolver,
        "getHostByName",
        lambda self, name, timeout=(): defer.succeed(next(answers)),
    )
    monkeypatch.setattr(network, "_POLICY", NetworkPolicy())
    monkeypatch.setattr(dnscache, "limit", dnscache.limit)  # put back after the test
    resolver = network.GuardedResolver(reactor, cache_size=0, timeout=1.0)  # no cache: ask again
    got: list[object] = []
    resolver.getHostByName("doi-ten.example").addBoth(got.append)
    resolver.getHostByName("doi-ten.example").addBoth(got.append)
    assert got[0] == "93.184.216.34"
    failure = got[1]
    assert isinstance(getattr(failure, "value", None), network.AddressRefused)
    assert "169.254.169.254" in str(failure.value)
