"""The benchmark's world as static files, served by nginx (run by bench_crawl.py).

``generate`` renders the demo world's news site once, from its home page, robots.txt
and sitemaps, following every link on the site but the endless traps (``World.
trap_patterns``) and the paths robots.txt forbids: each 200 response becomes a file,
``<host>/<path>[?<query>].<type>``, where ``<type>`` names its Content-Type in the
``types`` of nginx's configuration. Anything else (a trap, a redirect, an error page)
answers 404. Identical bodies are one file under several names (hard links). The folder is kept and reused for the same world (a manifest names it).

``Nginx`` starts nginx on a loopback port with a configuration of its own, in front of
that folder, as a child process, and stops it by its PID. Crawlers reach it as an HTTP
proxy (``ROUTE_PROXIES``, ``http_proxy``): nginx takes the host of an absolute request
line as ``$host``. Static files cost the server almost no CPU, so both cores measure the
crawler; nginx answers conditional requests with 304 (Last-Modified and ETag from the
file), as a recrawl of an unchanged site expects.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, deque
from pathlib import Path
from typing import Self
from urllib.parse import unquote, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[2]
HOST = "thoisu.test"
_LINK = re.compile(rb"""(?:href|src)\s*=\s*["']([^"'#]+)|(https?://[^\s"'<>]+)""")
_MAX_BYTES = 5_000_000  # bodies above this are left out (the demo's large cases)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def generate(folder: Path, size: int, page_bytes: int, links: int) -> dict[str, object]:
    """The world in ``folder`` (made once per world); its manifest."""
    key = {"size": size, "page_bytes": page_bytes, "links": links, "version": 2}
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("key") == key:
            return dict(manifest)
        shutil.rmtree(folder)
    sys.path.insert(0, str(ROOT))
    from crawler.demo import World

    started = time.monotonic()
    world = World(size, page_bytes=page_bytes, links_per_page=links, slow_delay=0.0)
    writer = _Writer(folder / HOST)
    skip = [re.compile(p) for p in world.trap_patterns(HOST)]
    forbidden = tuple(world.forbidden(HOST))
    seen: set[str] = set()
    queue = deque([f"http://{HOST}/", f"http://{HOST}/robots.txt", f"http://{HOST}/sitemap.xml"])
    while queue:
        url = queue.popleft()
        if url in seen or urlsplit(url).path.startswith(forbidden):
            continue
        seen.add(url)
        response = world.url_response(url)
        if any(p.search(url) for p in skip) or response is None or response.status != 200:
            continue
        if response.stream is not None or len(response.body) > _MAX_BYTES:
            continue
        ctype = dict(response.headers).get("Content-Type", "application/octet-stream")
        writer.write(url, response.body, ctype)
        if b"<" in response.body[:2000] or ctype.startswith("text/plain"):
            queue.extend(u for u in _links(url, response.body) if u not in seen)
    manifest = {
        "key": key,
        "files": writer.written,
        "types": writer.types,
        "articles": world.article_urls(HOST),
        "seconds": round(time.monotonic() - started, 1),
    }
    manifest_path.write_text(json.dumps(manifest))
    return manifest


def _links(url: str, body: bytes) -> list[str]:
    """The URLs on the site that ``body`` names (links, sources, URLs in text)."""
    found = []
    for rel, absolute in _LINK.findall(body):
        link = html.unescape((rel or absolute).decode("utf-8", "replace"))
        target = urljoin(url, link.strip()).split("#")[0]
        if urlsplit(target).hostname == HOST:
            found.append(target)
    return found


class _Writer:
    """Responses to files: ``<path>[?<query>].<type>`` under the host's folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.types: dict[str, str] = {}
        self.written = 0
        self.same: dict[bytes, Path] = {}

    def write(self, url: str, body: bytes, ctype: str) -> None:
        parts = urlsplit(url)
        ext = self.types.setdefault(ctype, f"t{len(self.types)}")
        # nginx takes no type from a name that starts with a dot: "/" is "/index.t0"
        path = unquote(parts.path) + ("index" if parts.path.endswith("/") else "")
        query = f"?{parts.query}" if parts.query else ""
        target = self.folder / f"{path.lstrip('/')}{query}.{ext}"
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha1(body).digest()
        if digest in self.same:  # a variant served as its article: one file, two names
            os.link(self.same[digest], target)
        else:
            target.write_bytes(body)
            self.same[digest] = target
        self.written += 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Nginx:
    """nginx serving ``folder`` on 127.0.0.1, as a child process; a context manager."""

    def __init__(self, binary: str, folder: Path, types: dict[str, str], work: Path) -> None:
        self.port = _free_port()
        self.work = work
        self.log = work / "access.log"
        self._read = 0
        tries = " ".join(
            f'"$uri$is_args$args.{ext}" "${{uri}}index$is_args$args.{ext}"'
            for ext in types.values()
        )
        mime = "\n".join(f'    "{ctype}" {ext};' for ctype, ext in types.items())
        temp = "\n".join(f"  {kind}_temp_path {work / kind};" for kind in ("client_body", "proxy"))
        config = f"""worker_processes 1;
daemon off;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  types {{
{mime}
  }}
  default_type application/octet-stream;
  log_format bench '$status $request_uri';
  access_log {self.log} bench buffer=64k flush=1s;
{temp}
  keepalive_requests 100000;
  server {{
    listen 127.0.0.1:{self.port};
    root {folder}/$host;
    location / {{ try_files {tries} =404; }}
  }}
}}
"""
        (work / "nginx.conf").write_text(config)
        self.proc = subprocess.Popen(
            [binary, "-c", str(work / "nginx.conf"), "-p", str(work)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_listening()

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_listening(self) -> None:
        for _ in range(100):
            if self.proc.poll() is not None:
                assert self.proc.stderr is not None
                raise SystemExit(f"nginx did not start: {self.proc.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"nginx did not listen on 127.0.0.1:{self.port}")

    def served(self) -> Counter[str]:
        """Status -> requests, and "article" -> 200 answers for article pages, since the
        last call (nginx flushes its log each second)."""
        time.sleep(1.2)
        counts: Counter[str] = Counter()
        with self.log.open("rb") as fh:
            fh.seek(self._read)
            data = fh.read()
        self._read += len(data)
        for line in data.decode("utf-8", "replace").splitlines():
            status, _, target = line.partition(" ")
            target = target.split("//", 1)[-1].partition("/")[2]  # absolute or not
            counts[status] += 1
            if status == "200" and target.endswith(".html") and "?" not in target:
                counts["article"] += 1
        return counts

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish and exit
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
