"""Crawls of the demo world as child processes, the source files they read (scheduled ones
too), readers of the WARC files they write, and a poll until a condition holds."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader

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


def warcio_check(paths: list[Path], warcio: str = WARCIO) -> subprocess.CompletedProcess[str]:
    """``warcio check``, with one known disagreement settled: warcio hashes the bytes
    after the HTTP headers as the payload, chunk framing included (webrecorder/warcio#74,
    #75), while the records' payload digest is over the entity with the framing removed
    (WARC 1.1, 6.3.2). A "payload digest failed" on a chunked record whose digest is
    right for its de-chunked entity is no failure; any other problem is."""
    checked = subprocess.run(
        [warcio, "check", "-v", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if checked.returncode == 0:
        return checked
    problems = _real_problems(checked.stdout)
    code = 1 if problems or checked.stderr.strip() else 0
    return subprocess.CompletedProcess(checked.args, code, "\n".join(problems), checked.stderr)


def _real_problems(output: str) -> list[str]:
    problems, path, offset = [], "", 0
    for line in output.splitlines():
        if not line.startswith(" "):
            path = line.strip()
        elif line.strip().startswith("offset "):
            offset = int(line.split()[1])
        elif "failed" in line or "exception" in line:
            if "payload digest failed" in line and _dechunked_digest_holds(Path(path), offset):
                continue
            problems.append(f"{path} @{offset}: {line.strip()}")
    return problems


def _dechunked_digest_holds(path: Path, offset: int) -> bool:
    with path.open("rb") as fh:
        fh.seek(offset)
        rec = next(iter(ArchiveIterator(fh)))
        if not rec.http_headers or rec.http_headers.get_header("Transfer-Encoding") != "chunked":
            return False
        claimed = rec.rec_headers.get_header("WARC-Payload-Digest")
        entity = ChunkedDataReader(rec.raw_stream, decomp_type=None).read()
    digest = "sha1:" + base64.b32encode(hashlib.sha1(entity).digest()).decode()
    return claimed == digest


def _payload(rec) -> bytes:
    """The entity as sent: chunk framing removed (the record keeps it), content coding kept."""
    chunked = rec.http_headers and rec.http_headers.get_header("Transfer-Encoding") == "chunked"
    if chunked:
        return ChunkedDataReader(rec.raw_stream, decomp_type=None).read()
    return rec.raw_stream.read()


def read_records(paths: list[Path]) -> list[dict]:
    """Every record as a dict: type, headers, http headers, payload (de-chunked), file."""
    records = []
    for path in paths:
        with path.open("rb") as fh:
            records.extend(
                {
                    "type": rec.rec_type,
                    "warc": rec.rec_headers,
                    "http": rec.http_headers,
                    "payload": _payload(rec),
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


def cdxj_indexer_lines(paths: list[Path]) -> list[str]:
    """What cdxj-indexer (pywb's indexer) makes of ``paths`` read back: sorted lines."""
    from cdxj_indexer.main import CDXJIndexer

    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for n, path in enumerate(paths):
            out = Path(folder) / f"{n}.cdxj"
            CDXJIndexer(output=str(out), inputs=[str(path)], sort=True).process_all()
            lines += out.read_text(encoding="utf-8").splitlines(keepends=True)
    return sorted(lines)


def collection_index_lines(home: Path) -> list[str]:
    """Every line of the collections' CDXJ indexes under ``home`` (merged and per file)."""
    lines: list[str] = []
    for path in sorted(home.glob("collections/*/indexes/*.cdxj")):
        lines += path.read_text(encoding="utf-8").splitlines(keepends=True)
    return sorted(lines)
