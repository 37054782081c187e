"""Run bookkeeping: one crawl of one source, from its ``runs`` row to its last figure.

``run_source`` is what both ``archivist crawl`` and the scheduler call. The row moves
queued -> running -> finished / failed / timed_out / stopped, or queued -> skipped
when the source is already being crawled. While the crawl runs, the row's heartbeat
and live figures (pages, bytes) are refreshed from the crawl's stats file.

One crawl per source at a time is enforced by an exclusive ``flock`` on
``<home>/locks/<source>.lock``, not by the database: the kernel drops the lock when
its holders die, so a crash never leaves a source locked. The crawl process inherits
the lock's descriptor, so a crawl that outlives a killed scheduler still holds it;
the lock file names the run holding it, which lets a restarted scheduler adopt that
run (``crawler.runs.orphans.reap_orphans``) instead of starting the source twice.
"""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from archive.errors import StoreError
from crawler.runs.child import CrawlRun, new_run_id, read_stats
from crawler.runs.outcome import (
    closing_status,
    figures_from_stats,
    is_final,
    nothing_fetched,
)
from crawler.runs.recovery import recover_run
from crawler.runs.resume import SCHEDULER_STOPPED, combined_figures, time_left
from crawler.runs.runlog import first_error

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from archive.store import RunRecord, Store
    from crawler.sources.schema import Source

__all__ = ["LOCK_WAIT", "RunOptions", "SourceLock", "run_source"]

logger = logging.getLogger(__name__)
_POLL = 0.25  # seconds between looks at a running crawl
LOCK_WAIT = 2.0
"""Seconds a run waits for its source's lock: a command closing an orphaned row holds it
for a moment; a crawl holds it for the whole run."""


@dataclass(frozen=True)
class RunOptions:
    """How a run is watched: its time limit, and how long a stop may take."""

    max_run_time: float | None = None
    kill_after: float = 30.0
    """Seconds between asking a crawl to stop (SIGTERM) and killing it (SIGKILL)."""
    heartbeat: float = 5.0
    trigger: str = "manual"


class SourceLock:
    """An exclusive, non-blocking ``flock`` on ``<home>/locks/<name>.lock``.

    One per source, held by the run crawling it; the scheduler holds ``scheduler``.
    The holder writes who it is into the file, for whoever finds it taken.
    """

    def __init__(self, home: Path, name: str) -> None:
        self.path = home / "locks" / f"{name}.lock"
        self._fd: int | None = None

    def acquire(self, run_id: str, wait: float = 0.0) -> bool:
        """Take the lock for ``run_id``; False if another live process holds it after
        ``wait`` seconds (a command closing orphaned runs holds it for a moment)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{run_id} {os.getpid()}\n".encode(), 0)
        self._fd = fd
        return True

    @property
    def fd(self) -> int:
        assert self._fd is not None, "not acquired"
        return self._fd

    def holder(self) -> str | None:
        """The run id written by the lock's current (or last) holder."""
        text = self.written().split()
        return text[0] if text else None

    def holder_pid(self) -> int | None:
        """The pid of the process that took the lock: a run's watcher, not its crawl."""
        text = self.written().split()
        return int(text[1]) if len(text) > 1 and text[1].isdigit() else None

    def written(self) -> str:
        """What the lock's current (or last) holder wrote: its id and pid."""
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing our descriptor drops our share of the lock
            self._fd = None


def _reason(stats: Mapping[str, Any], returncode: int, source: str) -> str:
    if is_final(stats):
        return nothing_fetched(stats) or str(stats["finish_reason"])
    how = (
        f"killed by {signal.Signals(-returncode).name}"
        if returncode < 0
        else f"crashed (exit {returncode})"
    )
    return f"{how} before its final stats; archivist crawl {source} --resume continues it"


def _with_first_error(reason: str, log: Path | None) -> str:
    """A failed run's reason, with what its log's first error says (a crawl that died
    at start says only that it made no request); as it is without a log."""
    said = first_error(log) if log is not None else None
    return f"{reason}; its log's first error: {said[:300]}" if said else reason


