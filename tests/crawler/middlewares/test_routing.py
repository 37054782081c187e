"""Routing of reserved demo hosts through a proxy, and the loopback guard."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.middlewares.routing import LoopbackOnlyMiddleware, RouteProxyMiddleware

PROXY = "http://127.0.0.1:40123"


def route_mw(routes):
    crawler = get_crawler(settings_dict={"ROUTE_PROXIES": routes})
    crawler._apply_settings()
    return build_from_crawler(RouteProxyMiddleware, crawler), crawler


def test_suffix_and_exact_routes_set_the_proxy():
    mw, crawler = route_mw({".test": PROXY, "exact.example": "http://127.0.0.1:1"})
    for url, proxy in [
        ("http://thoisu.test/a?b=1", PROXY),
        ("http://nhipcau.blogspot.test/", PROXY),
        ("http://exact.example/", "http://127.0.0.1:1"),
    ]:
        request = Request(url)
        mw.process_request(request)
        assert request.meta["proxy"] == proxy
    assert crawler.stats.get_value("route/proxied") == 3


def test_routes_come_from_a_json_string_as_given_on_the_command_line():
    mw, _ = route_mw(f'{{".test": "{PROXY}"}}')
    request = Request("http://goc-nhin.test/")
    mw.process_request(request)
    assert request.meta["proxy"] == PROXY


def test_reserved_names_without_a_route_are_refused_not_resolved():
    mw, crawler = route_mw({})
    with pytest.raises(IgnoreRequest, match=r"thoisu\.test is a reserved name with no route"):
        mw.process_request(Request("http://thoisu.test/"))
    assert crawler.stats.get_value("route/refused_reserved") == 1
    ordinary = Request("http://127.0.0.1:8000/")
    mw.process_request(ordinary)
    assert "proxy" not in ordinary.meta


def test_loopback_guard():
    crawler = get_crawler(settings_dict={"NETWORK_LOOPBACK_ONLY": True})
    crawler._apply_settings()
    mw = build_from_crawler(LoopbackOnlyMiddleware, crawler)
    mw.process_request(Request("http://127.0.0.1:8080/"))
    mw.process_request(Request("http://[::1]:8080/"))
    mw.process_request(Request("http://thoisu.test/", meta={"proxy": PROXY}))
    with pytest.raises(IgnoreRequest, match=r"example\.org is not on loopback"):
        mw.process_request(Request("http://example.org/"))
    with pytest.raises(IgnoreRequest, match=r"10\.0\.0\.1 is not on loopback"):
        mw.process_request(Request("http://thoisu.test/", meta={"proxy": "http://10.0.0.1:3128"}))
    assert crawler.stats.get_value("route/refused_not_loopback") == 2


def test_loopback_guard_is_off_unless_asked():
    crawler = get_crawler()
    crawler._apply_settings()
    with pytest.raises(NotConfigured):
        build_from_crawler(LoopbackOnlyMiddleware, crawler)
