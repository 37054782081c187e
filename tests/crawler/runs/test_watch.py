"""The scheduler's heartbeat and the job store's fire times, as the console and the CLI
read them (``crawler.runs.watch``), over the real daemon and store."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from crawler.runs.watch import JOB_PREFIX, heartbeat_path, read_state, stored_fire_times


def test_the_daemon_beats_while_up_and_says_when_it_stopped(sched_world):
    assert not read_state(sched_world.home, sched_world.store.engine, datetime.now(UTC)).up
    daemon = sched_world.daemon()
    daemon.start()
    try:
        state = read_state(sched_world.home, sched_world.store.engine, datetime.now(UTC))
        jobs = {j.id.removeprefix(JOB_PREFIX): j.next_run_time for j in daemon.jobs()}
    finally:
        daemon.shutdown()
    assert state.up
    assert state.last_beat is not None
    assert set(state.next_fires) == set(jobs) == {"sang", "hong", "moi"}
    assert all(state.next_fires[name] == jobs[name] for name in jobs)  # to the microsecond
    after = read_state(sched_world.home, sched_world.store.engine, datetime.now(UTC))
    assert not after.up
    stopped = json.loads(heartbeat_path(sched_world.home).read_text())["stopped_at"]
    assert after.down_since == datetime.fromisoformat(stopped)
    assert after.next_fires == state.next_fires  # the job store keeps them while down


def test_a_silent_heartbeat_or_a_dead_daemon_counts_as_down(sched_world):
    daemon = sched_world.daemon()
    daemon.start()
    daemon.scheduler.shutdown(wait=False)  # beats no more, as if hung; the file says up
    try:
        beat = json.loads(heartbeat_path(sched_world.home).read_text())
        now = datetime.now(UTC)
        assert read_state(sched_world.home, sched_world.store.engine, now).up
        # Three beats (this daemon re-reads the folder hourly) and a minute's grace later.
        silent = now + timedelta(hours=3, minutes=1, seconds=1)
        later = read_state(sched_world.home, sched_world.store.engine, silent)
        assert not later.up
        assert later.down_since == later.last_beat == datetime.fromisoformat(beat["beat_at"])
        gone = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        beat["pid"] = int(gone.stdout)  # a process that has ended: killed, say
        heartbeat_path(sched_world.home).write_text(json.dumps(beat))
        assert not read_state(sched_world.home, sched_world.store.engine, now).up
    finally:
        daemon.shutdown()


def test_no_job_store_yet_means_no_fire_times(sched_world):
    assert stored_fire_times(sched_world.store.engine) == {}
