"""``archivist scheduler``: the daemon that crawls each source when its schedule says.

APScheduler 3 (``BackgroundScheduler``) holds one job per scheduled source, ``crawl:<name>``,
in the records database (table ``scheduler_jobs``), so a restart keeps every job's next
fire time. Each job runs with ``max_instances=1`` and ``coalesce``: a fire that comes
while the source's previous crawl still runs is recorded as a ``skipped`` run, and fires
missed while the daemon was down run once if they are within ``misfire_grace`` (else
they are recorded as skipped, with why).

Every ``reload_interval`` seconds the daemon reads the source folder again and adds,
changes or removes jobs; a file that stops validating keeps its last good job, and its
error is logged once. SIGTERM or SIGINT stops it: no new crawl starts, running crawls
are asked to finish (their WARCs closed) and their rows end as ``stopped``.

Only one daemon runs per data folder (an ``flock`` on ``<home>/locks/scheduler.lock``).
Beside it, the daemon beats a heartbeat each ``reload_interval`` and writes its stop
time (``crawler.runs.watch``), which the console and ``archivist schedule list`` read.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.errors import SchedulerError
from crawler.monitoring.alerts import AlertManager
from crawler.runs.child import new_run_id
from crawler.runs.evidence import write_change_bundles
from crawler.runs.orphans import reap_orphans
from crawler.runs.resume import resumable
from crawler.runs.runbook import RunOptions, SourceLock, run_source
from crawler.runs.watch import JOB_PREFIX, JOBS_TABLE, RESUME_PREFIX, write_heartbeat
from crawler.sources.schedule import DEFAULT_TIMEZONE
from crawler.sources.schema import Source, SourceError, find_source, load_source

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from archive.store import RunRecord, Store
    from crawler.research.signing import Signer

__all__ = ["JOB_PREFIX", "Daemon", "Runner", "SchedulerError", "SyncReport", "fire"]

logger = logging.getLogger(__name__)


_CURRENT: Daemon | None = None
"""The daemon of this process: jobs in the store name ``fire`` and a source, nothing more."""


class Runner(Protocol):
    """Runs one crawl of a source (``run_source`` bound to the daemon's store and home)."""

    def __call__(
        self, source: Source, path: Path, options: RunOptions, stop: threading.Event
    ) -> RunRecord | None: ...


def fire(source: str, fingerprint: str = "") -> None:
    """The job function APScheduler calls (by reference ``crawler.runs.scheduler:fire``)."""
    del fingerprint  # kept in the job only to notice changed schedules
    daemon = _CURRENT
    if daemon is None:
        raise SchedulerError(f"no scheduler daemon in this process to crawl {source!r}")
    daemon.run_job(source)


def resume(source: str) -> None:
    """The job that resumes a source's run cut short (``crawler.runs.scheduler:resume``)."""
    daemon = _CURRENT
    if daemon is None:
        raise SchedulerError(f"no scheduler daemon in this process to resume {source!r}")
    daemon.resume_job(source)


@dataclass
class SyncReport:
    """What one reading of the source folder changed."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


class Daemon:
    """The scheduler daemon over one data folder, one source folder and one store."""

    def __init__(
        self,
        store: Store,
        home: Path,
        sources_dir: Path,
        *,
        settings: Mapping[str, str] | None = None,
        reload_interval: float = 10.0,
        kill_after: float = 30.0,
        max_concurrent: int = 4,
        runner: Runner | None = None,
        alerts: AlertManager | None = None,
        evidence_signer: Signer | None = None,
    ) -> None:
        self.store = store
        self.home = home
        self.sources_dir = sources_dir
        self.settings = dict(settings or {})
        self.reload_interval = reload_interval
        self.kill_after = kill_after
        self.stop = threading.Event()
        self.runner: Runner = runner or self._crawl
        self.evidence_signer = evidence_signer  # signs the bundles of evidence_on sources
        self.alerts = alerts or AlertManager.from_home(
            home, strict=False
        )  # after runs, each minute
        self._reported_errors: dict[str, str] = {}
        self._parsed: dict[Path, tuple[tuple[int, int, int], Source | SourceError]] = {}
        self._lock = SourceLock(home, "scheduler")
        self._started_at: datetime | None = None
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=store.engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(max_workers=max_concurrent)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=ZoneInfo(DEFAULT_TIMEZONE),
        )
        self.scheduler.add_listener(
            self._on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR
        )

    # -- life cycle ---------------------------------------------------------------

    def start(self) -> SyncReport:
        """Lock the data folder, close orphaned runs, load the jobs and start firing."""
        global _CURRENT  # noqa: PLW0603 - one daemon per process, found by ``fire``
        if not self.sources_dir.is_dir():
            raise SchedulerError(f"no sources folder at {self.sources_dir.resolve()}")
        if not self._lock.acquire("scheduler"):
            raise SchedulerError(
                f"another {self._lock.written() or 'scheduler'} already runs for {self.home.resolve()}"
            )
        _CURRENT = self
        reaped = reap_orphans(self.store, self.home, self.sources_dir, self.stop)
        if reaped:
            logger.warning("Closed or adopted %d orphaned run(s): %s", len(reaped), reaped)
        self.scheduler.start(paused=True)
        report = self.sync()
        self._resume_cut_short()
        self.scheduler.resume()
        self._started_at = datetime.now(UTC)
        self.beat()
        return report

    def beat(self, *, stopped: bool = False) -> None:
        """Tell the console and the CLI the daemon is up (or, ``stopped``, no longer)."""
        if self._started_at is None:
            return
        try:
            write_heartbeat(self.home, self._started_at, self.reload_interval, stopped=stopped)
        except OSError as exc:
            logger.warning("Could not write the scheduler's heartbeat: %s", exc)

    def serve(self) -> None:
        """Run until SIGTERM or SIGINT; then stop cleanly. Call from the main thread."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        self.start()
        logger.info("Scheduler up: %d job(s) from %s", len(self.jobs()), self.sources_dir)
        try:
            while not self.stop.wait(self.reload_interval):
                self.beat()
                try:
                    self.sync()
                except Exception:  # a bad moment of the database must not end the daemon
                    logger.exception("Could not re-read the schedules")
                if self.alerts.due():
                    self.alerts.check_folder(self.store, self.sources_dir)
        finally:
            self.shutdown()

    def _on_signal(self, signum: int, _frame: Any) -> None:
        logger.warning(
            "%s: stopping; running crawls are asked to finish", signal.Signals(signum).name
        )
        self.stop.set()

    def shutdown(self) -> None:
        """Fire nothing more; ask running crawls to finish and wait for their rows."""
        global _CURRENT  # noqa: PLW0603
        self.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.beat(stopped=True)
        self._started_at = None
        if _CURRENT is self:
            _CURRENT = None
        self._lock.release()
        self.alerts.close()

    # -- jobs -----------------------------------------------------------------------

    def jobs(self) -> list[Any]:
        return [job for job in self.scheduler.get_jobs() if job.id.startswith(JOB_PREFIX)]

    def sync(self) -> SyncReport:
        """Make the jobs match the source folder: add, change, remove."""
        report = SyncReport()
        wanted: dict[str, Source | None] = {}
        paths = sorted([*self.sources_dir.glob("*.yaml"), *self.sources_dir.glob("*.yml")])
        for path in paths:
            job_id = JOB_PREFIX + path.stem
            try:
                source = self._read(path)
            except SourceError as exc:
                report.errors[path.name] = str(exc)
                if self._reported_errors.get(path.name) != str(exc):
                    logger.error("%s (its last good schedule, if any, stays)", exc)
                wanted[job_id] = None  # keep whatever job it had
                continue
            if source.schedule is not None and source.schedule.enabled:
                wanted[job_id] = source
        self._reported_errors = report.errors
        for gone in self._parsed.keys() - set(paths):  # files removed since: forget them
            del self._parsed[gone]
        current = {job.id: job for job in self.jobs()}
        for job_id, wanted_source in wanted.items():
            if wanted_source is None:
                if job_id in current:
                    report.kept.append(job_id.removeprefix(JOB_PREFIX))
                continue
            source = wanted_source
            assert source.schedule is not None
            fingerprint = source.schedule.fingerprint()
            job = current.get(job_id)
            if job is not None and job.kwargs.get("fingerprint") == fingerprint:
                report.kept.append(source.name)
                continue
            self.scheduler.add_job(
                fire,
                trigger=source.schedule.trigger(),
                id=job_id,
                name=source.name,
                kwargs={"source": source.name, "fingerprint": fingerprint},
                misfire_grace_time=source.schedule.misfire_grace_time,
                coalesce=True,
                max_instances=1,
                replace_existing=True,
            )
            (report.changed if job is not None else report.added).append(source.name)
        for job_id in current.keys() - wanted.keys():
            self.scheduler.remove_job(job_id)
            report.removed.append(job_id.removeprefix(JOB_PREFIX))
        for verb in ("added", "changed", "removed"):
            names = getattr(report, verb)
            if names:
                logger.info("Schedules %s: %s", verb, ", ".join(sorted(names)))
        return report

    def _read(self, path: Path) -> Source:
        """A source file, parsed again only when it changed (its size or mtime): the
        folder is looked at every few seconds, and most files never change."""
        try:
            stat = path.stat()
        except OSError as exc:
            raise SourceError(path, "", f"cannot read the file: {exc.strerror or exc}") from exc
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        cached = self._parsed.get(path)
        if cached is not None and cached[0] == key:
            if isinstance(cached[1], SourceError):
                raise cached[1]
            return cached[1]
        try:
            source = load_source(path)
        except SourceError as exc:
            self._parsed[path] = (key, exc)
            raise
        self._parsed[path] = (key, source)
        return source

    def run_job(self, name: str) -> RunRecord | None:
        """One scheduled crawl of the source called ``name``."""
        if self.stop.is_set():
            return None
        try:
            path = find_source(name, self.sources_dir)
            source = load_source(path)
        except SourceError as exc:
            logger.error("Scheduled crawl of %s not started: %s", name, exc)
            self._record_unstarted(name, "failed", f"bad source file: {exc}")
            return None
        max_run_time = source.schedule.max_run_time if source.schedule else None
        options = RunOptions(
            max_run_time=max_run_time, kill_after=self.kill_after, trigger="schedule"
        )
        cut = resumable(self.store, name, scheduled_only=True)
        record: RunRecord | None
        if cut is not None:  # the run a crash or a shutdown cut short goes on first
            record = self._resume(source, path, options, cut)
        else:
            record = self.runner(source, path, options, self.stop)
        if source.evidence_on and record is not None:  # never raises
            kinds, signer = source.evidence_on, self.evidence_signer
            write_change_bundles(self.store, self.home, record, kinds, signer=signer)
        self.alerts.check_folder(self.store, self.sources_dir)  # never raises
        return record

    def _resume_cut_short(self) -> None:
        """A job now for each scheduled source whose latest run a crash or this daemon's
        shutdown cut short (``crawler.runs.resume``)."""
        for job in self.jobs():
            name = job.id.removeprefix(JOB_PREFIX)
            cut = resumable(self.store, name, scheduled_only=True)
            if cut is None:
                continue
            logger.warning("Run %s of %s was cut short (%s): resuming it", cut.id, name, cut.status)
            self.scheduler.add_job(
                resume,
                trigger="date",
                id=RESUME_PREFIX + name,
                name=f"resume {name}",
                kwargs={"source": name},
                misfire_grace_time=None,
                replace_existing=True,
            )

    def resume_job(self, name: str) -> RunRecord | None:
        """Resume the source's run cut short, if it still is the latest and resumable."""
        if self.stop.is_set() or resumable(self.store, name, scheduled_only=True) is None:
            return None
        return self.run_job(name)  # which resumes it

    def _resume(self, source: Source, path: Path, options: RunOptions, cut: RunRecord) -> RunRecord:
        logger.info("Resuming run %s of %s (%s)", cut.id, source.name, cut.status)
        return run_source(
            self.store,
            source,
            path,
            self.home,
            settings=self.settings,
            options=options,
            stop=self.stop,
            resume=cut,
        )

    def _crawl(
        self, source: Source, path: Path, options: RunOptions, stop: threading.Event
    ) -> RunRecord:
        return run_source(
            self.store, source, path, self.home, settings=self.settings, options=options, stop=stop
        )

    # -- what APScheduler tells us ----------------------------------------------------

    def _on_event(self, event: Any) -> None:
        name = str(event.job_id).removeprefix(JOB_PREFIX)
        if event.code == EVENT_JOB_MAX_INSTANCES:
            due = ", ".join(_stamp(t) for t in event.scheduled_run_times)
            self._record_unstarted(name, "skipped", f"source still running when due at {due}")
        elif event.code == EVENT_JOB_MISSED:
            self._record_unstarted(
                name,
                "skipped",
                f"missed: due at {_stamp(event.scheduled_run_time)} while the scheduler was "
                "not running, beyond the schedule's misfire_grace (or catch_up is off)",
            )
        elif event.code == EVENT_JOB_ERROR:
            logger.error("Scheduled crawl of %s raised %r", name, event.exception)

    def _record_unstarted(self, name: str, status: str, reason: str) -> None:
        collection = name
        with contextlib.suppress(SourceError):
            collection = load_source(find_source(name, self.sources_dir)).collection
        run_id = new_run_id(name)
        try:
            self.store.start_run(run_id, name, collection, status="queued")
            self.store.finish_run(run_id, status, finish_reason=reason)
        except Exception:
            logger.exception("Could not record a %s run of %s", status, name)
        logger.warning("Run of %s %s: %s", name, status, reason)


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")