def _exit_code(ended_by: str | None, returncode: int) -> int:
    """The crawl's exit code, except that a crawl we ended (its time ran out, or it was
    stopped) and that closed cleanly on our SIGTERM is recorded as ended by SIGTERM
    (-15), never 0: it did not finish on its own."""
    if ended_by is not None and returncode == 0:
        return -signal.SIGTERM
    return returncode


def run_source(
    store: Store,
    source: Source,
    source_path: Path,
    home: Path,
    *,
    settings: Mapping[str, str] | None = None,
    options: RunOptions | None = None,
    stop: threading.Event | None = None,
    run_id: str | None = None,
    on_beat: Callable[[Mapping[str, Any]], None] | None = None,
    resume: RunRecord | None = None,
) -> RunRecord:
    """Crawl ``source`` once, with its row in ``store``; returns the final row.

    With ``resume`` (a run cut short, ``crawler.runs.resume``), that run goes on: same
    row and id, what it captured served from its WARCs, its time budget what is left.

    ``stop`` set while it runs asks the crawl to finish (status ``stopped``); past
    ``options.max_run_time`` it is asked the same way (status ``timed_out``). A crawl
    that does not end within ``options.kill_after`` of being asked is killed, and the
    WARC files it left open are closed after their last whole record. ``on_beat`` gets
    the crawl's live stats at each heartbeat (a progress display, say).
    """
    options = options or RunOptions()
    if resume is not None:
        run_id = resume.id
        # The same sweep as the attempt it goes on from (its stats file said which).
        sweep = read_stats(home / "logs" / f"{resume.id}.stats.json").get("recrawl/sweep")
        settings = {
            **({"RECRAWL_SWEEP": str(sweep)} if sweep in {"full", "incremental"} else {}),
            **(settings or {}),
            "RESUME_RUN": resume.id,
        }
    run = CrawlRun(source, source_path, home, settings, run_id=run_id or new_run_id(source.name))
    # The lock first, then the row: a queued or running row whose source's lock its run
    # does not hold is an orphan to whoever looks (crawler/runs/orphans.py).
    lock = SourceLock(home, source.name)
    if not lock.acquire(run.run_id, wait=LOCK_WAIT):
        return _refused(store, source, run.run_id, lock.holder() or "another process", resume)
    if resume is None:
        store.start_run(run.run_id, source.name, source.collection, status="queued")
    else:
        left = time_left(resume, options.max_run_time)
        if left is not None and left <= 0:
            lock.release()
            return store.finish_run(
                resume.id,
                "timed_out",
                finish_reason=f"no time left to resume: {options.max_run_time:.0f}s from its start",
            )
        options = dataclasses.replace(options, max_run_time=left)
        store.update_run(resume.id, status="queued", finished_at=None, finish_reason=None)
    try:
        try:
            run.start(pass_fds=(lock.fd,), new_session=True)
        except OSError as exc:
            return store.finish_run(run.run_id, "failed", finish_reason=f"could not start: {exc}")
        started = datetime.now(UTC) if resume is None else resume.started_at
        store.update_run(
            run.run_id,
            status="running",
            started_at=started or datetime.now(UTC),
            heartbeat_at=datetime.now(UTC),
            log_path=str(run.log_path),
        )
        logger.info("Crawling %s (run %s, pid %s)", source.name, run.run_id, run.pid)
        ended_by = _watch(store, run, options, stop, on_beat)
        result = run.result()
        figures = figures_from_stats(result.stats)
        if result.returncode != 0 or not is_final(result.stats):
            # Killed or crashed: its files are made whole and recorded, and its figures
            # counted from them (the stats file stopped at its last live write).
            recovery = recover_run(
                store, home, source.collection, run.run_id, source_path.parent, started_at=started
            )
            figures.update(recovery.figures())
            if recovery.closed:
                figures["errors"]["archive:recovered_files"] = len(recovery.closed)
        elif resume is not None:
            figures = combined_figures(resume, figures, result.stats)
            figures["articles_new"], figures["articles_changed"] = store.run_articles(run.run_id)
        status = closing_status(ended_by, result.stats)
        reason = _with_first_error(
            _reason(result.stats, result.returncode, source.name),
            result.log_path if status == "failed" else None,
        )
        if ended_by == "stopped" and stop is not None and stop.is_set():
            reason = f"{reason}; {SCHEDULER_STOPPED}, which resumes it when it starts again"
        logger.info("Run %s of %s: %s (%s)", run.run_id, source.name, status, result.finish_reason)
        record = store.finish_run(
            run.run_id,
            status,
            exit_code=_exit_code(ended_by, result.returncode),
            finish_reason=reason,
            **figures,
        )
    finally:
        lock.release()
    # Outside the source's lock: the first run after an upgrade may fingerprint every
    # stored version, and the source's next crawl need not wait for that; ``stop`` (the
    # scheduler stopping) ends it after a batch.
    _index_passages(store, run.run_id, stop)
    return record


