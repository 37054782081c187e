"""Benchmark: republications at scale (run on demand).

    .venv/bin/python tests/benchmarks/bench_reposts.py [--articles 5000] [--store URL]

Fills a fresh store with ``--articles`` originals of 300 to 900 words drawn from the
seed repost's vocabulary, each ending with the same copyright notice (a footer leaked
into the text), and for one in three of them 1 to 3 copies (whole, with a preface, or
the first half), then reports:

* the cost of ``fingerprints(fold(body))`` per article (what a new version adds, in the
  extraction processes), and rows in ``passages`` per article;
* the time of ``Store.republications()`` (every pair) and of one article's look-up;
* recall and precision of the pairs found against the copies made.

The default store is SQLite in a temporary folder; ``--store`` takes a PostgreSQL URL
(an empty database or schema: the benchmark creates its tables and analyzes them).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text

from archive.store import Store
from archive.text._fold import fold
from archive.text.article import Article, DatedValue
from archive.text.passages import fingerprints
from archive.warc.records import RecordRef

T0 = datetime(2012, 1, 1, tzinfo=UTC)
# Every news body ends with the site's notice, as when a footer leaks into the text: the
# site's boilerplate, which must pair nothing (``SITE_REPEATS``).
FOOTER = (
    "\nBản quyền thuộc về Báo Tin Tức. Mọi hình thức sao chép, trích dẫn phải ghi rõ nguồn "
    "và được sự đồng ý bằng văn bản của tòa soạn. Giấy phép hoạt động báo điện tử số 123/GP-BTTTT "
    "do Bộ Thông tin và Truyền thông cấp. Tổng biên tập chịu trách nhiệm nội dung. Địa chỉ tòa "
    "soạn: số 5 phố Lý Thường Kiệt, quận Hoàn Kiếm, thành phố Hà Nội. Điện thoại đường dây nóng "
    "của tòa soạn luôn sẵn sàng tiếp nhận thông tin phản ánh của bạn đọc trên cả nước."
)


def vocabulary() -> list[str]:
    text = (ROOT / "crawler/demo/data/blogger-repost.txt").read_text("utf-8")
    return sorted({w.strip(".,:;“”()") for w in text.split() if w.strip(".,:;“”()")})


def article(url: str, body: str, day: int) -> Article:
    return Article(
        url=url,
        canonical_url=url,
        title=body[:60],
        body=body,
        body_hash=hashlib.sha256(body.encode()).hexdigest(),
        published=DatedValue(T0 + timedelta(days=day), "json-ld"),
        site=url.split("/")[2],
        platform="news" if "news" in url else "blogger",
        word_count=len(body.split()),
    )


def corpus(count: int, rng: random.Random) -> tuple[list[Article], set[tuple[str, str]]]:
    words = vocabulary()
    found: list[Article] = []
    copies: set[tuple[str, str]] = set()
    for n in range(count):
        body = " ".join(rng.choices(words, k=rng.randint(300, 900))) + FOOTER
        url = f"http://news.test/a/{n}.html"
        found.append(article(url, body, n))
        if n % 3:
            continue
        for c in range(rng.randint(1, 3)):
            kind = rng.choice(("whole", "preface", "half"))
            text = {
                "whole": body,
                "preface": "Bài hay, mời các bạn đọc. " + body,
                "half": " ".join(body.split()[: len(body.split()) // 2]),
            }[kind]
            copy = f"http://blog{c}.test/{n}.html"
            found.append(article(copy, text, n + 1 + c))
            copies.add((url, copy))
    return found, copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--store", help="a database URL (default: SQLite in a temp folder)")
    args = parser.parse_args()
    rng = random.Random(7)
    articles, made = corpus(args.articles, rng)
    print(f"{len(articles)} articles, {len(made)} copies made")

    start = time.process_time()
    prints = [fingerprints(fold(a.body)) for a in articles]
    cpu = time.process_time() - start
    words = sum(a.word_count for a in articles)
    print(
        f"fold + fingerprints: {1000 * cpu / len(articles):.2f} ms/article "
        f"({1e6 * cpu / words:.2f} us/word); "
        f"fingerprints: {sum(map(len, prints)) / len(articles):.1f}/article"
    )

    with tempfile.TemporaryDirectory() as folder:
        url = args.store or f"sqlite:///{folder}/archivist.db"
        with Store(url) as store:
            start = time.perf_counter()
            for n, item in enumerate(articles):
                ref = RecordRef("x.warc.gz", n, 1, f"<urn:uuid:{n}>", f"sha1:{n}")
                capture = store.add_capture(
                    "bench", item.url, T0, 200, "text/html", ref.payload_digest, ref
                )
                store.record_article(item, capture, "bench")
            print(f"recorded in {time.perf_counter() - start:.1f} s")
            if store.engine.dialect.name == "postgresql":
                # As autovacuum would, in time: without statistics on the new rows the
                # planner scans all of passages for one article (130 ms instead of 8).
                with store.engine.begin() as connection:
                    connection.execute(text("ANALYZE"))

            start = time.perf_counter()
            pairs = store.republications()
            every = time.perf_counter() - start
            found = {(p.original.url, p.copy.url) for p in pairs}
            print(
                f"republications(): {every:.2f} s, {len(found)} pairs; "
                f"recall {len(found & made) / len(made):.3f}, "
                f"precision {len(found & made) / max(1, len(found)):.3f}"
            )
            some = [a.url for a in articles if "news" in a.url][:: max(1, args.articles // 50)]
            start = time.perf_counter()
            for one in some:
                store.republications(one)
            print(
                f"republications(url): {1000 * (time.perf_counter() - start) / len(some):.1f} ms each"
            )


if __name__ == "__main__":
    main()
