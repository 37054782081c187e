"""A run's closing status, what a resumed run has left of its time, whose crawl is whose."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from archive.store import RunRecord
from crawler.runs.orphans import crawl_state
from crawler.runs.outcome import closing_status
from crawler.runs.resume import combined_figures, time_left
from crawler.runs.runbook import SourceLock

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def test_the_finish_reason_decides_whatever_the_exit_code():
    pages = {"downloader/response_count": 5}
    assert closing_status(None, {**pages, "finish_reason": "finished"}) == "finished"
    assert closing_status(None, {**pages, "finish_reason": "closespider_pagecount"}) == "finished"
    assert closing_status(None, {**pages, "finish_reason": "archive_write_failed"}) == "failed"
    # Live stats are not the crawl's last word: it was cut short.
    assert closing_status(None, {"finish_reason": "finished", "live": True}) == "interrupted"
    assert closing_status(None, {}) == "interrupted"
    assert closing_status("timed_out", {"finish_reason": "shutdown"}) == "timed_out"


def test_a_resumed_run_has_what_is_left_of_its_budget_from_its_first_start():
    run = RunRecord("r", "s", "s", "interrupted", started_at=T0)
    assert time_left(run, 3600, T0 + timedelta(minutes=20)) == 2400
    assert time_left(run, 3600, T0 + timedelta(hours=2)) == -3600
    assert time_left(run, None, T0 + timedelta(hours=2)) is None


def test_the_figures_of_a_resumed_run_add_up_and_served_pages_count_once():
    before = RunRecord(
        "r", "s", "s", "interrupted", pages=40, archived_bytes=1000,
        articles_unchanged=2, errors={"http:500": 3}, warc_files=("a.warc.gz",),
    )  # fmt: skip
    now = {
        "pages": 70, "archived_bytes": 500, "articles_new": 0, "articles_changed": 0,
        "articles_unchanged": 1, "errors": {"http:500": 3, "http:404": 1},
        "warc_files": ("b.warc.gz",),
    }  # fmt: skip
    stats = {"resume/served": 41, "resume/served_status/500": 3}
    total = combined_figures(before, now, stats)
    assert total["pages"] == 40 + 70 - 41
    assert total["archived_bytes"] == 1500
    assert total["errors"] == {"http:500": 3, "http:404": 1}  # the served 500s once
    assert total["warc_files"] == ("a.warc.gz", "b.warc.gz")


def test_a_run_is_watched_while_its_watcher_lives_and_unwatched_after(tmp_path):
    run = RunRecord("run-1", "nguon", "nguon", "running")
    assert crawl_state(tmp_path, run) == "dead"  # nobody holds the source's lock
    lock = SourceLock(tmp_path, "nguon")
    assert lock.acquire("run-1")  # this process: a live watcher
    try:
        assert crawl_state(tmp_path, run) == "watched"
        other = RunRecord("run-0", "nguon", "nguon", "running")
        assert crawl_state(tmp_path, other) == "dead"  # its source is another run's
    finally:
        lock.release()
    # A crawl that outlived its watcher: it holds the lock (inherited), and the watcher
    # pid the lock file names is gone.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    code = (
        "import fcntl, os, sys\n"
        f"fd = os.open({str(lock.path)!r}, os.O_RDWR)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        f"os.ftruncate(fd, 0); os.pwrite(fd, b'run-1 {int(gone.stdout)}\\n', 0)\n"
        "print('locked', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"locked\n"
        assert crawl_state(tmp_path, run) == "unwatched"
    finally:
        holder.communicate(b"", timeout=30)
    assert crawl_state(tmp_path, run) == "dead"


def test_a_crawl_that_fetched_nothing_failed_and_says_why():
    from crawler.runs.outcome import nothing_fetched

    refused = {"finish_reason": "finished", "route/refused_reserved": 5,
               "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 5}  # fmt: skip
    assert closing_status(None, refused) == "failed"
    assert "no route" in nothing_fetched(refused)
    assert "ARCHIVIST_ROUTE_PROXIES" in nothing_fetched(refused)
    fetched = {"finish_reason": "finished", "downloader/response_count": 1}
    assert closing_status(None, fetched) == "finished"
    assert nothing_fetched(fetched) is None
    guarded = {"finish_reason": "finished", "network/refused": 2}
    assert "allow_private" in nothing_fetched(guarded)
    # Stopped (its time ran out, or asked) while its first request was in flight: said
    # so, not that no request was made (a timed-out run on a loaded machine).
    stopped = {"finish_reason": "shutdown", "downloader/request_count": 2}
    assert nothing_fetched(stopped) == (
        "nothing was fetched: the crawl was stopped before its first response"
    )
    unanswered = {"finish_reason": "finished", "downloader/request_count": 2}
    assert nothing_fetched(unanswered) == "nothing was fetched: no response came"
    assert nothing_fetched({"finish_reason": "finished"}) == (
        "nothing was fetched: no request was made"
    )
