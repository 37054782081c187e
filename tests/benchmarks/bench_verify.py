"""Benchmark: `archivist verify` and `archivist index` against fast and plain WARC readers.

    .venv/bin/pip install -e '.[bench]'   # FastWARC, once
    .venv/bin/python tests/benchmarks/bench_verify.py [--gb 1.0] [--data DIR] [--ways ...]

Generates (once, kept in ``--data``) a collection of about ``--gb`` GB of gzipped WARC
files, each record its own gzip member as crawlers write them: per page a request, an
HTML response of 20-90 kB of Vietnamese-like text (compressing about 4:1, as real pages
do) and, for one page in three, an incompressible image with its request; a warcinfo per
file. Then measures, one way after another in the same run, CPU seconds (user + system of
a child process, ``os.wait4``), wall seconds and peak RSS of:

- ``fastwarc``: FastWARC's ArchiveIterator reading every record and its whole block,
  no digest checked (the floor: inflate and parse);
- ``fastwarc+digests``: the same, checking each record's block digest;
- ``warcio``: warcio's ArchiveIterator reading every block;
- ``verify``: ``archivist verify`` (every record's block and payload digests, the gzip
  members, the links, the index);
- ``index``: ``archivist index`` (the collection's CDXJ from scratch).

Records/s is records over CPU seconds: on a shared machine that is the steadier figure.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import random
import subprocess
import sys
import time
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FILE_BYTES = 100 * 1024 * 1024
_VOCABULARY = (
    "chính phủ quốc hội bộ trưởng nhân dân kinh tế phát triển dự án đầu tư người dân "
    "thành phố hà nội sài gòn đà nẵng tỉnh ủy ban hội nghị chủ tịch thủ tướng báo cáo "
    "tham nhũng cải cách giáo dục y tế môi trường biển đảo chủ quyền ngân sách thuế "
    "đất đai nông dân công nhân doanh nghiệp thị trường giá cả lạm phát tăng trưởng"
)
WORDS = _VOCABULARY.split()


def _digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode()


def _record(
    kind: str,
    url: str,
    when: datetime,
    block: bytes,
    payload: bytes | None,
    extra: str = "",
    rid: str = "",
) -> bytes:
    head = (
        "WARC/1.1\r\n"
        f"WARC-Type: {kind}\r\n"
        f"WARC-Record-ID: {rid or f'<urn:uuid:{uuid.uuid4()}>'}\r\n"
        f"WARC-Date: {when.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}\r\n"
        + (f"WARC-Target-URI: {url}\r\n" if url else "")
        + f"WARC-Block-Digest: {_digest(block)}\r\n"
        + (f"WARC-Payload-Digest: {_digest(payload)}\r\n" if payload is not None else "")
        + extra
        + (
            "Content-Type: application/warc-fields\r\n"
            if kind == "warcinfo"
            else f"Content-Type: application/http; msgtype={kind}\r\n"
        )
        + f"Content-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


def _member(data: bytes) -> bytes:
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    return comp.compress(data) + comp.flush()


def _page(rng: random.Random, size: int) -> bytes:
    words = rng.choices(WORDS, k=size // 6)
    paras = [" ".join(words[i : i + 60]) for i in range(0, len(words), 60)]
    body = "".join(f"<p class='c{rng.randrange(9)}'>{p}.</p>\n" for p in paras)
    return (
        f"<!doctype html><html><head><title>Bài</title></head><body>{body}</body></html>".encode()
    )


def _exchange(rng: random.Random, url: str, when: datetime, body: bytes, ctype: str) -> bytes:
    request = f"GET {url[url.index('/', 8) :]} HTTP/1.1\r\nHost: thoisu.test\r\n\r\n".encode()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {len(body)}\r\nServer: nginx\r\n\r\n"
    ).encode()
    rid = f"<urn:uuid:{uuid.uuid4()}>"
    response = _record("response", url, when, head + body, body, rid=rid)
    req = _record("request", url, when, request, None, f"WARC-Concurrent-To: {rid}\r\n")
    return _member(response) + _member(req)


def generate(folder: Path, gigabytes: float, seed: int = 7) -> list[Path]:
    archive = folder / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    done = folder / "generated"
    if done.exists() and done.read_text() == f"{gigabytes} {seed}":
        return sorted(archive.glob("*.warc.gz"))
    for old in archive.glob("*"):
        old.unlink()
    rng = random.Random(seed)
    total, n, page = 0, 0, 0
    when = datetime(2026, 1, 1, tzinfo=UTC)
    paths = []
    while total < gigabytes * 1e9:
        path = archive / f"bench-{n:05d}.warc.gz"
        with path.open("wb") as out:
            info = b"software: bench_verify\r\nformat: WARC File Format 1.1\r\n"
            written = out.write(_member(_record("warcinfo", "", when, info, None)))
            while written < FILE_BYTES and total + written < gigabytes * 1e9:
                page += 1
                when += timedelta(seconds=1)
                url = f"http://thoisu.test/bai/{page}.html"
                body = _page(rng, rng.randrange(20_000, 90_000))
                written += out.write(_exchange(rng, url, when, body, "text/html; charset=utf-8"))
                if page % 3 == 0:
                    img = rng.randbytes(rng.randrange(5_000, 60_000))
                    img_url = f"http://thoisu.test/anh/{page}.jpg"
                    written += out.write(_exchange(rng, img_url, when, img, "image/jpeg"))
        total += written
        paths.append(path)
        n += 1
        print(f"  generated {path.name}: {written / 1e6:.0f} MB", file=sys.stderr)
    done.write_text(f"{gigabytes} {seed}")
    return paths


READERS = {
    "fastwarc": (
        "from fastwarc.warc import ArchiveIterator\n"
        "n=0\n"
        "for p in PATHS:\n"
        "    with open(p,'rb') as fh:\n"
        "        for r in ArchiveIterator(fh, fsspec_args=False, parse_http=False):\n"
        "            r.reader.read(); n+=1\n"
        "print(n)\n"
    ),
    "fastwarc+digests": (
        "from fastwarc.warc import ArchiveIterator\n"
        "n=bad=0\n"
        "for p in PATHS:\n"
        "    with open(p,'rb') as fh:\n"
        "        for r in ArchiveIterator(fh, fsspec_args=False, parse_http=False):\n"
        "            bad += not r.verify_block_digest(); n+=1\n"
        "print(n, bad)\n"
    ),
    "warcio": (
        "from warcio.archiveiterator import ArchiveIterator\n"
        "n=0\n"
        "for p in PATHS:\n"
        "    with open(p,'rb') as fh:\n"
        "        for r in ArchiveIterator(fh):\n"
        "            r.raw_stream.read(); n+=1\n"
        "print(n)\n"
    ),
}


def _measure(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        print(out[-2000:], file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0)
    parser.add_argument("--data", type=Path, default=Path("/tmp/archivist-bench-verify"))
    parser.add_argument(
        "--ways", nargs="*", default=["fastwarc", "fastwarc+digests", "warcio", "verify", "index"]
    )
    args = parser.parse_args()
    paths = generate(args.data, args.gb)
    size = sum(p.stat().st_size for p in paths)
    print(f"collection: {len(paths)} files, {size / 1e9:.2f} GB gzipped; load {os.getloadavg()}")
    env = {**os.environ, "ARCHIVIST_HOME": str(args.data)}
    records = 0
    rows = []
    for way in args.ways:
        if way in READERS:
            code = f"PATHS={[str(p) for p in paths]!r}\n" + READERS[way]
            wall, cpu, rss, out = _measure([sys.executable, "-c", code])
            records = records or int(out.split()[0])
        elif way == "verify":
            argv = [str(BIN / "archivist"), "verify", *map(str, paths)]
            wall, cpu, rss, out = _measure(argv, env)
        elif way == "index":
            coll = args.data / "collections" / "bench"
            (coll / "archive").mkdir(parents=True, exist_ok=True)
            for p in paths:
                link = coll / "archive" / p.name
                if not link.exists():
                    link.symlink_to(p)
            wall, cpu, rss, out = _measure(
                [str(BIN / "archivist"), "index", "--collection", "bench"], env
            )
        else:
            raise SystemExit(f"unknown way {way!r}")
        rate = records / cpu if records and cpu else 0.0
        rows.append((way, wall, cpu, rate, size / 1e6 / cpu if cpu else 0.0, rss / 1024))
        print(f"  {way}: {out.splitlines()[-1][:100] if out else ''}", file=sys.stderr)
    print(f"{records:,} records; load after {os.getloadavg()}")
    print("| way | wall s | CPU s | records/CPU-s | MB/CPU-s (gz) | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for way, wall, cpu, rate, mbs, rss in rows:
        print(f"| {way} | {wall:.1f} | {cpu:.1f} | {rate:,.0f} | {mbs:.0f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
