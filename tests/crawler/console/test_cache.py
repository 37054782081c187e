"""Pages built once a short while and shared: one build for a burst of requests."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from crawler.console._cache import PageCache


def _app(seconds: float, status: int = 200) -> tuple[TestClient, list[str]]:
    builds: list[str] = []

    def page(request) -> Response:
        builds.append(request.url.path)
        time.sleep(0.2)  # a slow page: the others arrive while it is built
        return PlainTextResponse(f"build {len(builds)}", status_code=status)

    app = Starlette(routes=[Route("/{name}", PageCache(seconds).wrap(page))])
    return TestClient(app), builds


def test_a_burst_of_requests_builds_the_page_once():
    client, builds = _app(60)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: client.get("/a").text, range(20)))
    assert builds == ["/a"]
    assert answers == ["build 1"] * 20


def test_each_path_and_query_is_its_own_page_and_the_token_is_not_part_of_it():
    client, builds = _app(60)
    client.get("/a?source=x&token=one")
    client.get("/a?token=two&source=x")
    client.get("/a?source=y")
    client.get("/b")
    assert builds == ["/a", "/a", "/b"]


def test_a_stale_page_is_built_again_and_none_is_kept_with_no_lifetime():
    client, _ = _app(0.05)
    client.get("/a")
    time.sleep(0.1)
    assert client.get("/a").text == "build 2"
    uncached, uncached_builds = _app(0)
    uncached.get("/a")
    uncached.get("/a")
    assert uncached_builds == ["/a", "/a"]


def test_an_error_page_is_not_kept():
    client, builds = _app(60, status=500)
    client.get("/a")
    client.get("/a")
    assert builds == ["/a", "/a"]
