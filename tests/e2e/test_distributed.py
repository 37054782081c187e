"""One scheduler, three workers, on real Redis and PostgreSQL (README: "Scale-out"):
``archivist crawl SOURCE --distributed`` with three ``archivist worker`` processes on the
demo news site captures what one local crawl captures, each page once across all the
workers' WARC files, into one run row with the summed figures, with the host's delay
held between all workers' requests; a worker killed with SIGKILL mid-run costs nothing.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from archive.store import Store
from crawler.demo import DemoServer, World
from crawler.demo.run import route_settings
from crawler.demo.world import NEWS
from tests.helpers.crawls import crawl, read_records, warc_files, warcio_check
from tests.helpers.records import postgres_url
from tests.helpers.redis_keys import REDIS_URL, fresh_prefix

ARCHIVIST = str(Path(sys.executable).with_name("archivist"))
# Three crawl processes, their start-up and two runs: minutes on a loaded 2-core machine.
pytestmark = pytest.mark.timeout(600)
DELAY = 0.05  # seconds between two requests to the host, from all workers together


@pytest.fixture(scope="module")
def site():
    with DemoServer(World(12, slow_delay=0.3, large_bytes=200_000)) as server:
        yield server


@pytest.fixture
def pg_url():
    yield from postgres_url()


@pytest.fixture
def redis_prefix():
    yield from fresh_prefix()


def _source(folder: Path, delay: float = DELAY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tin.yaml"
    path.write_text(
        f"name: tin\nfamily: news\ncollection: tin\nseeds: [http://{NEWS}/]\n"
        f"contact: tests@example.org\nmanners: {{delay: {delay}, per_host: 2}}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def local_captures(site, tmp_path_factory):
    """What one local, single-process crawl of the same source captures: URL -> count."""
    home = tmp_path_factory.mktemp("local")
    result = crawl(_source(home / "sources", delay=0), home, site)
    assert result.ok, result.finish_reason
    return _captured(home)


def _captured(home: Path) -> Counter[str]:
    return _captured_in(warc_files(home))


def _captured_in(files: list[Path]) -> Counter[str]:
    return Counter(
        r["warc"].get_header("WARC-Target-URI")
        for r in read_records(files)
        if r["type"] in {"response", "revisit"}
    )


def _env(home: Path, site, pg: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_SOURCES": str(home / "sources"),
        "ARCHIVIST_STORE_URL": pg,
        "ARCHIVIST_REDIS_URL": REDIS_URL,
        "ARCHIVIST_REDIS_PREFIX": prefix,
        "ARCHIVIST_ROUTE_PROXIES": route_settings(site)["ROUTE_PROXIES"],
        "ARCHIVIST_LOOPBACK_ONLY": "1",
    }


def _start_workers(env: dict[str, str], home: Path, n: int = 3) -> list[subprocess.Popen[bytes]]:
    (home / "logs").mkdir(parents=True, exist_ok=True)
    workers = []
    for i in range(n):
        with (home / "logs" / f"worker{i}.err").open("wb") as err:  # the child keeps its copy
            workers.append(
                subprocess.Popen(
                    [ARCHIVIST, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=err
                )
            )
    return workers


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(60)


def _coordinate(env: dict[str, str], *settings: str) -> subprocess.Popen[str]:
    # One extraction process per worker: three crawls share the machine with the tests.
    command = [ARCHIVIST, "crawl", "tin", "--distributed", "-s", "CLUSTER_WORKER_TTL=5"]
    command += ["-s", "EXTRACT_WORKERS=1"]
    for setting in settings:
        command += ["-s", setting]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _pages_and_files(home: Path) -> None:
    """The workers' WARC files are valid, and so is the collection's index of them."""
    assert warcio_check(warc_files(home)).returncode == 0
    verify = subprocess.run(
        [ARCHIVIST, "verify", "--collection", "tin"], env={**os.environ, "ARCHIVIST_HOME": str(home)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_three_workers_capture_each_page_once_politely_into_one_run(
    tmp_path, site, local_captures, pg_url, redis_prefix
):
    _source(tmp_path / "sources")
    env = _env(tmp_path, site, pg_url, redis_prefix)
    site.clear_log()
    workers = _start_workers(env, tmp_path)
    try:
        coordinator = _coordinate(env)
        out, _ = coordinator.communicate(timeout=240)
        arrivals = sorted(e.time for e in site.log if e.host == NEWS)
        files = warc_files(tmp_path)
        # The same workers take the next run: a recrawl, deduplicated through PostgreSQL.
        recrawl = _coordinate(env)
        again, _ = recrawl.communicate(timeout=240)
    finally:
        _stop(workers)
    assert coordinator.returncode == 0, out

    captured = _captured_in(files)
    robots = f"http://{NEWS}/robots.txt"
    assert 1 <= captured[robots] <= 3
    assert captured - Counter({robots: 3}) == local_captures - Counter({robots: 3})
    _pages_and_files(tmp_path)
    writers = {path.name.split("-")[-1].split(".")[0] for path in files}
    assert len(writers) >= 2, files  # the work was shared: WARCs of several crawl processes

    with Store(pg_url) as store:
        recrawled, run = store.runs(source="tin")  # latest first
        articles = {stored.article.url for stored in store.articles()}
    assert run.status == "finished", run.finish_reason
    assert run.pages == sum(captured.values())  # every worker's pages, summed
    assert sorted(run.warc_files) == sorted(p.name for p in files)
    assert run.articles_new == len(articles) > 0

    # The host's delay held between all workers' requests, as the server saw them arrive.
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert arrivals[-1] - arrivals[0] >= DELAY * len(gaps) - 0.25, gaps
    # Granted DELAY apart; arrivals jitter by how long each worker took to send (a loaded
    # machine): a few come closer, most not.
    assert sum(g < DELAY / 2 for g in gaps) <= len(gaps) // 10, gaps

    # The recrawl: unchanged pages are revisits of the first run's captures, whichever
    # worker made them (the digest index and last captures are in PostgreSQL).
    assert recrawl.returncode == 0, again
    assert recrawled.status == "finished", recrawled.finish_reason
    first_ids = {
        r["warc"].get_header("WARC-Record-ID")
        for r in read_records(files)
        if r["type"] == "response"
    }
    new_files = [p for p in warc_files(tmp_path) if p not in files]
    revisits = [r for r in read_records(new_files) if r["type"] == "revisit"]
    assert revisits
    assert {r["warc"].get_header("WARC-Refers-To") for r in revisits} <= first_ids


def _crawling_worker(prefix: str, workers: list[subprocess.Popen[bytes]]) -> int:
    """The pid of a worker whose crawl has captured pages already (waits for one)."""
    client = redis.Redis.from_url(REDIS_URL)
    parents = {w.pid for w in workers}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for key in client.scan_iter(match=f"{prefix}:run:*:stats"):
            for name, raw in client.hgetall(key).items():
                crawl_pid = int(name.decode().rsplit("-", 1)[1])
                pages = int(json.loads(raw).get("downloader/response_count", 0))
                parent = _parent_of(crawl_pid)
                if pages >= 5 and parent in parents:
                    return parent
        time.sleep(0.2)
    raise AssertionError("no worker captured pages within 120 s")


def _parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def test_a_worker_killed_mid_run_costs_nothing(
    tmp_path, site, local_captures, pg_url, redis_prefix
):
    _source(tmp_path / "sources")
    env = _env(tmp_path, site, pg_url, redis_prefix)
    workers = _start_workers(env, tmp_path)
    try:
        coordinator = _coordinate(env)
        victim = _crawling_worker(redis_prefix, workers)
        os.kill(victim, signal.SIGKILL)
        out, _ = coordinator.communicate(timeout=240)
    finally:
        _stop(workers)
    assert coordinator.returncode == 0, out

    captured = _captured(tmp_path)
    missing = set(local_captures) - set(captured)
    assert missing == set()  # nothing lost: what the dead worker held was crawled again
    _pages_and_files(tmp_path)
    assert not list(tmp_path.glob("collections/*/archive/*.open"))  # its file was closed

    with Store(pg_url) as store:
        (run,) = store.runs(source="tin")
    assert run.status == "finished", run.finish_reason
    assert "1 worker(s) died" in (run.finish_reason or "")
    assert run.pages == sum(captured.values())


SLOW_DELAY = 0.4  # well above the pace of one crawl here: only a shared delay spaces 3 workers


def test_a_delay_above_the_crawls_own_pace_binds_three_workers_together(
    tmp_path, site, pg_url, redis_prefix
):
    """With DELAY far below a crawl's own pace, spacing says little; here each worker
    alone would send every 0.4 s, so three workers that did not share the host's delay
    would arrive about 0.13 s apart. The server's arrival log says which happened."""
    _source(tmp_path / "sources", delay=SLOW_DELAY)
    env = _env(tmp_path, site, pg_url, redis_prefix)
    site.clear_log()
    workers = _start_workers(env, tmp_path)
    try:
        coordinator = _coordinate(env)
        out, _ = coordinator.communicate(timeout=300)
        arrivals = sorted(e.time for e in site.log if e.host == NEWS)
    finally:
        _stop(workers)
    assert coordinator.returncode == 0, out
    per_writer = Counter(
        path.name.split("-")[-1].split(".")[0]
        for path in warc_files(tmp_path)
        for record in read_records([path])
        if record["type"] in {"response", "revisit"}
    )
    busy = [writer for writer, n in per_writer.items() if n >= 3]
    assert len(busy) >= 2, per_writer  # several workers really crawled the host at once
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(gaps) >= 20, gaps
    assert sum(g < SLOW_DELAY / 2 for g in gaps) <= len(gaps) // 10, gaps
    assert arrivals[-1] - arrivals[0] >= SLOW_DELAY * len(gaps) * 0.9, gaps