def _refused(
    store: Store, source: Source, run_id: str, holder: str, resume: RunRecord | None
) -> RunRecord:
    """The source is being crawled: a new run is recorded as skipped; a run to resume
    is left as it was."""
    said = ("Not crawling %s: it is still being crawled (%s)", source.name, holder)
    if resume is not None:
        logger.warning(*said)
        return resume
    # The skipped row says why (and `archivist crawl`, in its one line of error).
    logger.info(*said)
    store.start_run(run_id, source.name, source.collection, status="queued")
    return store.finish_run(run_id, "skipped", finish_reason=f"source still running (run {holder})")


def _index_passages(store: Store, run_id: str, stop: threading.Event | None) -> None:
    """After a crawl, the passage fingerprints of the versions it added (republications
    read them; the crawl itself does not wait for them)."""
    try:
        done = store.index_passages(stop=stop)
    except (StoreError, SQLAlchemyError) as exc:
        logger.warning(
            "Run %s: passage fingerprints not computed (%s); the next look-up will", run_id, exc
        )
        return
    if done:
        logger.info("Run %s: passage fingerprints of %d article versions", run_id, done)


def _watch(
    store: Store,
    run: CrawlRun,
    options: RunOptions,
    stop: threading.Event | None,
    on_beat: Callable[[Mapping[str, Any]], None] | None = None,
) -> str | None:
    """Wait for the crawl, beating the heart; returns why we ended it, if we did."""
    deadline = time.monotonic() + options.max_run_time if options.max_run_time else None
    ended_by: str | None = None
    kill_at: float | None = None
    last_beat = 0.0
    while run.poll() is None:
        now = time.monotonic()
        if ended_by is None:
            if stop is not None and stop.is_set():
                ended_by = "stopped"
            elif deadline is not None and now >= deadline:
                ended_by = "timed_out"
            if ended_by is not None:
                logger.warning("Run %s %s: asking the crawl to finish", run.run_id, ended_by)
                run.signal(signal.SIGTERM)
                kill_at = now + options.kill_after
        elif kill_at is not None and now >= kill_at:
            logger.error("Run %s did not stop in %.0fs: killing it", run.run_id, options.kill_after)
            run.signal(signal.SIGKILL)
            kill_at = None
        if now - last_beat >= options.heartbeat:
            stats = _beat(store, run)
            if on_beat is not None:
                on_beat(stats)
            last_beat = now
        try:
            run.wait(timeout=_POLL)
        except subprocess.TimeoutExpired:
            pass
        except KeyboardInterrupt:  # Ctrl-C in ``archivist crawl``: stop it the same way
            if ended_by is None:
                ended_by = "stopped"
                run.signal(signal.SIGTERM)
                kill_at = time.monotonic() + options.kill_after
    return ended_by


def _beat(store: Store, run: CrawlRun) -> dict[str, Any]:
    stats = run.read_stats()
    try:
        store.heartbeat(
            run.run_id,
            pages=int(stats.get("downloader/response_count", 0)),
            archived_bytes=int(stats.get("archive/bytes", 0)),
        )
    except Exception:  # the crawl goes on if the records database blinks
        logger.exception("Could not record the heartbeat of run %s", run.run_id)
    return stats
