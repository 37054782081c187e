"""Is the scheduler running, and when does each source fire next? For the console and
``archivist schedule list``.

The daemon (``crawler.runs.scheduler``) beats a heartbeat into
``<home>/locks/scheduler-heartbeat.json`` each time it re-reads the sources folder, and
writes its stop time there when it stops. The heartbeat lives in the data folder, beside
the ``flock`` that allows one daemon per data folder, because a scheduler's scope is a
data folder (the same store may serve several), the readers already read that folder
(the runs' live stats are files in ``logs/``), and a beat every few seconds stays out of
the SQLite database the crawls write to. The next fire times are read from APScheduler's
job store (table ``scheduler_jobs``), as the daemon will act on them, never computed.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text

from crawler.runs.orphans import pid_alive
from crawler.sources.times import shown_clock, shown_time

if TYPE_CHECKING:
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from sqlalchemy.engine import Engine

__all__ = [
    "JOBS_TABLE",
    "JOB_PREFIX",
    "RESUME_PREFIX",
    "SchedulerState",
    "heartbeat_path",
    "read_state",
    "stored_fire_times",
    "write_heartbeat",
]

JOBS_TABLE = "scheduler_jobs"
JOB_PREFIX = "crawl:"
RESUME_PREFIX = "resume:"
STALE_AFTER = 60.0
"""Seconds beyond three beat intervals after which a silent daemon counts as down."""


def heartbeat_path(home: Path) -> Path:
    return home / "locks" / "scheduler-heartbeat.json"


def write_heartbeat(home: Path, started_at: datetime, every: float, *, stopped: bool) -> None:
    """The daemon's beat (or, with ``stopped``, its last word), written atomically."""
    now = datetime.now(UTC)
    beat = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": started_at.isoformat(),
        "beat_at": now.isoformat(),
        "every": every,
        "stopped_at": now.isoformat() if stopped else None,
    }
    path = heartbeat_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(beat), encoding="utf-8")
    partial.replace(path)


@dataclass(frozen=True)
class SchedulerState:
    """What the readers know of the daemon: up or down, since when, its next fires."""

    up: bool
    last_beat: datetime | None = None
    down_since: datetime | None = None
    next_fires: dict[str, datetime] = field(default_factory=dict)

    def summary(self, zone: ZoneInfo, now: datetime) -> str:
        """One line an operator reads: running, or not running since when and what it means."""
        if self.up:
            return f"scheduler running (last heartbeat {shown_time(self.last_beat, zone)})"
        if self.down_since is None:
            return (
                "scheduler not running (it never ran for this data folder): no scheduled run "
                "will start; start it with `archivist scheduler`"
            )
        since = shown_clock(self.down_since, zone, now)
        return f"scheduler not running since {since}: no scheduled run will start"


def read_state(home: Path, engine: Engine, now: datetime) -> SchedulerState:
    """The daemon's state from its heartbeat file, and the job store's next fire times."""
    fires = stored_fire_times(engine)
    beat = _read_beat(heartbeat_path(home))
    if beat is None:
        return SchedulerState(up=False, next_fires=fires)
    last = _time(beat.get("beat_at"))
    stopped = _time(beat.get("stopped_at"))
    every = float(beat.get("every") or 10.0)
    if last is None:
        return SchedulerState(up=False, next_fires=fires)
    fresh = now - last <= timedelta(seconds=3 * every + STALE_AFTER)
    up = stopped is None and fresh and _alive(beat)
    return SchedulerState(up, last, None if up else (stopped or last), fires)


def stored_fire_times(engine: Engine) -> dict[str, datetime]:
    """Source name -> its next fire time in the job store (a pending resume counts):
    empty when the daemon never ran against this store."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return {}
    query = text(f"SELECT id, next_run_time FROM {JOBS_TABLE}")  # noqa: S608 - a constant
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    fires: dict[str, datetime] = {}
    for job_id, stamp in rows:
        name = str(job_id).removeprefix(JOB_PREFIX).removeprefix(RESUME_PREFIX)
        if stamp is None or name == job_id:  # paused, or not a source's job
            continue
        when = datetime.fromtimestamp(float(stamp), UTC)
        fires[name] = min(when, fires.get(name, when))
    return fires


def _read_beat(path: Path) -> dict[str, Any] | None:
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return beat if isinstance(beat, dict) else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(value)
    return None


def _alive(beat: dict[str, Any]) -> bool:
    """False only when the beating process is known dead: on this host, its pid is gone."""
    pid = beat.get("pid")
    if beat.get("host") != socket.gethostname() or not isinstance(pid, int):
        return True
    return pid_alive(pid)
