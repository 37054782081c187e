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
