"""Benchmark: the archiving crawl against bare Scrapy and wget, on a static world (nginx).

Run on demand (not in CI), one command prints the table:

    .venv/bin/python tests/benchmarks/bench_crawl.py [--size 5000] [--rounds 2]

The demo world's news site (``--size`` articles of about ``--page-bytes`` bytes, about
``--links`` links each) is rendered once to static files (``static_world.py``, kept in
``--world-dir`` for the next run) and served by nginx on 127.0.0.1, started and stopped
by the benchmark: a static server costs the crawler's two cores almost nothing. Without
nginx the benchmark stops with one line saying so.

Each way crawls the site from its home page, robots.txt obeyed, as a child process:
wall time, CPU time (user + system of the crawl and its extraction processes, from
``os.wait4``), the peaks of the summed RSS and of the summed PSS of its process tree
(sampled every 0.2 s: PSS counts the pages processes share once, RSS once per process)
and its largest single process's RSS (``--memory-series DIR`` keeps them every 5 s).
The ways run interleaved, round after round, with the load average beside each run:
under load, CPU per post is the figure to trust, the wall time is not. "posts" is the article pages nginx answered with a 200 (the
variants with a query aside); CPU-ms/post divides by the world's articles, the job
being to archive every one.

Ways: ``bare`` (a plain CrawlSpider, no WARC), ``warcio`` (the same with a warcio
downloader middleware), ``trafilatura`` (that, and ``trafilatura.extract`` inline on
each article page), ``capture`` (archivist, WARC capture only), ``extract`` (archivist,
capture and extraction), ``recrawl`` (archivist again over the unchanged site, on the
data folder ``extract`` just made), ``wget`` (``wget --warc-file``, one connection).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from static_world import HOST, Nginx, generate, nginx_binary

ROOT = Path(__file__).resolve().parents[2]
HOME_URL = f"http://{HOST}/"
WAYS = ("bare", "warcio", "trafilatura", "capture", "extract", "recrawl", "wget")
NAMES = {
    "bare": "bare Scrapy CrawlSpider (no WARC)",
    "warcio": "Scrapy + warcio middleware",
    "trafilatura": "Scrapy + warcio + trafilatura inline",
    "capture": "archivist, capture only",
    "extract": "archivist, capture + extraction",
    "recrawl": "archivist, recrawl of the unchanged site",
    "wget": "wget --warc-file (one connection, C)",
}
COMMON = [
    *("-s", "TELNETCONSOLE_ENABLED=0", "-s", "REMOTE_CONTROL_ENABLED=0", "-s", "LOG_LEVEL=INFO"),
    *("-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"),
]


@dataclass
class Run:
    way: str
    seconds: float
    cpu: float
    tree_rss_kb: int
    tree_pss_kb: int
    max_rss_kb: int
    load: float
    posts: int
    stored: int | None = None


class TreeRss:
    """The peaks of the summed RSS and PSS of a process and its descendants, and the RSS
    of the largest one, sampled (``ru_maxrss`` would count the benchmark's own memory,
    forked before the exec).

    RSS counts every page a process maps, so a sum counts each shared page (the Python
    binary, lxml's and libxml2's libraries, a forked child's untouched pages) once per
    process; PSS (``/proc/PID/smaps_rollup``) divides each shared page among the
    processes that map it, so the tree's sum counts it once: the memory the crawl
    really takes from the machine."""

    def __init__(self, pid: int, series: Path | None = None) -> None:
        self.pid, self.peak_kb, self.peak_pss_kb, self.largest_kb = pid, 0, 0, 0
        self.series = series.open("w") if series is not None else None
        self.started = time.monotonic()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _tree(self, pid: int) -> list[int]:
        found = [pid]
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                children = (task / "children").read_text().split()
                for child in children:
                    found += self._tree(int(child))
        except OSError:
            pass
        return found

    def _sizes_kb(self, pid: int) -> tuple[int, int]:
        """RSS and PSS of ``pid``, in kB; zeros if it is gone."""
        sizes = {"Rss:": 0, "Pss:": 0}
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                name, _, rest = line.partition(" ")
                if name in sizes:
                    sizes[name] = int(rest.split()[0])
        except OSError:
            pass
        return sizes["Rss:"], sizes["Pss:"]

    def _watch(self) -> None:
        ticks = 0
        while not self.done.wait(0.2):
            sizes = [self._sizes_kb(p) for p in self._tree(self.pid)]
            rss, pss = sum(r for r, _ in sizes), sum(p for _, p in sizes)
            self.peak_kb = max(self.peak_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.largest_kb = max(self.largest_kb, *(r for r, _ in sizes))
            ticks += 1
            if self.series is not None and ticks % 25 == 0:  # every 5 s
                each = " ".join(str(r) for r, _ in sizes)
                seconds = time.monotonic() - self.started
                self.series.write(f"{seconds:.0f} {rss} {pss} {each}\n")
                self.series.flush()

    def stop(self) -> tuple[int, int, int]:
        self.done.set()
        self.thread.join()
        if self.series is not None:
            self.series.close()
        return self.peak_kb, self.peak_pss_kb, self.largest_kb


def measure(
    command: list[str], cwd: Path, env: dict[str, str], series: Path | None = None
) -> tuple[float, float, int, int, int]:
    """Wall seconds, CPU seconds, peak tree RSS, peak tree PSS and largest RSS (kB);
    ``series``: a file for the tree's RSS and PSS every 5 s."""
    start = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    rss = TreeRss(proc.pid, series)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    tree, pss, largest = rss.stop()
    if proc.returncode not in (0, 8):  # wget exits 8 when some page answered 4xx/5xx
        raise SystemExit(f"failed with exit code {proc.returncode}: {' '.join(command)}")
    return seconds, usage.ru_utime + usage.ru_stime, tree, pss, largest


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return env


def trap_patterns() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from crawler.demo import World

    return World(1).trap_patterns(HOST)


def scrapy_command(way: str, work: Path, proxy: str) -> tuple[list[str], dict[str, str]]:
    env = {**base_env(), "http_proxy": proxy, "PYTHONPATH": f"{ROOT}:{Path(__file__).parent}"}
    spider = str(Path(__file__).with_name("bare_spider.py"))
    command = [sys.executable, "-m", "scrapy", "runspider", spider, *COMMON]
    command += ["-a", "deny=" + json.dumps(trap_patterns())]
    command += ["-s", "ROBOTSTXT_OBEY=1", "-s", f"LOG_FILE={work / f'{way}.log'}"]
    if way in {"warcio", "trafilatura"}:
        middleware = {"bare_spider.WarcioMiddleware": 950}  # nearest the downloader
        command += ["-s", "DOWNLOADER_MIDDLEWARES=" + json.dumps(middleware)]
        command += ["-s", f"BENCH_WARC={work / f'{way}.warc.gz'}"]
    if way == "trafilatura":
        command += ["-a", "extract=1"]
    return command, env


def archivist_command(way: str, home: Path, proxy: str, workers: int) -> list[str]:
    source = home.parent / "bench.yaml"
    source.write_text(
        f"name: bench\nfamily: news\nseeds: [{HOME_URL}]\ncontact: bench@example.org\n"
        # Like the bare spider: no AutoThrottle (a politeness policy, not crawl machinery),
        # and no bound on a host's pages (10,000 by default: --size 50000 would stop there).
        "manners: {autothrottle: false}\nlimits: {max_pages_per_host: null}\n"
    )
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"source={source}"]
    command += [*COMMON, "-s", f"ARCHIVIST_HOME={home}"]
    command += ["-s", f"LOG_FILE={home.parent / f'{way}.log'}"]
    command += ["-s", "ROUTE_PROXIES=" + json.dumps({".test": proxy})]
    command += ["-s", f"EXTRACT_ENABLED={int(way != 'capture')}"]
    command += ["-s", f"EXTRACT_WORKERS={workers}"]
    return command


