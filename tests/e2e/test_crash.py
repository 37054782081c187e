"""Kill it anywhere: what a crawl killed outright leaves, and how it is taken up again."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from archive.store import Store
from archive.warc.reader import read_warcinfo
from crawler.demo.run import route_settings
from crawler.runs.child import CrawlRun
from crawler.sources.schema import load_source
from tests.helpers.crawls import read_records, warc_files, warcio_check, write_source


def _children(pid: int) -> set[int]:
    """The processes ``pid`` started that still run (Linux: /proc/<pid>/task/*/children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def test_the_extraction_processes_end_with_a_killed_crawl(tmp_path, demo_server):
    source = write_source(tmp_path / "sources", "chet-theo", "thoisu.test")
    settings = {**route_settings(demo_server), "DOWNLOAD_DELAY": "0.2", "EXTRACT_WORKERS": "2"}
    run = CrawlRun(load_source(source), source, tmp_path, settings)
    run.start()
    assert run.pid is not None
    deadline = time.monotonic() + 90
    while len(pool := _children(run.pid)) < 2 or not run.read_stats().get("extract/articles"):
        assert run.poll() is None, "the crawl ended before its pool was at work"
        assert time.monotonic() < deadline, "no pool at work"
        time.sleep(0.1)
    run.signal(signal.SIGKILL)
    run.wait(timeout=30)
    deadline = time.monotonic() + 15
    while left := [pid for pid in pool if _alive(pid)]:
        assert time.monotonic() < deadline, f"extraction processes outlived the crawl: {left}"
        time.sleep(0.1)
    # Each closed its derived WARC between two pages before it went: nothing left open.
    assert not list((tmp_path / "collections").rglob("derived/*.open"))
    assert list((tmp_path / "collections").rglob("derived/*.warc.gz"))


# -- killed at random instants, resumed each time -------------------------------------------

ARCHIVIST = str(Path(sys.executable).with_name("archivist"))
KILLS = 20


def _env(home: Path, sources: Path, server) -> dict[str, str]:
    return {
        **os.environ,
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_SOURCES": str(sources),
        "ARCHIVIST_ROUTE_PROXIES": route_settings(server)["ROUTE_PROXIES"],
        "ARCHIVIST_LOOPBACK_ONLY": "1",
    }


def _crawl_child(pid: int, deadline: float) -> int | None:
    """The crawl process ``archivist crawl`` (pid) started, once it runs."""
    while time.monotonic() < deadline:
        for child in _children(pid):
            try:
                if b"crawler.runs.crawl" in Path(f"/proc/{child}/cmdline").read_bytes():
                    return child
            except OSError:
                continue
        if not _alive(pid):
            return None
        time.sleep(0.02)
    return None


def _responses(home: Path) -> Counter[str]:
    """How many times each URL was captured (responses and revisits) in the collection."""
    return Counter(
        r["warc"].get_header("WARC-Target-URI")
        for r in read_records(warc_files(home))
        if r["type"] in {"response", "revisit"}
    )


def _requests(server) -> Counter[str]:
    """How many times the demo server was asked for each URL of the news site."""
    return Counter(f"{e.host}{e.target}" for e in server.log if e.host == "thoisu.test")


def _store_contents(home: Path) -> tuple[set[str], Counter[str]]:
    with Store(f"sqlite:///{home / 'archivist.db'}") as store:
        articles = store.articles(limit=None)
        versions = Counter({a.article.url: len(store.versions(a.article.url)) for a in articles})
        return {a.article.url for a in articles}, versions


def _pool_processes(home: Path) -> list[int]:
    """Processes, anywhere, that a crawl of ``home`` started (they carry its exit file)."""
    found = []
    marker = f"ARCHIVIST_EXIT_FILE={home}".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (proc / "environ").read_bytes() and _alive(int(proc.name)):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _work_on(server, crawl: int, requests: int, then: float) -> None:
    """Until ``server`` has seen ``requests`` more requests or the crawl ended, then ``then`` s."""
    target = len(server.log) + requests
    deadline = time.monotonic() + 60
    while _alive(crawl) and len(server.log) < target:
        assert time.monotonic() < deadline, "the crawl made no progress in 60 s"
        time.sleep(0.005)
    time.sleep(then)


def _capturing(home: Path, crawl: int, deadline: float) -> bool:
    """Wait until the crawl process has its WARC file open: past its start-up."""
    while time.monotonic() < deadline and _alive(crawl):
        if list(home.glob(f"collections/*/archive/*-{crawl}.warc.gz.open")):
            return True
        time.sleep(0.02)
    return False


def _reference(tmp_path: Path, server, name: str) -> tuple[Path, float]:
    """An unbroken crawl; returns its home and how long it captured (start-up aside)."""
    home, sources = tmp_path / "reference", tmp_path / "sources"
    path = write_source(sources, name, "thoisu.test")
    # Paced (as a polite crawl is), so that the kills land all along the crawl's work.
    path.write_text(path.read_text(encoding="utf-8") + "manners: {delay: 80ms}\n", "utf-8")
    proc = subprocess.Popen(
        [ARCHIVIST, "crawl", name],
        env=_env(home, sources, server),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    crawl = _crawl_child(proc.pid, time.monotonic() + 60)
    assert crawl is not None
    assert _capturing(home, crawl, time.monotonic() + 60)
    started = time.monotonic()
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out.decode()[-2000:]
    return home, time.monotonic() - started


@pytest.mark.parametrize("kill", ["crawl", "both"])
def test_killed_anywhere_and_resumed_a_crawl_archives_what_an_unbroken_one_does(
    tmp_path, demo_server, kill
):
    """SIGKILL at random instants (the crawl alone, or ``archivist crawl`` with it: a power
    cut), ``archivist crawl --resume`` after each; the end equals an unbroken crawl."""
    name = "giet-tiep"
    demo_server.clear_log()
    reference, seconds = _reference(tmp_path, demo_server, name)
    served_once = _requests(demo_server)
    # Each kill after a random share of the work, counted in requests the server saw (at
    # most 1/(KILLS + 5) of the unbroken crawl's), then a random instant within the 80 ms
    # pacing: all KILLS kills land before the crawl is done however loaded the machine.
    # (A share of the unbroken crawl's time did not: a reference crawl slowed by another
    # process's load left 14 of 20 kills to land.)
    most = max(1, sum(served_once.values()) // (KILLS + 5))
    demo_server.clear_log()
    home, sources = tmp_path / "killed", tmp_path / "sources"
    env = _env(home, sources, demo_server)
    rng = random.Random(f"{kill}-{KILLS}")
    kills, attempts, started = 0, 0, time.monotonic()
    while True:
        command = [ARCHIVIST, "crawl", name, *(["--resume"] if attempts else [])]
        attempts += 1
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        crawl = _crawl_child(proc.pid, time.monotonic() + 60)
        # A random instant of the crawl's work, counted from when it opens its WARC
        # (start-up takes no kill).
        if crawl is not None and kills < KILLS and _capturing(home, crawl, time.monotonic() + 60):
            _work_on(demo_server, crawl, rng.randint(1, most), rng.uniform(0.0, 0.08))
            if _alive(crawl):
                if kill == "both":
                    os.kill(proc.pid, signal.SIGKILL)
                os.kill(crawl, signal.SIGKILL)
                kills += 1
        out, _ = proc.communicate(timeout=300)
        if proc.returncode == 0 or b"its latest run is finished" in out:
            break  # (killed as it ended: the command that looked next closed it finished)
        assert kills, out.decode()[-3000:]
        assert attempts <= KILLS + 2, out.decode()[-3000:]
    lost = time.monotonic() - started - seconds
    served = _requests(demo_server)
    twice = sum(max(0, served[key] - served_once[key]) for key in served)
    assert kills == KILLS, f"only {kills} kills landed before the crawl was done"

    # No run left running, no .open file, no extraction process.
    runs = subprocess.run([ARCHIVIST, "runs"], env=env, capture_output=True, text=True, check=True)
    assert " running " not in runs.stdout
    assert " queued " not in runs.stdout
    (row,) = [line for line in runs.stdout.splitlines() if line.startswith("20")]
    assert " finished " in row  # one run, resumed to its end
    assert not list(home.rglob("*.open"))
    assert _pool_processes(home) == []
    # Every file whole and verified, its index included.
    assert warcio_check(warc_files(home)).returncode == 0
    verify = subprocess.run(
        [ARCHIVIST, "verify", "--collection", name],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout[-3000:]
    # Every page of the unbroken crawl captured; again only what was in flight at a kill.
    want, got = _responses(reference), _responses(home)
    assert set(want) <= set(got), sorted(set(want) - set(got))[:10]
    again = sum(max(0, got[url] - want[url]) for url in got)
    assert again <= kills * 16, f"{again} captures beyond the unbroken crawl's, {kills} kills"
    # The same articles and versions as the unbroken crawl.
    assert _store_contents(home) == _store_contents(reference)
    # What the server was asked again: the requests in flight at each kill, at most.
    assert twice <= kills * 16, f"{twice} requests beyond the unbroken crawl's"
    logging.getLogger(__name__).info(
        "%s: %d kills over %d attempts; %d requests made again, %d captures repeated; "
        "%.1fs more than the unbroken crawl's %.1fs of capture",
        kill,
        kills,
        attempts,
        twice,
        again,
        lost,
        seconds,
    )


SCHEDULER_KILLS = 6


def _run_captures(home: Path, run_id: str) -> Counter[str]:
    """How many times each URL was captured by one run (its files' warcinfo names it)."""
    return Counter(
        r["warc"].get_header("WARC-Target-URI")
        for path in warc_files(home)
        if read_warcinfo(path).get("archivist-run-id") == run_id
        for r in read_records([path])
        if r["type"] in {"response", "revisit"}
    )


def _first_run(home: Path):
    if not (home / "archivist.db").exists():
        return None
    with Store(f"sqlite:///{home / 'archivist.db'}") as store:
        found = store.runs(limit=None)
    return found[-1] if found else None  # runs() lists the latest first


def test_a_scheduler_killed_with_its_crawl_resumes_the_run_when_it_starts_again(
    tmp_path, demo_server
):
    name = "lich-giet"
    reference, seconds = _reference(tmp_path, demo_server, name)
    home, sources = tmp_path / "scheduled", tmp_path / "sources"
    text = (sources / f"{name}.yaml").read_text(encoding="utf-8")
    (sources / f"{name}.yaml").write_text(text + "schedule: {every: 3s}\n", encoding="utf-8")
    env = _env(home, sources, demo_server)
    first, kills = _kill_the_scheduler_with_its_crawl(home, env, seconds)
    assert kills >= 3, f"only {kills} kills landed"
    with Store(f"sqlite:///{home / 'archivist.db'}") as store:
        assert not store.runs(status="running")
        assert not store.runs(status="queued")
    assert not list(home.rglob("*.open"))
    assert _pool_processes(home) == []
    assert warcio_check(warc_files(home)).returncode == 0
    want, got = _responses(reference), _run_captures(home, first.id)
    assert set(want) <= set(got), sorted(set(want) - set(got))[:10]
    again = sum(max(0, got[url] - want[url]) for url in got)
    assert again <= kills * 16, f"{again} captures beyond the unbroken crawl's, {kills} kills"
    assert _store_contents(home) == _store_contents(reference)


def _kill_the_scheduler_with_its_crawl(home: Path, env: dict[str, str], seconds: float):
    """Kill the scheduler and its crawl at random instants (a power cut), start it again
    each time, then let it finish the run; returns the run and the kills that landed."""
    command = [ARCHIVIST, "scheduler", "--reload-interval", "1", "--kill-after", "15"]
    rng = random.Random("scheduler")
    kills, first = 0, None
    daemon = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        while kills < SCHEDULER_KILLS:
            crawl = _crawl_child(daemon.pid, time.monotonic() + 60)
            assert crawl is not None, "the scheduler started no crawl"
            first = first or _first_run(home)
            if _capturing(home, crawl, time.monotonic() + 60):
                time.sleep(rng.uniform(0.0, seconds / 3))
            if not _alive(crawl):
                break  # it finished before the kill
            daemon.kill()  # a power cut: the scheduler and its crawl at once
            os.kill(crawl, signal.SIGKILL)
            daemon.wait(timeout=30)
            kills += 1
            daemon = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        assert first is not None
        deadline = time.monotonic() + 240
        with Store(f"sqlite:///{home / 'archivist.db'}") as store:
            while (run := store.get_run(first.id)) is None or run.status != "finished":
                assert time.monotonic() < deadline, f"run {first.id} never finished: {run}"
                assert daemon.poll() is None
                time.sleep(0.5)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(timeout=30)
    return first, kills
