"""The small demo world and its server, one of each per test module."""

from __future__ import annotations

import pytest

from crawler.demo import DemoServer, World
from tests.helpers.demo_hosts import LARGE, SLOW, SMALL


@pytest.fixture(scope="module")
def small() -> World:
    return World(SMALL, slow_delay=SLOW, large_bytes=LARGE)


@pytest.fixture(scope="module")
def server(small):
    with DemoServer(small) as running:
        yield running
