"""``archivist worker``: join the distributed runs announced in Redis, one crawl at a time.

The worker waits for a run in ``<prefix>:runs`` (the one with the fewest workers), then
crawls it as a child process
(Scrapy's reactor cannot be restarted, as with every crawl: ``crawler.runs.crawl``) with
``CLUSTER_RUN`` set, so that the crawl takes its requests from the run's shared queue.
The child's log and stats go to ``<home>/logs/<run id>.<worker>.log`` and ``.stats.json``;
when it ends, the worker publishes its final stats for the coordinator, then waits for
the next run. The child dies with the worker (``PR_SET_PDEATHSIG``): a worker killed
outright leaves no crawl behind, and its leases are reaped once its heartbeat lapses.

The source file travels in the announcement: a worker whose machine has the same path
reads it there, another writes the announced text to ``<home>/cluster/<run id>/``.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cluster.state import ClusterState, RunKeys
from crawler.runs.child import read_stats

if TYPE_CHECKING:
    import threading

    import redis

__all__ = ["Worker"]

logger = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """In the child, before exec: the kernel kills it when the worker dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Worker:
    """Crawls the runs announced under ``prefix`` until ``stop`` is set."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        home: Path,
        redis_url: str,
        *,
        poll: float = 0.5,
        once: bool = False,
    ) -> None:
        self.redis = client
        self.prefix = prefix
        self.home = home
        self.redis_url = redis_url
        self.poll = poll
        self.once = once
        self.name = f"{socket.gethostname()}-{os.getpid()}"
        self.child: subprocess.Popen[bytes] | None = None

    def serve(self, stop: threading.Event) -> int:
        """Crawl run after run; returns how many runs this worker worked on."""
        done = 0
        while not stop.is_set():
            run_id = self._next_run()
            if run_id is None:
                stop.wait(self.poll)
                continue
            self.crawl(run_id, stop)
            done += 1
            if self.once:
                break
        return done

    def _next_run(self) -> str | None:
        """The open run with the fewest workers (the oldest of those): idle workers spread
        over the runs rather than crowd onto one, whose start-up each would pay."""
        runs = sorted(r.decode() for r in self.redis.smembers(f"{self.prefix}:runs"))  # type: ignore[union-attr]
        states = [ClusterState(self.redis, RunKeys(self.prefix, run_id)) for run_id in runs]
        open_runs = [(len(s.workers()), s.keys.run_id) for s in states if not s.is_done()]
        return min(open_runs)[1] if open_runs else None

    def crawl(self, run_id: str, stop: threading.Event) -> int:
        """Work on one run until its crawl process ends; returns that process's exit code."""
        state = ClusterState(self.redis, RunKeys(self.prefix, run_id))
        spec = state.spec()
        logs = self.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        stem = f"{run_id}.{self.name}"
        stats_path = logs / f"{stem}.stats.json"
        settings = {
            **json.loads(spec.get("settings", "{}")),
            "ARCHIVIST_HOME": str(self.home),
            "STATS_FILE": str(stats_path),
            "LOG_FILE": str(logs / f"{stem}.log"),
            "CLUSTER_RUN": run_id,
            "CLUSTER_REDIS_URL": self.redis_url,
            "CLUSTER_PREFIX": self.prefix,
        }
        command = [sys.executable, "-m", "crawler.runs.crawl", "crawl", spec["family"]]
        command += ["-a", f"source={self._source_file(run_id, spec)}", "-a", f"run_id={run_id}"]
        for key, value in settings.items():
            command += ["-s", f"{key}={value}"]
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
        logger.info("Worker %s: crawling run %s", self.name, run_id)
        with (logs / f"{stem}.log").open("ab") as stderr:
            self.child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads in the worker
            )
        code = self._wait(stop)
        crawler_name = f"{socket.gethostname()}-{self.child.pid}"
        final = {**read_stats(stats_path), "cluster/final": True, "cluster/exit_code": code}
        state.publish_stats(crawler_name, final)
        logger.info("Worker %s: run %s ended (exit %s)", self.name, run_id, code)
        self.child = None
        return code

    def _wait(self, stop: threading.Event) -> int:
        assert self.child is not None
        asked = False
        while True:
            try:
                return self.child.wait(timeout=self.poll)
            except subprocess.TimeoutExpired:
                if stop.is_set() and not asked:  # SIGTERM: the crawl closes cleanly
                    self.child.send_signal(signal.SIGTERM)
                    asked = True

    def _source_file(self, run_id: str, spec: dict[str, str]) -> Path:
        announced = Path(spec["source_path"])
        if announced.is_file() and announced.read_text(encoding="utf-8") == spec["source_text"]:
            return announced
        path = self.home / "cluster" / run_id / spec["source_file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec["source_text"], encoding="utf-8")
        return path
