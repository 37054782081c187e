"""Benchmark: the console under 200 concurrent requests per page (run on demand).

    .venv/bin/python tests/benchmarks/bench_console.py [--requests 200] [--cache 2]

Crawls the demo world into a temporary data folder (the README's `archivist demo`),
serves it with `archivist serve` on 127.0.0.1, and sends bursts of concurrent GETs
(aiohttp, one connection each) to each page: overview, runs, a run, a source, changes,
metrics. Two rounds per page: "cold" (the burst arrives when no built page is kept, so
one request builds it while the others wait) and "warm" (right after). Reported: p50,
p95 and the slowest, in seconds. The goal (issue 18): p95 under 0.5 s.

`--cache 0` serves with no page kept (each request builds its own), to compare in one
run. Client and server share the machine's two cores.

Measured here (2 cores, demo world of 71 articles, 5 runs), 200 requests:
  no cache:  overview p50 4.37 s, p95 7.52 s; source page p50 5.11 s, p95 8.38 s
  cache 2 s: cold p95 at most 0.16 s on every page (overview 0.11-0.16); warm p95 at most 0.11 s
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp

ARCHIVIST = str(Path(sys.executable).with_name("archivist"))


async def _one(session: aiohttp.ClientSession, url: str) -> float:
    started = time.perf_counter()
    async with session.get(url) as answer:
        await answer.read()
        if answer.status != 200:
            raise SystemExit(f"{url} answered {answer.status}")
    return time.perf_counter() - started


async def _bursts(base: str, pages: list[str], requests: int, cache: float) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        for page in pages:
            for round_ in ("cold", "warm"):
                if round_ == "cold":
                    await asyncio.sleep(cache + 0.5)  # every kept page is stale by now
                burst = [_one(session, base + page) for _ in range(requests)]
                times = sorted(await asyncio.gather(*burst))
                p95 = times[max(0, int(0.95 * len(times)) - 1)]
                print(
                    f"{page[:40]:<40} {round_:<4} p50 {statistics.median(times):.3f} s  "
                    f"p95 {p95:.3f} s  max {times[-1]:.3f} s"
                )


def _serve(home: Path, port: int, cache: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ARCHIVIST_HOME": str(home)}
    command = [ARCHIVIST, "serve", "--port", str(port), "--cache", str(cache)]
    server = subprocess.Popen(command, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/runs", timeout=1).read()
        except OSError:
            time.sleep(0.1)
        else:
            return server
    server.terminate()
    raise SystemExit("the console did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cache", type=float, default=2.0)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        env = {**os.environ, "ARCHIVIST_HOME": str(home)}
        subprocess.run([ARCHIVIST, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        run = next(p.stem for p in sorted((home / "logs").glob("*demo-news*.log")))
        pages = ["/", "/runs", f"/runs/{run}", "/sources/demo-news", "/changes", "/metrics"]
        server = _serve(home, args.port, args.cache)
        try:
            asyncio.run(_bursts(f"http://127.0.0.1:{args.port}", pages, args.requests, args.cache))
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
