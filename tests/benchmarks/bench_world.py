"""Benchmark: building a large demo world and rendering one page (run on demand).

    .venv/bin/python tests/benchmarks/bench_world.py [--size 5000]

The target: a world of 5,000 articles of 50 KB pages builds in under 5 s (construction
renders no page), and one article page renders in well under a second. The test suite
checks only that nothing is rendered at construction (tests/crawler/demo/test_world.py):
a time bound there fails on a loaded machine and says nothing about correctness.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_BUILD_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from crawler.demo import World

    started = time.perf_counter()
    world = World(args.size, page_bytes=50_000, links_per_page=50)
    built = time.perf_counter() - started
    url = world.article_urls("thoisu.test")[args.size // 4]
    started = time.perf_counter()
    page = world.url_response(url)
    rendered = time.perf_counter() - started
    assert page is not None
    print(f"World({args.size}) built in {built:.2f} s (target < {TARGET_BUILD_SECONDS:.0f} s)")
    print(f"one article page ({len(page.body):,} bytes) rendered in {rendered * 1000:.0f} ms")
    return 0 if built < TARGET_BUILD_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
