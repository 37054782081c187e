"""Shared fixtures: the demo world served on loopback, and crawls of it as child processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo import DemoServer, World
from crawler.demo.run import route_settings
from crawler.runs import CrawlResult, CrawlRun
from crawler.sources import load_source

WARCIO = str(Path(sys.executable).with_name("warcio"))


@pytest.fixture(scope="session")
def world() -> World:
    return World(12, slow_delay=1.0, large_bytes=2 * 1024 * 1024)


@pytest.fixture(scope="session")
def demo_server(world):
    with DemoServer(world) as server:
        yield server


def write_source(folder: Path, name: str, host: str, family: str = "news", **limits) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    limit_text = ", ".join(f"{k}: {v}" for k, v in limits.items())
    path.write_text(
        f"name: {name}\nfamily: {family}\ncollection: {name}\nseeds: [http://{host}/]\n"
        f"contact: tests@example.org\nlimits: {{{limit_text}}}\n",
        encoding="utf-8",
    )
    return path


def crawl(source_path: Path, home: Path, server, timeout: float = 180, **settings) -> CrawlResult:
    values = {**route_settings(server), **{k: str(v) for k, v in settings.items()}}
    run = CrawlRun(load_source(source_path), source_path, home, values)
    run.start()
    return run.wait(timeout)


def warc_files(home: Path) -> list[Path]:
    return sorted(home.glob("collections/*/archive/*"))


def warcio_check(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WARCIO, "check", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def read_records(paths: list[Path]) -> list[dict]:
    """Every record as a dict: type, headers, http headers, raw payload, file."""
    records = []
    for path in paths:
        with path.open("rb") as fh:
            records.extend(
                {
                    "type": rec.rec_type,
                    "warc": rec.rec_headers,
                    "http": rec.http_headers,
                    "payload": rec.raw_stream.read(),
                    "file": path,
                }
                for rec in ArchiveIterator(fh)
            )
    return records


@pytest.fixture(scope="session")
def wayback() -> Path:
    """pywb's wayback from its own venv; a skip here, a failure when CI requires pywb."""
    import os

    from tests.pywb_harness import find_wayback

    found = find_wayback()
    if found is None:
        if os.environ.get("ARCHIVIST_REQUIRE_PYWB") == "1":
            pytest.fail("ARCHIVIST_REQUIRE_PYWB=1 but pywb is not installed: run scripts/pywb-env")
        pytest.skip("pywb is not installed in .venv-pywb: run scripts/pywb-env")
    return found
