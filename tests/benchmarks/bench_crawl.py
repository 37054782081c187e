"""Benchmark: bare Scrapy vs the archiving crawl vs wget --warc-file, on one generated world.

Run on demand (not in CI):  .venv/bin/python tests/benchmarks/bench_crawl.py [--size 5000]

The demo world (``--size`` articles of about ``--page-bytes`` bytes with about
``--links`` links each) is served from a separate process on 127.0.0.1, so the crawler
under test has the other core. Each way crawls the news site from its home page with
robots.txt obeyed, as a child process measured with ``os.wait4``: wall time, CPU time
(user + system, the extraction pool's processes included) and peak RSS. The server counts what each way fetched: "pages" are
HTML pages, feeds and robots.txt; "responses" add images, CSS and the PDF (the
archiving crawl and wget fetch page requisites, a plain CrawlSpider does not).
The ways do not fetch the same pages: bare Scrapy and wget also fetch each article's
``?print=1`` and ``utm_*`` variants (about 2 in 3 of their pages), which the archiving
crawl canonicalises away, and it fetches the images and styles they skip; compare
pages/s with that in mind, and CPU-ms per page.
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
REQUISITE = (".png", ".jpg", ".jpeg", ".gif", ".css", ".js", ".pdf", ".ico", ".svg", ".woff2")
Measured = tuple[str, float, float, int]  # way, seconds, CPU seconds, peak RSS in KiB


@dataclass
class Outcome:
    way: str
    responses: int
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
    """The server process: on SIGUSR1 it prints what it served since the last one."""
    sys.path.insert(0, str(ROOT))
    from crawler.demo import DemoServer, World

    world = World(size, page_bytes=page_bytes, links_per_page=links, slow_delay=0.0)
    signals = {signal.SIGTERM, signal.SIGINT, signal.SIGUSR1}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    with DemoServer(world) as server:
        print(server.port, flush=True)
        while signal.sigwait(signals) == signal.SIGUSR1:
            log = server.log
            server.clear_log()
            pages = [e for e in log if not e.target.split("?")[0].endswith(REQUISITE)]
            cpu = time.process_time()
            print(json.dumps({"responses": len(log), "pages": len(pages), "cpu": cpu}), flush=True)


class Server:
    """The world's server process, and what it served for each way."""

    def __init__(self, args: argparse.Namespace) -> None:
        command = [sys.executable, __file__, "--serve", "--size", str(args.size)]
        command += ["--page-bytes", str(args.page_bytes), "--links", str(args.links)]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.proxy = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"
        self.cpu = 0.0

    def served(self) -> tuple[int, int, float]:
        """Responses and pages served, and the server's CPU seconds, since the last call."""
        assert self.proc.stdout is not None
        self.proc.send_signal(signal.SIGUSR1)
        counts = json.loads(self.proc.stdout.readline())
        cpu, self.cpu = counts["cpu"] - self.cpu, counts["cpu"]
        return counts["responses"], counts["pages"], cpu

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


def measure(way: str, command: list[str], cwd: Path, env: dict[str, str]) -> Measured:
    start = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 8):  # wget exits 8 when some page answered 4xx/5xx
        raise SystemExit(f"{way} failed with exit code {proc.returncode}: {command}")
    return way, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return env


COMMON = [
    *("-s", "TELNETCONSOLE_ENABLED=0", "-s", "REMOTE_CONTROL_ENABLED=0", "-s", "LOG_LEVEL=INFO"),
    *("-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"),
]


EXTRACT_WORKERS = 0  # --extract-workers


def trap_patterns() -> list[str]:
    """The news site's endless traps (calendar, nested sections...), which a plain
    CrawlSpider would follow for ever; the archiving crawl refuses them by itself."""
    sys.path.insert(0, str(ROOT))
    from crawler.demo import World

    return World(1).trap_patterns("thoisu.test")


def bare_scrapy(work: Path, proxy: str) -> Measured:
    env = {**base_env(), "http_proxy": proxy, "PYTHONPATH": str(ROOT)}
    spider = str(Path(__file__).with_name("bare_spider.py"))
    command = [sys.executable, "-m", "scrapy", "runspider", spider, *COMMON]
    command += ["-a", "deny=" + json.dumps(trap_patterns())]
    command += ["-s", "ROBOTSTXT_OBEY=1", "-s", f"LOG_FILE={work / 'bare.log'}"]
    return measure("bare Scrapy (CrawlSpider)", command, work, env)


def archiving(work: Path, proxy: str) -> Measured:
    return _archivist(work, proxy, extract=False)


