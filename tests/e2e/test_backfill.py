"""``archivist backfill`` from a real pywb on loopback standing in for the Wayback Machine.

The remote archive is the demo news site crawled twice, an article edited between the
two crawls, by this crawler into a folder of its own, served by pywb (its CDX server and
its ``id_`` replay). Then the live site takes two articles down, and a fresh collection
is backfilled from the remote archive and crawled live: the two are reported removed,
with the versions only the remote archive kept in their history.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import warnings
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html
from starlette.exceptions import StarletteDeprecationWarning

from archive.store import Store
from crawler.cli import main
from crawler.cli.researchers import print_history
from crawler.console import create_app
from crawler.demo import DemoServer, World
from crawler.runs.resume import resumable
from tests.helpers.crawls import crawl, read_records, warc_files, warcio_check, write_source
from tests.helpers.demo_hosts import CLASSIC, LARGE, NEWS, SLOW, SMALL
from tests.helpers.pywb_harness import PywbServer

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 for its TestClient; httpx (a test extra) still works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

EDIT = "Cập nhật: tòa soạn bổ sung ý kiến chuyên gia về vụ việc."


@pytest.fixture(scope="module")
def remote(tmp_path_factory, wayback):
    """The old world in a pywb archive; the world now, with two articles taken down."""
    base = tmp_path_factory.mktemp("backfill")
    world = World(SMALL, slow_delay=SLOW, large_bytes=LARGE)
    source = write_source(base / "sources", "tin", NEWS)
    blog = write_source(base / "sources", "blog", CLASSIC, family="blogger")
    urls = world.article_urls(NEWS)
    edited, gone = urls[0], urls[1:3]
    with DemoServer(world) as server:
        first = crawl(source, base / "remote", server)
        assert first.ok, first.finish_reason
        reposts = crawl(blog, base / "remote", server)
        assert reposts.ok, reposts.finish_reason
        time.sleep(1.1)  # the edit's capture a second later: another 14-digit timestamp
        world.edit(edited, EDIT, datetime.now(UTC))
        second = crawl(source, base / "remote", server, RECRAWL_SWEEP="full")
        assert second.ok, second.finish_reason
        for url in gone:
            world.delete(url, "404")
        with PywbServer(base / "remote", wayback) as pywb:
            yield {
                "base": base,
                "source": source,
                "server": server,
                "pywb": pywb,
                "archive": f"{pywb.base_url}/tin/",
                "edited": edited,
                "gone": gone,
            }


def _cdx(pywb: PywbServer) -> list[dict]:
    query = urllib.parse.urlencode({"url": NEWS, "matchType": "host", "output": "json"})
    with urllib.request.urlopen(f"{pywb.base_url}/tin/cdx?{query}", timeout=30) as answer:
        return [json.loads(line) for line in answer.read().decode().splitlines() if line]


def _backfill(remote, home, source="tin"):
    env = {"ARCHIVIST_HOME": str(home), "ARCHIVIST_SOURCES": str(remote["source"].parent)}
    archive = remote["archive"].replace("/tin/", f"/{source}/")
    return CliRunner().invoke(
        main, ["backfill", source, "--archive", archive, "--delay", "0"], env=env
    )


@pytest.fixture(scope="module")
def backfilled(remote):
    home = remote["base"] / "local"
    result = _backfill(remote, home)
    assert result.exit_code == 0, result.output
    return home, result.output


def _article_captures(remote) -> dict[str, dict[str, str]]:
    """Article URL -> digest -> the remote archive's first timestamp with it."""
    articles = set(World(SMALL).article_urls(NEWS))
    first: dict[str, dict[str, str]] = defaultdict(dict)
    for line in sorted(_cdx(remote["pywb"]), key=lambda c: c["timestamp"]):
        if line["url"] in articles and line.get("status") == "200" and "html" in line["mime"]:
            first[line["url"]].setdefault(line["digest"], line["timestamp"])
    return first


def test_every_article_capture_is_brought_in_once_with_its_original_date(remote, backfilled):
    home, output = backfilled
    wanted = _article_captures(remote)
    assert len(wanted[remote["edited"]]) == 2  # the remote archive holds both versions
    records = [r for r in read_records(warc_files(home)) if r["type"] == "response"]
    held: dict[str, dict[str, str]] = defaultdict(dict)
    for record in records:
        url = record["warc"].get_header("WARC-Target-URI")
        digest = record["warc"].get_header("WARC-Payload-Digest")
        assert digest not in held[url], f"{url} brought in twice"
        held[url][digest] = record["warc"].get_header("WARC-Date")
        assert record["warc"].get_header("WARC-Source-URI").startswith(remote["archive"])
        assert record["warc"].get_header("WARC-Creation-Date") > held[url][digest]
    for url, digests in wanted.items():
        dates = {
            d: datetime.fromisoformat(w).strftime("%Y%m%d%H%M%S") for d, w in held[url].items()
        }
        assert dates == digests, url
    assert "fetched" in output


def test_backfilled_versions_know_the_archive_and_when_it_saw_them(remote, backfilled):
    home, _ = backfilled
    wanted = _article_captures(remote)[remote["edited"]]
    with Store.for_home(home) as store:
        versions = store.versions(remote["edited"])
        run = store.runs(source="tin")[0]
    assert len(versions) == 2
    assert [v.fetched_at.strftime("%Y%m%d%H%M%S") for v in versions] == sorted(wanted.values())
    assert all(v.origin and v.origin.startswith(remote["archive"]) for v in versions)
    assert EDIT in versions[1].article.body
    assert EDIT not in versions[0].article.body
    assert versions[0].article.published is not None  # dates extracted as from live pages
    assert run.status == "finished"
    assert run.articles_new == len(World(SMALL).article_urls(NEWS))


