"""Crawls of the demo world as child processes, the source files they read (scheduled ones
too), readers of the WARC files they write, and a poll until a condition holds."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.addon import ArchivistAddon
from crawler.demo.run import route_settings
from crawler.runs.child import CrawlResult, CrawlRun
from crawler.sources.schema import load_source

WARCIO = str(Path(sys.executable).with_name("warcio"))


def component_crawler(**settings: object):
    """A Scrapy crawler with archivist's add-on applied (every default of
    crawler/default_settings.py) and these settings over them, to build components on."""
    crawler = get_crawler(settings_dict={"ADDONS": {ArchivistAddon: 0}, **settings})
    crawler._apply_settings()
    return crawler


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


def until(predicate, timeout: float = 20.0, what: str = "condition"):
    """Polls ``predicate`` every 50 ms until it is true (returned) or ``timeout`` ends."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def write_scheduled_source(
    folder: Path, name: str, seed: str, schedule: str, max_pages: int
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(
        f"name: {name}\nfamily: news\nseeds: ['{seed}']\ncontact: tests@example.org\n"
        f"limits: {{max_pages: {max_pages}}}\nschedule: {schedule}\n",
        encoding="utf-8",
    )
