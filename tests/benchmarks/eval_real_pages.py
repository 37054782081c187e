"""Evaluation (on demand): archive.text.extract against plain trafilatura on real pages.

    .venv/bin/python tests/benchmarks/eval_real_pages.py PAGES_DIR [--show]

The demo world is ours; this runs on pages from sites we did not write. PAGES_DIR holds
``html/NAME.html`` and, where known, the expected text ``txt/NAME.txt`` and
``metadata/NAME.json`` (``url``, ``title``, ``authors``, ``publish_date``): the layout of
newspaper4k's test data (28 real news pages in 15 languages, CNN to a Burmese daily), which
is in its source distribution and not in this repository::

    pip download --no-binary :all: --no-deps newspaper4k==0.9.6 -d /tmp/np
    tar xzf /tmp/np/newspaper4k-0.9.6.tar.gz -C /tmp/np
    .venv/bin/python tests/benchmarks/eval_real_pages.py /tmp/np/newspaper4k-0.9.6/tests/data

For each page with an expected text: word-level F1 of the body against it, ours and plain
``trafilatura.extract`` (the issue's bar: never worse than plain), and for each page with
metadata whether the title and the publication day agree. Pages where ours scores lower
than plain are listed; ``--show`` prints each title, author and day that differs.

Dates: for each page with an expected ``publish_date``, the published day (in the page's
own offset) found by ours, by plain ``htmldate.find_date(original_date=True)`` and by
plain trafilatura's metadata, each against the expected day; and whether ours kept the
offset the expected date states (or stated none, where it states none).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.text.article import DatedValue

ROOT = Path(__file__).resolve().parents[2]


def f1(got: str, want: str) -> float:
    """Word-level F1 (bags of words; characters for text without spaces, as CJK and Thai)."""
    g, w = _tokens(got), _tokens(want)
    common = sum((g & w).values())
    if not common:
        return 0.0
    precision, recall = common / sum(g.values()), common / sum(w.values())
    return 2 * precision * recall / (precision + recall)


def _tokens(text: str) -> Counter[str]:
    words = text.split()
    if words and len(text) / len(words) > 20:  # CJK, Thai, Burmese: few or no spaces
        return Counter(ch for ch in text if not ch.isspace())
    return Counter(words)


@dataclass
class Row:
    name: str
    ours: float | None
    plain: float | None
    title_ok: bool | None
    day_ok: bool | None
    authors_ok: bool | None
    misses: list[str]
    dates: DateRow | None = None


@dataclass
class DateRow:
    """One page's published day: expected, and as ours, htmldate and trafilatura find it."""

    want: str
    ours: str | None
    htmldate: str | None
    trafilatura: str | None
    # Where the expected date states an offset: whether ours states the same one.
    offset_ok: bool | None
    source: str = ""  # the signal ours took


def _offset(value: str) -> str | None:
    """The UTC offset an ISO date states ("+02:00"), or None."""
    offset = datetime.fromisoformat(value.replace(" ", "T")).utcoffset()
    if offset is None:
        return None
    minutes = int(offset.total_seconds()) // 60
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def date_row(
    html: str, url: str, want: str, published: DatedValue | None, trafilatura: str | None
) -> DateRow:
    from htmldate import find_date

    plain = find_date(html, original_date=True, url=url)
    ours = published.day.isoformat() if published else None
    offset_ok = None
    if _offset(want) is not None:
        offset_ok = (
            published is not None
            and not published.zone_assumed
            and _offset(published.value.isoformat()) == _offset(want)
        )
    source = published.source if published else ""
    return DateRow(want[:10], ours, plain, trafilatura and trafilatura[:10], offset_ok, source)


