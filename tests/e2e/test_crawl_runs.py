"""Crawls that end badly still leave valid WARCs; the command lines work as documented."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import text

from archive.store import Store
from crawler.cli import main
from crawler.demo import World
from crawler.demo.run import route_settings
from crawler.demo.world import NEWS
from crawler.runs.child import CrawlRun
from crawler.runs.runbook import SourceLock
from crawler.sources.schema import load_source
from tests.helpers import REPO_ROOT
from tests.helpers.crawls import read_records, warc_files, warcio_check, write_source


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_stops_the_crawl_and_leaves_valid_files(tmp_path, demo_server):
    """The kernel refuses writes past 60 kB (RLIMIT_FSIZE: EFBIG, as a full disk would)."""
    source = write_source(tmp_path / "sources", "day-dia", "thoisu.test")
    settings = {**route_settings(demo_server), "LOG_FILE": ""}
    run = CrawlRun(load_source(source), source, tmp_path, settings)
    # The records database is also a file under the limit: it fails to open, which the
    # crawl survives (counted as extract/not_stored) while it captures.
    proc = subprocess.run(
        run.command,
        preexec_fn=_limit_file_size(60_000),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"},
        check=False,
    )
    stats = run.read_stats()
    assert stats.get("finish_reason") == "archive_write_failed", proc.stderr[-3000:]
    assert stats["archive/write_errors"] == 1
    assert "Cannot write to WARC file" in proc.stderr
    files = warc_files(tmp_path)
    assert files
    assert not list(tmp_path.rglob("*.open"))
    assert warcio_check(files).returncode == 0
    assert all(f.stat().st_size <= 60_000 for f in files)
    responses = [r for r in read_records(files) if r["type"] in {"response", "revisit"}]
    assert len(responses) * 2 == stats["archive/records"]


def _slow_crawl_mid_file(tmp_path, demo_server, name):
    """A crawl started slowly (0.3 s between requests), returned once it writes a WARC."""
    source = write_source(tmp_path / "sources", name, "thoisu.test")
    settings = {**route_settings(demo_server), "DOWNLOAD_DELAY": "0.3"}
    run = CrawlRun(load_source(source), source, tmp_path, settings)
    run.start()
    deadline = time.monotonic() + 60
    while not list(tmp_path.rglob("*.warc.gz.open")):
        assert time.monotonic() < deadline, "the crawl never opened a WARC file"
        time.sleep(0.1)
    time.sleep(1)
    assert run.pid is not None
    return run, source


def test_sigterm_closes_the_warc_files_cleanly(tmp_path, demo_server):
    run, _ = _slow_crawl_mid_file(tmp_path, demo_server, "dung-lai")
    run.signal(signal.SIGTERM)
    result = run.wait(timeout=60)
    assert result.finish_reason == "shutdown"
    files = warc_files(tmp_path)
    assert len(files) == 1
    assert not list(tmp_path.rglob("*.open"))
    assert warcio_check(files).returncode == 0


def test_a_sigterm_while_the_crawl_still_starts_is_a_clean_shutdown(tmp_path, demo_server):
    """Asked to stop while it still imports Scrapy (a busy machine, a short max_run_time),
    the crawl is not killed unclean: the signal waits for Scrapy's handler, and the run
    ends as any asked crawl does."""
    source = write_source(tmp_path / "sources", "som", "thoisu.test")
    run = CrawlRun(load_source(source), source, tmp_path, route_settings(demo_server))
    run.start()
    time.sleep(0.3)  # the child runs, Scrapy is still being imported
    run.signal(signal.SIGTERM)
    result = run.wait(timeout=120)
    assert result.finish_reason == "shutdown"
    assert result.returncode == 0
    assert not list(tmp_path.rglob("*.open"))
    files = warc_files(tmp_path)
    assert not files or warcio_check(files).returncode == 0


def test_scrapy_crawl_works_from_the_checkout(tmp_path, demo_server):
    env = {
        **os.environ,
        "ARCHIVIST_HOME": str(tmp_path),
        "ARCHIVIST_ROUTE_PROXIES": route_settings(demo_server)["ROUTE_PROXIES"],
        "ARCHIVIST_LOOPBACK_ONLY": "1",
    }
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=demo-news"]
    proc = subprocess.run(
        [*command, "-s", "CLOSESPIDER_PAGECOUNT=8"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = warc_files(tmp_path)
    assert [f.parent.parent.name for f in files] == ["demo"]
    assert files[0].name.startswith("demo-news-")
    assert warcio_check(files).returncode == 0
    wrong = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "blogger", "-a", "source=demo-news"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert wrong.returncode != 0
    assert "demo-news.yaml: family: is 'news'; run `scrapy crawl news`" in wrong.stderr


def test_cli_crawl_refuses_a_bad_source_naming_file_and_field(tmp_path):
    bad = tmp_path / "hong.yaml"
    bad.write_text(
        "name: hong\nseeds: [http://thoisu.test/]\ncontact: x@y.org\nlimits: {max_pages: -1}\n"
    )
    result = CliRunner().invoke(main, ["crawl", str(bad)], env={"ARCHIVIST_HOME": str(tmp_path)})
    assert result.exit_code == 2
    assert f"{bad}: limits.max_pages: Input should be greater than or equal to 0" in result.output
    missing = CliRunner().invoke(
        main, ["crawl", "khong-co"], env={"ARCHIVIST_SOURCES": str(tmp_path)}
    )
    assert missing.exit_code == 2
    assert "no source named 'khong-co'; did you mean `hong`? Known sources: hong" in missing.output
    assert not (tmp_path / "collections").exists()


def test_cli_crawl_runs_a_source_and_reports(tmp_path, demo_server, monkeypatch):
    source = write_source(tmp_path / "sources", "mot-lan", "goc-nhin.test", family="wordpress")
    # The fingerprints come after the crawl, with the source's lock released.
    free_while_indexing: list[bool] = []
    real_index = Store.index_passages

    def index_passages(store: Store, *args: Any, **kwargs: Any) -> int:
        lock = SourceLock(tmp_path, "mot-lan")
        free_while_indexing.append(lock.acquire("test"))
        lock.release()
        return real_index(store, *args, **kwargs)

    monkeypatch.setattr(Store, "index_passages", index_passages)
    env = {
        "ARCHIVIST_HOME": str(tmp_path),
        "ARCHIVIST_SOURCES": str(tmp_path / "sources"),
    }
    routes = route_settings(demo_server)
    args = [
        "crawl",
        "mot-lan",
        "-s",
        f"ROUTE_PROXIES={routes['ROUTE_PROXIES']}",
        "-s",
        "NETWORK_LOOPBACK_ONLY=1",
    ]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert "mot-lan" in result.output
    assert "finished" in result.output
    assert source.exists()
    assert warcio_check(warc_files(tmp_path)).returncode == 0
    assert free_while_indexing == [True]
    # After the crawl, not during it: every new version has its passage fingerprints.
    with Store.for_home(tmp_path) as store, store.engine.connect() as connection:
        counts = connection.execute(text("SELECT passages FROM article_versions")).scalars().all()
    assert counts
    assert all(n is not None and n > 0 for n in counts)


def test_demo_crawls_every_demo_source_and_a_second_run_is_incremental(tmp_path):
    env = {"ARCHIVIST_HOME": str(tmp_path), "ARCHIVIST_SOURCES": str(REPO_ROOT / "schedules")}
    first = CliRunner().invoke(main, ["demo", "--size", "8"], env=env)
    assert first.exit_code == 0, first.output
    names = ("demo-news", "demo-nhipcau", "demo-tiengdan", "demo-gocnhin", "demo-diendan")
    for name in names:
        assert name in first.output
    assert "5 sources," in first.output
    summary = next(line for line in first.output.splitlines() if line.startswith("5 sources,"))
    articles = int(summary.split(" articles")[0].rsplit(" ", 1)[1])
    assert articles > 8  # every news article and every blog post is extracted
    assert "WARC files" in first.output
    world = World(8)
    copies = sum(len(world.reposts(host)) for host in world.hosts if host != NEWS)
    originals = len(
        {o for host in world.hosts if host != NEWS for o in world.reposts(host).values()}
    )
    assert f"\n{originals} articles republished in {copies} copies" in first.output
    runs = CliRunner().invoke(main, ["runs"], env=env)
    assert runs.output.count(" finished ") == 5  # each demo crawl is a recorded run
    files_first = warc_files(tmp_path)
    assert len(files_first) == 5
    urls_first = _urls(files_first, ("response", "revisit"))
    with Store.for_home(tmp_path) as store:
        posts = {a.article.url for a in store.articles()}
    assert len(posts) == articles

    second = CliRunner().invoke(main, ["demo", "--size", "8"], env=env)
    assert second.exit_code == 0, second.output
    files_second = sorted(set(warc_files(tmp_path)) - set(files_first))
    assert len(files_second) == 5
    # An incremental run: home pages, listings, feeds and sitemaps again (as revisits
    # where unchanged), no known article, since no list says one changed.
    urls_second = _urls(files_second, ("response", "revisit"))
    assert set(urls_second) < set(urls_first)
    redirected = {
        r["http"].get_header("Location")
        for r in read_records(files_second)
        if r["type"] == "response" and r["http"].get_statuscode().startswith("3")
    }
    # (A redirect's target is followed whatever it is: the news site's redirect chain.)
    assert not (posts & set(urls_second)) - redirected
    assert len(_urls(files_second, ("revisit",))) > 0.9 * len(urls_second)
    assert sum(p.stat().st_size for p in files_second) < 0.5 * sum(
        p.stat().st_size for p in files_first
    )
    assert warcio_check(warc_files(tmp_path)).returncode == 0


def _urls(files, kinds=("response",)):
    return sorted(
        r["warc"].get_header("WARC-Target-URI") for r in read_records(files) if r["type"] in kinds
    )


def test_a_killed_crawl_leaves_a_file_the_next_crawl_recovers(tmp_path, demo_server):
    run, source = _slow_crawl_mid_file(tmp_path, demo_server, "bi-giet")
    run.signal(signal.SIGKILL)  # SIGKILL: no chance to close or rename anything
    run.wait(timeout=30)
    (left,) = tmp_path.rglob("*.warc.gz.open")
    again = CrawlRun(
        load_source(source),
        source,
        tmp_path,
        {**route_settings(demo_server), "CLOSESPIDER_PAGECOUNT": "3"},
    )
    again.start()
    result = again.wait(timeout=120)
    assert result.stats.get("archive/recovered_files") == 1
    assert not list(tmp_path.rglob("*.open"))
    recovered = left.with_name(left.name.removesuffix(".open"))
    assert recovered.exists()
    files = warc_files(tmp_path)
    assert len(files) == 2
    assert warcio_check(files).returncode == 0


def test_demo_serve_prints_how_to_crawl_and_serves_until_terminated(tmp_path):
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("archivist")), "demo", "serve", "--size", "5"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "ARCHIVIST_HOME": str(tmp_path)},
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(12)]
        text = "".join(lines)
        proxy = next(w for w in text.split() if w.startswith("http://127.0.0.1:"))
        for host in (
            "thoisu.test",
            "nhipcau.blogspot.test",
            "tiengdan.blogspot.test",
            "goc-nhin.test",
        ):
            assert f"http://{host}/" in text
        assert "ARCHIVIST_ROUTE_PROXIES=" in text
        assert "scrapy crawl news -a source=demo-news" in text
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
        with opener.open("http://goc-nhin.test/", timeout=10) as response:
            assert response.status == 200
            assert b"WordPress" in response.read()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        if proc.stdout:
            proc.stdout.close()


def test_sigterm_before_the_engine_runs_still_leaves_final_stats(
    tmp_path, demo_server, monkeypatch
):
    """Scrapy stops the reactor without closing the spider when asked to stop while the
    pipelines open; the run must still say it was shut down, not that it crashed."""
    source = write_source(tmp_path / "sources", "som", "thoisu.test")
    pipelines = '{"tests.helpers.slow_open.SlowOpenPipeline": 100}'
    settings = {**route_settings(demo_server), "ITEM_PIPELINES": pipelines}
    run = CrawlRun(load_source(source), source, tmp_path, settings)
    opening = tmp_path / "opening"
    monkeypatch.setenv("ARCHIVIST_TEST_OPENING", str(opening))
    run.start()
    deadline = time.monotonic() + 60
    while not opening.exists():
        assert time.monotonic() < deadline, run.log_path.read_text()[-3000:]
        time.sleep(0.05)
    run.signal(signal.SIGTERM)
    result = run.wait(timeout=60)
    assert result.returncode == 0
    assert result.stats.get("finish_reason") == "shutdown", run.log_path.read_text()[-3000:]
    assert not result.stats.get("live")
    assert "The engine stopped before the spider finished closing" in run.log_path.read_text()


def test_a_crawl_whose_every_request_was_refused_is_failed_with_the_reason(tmp_path):
    """The demo's hosts without their route: nothing fetched is no green 'finished'."""
    write_source(tmp_path / "sources", "khong-duong", "thoisu.test")
    env = {
        "ARCHIVIST_HOME": str(tmp_path),
        "ARCHIVIST_SOURCES": str(tmp_path / "sources"),
        "ARCHIVIST_ROUTE_PROXIES": "",
        "ARCHIVIST_LOOPBACK_ONLY": "1",
    }
    result = CliRunner().invoke(main, ["crawl", "khong-duong"], env=env)
    assert result.exit_code == 1
    assert "crawl of khong-duong failed: nothing was fetched" in result.output
    assert "no route" in result.output
    with Store.for_home(tmp_path) as store:
        (run,) = store.runs(source="khong-duong")
    assert run.status == "failed"
    assert run.finish_reason.startswith("nothing was fetched: its hosts are reserved names")
