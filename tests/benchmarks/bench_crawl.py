"""Benchmark: bare Scrapy vs the archiving crawl vs wget --warc-file, on one generated world.

Run on demand (not in CI):  .venv/bin/python tests/benchmarks/bench_crawl.py [--size 5000]

The demo world (``--size`` articles of about ``--page-bytes`` bytes with about
``--links`` links each) is served from a separate process on 127.0.0.1, so the crawler
under test has the other core. Each way crawls the news site from its home page with
robots.txt obeyed, as a child process measured with ``os.wait4``: wall time, CPU time
(user + system) and peak RSS. Pages are the responses each way received.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME_URL = "http://thoisu.test/"


@dataclass
class Outcome:
    way: str
    pages: int
    seconds: float
    cpu: float
    peak_rss_kb: int

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.pages if self.pages else 0.0


def serve(size: int, page_bytes: int, links: int) -> None:
    sys.path.insert(0, str(ROOT))
    from crawler.demo import DemoServer, World

    world = World(size, page_bytes=page_bytes, links_per_page=links, slow_delay=0.0)
    with DemoServer(world) as server:
        print(server.port, flush=True)
        signal.sigwait({signal.SIGTERM, signal.SIGINT})


def measure(
    way: str, command: list[str], cwd: Path, env: dict[str, str]
) -> tuple[float, float, int]:
    start = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 8):  # wget exits 8 when some page answered 4xx/5xx
        raise SystemExit(f"{way} failed with exit code {proc.returncode}: {command}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return env


COMMON = [
    "-s",
    "TELNETCONSOLE_ENABLED=0",
    "-s",
    "REMOTE_CONTROL_ENABLED=0",
    "-s",
    "LOG_LEVEL=INFO",
    "-s",
    "CONCURRENT_REQUESTS=16",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s",
    "STATS_CLASS=crawler.stats.JsonFileStatsCollector",
]


def pages_from_stats(path: Path) -> int:
    return int(json.loads(path.read_text())["downloader/response_count"])


def bare_scrapy(work: Path, proxy: str) -> Outcome:
    stats = work / "bare.json"
    env = {**base_env(), "http_proxy": proxy, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(Path(__file__).with_name("bare_spider.py")),
        *COMMON,
        "-s",
        "ROBOTSTXT_OBEY=1",
        "-s",
        f"STATS_FILE={stats}",
        "-s",
        f"LOG_FILE={work / 'bare.log'}",
    ]
    seconds, cpu, rss = measure("bare scrapy", command, work, env)
    return Outcome("bare Scrapy (CrawlSpider)", pages_from_stats(stats), seconds, cpu, rss)


def archiving(work: Path, proxy: str) -> Outcome:
    source = work / "bench.yaml"
    source.write_text(
        f"name: bench\nfamily: news\nseeds: [{HOME_URL}]\ncontact: bench@example.org\n"
    )
    stats = work / "archiving.json"
    env = {**base_env(), "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        "-a",
        f"source={source}",
        *COMMON,
        "-s",
        f"ARCHIVIST_HOME={work / 'data'}",
        "-s",
        f"STATS_FILE={stats}",
        "-s",
        f"LOG_FILE={work / 'archiving.log'}",
        "-s",
        "ROUTE_PROXIES=" + json.dumps({".test": proxy}),
    ]
    seconds, cpu, rss = measure("archiving", command, work, env)
    return Outcome("archivist (WARC capture)", pages_from_stats(stats), seconds, cpu, rss)


def wget(work: Path, proxy: str) -> Outcome | None:
    if not shutil.which("wget"):
        print("wget not installed: skipped (apt-get install wget)")
        return None
    command = [
        "wget",
        "--recursive",
        "--level=inf",
        "--no-verbose",
        "--delete-after",
        "-e",
        "robots=on",
        "-e",
        "use_proxy=yes",
        "-e",
        f"http_proxy={proxy}",
        f"--warc-file={work / 'wget'}",
        "--directory-prefix",
        str(work / "wget-files"),
        "--output-file",
        str(work / "wget.log"),
        HOME_URL,
    ]
    seconds, cpu, rss = measure("wget", command, work, base_env())
    pages = sum(
        1
        for line in (work / "wget.log").read_text(errors="replace").splitlines()
        if " URL:" in line or "ERROR" in line
    )
    return Outcome("wget --warc-file", pages, seconds, cpu, rss)


def report(outcomes: list[Outcome]) -> None:
    print(
        f"\n{'way':<28} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'CPU-ms/page':>12} {'peak RSS':>9}"
    )
    for o in outcomes:
        print(
            f"{o.way:<28} {o.pages:>6} {o.seconds:>8.1f} {o.rate:>8.1f} {o.cpu_ms:>12.2f} "
            f"{o.peak_rss_kb / 1024:>7.0f}MB"
        )
    bare = outcomes[0]
    for o in outcomes[1:]:
        print(
            f"{o.way} / bare Scrapy: pages/s x{o.rate / bare.rate:.2f}, "
            f"CPU-ms/page x{o.cpu_ms / bare.cpu_ms:.2f}, peak RSS x{o.peak_rss_kb / bare.peak_rss_kb:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--page-bytes", type=int, default=50_000)
    parser.add_argument("--links", type=int, default=50)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.size, args.page_bytes, args.links)
        return
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--size",
            str(args.size),
            "--page-bytes",
            str(args.page_bytes),
            "--links",
            str(args.links),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        proxy = f"http://127.0.0.1:{int(server.stdout.readline())}"
        with tempfile.TemporaryDirectory(prefix="archivist-bench-") as tmp:
            work = Path(tmp)
            print(
                f"World: {args.size} articles, ~{args.page_bytes} B, ~{args.links} links; server {proxy}"
            )
            outcomes = [bare_scrapy(work, proxy), archiving(work, proxy)]
            if (w := wget(work, proxy)) is not None:
                outcomes.append(w)
            report(outcomes)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
