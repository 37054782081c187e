"""``pages.jsonl`` in a WACZ: one line per page, at the capture its text came from."""

from __future__ import annotations

import json
from datetime import timedelta

from archive.warc.cdxj import url_key
from crawler.research.wacz import write_pages
from tests.helpers.records import T0, add_article, sample_article, sample_ref

URL = "http://news.test/a/1"


def _captured_four_times(store, folder) -> None:
    """Body A (captures 1, 2), then body B (captures 11, 4): B's version is from 11."""
    first = sample_article(URL, body="Bản đầu.", body_hash="hA")
    second = sample_article(URL, body="Bản sửa.", body_hash="hB")
    for day, (n, article) in enumerate(((1, first), (2, first), (11, second), (4, second))):
        add_article(store, n, article, T0 + timedelta(days=day))
    lines = []
    for day, n in enumerate((1, 2, 11, 4)):
        ref = sample_ref(n)
        stamp = f"{T0 + timedelta(days=day):%Y%m%d%H%M%S}"
        fields = {"url": URL, "mime": "text/html", "status": "200"}
        fields |= {"filename": ref.filename, "offset": str(ref.offset), "length": "500"}
        lines.append(f"{url_key(URL)} {stamp} {json.dumps(fields)}\n")
    (folder / "indexes").mkdir(parents=True)
    (folder / "indexes" / "index.cdxj").write_text("".join(sorted(lines)))


def _pages(out) -> list[dict[str, str]]:
    header, *pages = (json.loads(line) for line in out.read_text("utf-8").splitlines())
    assert header == {"format": "json-pages-1.0", "id": "pages", "title": "demo: articles"}
    return pages


def test_a_page_captured_four_times_is_one_line_at_its_versions_capture(store, tmp_path):
    folder = tmp_path / "demo"
    _captured_four_times(store, folder)
    out = tmp_path / "pages.jsonl"
    assert write_pages(store, folder, {"demo-0.warc.gz", "demo-1.warc.gz"}, out) == 1
    assert _pages(out) == [
        {
            "id": "demo-1.warc.gz:11000",
            "url": URL,
            "ts": "2026-11-30T08:00:00Z",
            "title": "Ông Trương Tấn Sang thăm Đà Nẵng",
            "text": "Bản sửa.",
        }
    ]


def test_without_the_versions_file_the_latest_capture_packaged(store, tmp_path):
    folder = tmp_path / "demo"
    _captured_four_times(store, folder)
    out = tmp_path / "pages.jsonl"
    assert write_pages(store, folder, {"demo-0.warc.gz"}, out) == 1
    [page] = _pages(out)
    assert (page["id"], page["ts"]) == ("demo-0.warc.gz:4000", "2026-12-01T08:00:00Z")
    assert write_pages(store, folder, {"other.warc.gz"}, out) == 0
    assert _pages(out) == []
