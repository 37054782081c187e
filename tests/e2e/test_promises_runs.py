"""Runs, through the real command line against a loopback site (README, "Schedules and
runs"): one crawl per source for a manual ``archivist crawl`` too (the source's
``flock``), and ``--kill-after``: a crawl that does not stop when asked is killed,
recorded as killed (``-9 (SIGKILL)``), and its WARC files are left valid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from archive.store import Store
from tests.helpers.crawls import warc_files, warcio_check
from tests.helpers.logged_site import Reply, page, serving, write_source

if TYPE_CHECKING:
    from collections.abc import Callable
    from email.message import Message

ARCHIVIST = str(Path(sys.executable).with_name("archivist"))
ROBOTS = Reply(body=b"User-agent: *\nAllow: /\n", kind="text/plain")


def _env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_SOURCES": str(home / "sources"),
        "ARCHIVIST_LOOPBACK_ONLY": "1",
        "COLUMNS": "200",
    }
    env.pop("ARCHIVIST_STORE_URL", None)
    return env


def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"no {what} in {timeout} s"
        time.sleep(0.1)


def slow_pages(path: str, _headers: Message) -> Reply:
    """Twenty pages of 0.5 s each, one at a time: a crawl of 10 s or more."""
    if path == "/robots.txt":
        return ROBOTS
    if path == "/":
        return Reply(body=page([f"/p/{n}" for n in range(20)], "home"))
    return Reply(body=page([], f"page {path}"), delay=0.5)


def test_a_second_manual_crawl_of_a_source_being_crawled_refuses(tmp_path):
    with serving(slow_pages) as site:
        write_source(tmp_path / "sources", "mot-nguon", site, manners="{per_host: 1}")
        env = _env(tmp_path)
        first = subprocess.Popen(
            [ARCHIVIST, "crawl", "mot-nguon"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _until(lambda: any(p.startswith("/p/") for p in site.paths()), 60, "crawl")
            second = subprocess.run(
                [ARCHIVIST, "crawl", "mot-nguon"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            still_running = first.poll() is None
            out, err = first.communicate(timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
                first.communicate()
    assert second.returncode != 0, second.stdout
    # The server saw one crawl: every URL asked once.
    repeated = {path: n for path, n in Counter(site.paths()).items() if n > 1}
    assert not repeated, repeated
    assert len(site.paths()) == 23  # robots.txt, /sitemap.xml, the home page, 20 pages
    assert still_running, "the first crawl ended before the second was refused"
    assert first.returncode == 0, out + err
    refusal = second.stderr.strip().splitlines()
    assert len(refusal) == 1, second.stderr
    with Store.for_home(tmp_path) as store:
        runs = {r.status: r for r in store.runs(source="mot-nguon")}
    assert set(runs) == {"finished", "skipped"}
    assert refusal[0].startswith("Error: not crawling mot-nguon: source still running")
    assert "skipped" not in second.stdout  # one line of error, no table of a skipped run
    assert runs["finished"].id in refusal[0]  # it names the run that holds the source


def stalling(path: str, _headers: Message) -> Reply:
    """Pages that come at once, but for /treo, whose body stalls after half of it
    until the site shuts down: a crawl asked to stop waits for it, so it must be killed."""
    if path == "/robots.txt":
        return ROBOTS
    if path == "/":
        return Reply(body=page([*(f"/p/{n}" for n in range(5)), "/treo"], "home"))
    if path == "/treo":
        return Reply(body=page([], "x" * 20_000), stall=True)
    return Reply(body=page([], f"page {path}"))


def test_a_crawl_that_does_not_stop_is_killed_after_kill_after(tmp_path):
    kill_after = 3.0
    with serving(stalling) as site:
        write_source(
            tmp_path / "sources",
            "treo",
            site,
            schedule="{every: 1s, catch_up: false}",
        )
        daemon = subprocess.Popen(
            [ARCHIVIST, "scheduler", "--reload-interval", "1", "--kill-after", str(kill_after)],
            env=_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _until(lambda: "/treo" in site.paths(), 60, "request for /treo")
            time.sleep(1)  # the other pages are captured meanwhile
            asked = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=60)
            took = time.monotonic() - asked
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
            assert daemon.stderr is not None
            daemon.stderr.close()
    assert code == 0
    # Asked at once (SIGTERM), killed kill_after later: not before, and not much after.
    assert kill_after - 0.2 <= took < kill_after + 20, took
    with Store.for_home(tmp_path) as store:
        (run,) = [r for r in store.runs(source="treo") if r.status != "skipped"]
    assert run.status == "stopped"
    assert run.exit_code == -signal.SIGKILL
    assert "killed by SIGKILL" in (run.finish_reason or "")
    shown = subprocess.run(
        [ARCHIVIST, "run", "show", run.id],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "-9 (SIGKILL)" in shown.stdout, shown.stdout + shown.stderr
    files = warc_files(tmp_path)
    assert files
    assert not [p for p in files if p.name.endswith(".open")]
    check = warcio_check(files)
    assert check.returncode == 0, check.stdout + check.stderr
    assert run.pages >= 6  # counted from the WARC: robots.txt, the home page, five pages
