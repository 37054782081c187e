"""Benchmark: the local crawl against 1, 2 and 3 workers, and Redis's memory per request.

Run on demand (not in CI), with Redis and PostgreSQL on 127.0.0.1:

    .venv/bin/python tests/benchmarks/bench_cluster.py [--size 300] [--workers 1 2 3]

The demo world (``--size`` articles) is served from its own process (as bench_crawl.py
does). The local way is ``archivist crawl bench``; each distributed way starts N
``archivist worker`` processes, then ``archivist crawl bench --distributed``. Pages/s is
the run row's pages over the coordinator's wall time (worker start-up excluded: workers
wait for runs); CPU is user + system of every process (workers with their crawls and
extraction pools, coordinator), read with ``os.wait4``. Records go to a fresh
PostgreSQL schema per way (workers share it). The source asks ``per_host: 16`` and no
delay: one host, so its manners would otherwise be the ceiling, not the workers.

Then Redis: ``--queued`` requests like the spider's (pickled by scrapy-redis, with the
spider's meta) pushed into a run's queue and as many fingerprints into its seen-set;
``MEMORY USAGE`` of each key, scaled to a million.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_crawl import Server, base_env

ARCHIVIST = str(Path(sys.executable).with_name("archivist"))
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/0"


@contextlib.contextmanager
def pg_schema():
    from sqlalchemy import create_engine, text

    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(PG)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _env(home: Path, proxy: str, store: str, prefix: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    (home / "sources").mkdir(exist_ok=True)
    (home / "sources" / "bench.yaml").write_text(
        "name: bench\nfamily: news\ncollection: bench\nseeds: [http://thoisu.test/]\n"
        "contact: bench@example.org\nmanners: {autothrottle: false, per_host: 16}\n"
        "limits: {max_pages_per_host: 0}\n",
        encoding="utf-8",
    )
    return {
        **base_env(),
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_SOURCES": str(home / "sources"),
        "ARCHIVIST_STORE_URL": store,
        "ARCHIVIST_REDIS_URL": REDIS,
        "ARCHIVIST_REDIS_PREFIX": prefix,
        "ARCHIVIST_ROUTE_PROXIES": json.dumps({".test": proxy}),
        "ARCHIVIST_LOOPBACK_ONLY": "1",
    }


def _cpu(pid: int) -> float:
    _, _, usage = os.wait4(pid, 0)
    return usage.ru_utime + usage.ru_stime


_SIZE = (
    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
)


def _size(store: str) -> int:
    """Bytes of every table of the store's schema, with their indexes and TOAST."""
    from sqlalchemy import text

    from archive.store import Store

    with Store(store) as opened, opened.engine.connect() as connection:
        return int(connection.execute(text(_SIZE)).scalar_one() or 0)


def _pages(store: str, empty: int) -> tuple[int, int, int]:
    """The run's pages, and the bytes of its records in PostgreSQL and of its WARCs."""
    from archive.store import Store

    with Store(store) as opened:
        (run,) = opened.runs(source="bench")
        assert run.status == "finished", run.finish_reason
    return run.pages, _size(store) - empty, run.archived_bytes


Row = tuple[str, tuple[int, int, int], float, float]


def one_way(work: Path, proxy: str, workers: int) -> Row:
    name = "local, one process" if workers == 0 else f"{workers} worker(s)"
    with pg_schema() as store:
        empty = _size(store)  # the tables, created, before any record
        env = _env(work / name.replace(" ", "_"), proxy, store, f"bench-{secrets.token_hex(3)}")
        started = [
            subprocess.Popen([ARCHIVIST, "worker"], env=env, stdout=subprocess.DEVNULL)
            for _ in range(workers)
        ]
        time.sleep(3 if workers else 0)  # the workers' own start-up, not the crawl's
        command = [ARCHIVIST, "crawl", "bench"] + (["--distributed"] if workers else [])
        begun = time.monotonic()
        coordinator = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        cpu = _cpu(coordinator.pid)
        seconds = time.monotonic() - begun
        for worker in started:
            worker.send_signal(signal.SIGTERM)
        cpu += sum(_cpu(worker.pid) for worker in started)
        return name, _pages(store, empty), seconds, cpu


def redis_memory(count: int) -> tuple[float, float]:
    """Bytes per queued request and per seen fingerprint, measured with MEMORY USAGE."""
    import redis
    from scrapy import Request, Spider
    from scrapy_redis.dupefilter import RFPDupeFilter
    from scrapy_redis.queue import PriorityQueue

    class BenchSpider(Spider):
        name = "news"

        def parse_post(self, response):  # pragma: no cover - never called
            return None

    client = redis.Redis.from_url(REDIS)
    spider = BenchSpider()
    prefix = f"bench-{secrets.token_hex(3)}"
    queue = PriorityQueue(client, spider, f"{prefix}:queue")
    seen = RFPDupeFilter(client, f"{prefix}:seen")
    try:
        pipe = client.pipeline(transaction=False)
        for n in range(count):
            url = (
                f"http://thoisu.test/thoi-su/2026/12/bai-viet-so-{n}-tieu-de-dai-hon-mot-chut.html"
            )
            request = Request(
                url,
                callback=spider.parse_post,
                priority=-(n % 7),
                meta={
                    "archivist_kind": "post",
                    "archivist_from": "http://thoisu.test/",
                    "depth": 3,
                },
            )
            pipe.execute_command(
                "ZADD", queue.key, -request.priority, queue._encode_request(request)
            )
            pipe.sadd(seen.key, seen.request_fingerprint(request))
            if n % 5000 == 4999:
                pipe.execute()
        pipe.execute()
        per_request = client.memory_usage(queue.key, samples=0) / count
        per_fingerprint = client.memory_usage(seen.key, samples=0) / count
    finally:
        client.delete(queue.key, seen.key)
    return per_request, per_fingerprint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--page-bytes", type=int, default=20_000)
    parser.add_argument("--links", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--queued", type=int, default=200_000)
    args = parser.parse_args()
    server = Server(args)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
            rows = [one_way(Path(tmp), server.proxy, n) for n in [0, *args.workers]]
    finally:
        server.stop()
    print(f"World of {args.size} articles, {os.cpu_count()} cores on this machine")
    print(f"{'way':<20} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'CPU-ms/page':>12}", end="")
    print(f" {'PG B/page':>10} {'WARC B/page':>12}")
    for name, (pages, pg_bytes, warc_bytes), seconds, cpu in rows:
        print(
            f"{name:<20} {pages:>6} {seconds:>8.1f} {pages / seconds:>8.1f} "
            f"{1000 * cpu / pages:>12.1f} {pg_bytes / pages:>10.0f} {warc_bytes / pages:>12.0f}"
        )
    per_request, per_fingerprint = redis_memory(args.queued)
    print(f"Redis, measured over {args.queued:,} of each:")
    print(f"  queued requests:   {per_request:.0f} B each, {per_request:.0f} MB per million")
    print(
        f"  seen fingerprints: {per_fingerprint:.0f} B each, {per_fingerprint:.0f} MB per million"
    )


if __name__ == "__main__":
    main()
