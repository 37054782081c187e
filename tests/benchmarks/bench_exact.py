"""Benchmark: what byte-exact capture costs per page, tap on vs off, and warcprox.

Run on demand (not in CI):
    .venv/bin/python tests/benchmarks/bench_exact.py [--pages 1500] [--rounds 3]
        [--warcprox /tmp/venv/bin/warcprox]

A server process on 127.0.0.1 serves ``--pages`` article pages of the demo world
(about 50 KB of HTML each; every second one gzip-encoded, every third chunked),
keep-alive. Each way fetches them all with the project's settings, 16 at a time
(``tests/helpers/url_list_spider.py``), as a child process measured with ``os.wait4``:
CPU time (user + system), so that other work on a shared machine weighs less than on
wall time. The ways run interleaved, ``--rounds`` times each, and the median is kept:

- ``tap on``: ``ARCHIVE_EXACT=1`` (the default): records hold the bytes on the wire;
- ``tap off``: ``ARCHIVE_EXACT=0``: records rebuilt from Scrapy's parsed response;
- ``no capture``: ``ARCHIVE_ENABLED=0``, the crawl alone, to show what capture costs;
- ``warcprox`` (with ``--warcprox``): archivist's capture off, every request through
  warcprox as a recording proxy on 127.0.0.1; its CPU is the crawl's plus warcprox's
  (read from /proc before and after).

The load average is printed before and after: the figures mean little if it is high.

``--micro N`` measures instead, in this process, what the tap adds to one page: feeding
a 50 KB response to a tap in 16 KiB reads and writing its records from the wire, against
writing the records from the parsed response, N times each, interleaved; the CPU time
of a crawl's page is much noisier than that difference on a shared machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPIDER = ROOT / "tests" / "helpers" / "url_list_spider.py"


def serve(pages: int) -> None:
    """The server process: prints its port, serves until SIGTERM."""
    import http.server

    sys.path.insert(0, str(ROOT))
    from crawler.demo import World

    world = World(pages, page_bytes=50_000, links_per_page=50, slow_delay=0.0)
    bodies = [
        world.respond("thoisu.test", url[len("http://thoisu.test") :]).body
        for url in world.article_urls("thoisu.test")[:pages]
    ]
    zipped = [gzip.compress(body, 6) for body in bodies]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            n = int(self.path.strip("/") or 0) % len(bodies)
            body = zipped[n] if n % 2 else bodies[n]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=UTF-8")
            if n % 2:
                self.send_header("Content-Encoding", "gzip")
            if n % 3 == 0:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(body), 8192):
                    piece = body[i : i + 8192]
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    http.server.ThreadingHTTPServer.request_queue_size = 256  # warcprox opens many at once
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


def captured(home: Path) -> int:
    """Response records of status 200 in the WARC files under ``home``."""
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    for path in home.rglob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                ok = record.http_headers is not None and record.http_headers.get_statuscode()
                count += record.rec_type == "response" and ok == "200"
    return count


def micro(times: int) -> None:
    """CPU microseconds per page the tap and the wire records add (see the docstring)."""
    sys.path.insert(0, str(ROOT))
    from datetime import UTC, datetime

    from archive import HttpExchange
    from archive.warc import _record
    from crawler.handler import _Tap

    body = os.urandom(25_000) + b"<p>" * 8_000
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)
    sent = head + body
    parsed = HttpExchange(
        url="http://thoisu.test/bai.html",
        method="GET",
        request_headers=((b"Host", b"thoisu.test"),),
        status=200,
        response_headers=((b"Content-Type", b"text/html"), (b"Content-Length", b"%d" % len(body))),
        response_body=body,
        date=datetime.now(UTC),
    )

    class Owner:
        pass

    def with_tap() -> None:
        tap = _Tap(0)
        tap.request += b"GET /bai.html HTTP/1.1\r\nHost: thoisu.test\r\n\r\n"
        for i in range(0, len(sent), 16384):
            tap.received(sent[i : i + 16384])
        tap.finish(b"")
        owner = Owner()
        wire = tap.wire(owner)
        exchange = HttpExchange(
            **{**{f: getattr(parsed, f) for f in parsed.__slots__}, "wire": wire}
        )
        for record in (
            _record.response_record(exchange, "", "1.1"),
            _record.request_record(exchange, "<x>", "", "1.1"),
        ):
            _record.gzip_member(record.parts(), 6)

    def without() -> None:
        for record in (
            _record.response_record(parsed, "", "1.1"),
            _record.request_record(parsed, "<x>", "", "1.1"),
        ):
            _record.gzip_member(record.parts(), 6)

    spent = {"tap on": 0.0, "tap off": 0.0}
    for _ in range(times):
        for name, run in (("tap on", with_tap), ("tap off", without)):
            start = time.process_time()
            run()
            spent[name] += time.process_time() - start
    on, off = (1e6 * spent[k] / times for k in ("tap on", "tap off"))
    print(f"per page: tap on {on:.0f} us, tap off {off:.0f} us: the tap adds {on - off:.0f} us")


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def crawl(urls: list[str], home: Path, settings: dict[str, str], proxy: str = "") -> float:
    """CPU seconds of one crawl of ``urls``."""
    args = [sys.executable, "-m", "scrapy", "runspider", str(SPIDER)]
    args += ["-a", "requests=" + json.dumps([["GET", u] for u in urls]), "-a", "parallel=1"]
    if proxy:
        args += ["-a", f"proxy={proxy}"]
    values = {
        "ARCHIVIST_HOME": str(home),
        "ARCHIVE_COLLECTION": "bench",
        "ARCHIVE_RECORD_CAPTURES": "False",
        "ROBOTSTXT_OBEY": "False",
        "NETWORK_ALLOW_PRIVATE": "127.0.0.1",
        "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "LOG_LEVEL": "WARNING",
        "HTTPPROXY_ENABLED": "True",
        **settings,
    }
    for name, value in values.items():
        args += ["-s", f"{name}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"crawl failed: {settings}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warcprox", help="path of a warcprox executable (its own venv)")
    parser.add_argument("--micro", type=int, help="N: time the tap in this process instead")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.micro:
        micro(args.micro)
        return
    if args.serve:
        serve(args.serve)
        return
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.pages)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    port = int(server.stdout.readline())
    urls = [f"http://127.0.0.1:{port}/{n}" for n in range(args.pages)]
    ways: dict[str, dict[str, str]] = {
        "tap on (ARCHIVE_EXACT=1)": {"ARCHIVE_EXACT": "True"},
        "tap off (ARCHIVE_EXACT=0)": {"ARCHIVE_EXACT": "False"},
        "no capture": {"ARCHIVE_ENABLED": "False"},
    }
    if args.warcprox:
        ways["warcprox, capture off"] = {"ARCHIVE_ENABLED": "False"}
    cpu: dict[str, list[float]] = {way: [] for way in ways}
    print(f"{args.pages} pages, {args.rounds} rounds; load average {os.getloadavg()}")
    try:
        with tempfile.TemporaryDirectory(prefix="archivist-bench-exact-") as tmp:
            for round_ in range(args.rounds):
                for way, settings in ways.items():
                    home = Path(tmp) / f"{round_}-{list(ways).index(way)}"
                    if way.startswith("warcprox"):
                        spent = through_warcprox(args.warcprox, urls, home, settings)
                    else:
                        spent = crawl(urls, home, settings)
                    cpu[way].append(spent)
                    kept = captured(home)
                    print(
                        f"  {way}: {1000 * spent / args.pages:.2f} CPU-ms/page, "
                        f"{kept} responses of 200 archived",
                        flush=True,
                    )
    finally:
        server.terminate()
        server.wait(10)
    print(f"load average {os.getloadavg()}")
    base = statistics.median(cpu["tap off (ARCHIVE_EXACT=0)"])
    for way, spent in cpu.items():
        median = statistics.median(spent)
        print(
            f"{way:<28} {1000 * median / args.pages:8.2f} CPU-ms/page "
            f"({100 * (median / base - 1):+.1f}% vs tap off)"
        )


# warcprox refuses to fetch from loopback and has no option to allow it: its handler's
# class attribute does, so it is started through this, with its venv's Python.
WARCPROX_ON_LOOPBACK = (
    "import sys; import warcprox.warcproxy as w; w.WarcProxyHandler.allow_localhost = True; "
    "from warcprox.main import main; main(['warcprox', *sys.argv[1:]])"
)


def through_warcprox(warcprox: str, urls: list[str], home: Path, settings: dict[str, str]) -> float:
    home.mkdir(parents=True)
    python = str(Path(warcprox).with_name("python"))
    command = [python, "-c", WARCPROX_ON_LOOPBACK, "-b", "127.0.0.1", "-p", "0", "-z", "-q"]
    command += ["-d", str(home / "warcs"), "--certs-dir", str(home / "certs")]
    command += ["-c", str(home / "ca.pem")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=home)
    port = _warcprox_port(proc.pid)
    before = proc_cpu(proc.pid)
    spent = crawl(urls, home, settings, proxy=f"http://127.0.0.1:{port}")
    time.sleep(2)  # warcprox writes its records from a queue: let it finish
    spent += proc_cpu(proc.pid) - before
    proc.terminate()
    proc.wait(30)
    return spent


def _warcprox_port(pid: int) -> int:
    """The port warcprox listens on (``-p 0`` picks one; read back from /proc/net/tcp)."""
    for _ in range(100):
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = str(fd.readlink())
            except FileNotFoundError:  # closed while listed
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in inodes:
                return int(parts[1].split(":")[1], 16)
        time.sleep(0.2)
    raise SystemExit("warcprox did not start listening")


if __name__ == "__main__":
    main()