def wget_command(work: Path, proxy: str) -> list[str]:
    command = ["wget", "--recursive", "--level=inf", "--no-verbose", "--delete-after"]
    command += ["-e", "robots=on", "-e", "use_proxy=yes", "-e", f"http_proxy={proxy}"]
    # POSIX regexes: the same traps as the bare spider's deny list, without (?:...).
    traps = "|".join(p.replace("(?:", "(") for p in trap_patterns())
    command += ["--reject-regex", traps]
    command += [f"--warc-file={work / 'wget'}", "--directory-prefix", str(work / "wget-files")]
    command += ["--output-file", str(work / "wget.log"), HOME_URL]
    return command


def stored_articles(home: Path) -> int | None:
    db = home / "archivist.db"
    if not db.exists():
        return None
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM articles").fetchone()[0])


def run_way(
    way: str, work: Path, nginx: Nginx, round_: int, workers: int, series_dir: Path | None
) -> Run | None:
    env = {**base_env(), "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(ROOT)}
    home = work / f"home-{round_}"
    if way in {"bare", "warcio", "trafilatura"}:
        command, env = scrapy_command(way, work, nginx.proxy)
    elif way == "wget":
        if not shutil.which("wget"):
            print("wget not installed: skipped (apt-get install wget)")
            return None
        command, env = wget_command(work, nginx.proxy), base_env()
    elif way == "recrawl":
        if not (home / "archivist.db").exists():
            print("recrawl: skipped, it follows `extract` in the same round")
            return None
        command = archivist_command(way, home, nginx.proxy, workers)
    else:
        if way == "capture":
            home = work / f"capture-{round_}"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        command = archivist_command(way, home, nginx.proxy, workers)
    series = series_dir / f"{way}-{round_ + 1}.memory" if series_dir is not None else None
    seconds, cpu, tree, pss, largest = measure(command, work, env, series)
    load = os.getloadavg()[0]
    served = nginx.served()
    stored = stored_articles(home) if way in {"extract", "recrawl"} else None
    if way == "wget":
        shutil.rmtree(work / "wget-files", ignore_errors=True)
    for name in ("warcio.warc.gz", "trafilatura.warc.gz", "wget.warc.gz"):
        (work / name).unlink(missing_ok=True)
    return Run(way, seconds, cpu, tree, pss, largest, load, served["article"], stored)


def table(runs: list[Run], size: int) -> None:
    print(
        f"\n{'way':<42} {'s':>7} {'vs bare':>7} {'CPU-ms/post':>11} {'peak RSS':>9} "
        f"{'peak PSS':>9} {'largest':>8} {'posts':>6} {'load':>5}"
    )
    by_way: dict[str, list[Run]] = {}
    for run in runs:
        by_way.setdefault(run.way, []).append(run)
    bare = by_way.get("bare")
    bare_s = statistics.median(r.seconds for r in bare) if bare else None
    for way, done in by_way.items():
        seconds = statistics.median(r.seconds for r in done)
        cpu_ms = 1000 * statistics.median(r.cpu for r in done) / size
        tree = max(r.tree_rss_kb for r in done) / 1024
        pss = max(r.tree_pss_kb for r in done) / 1024
        largest = max(r.max_rss_kb for r in done) / 1024
        load = statistics.mean(r.load for r in done)
        ratio = f"{bare_s / seconds:.2f}" if bare_s else "-"
        print(
            f"{NAMES[way]:<42} {seconds:>7.1f} {ratio:>7} {cpu_ms:>11.1f} {tree:>7.0f}MB "
            f"{pss:>7.0f}MB {largest:>6.0f}MB {min(r.posts for r in done):>6} {load:>5.1f}"
        )
    print(
        "s: median wall time; vs bare: bare Scrapy's s / this s; CPU-ms/post: median CPU "
        "(crawl + pool) / articles; peak RSS: of the process tree (shared pages once per "
        "process); peak PSS: of the tree, each shared page once; largest: one process's RSS; "
        "posts: article pages answered 200; load: 1-minute load average after the run"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--page-bytes", type=int, default=50_000)
    parser.add_argument("--links", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--ways", default=",".join(WAYS), help="which ways, in each round")
    parser.add_argument("--extract-workers", type=int, default=0, help="EXTRACT_WORKERS")
    parser.add_argument("--world-dir", type=Path, help="where the static world is kept")
    parser.add_argument(
        "--memory-series",
        type=Path,
        help="a folder for each run's memory every 5 s (seconds, tree RSS kB, tree PSS kB, "
        "then each process's RSS kB)",
    )
    args = parser.parse_args()
    binary = nginx_binary()
    if binary is None:
        raise SystemExit("nginx is not installed: apt-get install nginx-light, then run again")
    folder = args.world_dir or Path(tempfile.gettempdir()) / (
        f"archivist-bench-world-{args.size}-{args.page_bytes}-{args.links}"
    )
    started = time.monotonic()
    manifest = generate(folder, args.size, args.page_bytes, args.links)
    print(
        f"World: {args.size} articles, ~{args.page_bytes} B, ~{args.links} links: "
        f"{manifest['files']} files in {folder} ({time.monotonic() - started:.0f} s)"
    )
    print(
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    ways = [w.strip() for w in args.ways.split(",")]
    if args.memory_series is not None:
        args.memory_series.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="archivist-bench-") as tmp:
        work = Path(tmp)
        (work / "nginx").mkdir()
        with Nginx(binary, folder, dict(manifest["types"]), work / "nginx") as nginx:  # type: ignore[arg-type]
            for round_ in range(args.rounds):
                for way in ways:
                    run = run_way(
                        way, work, nginx, round_, args.extract_workers, args.memory_series
                    )
                    if run is None:
                        continue
                    runs.append(run)
                    stored = f", {run.stored} articles stored" if run.stored is not None else ""
                    print(
                        f"  round {round_ + 1} {way}: {run.posts} posts in {run.seconds:.1f} s, "
                        f"{run.cpu:.1f} CPU-s, tree RSS {run.tree_rss_kb / 1024:.0f} MB, "
                        f"PSS {run.tree_pss_kb / 1024:.0f} MB"
                        f"{stored} (load {run.load:.1f})",
                        flush=True,
                    )
    table(runs, args.size)


if __name__ == "__main__":
    main()
