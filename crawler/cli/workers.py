"""Commands for operators who scale out: ``archivist worker``, and the distributed run
behind ``archivist crawl SOURCE --distributed``."""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING

import click
import redis

from crawler.cli._env import data_home, redis_prefix, redis_url
from crawler.cluster.coordinator import ClusterRun, run_distributed
from crawler.cluster.state import ClusterState, RunKeys, connect
from crawler.cluster.worker import Worker
from crawler.errors import ClusterError
from crawler.runs.child import new_run_id
from crawler.runs.runbook import run_source

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from typing import Any

    from archive.store import RunRecord, Store
    from crawler.runs.runbook import RunOptions
    from crawler.runs.scheduler import Runner
    from crawler.sources.schema import Source

__all__ = ["crawl_distributed", "scheduled_runner", "worker_command"]


def _redis() -> redis.Redis:
    url = redis_url()
    client = connect(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ClusterError(url, exc) from exc
    return client


@click.command("worker")
@click.option("--once", is_flag=True, help="Work on one run, then exit.")
def worker_command(once: bool) -> None:
    """Run a crawl worker: join the distributed runs announced in Redis
    (ARCHIVIST_REDIS_URL), one at a time, writing WARCs into the data folder (shared
    storage) and records into the store (ARCHIVIST_STORE_URL), until SIGTERM."""
    client = _redis()
    home = data_home()
    (home / "logs").mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(home / "logs" / "worker.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger("crawler").setLevel(logging.INFO)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker = Worker(client, redis_prefix(), home, redis_url(), once=once)
    click.echo(f"Worker {worker.name} waiting for runs on {redis_url()} ...")
    try:
        runs = worker.serve(stop)
    except KeyboardInterrupt:
        stop.set()
        runs = 0
    click.echo(f"Worker {worker.name} stopped after {runs} run(s).")


def crawl_distributed(
    store: Store,
    source: Source,
    path: Path,
    *,
    settings: Mapping[str, str],
    options: RunOptions,
    on_beat: Callable[[Mapping[str, Any]], None],
) -> RunRecord:
    """``archivist crawl SOURCE --distributed``: the run on the workers, followed here."""
    state = ClusterState(_redis(), RunKeys(redis_prefix(), new_run_id(source.name)))
    cluster = ClusterRun(state, settings)
    return run_distributed(
        store, source, path, data_home(), cluster, options=options, on_beat=on_beat
    )


def scheduled_runner(store: Store, home: Path, settings: Mapping[str, str]) -> Runner:
    """The scheduler's runner: a source marked ``distributed: true`` on the workers, any
    other in a local child process."""

    def run(source: Source, path: Path, options: RunOptions, stop: threading.Event) -> RunRecord:
        if not source.distributed:
            return run_source(
                store, source, path, home, settings=settings, options=options, stop=stop
            )
        state = ClusterState(_redis(), RunKeys(redis_prefix(), new_run_id(source.name)))
        return run_distributed(
            store, source, path, home, ClusterRun(state, settings), options=options, stop=stop
        )

    return run
