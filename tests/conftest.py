"""Shared fixtures: the demo world served on loopback, and pywb. Helpers are in ``tests/helpers``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from archive.store import Store
from crawler.demo import DemoServer, World
from tests.helpers.records import postgres_url

WARCIO = str(Path(sys.executable).with_name("warcio"))


@pytest.fixture(scope="session")
def world() -> World:
    return World(12, slow_delay=1.0, large_bytes=2 * 1024 * 1024)


@pytest.fixture(scope="session")
def demo_server(world):
    with DemoServer(world) as server:
        yield server


@pytest.fixture(scope="session")
def wayback() -> Path:
    """pywb's wayback from its own venv; a skip here, a failure when CI requires pywb."""
    import os

    from tests.helpers.pywb_harness import find_wayback

    found = find_wayback()
    if found is None:
        if os.environ.get("ARCHIVIST_REQUIRE_PYWB") == "1":
            pytest.fail("ARCHIVIST_REQUIRE_PYWB=1 but pywb is not installed: run scripts/pywb-env")
        pytest.skip("pywb is not installed in .venv-pywb: run scripts/pywb-env")
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'home' / 'archivist.db'}"
    else:
        yield from postgres_url()


@pytest.fixture
def store(store_url):
    with Store(store_url) as opened:
        yield opened