def htmldate_cases(folder: Path) -> list[tuple[str, bytes, str, str]]:
    """(name, html, url, expected day) from htmldate's evaluation set: ``eval_*.json``
    ({url: {"file", "date"}}) beside the pages in ``eval/``, ``test_set/``, ``cache/``."""
    cases = []
    for index in sorted(folder.glob("eval_*.json")):
        for url, case in json.loads(index.read_text(encoding="utf-8")).items():
            found = [folder / d / case["file"] for d in ("test_set", "cache", "eval")]
            path = next((f for f in found if f.is_file()), None)
            if path is not None and isinstance(case.get("date"), str):
                cases.append((case["file"], path.read_bytes(), url, case["date"]))
    return cases


def evaluate_dates(cases: list[tuple[str, bytes, str, str]]) -> list[tuple[str, DateRow]]:
    """Each case's published day: ours, plain htmldate and plain trafilatura."""
    sys.path.insert(0, str(ROOT))
    import trafilatura

    from archive.text.extract import extract

    rows = []
    for name, raw, url, want in cases:
        article = extract(raw, url)
        html = raw.decode("utf-8", "replace")
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        published = article.published if article else None
        rows.append((name, date_row(html, url, want, published, doc and doc.date)))
    return rows


def evaluate(folder: Path) -> tuple[list[Row], tuple[float, float, float]]:
    sys.path.insert(0, str(ROOT))
    import trafilatura

    from archive.text.extract import extract

    rows = []
    ours_cpu = plain_cpu = meta_cpu = 0.0
    pages = sorted((folder / "html").glob("*.html"))
    for path in pages:  # imports and caches (dateparser's locales: seconds), untimed
        extract(path.read_bytes(), "http://example.test/")
        trafilatura.extract(path.read_text(encoding="utf-8", errors="replace"))
    for path in pages:
        name = path.stem
        raw = path.read_bytes()
        meta_path = folder / "metadata" / f"{name}.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        url = meta.get("url") or f"http://example.test/{name}.html"
        start = time.process_time()
        article = extract(raw, url)
        ours_cpu += time.process_time() - start
        start = time.process_time()
        plain = trafilatura.extract(raw.decode("utf-8", "replace"), url=url) or ""
        plain_cpu += time.process_time() - start
        start = time.process_time()
        doc = trafilatura.bare_extraction(
            raw.decode("utf-8", "replace"), url=url, with_metadata=True
        )
        meta_cpu += time.process_time() - start
        txt = folder / "txt" / f"{name}.txt"
        want = txt.read_text(encoding="utf-8") if txt.exists() else None
        body = article.body if article else ""
        title_ok = day_ok = authors_ok = None
        misses = []
        if meta.get("authors"):
            authors = article.authors if article else ()
            authors_ok = set(authors) == set(meta["authors"])
            if not authors_ok:
                misses.append(f"authors {list(authors)} want {meta['authors']}")
        if meta.get("title"):
            title = article.title.strip() if article else ""
            title_ok = title == meta["title"].strip()
            if not title_ok:
                misses.append(f"title {title!r} want {meta['title'].strip()!r}")
        if meta.get("publish_date"):
            got_day = (
                article.published.value.date().isoformat()
                if article and article.published
                else None
            )
            day_ok = got_day == str(meta["publish_date"])[:10]
            if not day_ok:
                misses.append(f"day {got_day} want {str(meta['publish_date'])[:10]}")
        dates = None
        if meta.get("publish_date"):
            published = article.published if article else None
            html = raw.decode("utf-8", "replace")
            want_date = str(meta["publish_date"])
            dates = date_row(html, url, want_date, published, doc and doc.date)
        row = Row(
            name,
            f1(body, want) if want else None,
            f1(plain, want) if want else None,
            title_ok,
            day_ok,
            authors_ok,
            misses,
            dates,
        )
        rows.append(row)
    return rows, (ours_cpu, plain_cpu, meta_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pages", type=Path)
    parser.add_argument("--show", action="store_true", help="print each field that differs")
    parser.add_argument(
        "--htmldate-eval",
        action="store_true",
        help="PAGES_DIR is htmldate's tests/ (eval_*.json and its pages): dates only; "
        "lists the pages where ours misses a day that htmldate or trafilatura gets",
    )
    args = parser.parse_args()
    if args.htmldate_eval:
        report_dates(evaluate_dates(htmldate_cases(args.pages)), show=args.show)
        return
    rows, (ours_cpu, plain_cpu, meta_cpu) = evaluate(args.pages)
    print(f"{'page':<28} {'F1 ours':>8} {'F1 plain':>8} {'title':>6} {'day':>5}")
    for r in rows:
        ours = "-" if r.ours is None else f"{r.ours:.3f}"
        plain = "-" if r.plain is None else f"{r.plain:.3f}"
        title = "-" if r.title_ok is None else ("yes" if r.title_ok else "NO")
        day = "-" if r.day_ok is None else ("yes" if r.day_ok else "NO")
        print(f"{r.name:<28} {ours:>8} {plain:>8} {title:>6} {day:>5}")
        for miss in r.misses if args.show else ():
            print(f"    {miss}")
    scored = [(r.name, r.ours, r.plain) for r in rows if r.ours is not None and r.plain is not None]
    worse = [name for name, ours, plain in scored if ours < plain - 0.005]
    if scored:
        mean_ours = sum(ours for _, ours, _ in scored) / len(scored)
        mean_plain = sum(plain for _, _, plain in scored) / len(scored)
        print(
            f"\nmean body F1 over {len(scored)} pages: ours {mean_ours:.3f}, plain {mean_plain:.3f}"
        )
    print(f"worse than plain trafilatura (by > 0.005 F1): {worse or 'none'}")
    titled = [r for r in rows if r.title_ok is not None]
    dated = [r for r in rows if r.day_ok is not None]
    print(
        f"titles equal to the page's metadata: {sum(bool(r.title_ok) for r in titled)}/{len(titled)}"
    )
    print(f"publication day as the metadata's: {sum(bool(r.day_ok) for r in dated)}/{len(dated)}")
    named = [r for r in rows if r.authors_ok is not None]
    print(f"authors as the metadata's: {sum(bool(r.authors_ok) for r in named)}/{len(named)}")
    report_dates([(r.name, r.dates) for r in rows if r.dates is not None])
    print(
        f"CPU for {len(rows)} pages: ours (every field) {ours_cpu:.2f}s, plain trafilatura "
        f"{plain_cpu:.2f}s (text only; x{plain_cpu / ours_cpu:.2f} of its docs/CPU-s), "
        f"with its metadata {meta_cpu:.2f}s (x{meta_cpu / ours_cpu:.2f})"
    )


def report_dates(rows: list[tuple[str, DateRow]], *, show: bool = True) -> None:
    """The published day right, out of the pages that give one: ours, htmldate, trafilatura."""
    if show:
        print(f"\n{'page':<28} {'want':>10} {'ours':>11} {'htmldate':>11} {'trafilat.':>11}")
    for name, d in rows:
        got = (d.ours, d.htmldate, d.trafilatura)
        if show or (d.ours != d.want and d.want in got):
            cells = " ".join(f"{v}{'' if v == d.want else '!'}".rjust(11) for v in got)
            print(f"{name[:28]:<28} {d.want:>10} {cells} {d.source}")
    n = len(rows)
    ours, plain, traf = (sum(getattr(d, k) == d.want for _, d in rows) for k in _WAYS)
    stated = [d.offset_ok for _, d in rows if d.offset_ok is not None]
    print(
        f"published day right: ours {ours}/{n}, htmldate.find_date(original_date=True) "
        f"{plain}/{n}, trafilatura {traf}/{n}; where the expected date states an offset, "
        f"ours states the same: {sum(stated)}/{len(stated)}"
    )


_WAYS = ("ours", "htmldate", "trafilatura")


if __name__ == "__main__":
    main()
