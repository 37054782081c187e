"""CDXJ indexes written as WARCs close, look-ups (captures, show) and replay with pywb."""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.store import Store
from archive.text.extract import decode_content
from archive.warc.cdxj import INDEX_NAME, lookup, merge_indexes, reindex_collection, url_key
from archive.warc.reader import read_record_at
from crawler.cli import main
from tests.helpers import REPO_ROOT
from tests.helpers.crawls import crawl, warc_files, write_source

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def twice(tmp_path_factory, demo_server):
    """The news site crawled twice into one collection, in files rotated at ~80 KB.

    The second crawl is a full sweep, so every page has two captures to look up.
    """
    home = tmp_path_factory.mktemp("replay")
    source = write_source(home / "sources", "tin", "thoisu.test")
    first = crawl(source, home, demo_server, ARCHIVE_MAX_SIZE=80_000)
    time.sleep(1.1)  # a different second: a different 14-digit timestamp
    second = crawl(source, home, demo_server, ARCHIVE_MAX_SIZE=80_000, RECRAWL_SWEEP="full")
    assert first.ok, first.finish_reason
    assert second.ok, second.finish_reason
    return home, first, second


def _cdxj_indexer(files: list[Path]) -> list[str]:
    done = subprocess.run(
        [str(BIN / "cdxj-indexer"), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(line for line in done.stdout.splitlines() if line.strip())


def test_each_crawl_indexes_its_files_as_they_close_and_merges_them(twice):
    home, first, second = twice
    indexes = home / "collections" / "tin" / "indexes"
    files = warc_files(home)
    assert len(files) >= 4  # rotation: several files per crawl, each indexed on close
    assert first.stats["archive/indexed_files"] == len(first.warc_files)
    assert second.stats["archive/indexed_files"] == len(second.warc_files)
    assert "archive/index_errors" not in second.stats
    assert sorted(p.name for p in indexes.glob("*.cdxj")) == [INDEX_NAME]  # all merged
    lines = (indexes / INDEX_NAME).read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    # The same captures an indexer run over every file by hand finds, no more, no less.
    assert lines == _cdxj_indexer(files)


def test_reindexing_gives_the_same_index(twice, tmp_path):
    home, _, _ = twice
    indexes = home / "collections" / "tin" / "indexes"
    before = (indexes / INDEX_NAME).read_bytes()
    files, captures = reindex_collection(home / "collections" / "tin")
    assert files == len(warc_files(home))
    assert (indexes / INDEX_NAME).read_bytes() == before
    assert captures == len(before.splitlines())


def test_merging_streams_sorted_parts_and_drops_duplicates(tmp_path):
    def entry(url: str, ts: str) -> str:
        return f"{url_key(url)} {ts} {json.dumps({'url': url, 'offset': 0})}\n"

    (tmp_path / INDEX_NAME).write_text(
        entry("http://a.test/", "20260101000000") + entry("http://c.test/", "20260101000000")
    )
    (tmp_path / "one.warc.gz.cdxj").write_text(
        entry("http://b.test/", "20260102000000") + entry("http://c.test/", "20260101000000")
    )
    (tmp_path / "two.warc.gz.cdxj").write_text(entry("http://a.test/", "20260103000000"))
    assert merge_indexes(tmp_path) == 2
    merged = (tmp_path / INDEX_NAME).read_text().splitlines()
    assert [line.split(" ")[:2] for line in merged] == [
        ["test,a)/", "20260101000000"],
        ["test,a)/", "20260103000000"],
        ["test,b)/", "20260102000000"],
        ["test,c)/", "20260101000000"],
    ]
    assert sorted(p.name for p in tmp_path.glob("*.cdxj")) == [INDEX_NAME]
    assert [e.timestamp for e in lookup(tmp_path, "http://a.test/")] == [
        "20260101000000",
        "20260103000000",
    ]
    assert lookup(tmp_path, "http://d.test/") == []


def test_lookup_finds_every_capture_where_the_index_says(twice, world):
    home, _, _ = twice
    indexes = home / "collections" / "tin" / "indexes"
    for url in world.article_urls("thoisu.test")[:5]:
        entries = [e for e in lookup(indexes, url) if e.status == "200"]
        assert len(entries) == 2, url  # once per crawl
        for entry in entries:
            path = home / "collections" / "tin" / "archive" / entry.filename
            record = read_record_at(path, entry.offset, entry.length)
            assert record.rec_type in {"response", "revisit"}  # the second crawl: revisits
            assert dict(record.warc_headers)["WARC-Target-URI"] == url
            assert dict(record.warc_headers)["WARC-Payload-Digest"] == entry.digest


def _env(home: Path) -> dict[str, str]:
    return {"ARCHIVIST_HOME": str(home), "ARCHIVIST_TIMEZONE": "UTC"}


def test_captures_and_show_pick_the_capture_nearest_a_time(twice, world):
    home, _, _ = twice
    url = world.article_urls("thoisu.test")[0]
    listed = CliRunner().invoke(main, ["captures", url], env=_env(home))
    assert listed.exit_code == 0, listed.output
    assert f"2 captures of {url}" in listed.output
    stamps = [e.timestamp for e in lookup(home / "collections" / "tin" / "indexes", url)]
    first, latest = stamps[0], stamps[-1]
    assert first < latest

    shown = CliRunner().invoke(main, ["show", url, "--at", first], env=_env(home))
    assert shown.exit_code == 0, shown.output
    assert f"at {first[:4]}-{first[4:6]}-{first[6:8]} {first[8:10]}:" in shown.output
    assert "HTTP 200" in shown.output
    title = world.url_response(url)
    assert title is not None
    expected = decode_content(title.body, None).decode("utf-8")
    heading = expected.split("<title>", 1)[1].split("</title>", 1)[0]
    assert heading in shown.output  # the decoded body: Vietnamese text, not gzip bytes
    latest_shown = CliRunner().invoke(main, ["show", url], env=_env(home))
    assert f"{latest[8:10]}:{latest[10:12]}:{latest[12:14]} UTC" in latest_shown.output
    # The second crawl's capture is a revisit: its body comes from the original.
    assert "# revisit of" in latest_shown.output
    assert "(a revisit: the body is the capture of" in latest_shown.output
    assert heading in latest_shown.output

    raw = CliRunner().invoke(main, ["show", url, "--at", first, "--raw"], env=_env(home))
    entry = lookup(home / "collections" / "tin" / "indexes", url)[0]
    path = home / "collections" / "tin" / "archive" / entry.filename
    with path.open("rb") as fh:
        fh.seek(entry.offset)
        assert raw.stdout_bytes == fh.read(entry.length)
    assert gzip.decompress(raw.stdout_bytes).startswith(b"WARC/1.1\r\n")

    missing = CliRunner().invoke(main, ["captures", "http://thoisu.test/khong-co"], env=_env(home))
    assert missing.exit_code == 1
    assert "no capture of http://thoisu.test/khong-co" in missing.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except urllib.error.URLError:
        return 0, b""  # not listening yet


@pytest.mark.pywb
def test_archivist_replay_serves_every_article_as_the_server_sent_it(twice, world, wayback):
    home, _, _ = twice
    port = _free_port()
    env = {
        **os.environ,
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_PYWB_VENV": str(wayback.parent.parent),
    }
    proc = subprocess.Popen(
        [str(BIN / "archivist"), "replay", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while _get(f"http://127.0.0.1:{port}/")[0] != 200:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "pywb did not come up"
            time.sleep(0.3)
        indexes = home / "collections" / "tin" / "indexes"
        articles = world.article_urls("thoisu.test")
        replayed = 0
        for url in articles:
            captures = [e for e in lookup(indexes, url) if e.status == "200"]
            if not captures:
                continue
            sent = world.url_response(url)
            assert sent is not None
            status, body = _get(f"http://127.0.0.1:{port}/tin/{captures[0].timestamp}id_/{url}")
            assert status == 200, url
            assert body == sent.body, url  # urllib asks no gzip: pywb decodes what was stored
            # The second crawl's capture is a revisit record: it replays as the original.
            status, body = _get(f"http://127.0.0.1:{port}/tin/{captures[-1].timestamp}id_/{url}")
            assert (status, body) == (200, sent.body), url
            replayed += 1
        assert replayed >= 10

        # The page requisites replay too (pywb redirects to the nearest capture of each).
        page = world.url_response(articles[0])
        assert page is not None
        html = decode_content(page.body, None).decode("utf-8")
        requisites = {
            urllib.parse.urljoin(articles[0], ref)
            for ref in re.findall(r'(?:src|href)="([^"]+[.](?:css|png|jpg|jpeg|gif|svg|js))"', html)
        }
        assert requisites
        stamp = lookup(indexes, articles[0])[0].timestamp
        for url in sorted(requisites):
            status, body = _get(f"http://127.0.0.1:{port}/tin/{stamp}id_/{url}")
            sent = world.url_response(url)
            assert sent is not None
            assert (status, body) == (200, sent.body), url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()


def test_wacz_packages_the_collection_with_article_pages_and_valid_hashes(twice, world, tmp_path):
    import hashlib
    import zipfile

    home, _, second = twice
    out = tmp_path / "tin.wacz"
    made = CliRunner().invoke(main, ["wacz", "tin", "-o", str(out)], env=_env(home))
    assert made.exit_code == 0, made.output
    validated = subprocess.run(
        [str(BIN / "wacz"), "validate", "-f", str(out)], capture_output=True, text=True, check=False
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr

    with zipfile.ZipFile(out) as wacz:
        names = set(wacz.namelist())
        warcs = {p.name for p in warc_files(home)}
        assert {f"archive/{name}" for name in warcs} <= names
        for name in warcs:  # stored, not deflated: ReplayWeb.page reads byte ranges
            assert wacz.getinfo(f"archive/{name}").compress_type == zipfile.ZIP_STORED
        package = json.loads(wacz.read("datapackage.json"))
        for resource in package["resources"]:
            data = wacz.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
        assert {r["path"] for r in package["resources"]} >= {"pages/pages.jsonl"}
        lines = wacz.read("pages/pages.jsonl").decode("utf-8").splitlines()
    header, pages = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert header["format"] == "json-pages-1.0"
    with Store.for_home(home) as store:
        articles = {s.article.url: s.article for s in store.articles() if s.collection == "tin"}
    assert articles
    assert {page["url"] for page in pages} == set(articles)
    for page in pages:
        assert page["title"] == articles[page["url"]].title
        assert page["text"] == articles[page["url"]].body
        assert page["ts"].endswith("Z")
    assert len(pages) == len(articles)  # once each, though both crawls captured them

    only = tmp_path / "second.wacz"
    made = CliRunner().invoke(
        main, ["wacz", "tin", "--run", second.run_id, "-o", str(only)], env=_env(home)
    )
    # The crawl ran outside run bookkeeping: no row, a clear refusal.
    assert made.exit_code == 1
    assert f"no run {second.run_id!r}" in made.output


def test_wacz_of_one_run_holds_that_runs_files(tmp_path, demo_server):
    import zipfile

    from crawler.demo.run import route_settings

    write_source(tmp_path / "sources", "goc", "goc-nhin.test", family="wordpress")
    env = {**_env(tmp_path), "ARCHIVIST_SOURCES": str(tmp_path / "sources")}
    routes = route_settings(demo_server)["ROUTE_PROXIES"]
    args = ["crawl", "goc", "-s", f"ROUTE_PROXIES={routes}", "-s", "NETWORK_LOOPBACK_ONLY=1"]
    for _ in range(2):  # the second a full sweep: it captures the articles again
        done = CliRunner().invoke(main, [*args, "-s", "RECRAWL_SWEEP=full"], env=env)
        assert done.exit_code == 0, done.output
    with Store.for_home(tmp_path) as store:
        latest = store.runs(source="goc")[0]
    assert latest.warc_files
    out = tmp_path / "run.wacz"
    made = CliRunner().invoke(main, ["wacz", "goc", "--run", latest.id, "-o", str(out)], env=env)
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(out) as wacz:
        packed = {n.removeprefix("archive/") for n in wacz.namelist() if n.startswith("archive/")}
        pages = wacz.read("pages/pages.jsonl").decode("utf-8").splitlines()[1:]
    assert packed == set(latest.warc_files)
    assert len(warc_files(tmp_path)) == 2 * len(packed)  # the other run's files stay out
    assert pages  # this run's captures of the stored articles


@pytest.mark.pywb
def test_every_article_of_every_demo_site_replays_as_served(tmp_path, wayback):
    from crawler.demo import World

    env = {"ARCHIVIST_HOME": str(tmp_path), "ARCHIVIST_SOURCES": str(REPO_ROOT / "schedules")}
    done = CliRunner().invoke(main, ["demo", "--size", "6"], env=env)
    assert done.exit_code == 0, done.output
    world = World(6)  # the same deterministic world the demo served
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "archivist"), "replay", "--port", str(port)],
        env={**os.environ, **env, "ARCHIVIST_PYWB_VENV": str(wayback.parent.parent)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _get(f"http://127.0.0.1:{port}/")[0] != 200:
            assert proc.poll() is None, "archivist replay exited"
            assert time.monotonic() < deadline, "pywb did not come up"
            time.sleep(0.3)
        indexes = tmp_path / "collections" / "demo" / "indexes"
        checked = 0
        for host in world.hosts:
            for url in world.article_urls(host):
                (capture,) = [e for e in lookup(indexes, url) if e.status == "200"]
                sent = world.url_response(url)
                assert sent is not None
                status, body = _get(f"http://127.0.0.1:{port}/demo/{capture.timestamp}id_/{url}")
                assert (status, body) == (200, sent.body), url
                checked += 1
        assert checked >= 6 + 3  # the news site's articles and the blogs' reposts
    finally:
        proc.terminate()
        proc.wait(timeout=30)