def _runs_of(pg_url: str) -> list:
    with Store(pg_url) as store:
        return store.runs(source="tin")


def test_the_scheduler_crawls_a_distributed_source_on_the_workers(
    tmp_path, site, local_captures, pg_url, redis_prefix
):
    """A source marked ``distributed: true`` is crawled by ``archivist scheduler`` on the
    workers, not in a local child: several crawl processes write its WARCs, the run row is
    the scheduler's, and stopping the scheduler mid-run leaves no run open on any side."""
    path = _source(tmp_path / "sources")
    with path.open("a", encoding="utf-8") as out:
        out.write("distributed: true\nschedule: {every: 3s, jitter: 0s}\n")
    env = _env(tmp_path, site, pg_url, redis_prefix)
    workers = _start_workers(env, tmp_path)
    with (tmp_path / "logs" / "scheduler.err").open("wb") as err:
        scheduler = subprocess.Popen(
            [ARCHIVIST, "scheduler", "--reload-interval", "1", "--kill-after", "30"],
            env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not (done := [r for r in _runs_of(pg_url) if r.status == "finished"]):
            assert scheduler.poll() is None, (tmp_path / "logs" / "scheduler.err").read_text()
            assert time.monotonic() < deadline, _runs_of(pg_url)
            time.sleep(0.5)
        scheduler.send_signal(signal.SIGTERM)  # the next fire's run may be under way
        assert scheduler.wait(120) == 0, (tmp_path / "logs" / "scheduler.err").read_text()
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.wait(10)
        _stop(workers)

    run = done[-1]  # the first scheduled run (latest first)
    files = [p for p in warc_files(tmp_path) if p.name in set(run.warc_files)]
    captured = _captured_in(files)
    robots = f"http://{NEWS}/robots.txt"
    assert captured - Counter({robots: 3}) == local_captures - Counter({robots: 3})
    writers = {p.name.split("-")[-1].split(".")[0] for p in files}
    assert len(writers) >= 2, files  # the workers' crawl processes, not one local child
    assert run.pages == sum(captured.values())
    assert not [r for r in _runs_of(pg_url) if r.status in {"running", "queued"}]
    client = redis.Redis.from_url(REDIS_URL)
    assert not client.smembers(f"{redis_prefix}:runs")  # no run left open to the workers
    assert not list(client.scan_iter(match=f"{redis_prefix}:run:*"))  # each run forgotten
    assert not list(tmp_path.glob("collections/*/archive/*.open"))
    _pages_and_files(tmp_path)