def test_a_live_crawl_then_reports_the_lost_articles_removed_with_their_history(
    remote, backfilled, capsys
):
    home, _ = backfilled
    live = crawl(remote["source"], home, remote["server"], RECRAWL_SWEEP="full")
    assert live.ok, live.finish_reason
    gone = remote["gone"][0]
    with Store.for_home(home) as store:
        removed = {e.url for e in store.events() if e.kind == "removed"}
        assert removed == set(remote["gone"])
        print_history(store, gone)
        versions = store.versions(gone)
    assert len(versions) == 1
    assert versions[0].origin is not None
    lines = capsys.readouterr().out.splitlines()
    archive = f"archive {urllib.parse.urlsplit(remote['archive']).netloc}"
    seen = next(i for i, line in enumerate(lines) if archive in line)
    gone_at = next(i for i, line in enumerate(lines) if line.strip().startswith("removed"))
    assert seen < gone_at  # one timeline: the archive's capture, then the live crawl's 404
    # the console's history page: the same timeline, the version replayed at its date
    with TestClient(create_app(home, remote["source"].parent)) as client:
        page = client.get("/history", params={"url": gone})
    assert page.status_code == 200
    rows = html.fromstring(page.text).cssselect("table.history tbody tr")
    assert [row.get("class") for row in rows] == ["version backfilled", "event event-removed"]
    assert archive in rows[0].text_content()
    link = rows[0].cssselect("a.replay")[0].get("href")
    assert f"/tin/{versions[0].fetched_at:%Y%m%d%H%M%S}/{gone}" in link


def test_republications_are_found_among_backfilled_captures(remote, tmp_path):
    home = tmp_path / "reposts"
    for source in ("tin", "blog"):
        result = _backfill(remote, home, source)
        assert result.exit_code == 0, result.output
    with Store.for_home(home) as store:
        found = store.republications()
        copies = {pair.copy.url for pair in found}
        assert found
        assert all(pair.original.url in World(SMALL).article_urls(NEWS) for pair in found)
        assert copies <= set(World(SMALL).article_urls(CLASSIC))
        credited = [store.versions(url)[0] for url in copies]
    assert all(v.origin for v in credited)
    assert any(v.article.credit is not None for v in credited)  # "(Theo ...)" read as live


def test_backfilled_warcs_pass_warcio_and_verify(backfilled):
    home, _ = backfilled
    files = warc_files(home)
    assert warcio_check(files).returncode == 0
    verified = CliRunner().invoke(main, ["verify", *map(str, files)])
    assert verified.exit_code == 0, verified.output


def test_a_second_backfill_fetches_nothing_new(remote, backfilled):
    home, _ = backfilled
    before = sorted(warc_files(home))
    result = _backfill(remote, home)
    assert result.exit_code == 0, result.output
    assert " 0 fetched" in result.output
    assert sorted(warc_files(home)) == before


def test_a_killed_backfill_goes_on_where_it_stopped(remote, backfilled):
    """SIGKILL mid-way; the next backfill closes the dead run (its file cut back to the last
    whole record, its captures recorded) and fetches only the rest: each capture once."""
    home = remote["base"] / "killed"
    env = {
        **os.environ,
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_SOURCES": str(remote["source"].parent),
    }
    archivist = str(Path(sys.executable).with_name("archivist"))
    command = [archivist, "backfill", "tin", "--archive", remote["archive"], "--delay", "0.2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    folder = home / "collections" / "tin" / "archive"
    deadline = time.monotonic() + 60
    while not any(p.stat().st_size > 15_000 for p in folder.glob("*.open")):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the backfill wrote nothing in 60 s"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    process.stderr.close()
    result = _backfill(remote, home)
    assert result.exit_code == 0, result.output
    fetched = int(result.output.split(" fetched")[0].rsplit(" ", 1)[-1])
    full = sum(  # what the unbroken backfill fetched (the live crawl wrote there too)
        1
        for r in read_records(warc_files(backfilled[0]))
        if r["warc"].get_header("WARC-Source-URI")
    )
    assert 0 < fetched < full
    responses = [r for r in read_records(warc_files(home)) if r["type"] == "response"]
    keys = [
        (r["warc"].get_header("WARC-Target-URI"), r["warc"].get_header("WARC-Payload-Digest"))
        for r in responses
    ]
    assert len(keys) == len(set(keys)) == full
    with Store.for_home(home) as store:
        runs = store.runs(source="tin")
        assert resumable(store, "tin") is None  # a crawl never resumes a backfill's run
    assert [run.status for run in runs] == ["finished", "interrupted"]
    assert "archivist backfill tin again continues it" in (runs[1].finish_reason or "")
    assert warcio_check(warc_files(home)).returncode == 0


def test_pywb_replays_a_backfilled_capture_at_its_original_date(remote, backfilled, wayback):
    home, _ = backfilled
    url = remote["gone"][0]
    (_digest, stamp), *_ = _article_captures(remote)[url].items()
    status, _, original = remote["pywb"].fetch("tin", url, stamp)
    assert status == 200
    with PywbServer(home, wayback) as pywb:
        status, headers, body = pywb.fetch("tin", url, stamp)
    assert status == 200
    assert body == original
    assert headers["memento-datetime"] == datetime.strptime(stamp, "%Y%m%d%H%M%S").strftime(
        "%a, %d %b %Y %H:%M:%S GMT"
    )
