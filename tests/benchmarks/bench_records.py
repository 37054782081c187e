"""Benchmark: the records path against plain trafilatura, per article (run on demand).

    .venv/bin/python tests/benchmarks/bench_records.py [--size 300] [--profile]

The records path is what one extraction process does with each article page the crawl
hands it (``crawler.pipelines.extract.Recorder.page``): extraction with every field,
the derived ``conversion`` and ``metadata`` WARC records, the capture, article and
version rows with their search text, in a SQLite store. It is measured in this process,
on the demo world's news article pages, against ``trafilatura.extract`` (text only) on
the same pages; the goal is at most 1.2x plain trafilatura's CPU per article.

``--profile`` prints where the records path's time goes (cProfile, cumulative), less
extraction; ``--pickle`` adds what handing the page to a pool process costs (pickling
the item there and the outcome back).
"""

from __future__ import annotations

import argparse
import cProfile
import pickle
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOAL = 1.2


def items(size: int, page_bytes: int) -> list[Any]:
    sys.path.insert(0, str(ROOT))
    from archive import RecordRef
    from crawler.demo import World
    from crawler.items import ArticlePage

    world = World(size, page_bytes=page_bytes, links_per_page=50)
    found = []
    for n, url in enumerate(world.article_urls("thoisu.test")):
        response = world.url_response(url)
        assert response is not None
        ref = RecordRef("bench.warc.gz", n * 1000, 1000, f"<urn:uuid:{n:032x}>", f"sha1:{n}")
        headers = tuple((k, v) for k, v in response.headers)
        fetched = datetime(2026, 1, 1, tzinfo=UTC)
        found.append(ArticlePage(url, response.body, headers, 200, ref, fetched, "bench", "bench"))
    return found


def cpu(run: Any, pages: list[Any]) -> float:
    start = time.process_time()
    for page in pages:
        run(page)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--page-bytes", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    import trafilatura

    from crawler.pipelines.extract import Recorder, page_job  # noqa: F401 - warm import

    pages = items(args.size, args.page_bytes)
    best = {"trafilatura.extract": float("inf"), "records path": float("inf")}
    best["pickle round trip"] = float("inf")
    with tempfile.TemporaryDirectory(prefix="archivist-bench-records-") as tmp:
        for round_ in range(args.rounds):
            home = Path(tmp) / str(round_)
            recorder = Recorder(f"sqlite:///{home / 'archivist.db'}", home / "derived", "bench")
            ways = {
                "trafilatura.extract": lambda p: trafilatura.extract(p.body.decode(), url=p.url),
                "records path": recorder.page,
                "pickle round trip": lambda p: pickle.loads(pickle.dumps(p, protocol=5)),
            }
            for name, run in ways.items():
                best[name] = min(best[name], cpu(run, pages))
            recorder.close()
        for name, seconds in best.items():
            print(f"{name:<22} {1000 * seconds / len(pages):>7.2f} CPU-ms/article")
        ratio = best["records path"] / best["trafilatura.extract"]
        print(f"records path / trafilatura.extract: x{ratio:.2f} (goal <= x{GOAL})")
        if args.profile:
            home = Path(tmp) / "profile"
            recorder = Recorder(f"sqlite:///{home / 'archivist.db'}", home / "derived", "bench")
            profile = cProfile.Profile()
            profile.runcall(cpu, recorder.page, pages)
            recorder.close()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
