"""Benchmark: the records path against plain trafilatura, per article (run on demand).

    .venv/bin/python tests/benchmarks/bench_records.py [--size 300] [--profile]

The records path is what one extraction process does with each article page the crawl
hands it (``crawler.pipelines.extract.Recorder.page``): extraction with every field,
the derived ``conversion`` and ``metadata`` WARC records, the capture, article and
version rows with their search text, in a SQLite store. It is measured in this process,
on the demo world's news article pages, against ``trafilatura.extract`` (text only) on
the same pages; the goal is at most 1.2x plain trafilatura's CPU per article.

Below the whole, each part apart (best of the rounds, and its share of plain
trafilatura's CPU): extraction with every field, the derived records, the search text,
and the store's rows less their search text (statements and commits). "pickle round
trip" is what handing a page to a pool process costs. "records path, 16 a batch" is
the same path as a busy pool's process takes it: 16 pages, their rows in one transaction.
Both are also set beside ``trafilatura.extract(with_metadata=True)``: the fields the path
keeps are trafilatura's metadata, so that is trafilatura doing the same job.
``--profile`` prints where the records path's time goes (cProfile, cumulative CPU time,
over batches of 16).
"""

from __future__ import annotations

import argparse
import cProfile
import json
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
BATCH = 16  # pages a busy pool's process takes at once (crawler.pipelines.extract)
BATCHED = f"records path, {BATCH} a batch"


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


def parts(recorder: Any, pages: list[Any]) -> dict[str, float]:
    """The records path's parts apart, in CPU seconds over ``pages``: extraction, the
    derived records, the search text, and the store's rows (their search text less)."""
    from archive.store import CaptureFields
    from archive.store._rows import search_text
    from archive.text.extract import extract
    from crawler.pipelines._recorder import _capture_fields, metadata_fields

    found: dict[str, float] = {}
    start = time.process_time()
    articles = [extract(p.body, p.url, dict(p.headers), captured_at=p.fetched_at) for p in pages]
    found["extraction, every field"] = time.process_time() - start
    pairs = [(p, a) for p, a in zip(pages, articles, strict=True) if a is not None]
    start = time.process_time()
    refs = [
        recorder.writer.write_derived(
            p.url,
            p.response_ref.record_id,
            a.body,
            json.dumps(metadata_fields(a), ensure_ascii=False),
        )
        for p, a in pairs
    ]
    found["derived WARC records"] = time.process_time() - start
    found["search text"] = cpu(lambda pair: search_text(pair[1]), pairs)
    start = time.process_time()
    for (p, a), (conversion, metadata) in zip(pairs, refs, strict=True):
        recorder.store.add_capture_with_article(
            CaptureFields(*_capture_fields(p)),
            a,
            p.source,
            conversion.record_id,
            metadata.record_id,
        )
    found["store rows"] = time.process_time() - start - found["search text"]
    return found


META = "trafilatura.extract, with_metadata"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--page-bytes", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-lines", type=int, default=45)
    args = parser.parse_args()
    import trafilatura

    from crawler.pipelines._recorder import Recorder, batch_job  # noqa: F401 - warm import

    pages = items(args.size, args.page_bytes)
    best = {"trafilatura.extract": float("inf"), META: float("inf")}
    best["records path"] = float("inf")
    best["pickle round trip"] = float("inf")
    with tempfile.TemporaryDirectory(prefix="archivist-bench-records-") as tmp:
        for round_ in range(args.rounds):
            home = Path(tmp) / str(round_)
            recorder = Recorder(f"sqlite:///{home / 'archivist.db'}", home / "derived", "bench")
            ways = {
                "trafilatura.extract": lambda p: trafilatura.extract(p.body.decode(), url=p.url),
                META: lambda p: trafilatura.extract(p.body.decode(), url=p.url, with_metadata=True),
                "records path": recorder.page,
                "pickle round trip": lambda p: pickle.loads(pickle.dumps(p, protocol=5)),
            }
            for name, run in ways.items():
                best[name] = min(best[name], cpu(run, pages))
            recorder.close()
            home = Path(tmp) / f"batches-{round_}"
            recorder = Recorder(f"sqlite:///{home / 'archivist.db'}", home / "derived", "bench")
            batches = [pages[i : i + BATCH] for i in range(0, len(pages), BATCH)]
            seconds = cpu(recorder.pages, batches)
            best[BATCHED] = min(best.get(BATCHED, float("inf")), seconds)
            recorder.close()
            home = Path(tmp) / f"parts-{round_}"
            recorder = Recorder(f"sqlite:///{home / 'archivist.db'}", home / "derived", "bench")
            for name, seconds in parts(recorder, pages).items():
                best[f"  {name}"] = min(best.get(f"  {name}", float("inf")), seconds)
            recorder.close()
        plain = best["trafilatura.extract"]
        for name, seconds in best.items():
            share = f"x{seconds / plain:.3f}" if name.startswith(" ") else ""
            print(f"{name:<38} {1000 * seconds / len(pages):>7.2f} CPU-ms/article {share}")
        for name in ("records path", BATCHED):
            ratio = best[name] / plain
            print(f"{name} / trafilatura.extract: x{ratio:.2f} (goal <= x{GOAL})")
            # The fields the path keeps (title, author, dates...) are trafilatura's metadata:
            # beside the text alone, the same job done by trafilatura itself.
            print(f"{name} / {META}: x{best[name] / best[META]:.2f}")
        if args.profile:
            home = Path(tmp) / "profile"
            recorder = Recorder(f"sqlite:///{home / 'archivist.db'}", home / "derived", "bench")
            batches = [pages[i : i + BATCH] for i in range(0, len(pages), BATCH)]
            profile = cProfile.Profile(time.process_time)  # CPU, not waits on the disk
            profile.runcall(cpu, recorder.pages, batches)
            recorder.close()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile_lines)


if __name__ == "__main__":
    main()