def archiving_extracting(work: Path, proxy: str) -> Measured:
    return _archivist(work, proxy, extract=True)


def _archivist(work: Path, proxy: str, *, extract: bool) -> Measured:
    source = work / "bench.yaml"
    source.write_text(
        f"name: bench\nfamily: news\nseeds: [{HOME_URL}]\ncontact: bench@example.org\n"
        # Like the bare spider: no AutoThrottle (a politeness policy, not crawl machinery).
        "manners: {autothrottle: false}\n"
    )
    env = {**base_env(), "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"source={source}"]
    command += [*COMMON, "-s", f"ARCHIVIST_HOME={work / ('data-extract' if extract else 'data')}"]
    command += ["-s", f"LOG_FILE={work / 'archiving.log'}"]
    command += ["-s", "ROUTE_PROXIES=" + json.dumps({".test": proxy})]
    command += ["-s", f"EXTRACT_ENABLED={int(extract)}"]
    command += ["-s", f"EXTRACT_WORKERS={EXTRACT_WORKERS}"]
    name = "archivist + extraction" if extract else "archivist (WARC capture)"
    return measure(name, command, work, env)


def wget(work: Path, proxy: str) -> Measured | None:
    if not shutil.which("wget"):
        print("wget not installed: skipped (apt-get install wget)")
        return None
    command = ["wget", "--recursive", "--level=inf", "--no-verbose", "--delete-after"]
    command += ["-e", "robots=on", "-e", "use_proxy=yes", "-e", f"http_proxy={proxy}"]
    # POSIX regexes: the same traps as the bare spider's deny list, without (?:...).
    traps = "|".join(p.replace("(?:", "(") for p in trap_patterns())
    command += ["--reject-regex", traps]
    command += [f"--warc-file={work / 'wget'}", "--directory-prefix", str(work / "wget-files")]
    command += ["--output-file", str(work / "wget.log"), HOME_URL]
    return measure("wget --warc-file", command, work, base_env())


WAYS = {
    "bare": bare_scrapy,
    "archiving": archiving,
    "extracting": archiving_extracting,
    "wget": wget,
}


def report(outcomes: list[Outcome]) -> None:
    print(
        f"\n{'way':<26} {'pages':>6} {'responses':>9} {'seconds':>8} {'pages/s':>8} "
        f"{'CPU-ms/page':>11} {'peak RSS':>9}"
    )
    for o in outcomes:
        print(
            f"{o.way:<26} {o.pages:>6} {o.responses:>9} {o.seconds:>8.1f} {o.rate:>8.1f} "
            f"{o.cpu_ms:>11.2f} {o.peak_rss_kb / 1024:>7.0f}MB"
        )
    bare = outcomes[0]
    for o in outcomes[1:]:
        print(
            f"{o.way} / {bare.way}: pages/s x{o.rate / bare.rate:.2f}, "
            f"CPU-ms/page x{o.cpu_ms / bare.cpu_ms:.2f}, "
            f"peak RSS x{o.peak_rss_kb / bare.peak_rss_kb:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--page-bytes", type=int, default=50_000)
    parser.add_argument("--links", type=int, default=50)
    parser.add_argument(
        "--ways", default="bare,archiving,extracting,wget", help="which ways to run, in order"
    )
    parser.add_argument(
        "--extract-workers", type=int, default=0, help="EXTRACT_WORKERS (0: the default)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global EXTRACT_WORKERS  # noqa: PLW0603 - a command-line option, set once
    EXTRACT_WORKERS = args.extract_workers
    if args.serve:
        serve(args.size, args.page_bytes, args.links)
        return
    server = Server(args)
    try:
        with tempfile.TemporaryDirectory(prefix="archivist-bench-") as tmp:
            work = Path(tmp)
            print(
                f"World: {args.size} articles, ~{args.page_bytes} B, ~{args.links} links; "
                f"server {server.proxy}"
            )
            outcomes = []
            for name in args.ways.split(","):
                way = WAYS[name.strip()]
                measured = way(work, server.proxy)
                responses, pages, server_cpu = server.served()
                if measured is not None:
                    way_name, seconds, cpu, rss = measured
                    outcomes.append(Outcome(way_name, responses, pages, seconds, cpu, rss))
                    print(
                        f"  {way_name}: {pages} pages in {seconds:.1f}s, {cpu:.1f} CPU-s "
                        f"(the server: {server_cpu:.1f} CPU-s)",
                        flush=True,
                    )
            report(outcomes)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
