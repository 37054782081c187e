"""Recrawls against a site the test changes between crawls (a real HTTP server on loopback).

The site, "Tin Mới", has a home page and articles with a clock in their chrome (which
can be switched on to change every page between crawls without touching any article),
answers conditional requests (ETag and Last-Modified) with 304 when nothing changed, and
lets the test edit, delete, restore and add articles.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
from collections import Counter
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, ClassVar

import pytest
from click.testing import CliRunner

from archive.store import Store
from crawler.cli import main
from crawler.runs.child import CrawlRun
from crawler.sources.schema import load_source
from tests.helpers.crawls import read_records, warc_files, warcio_check

if TYPE_CHECKING:
    from pathlib import Path

MODIFIED = format_datetime(parsedate_to_datetime("Mon, 23 Apr 2012 08:30:00 GMT"), usegmt=True)


class Site:
    """The site's state: articles by slug, and whether the chrome shows a clock."""

    def __init__(self) -> None:
        self.articles: dict[str, tuple[str, str]] = {}
        self.gone: set[str] = set()
        self.soft_gone: set[str] = set()  # answer 200 with a "not found" page
        self.clock = ""
        self.requests: list[tuple[str, str]] = []  # (path, status)
        for n in (1, 2, 3):
            self.articles[f"bai-{n}"] = (f"Bài số {n}: luật đất đai", _body(n))

    def page(self, path: str) -> tuple[int, bytes]:
        slug = path.strip("/").removesuffix(".html")
        if path == "/":
            links = "".join(
                f'<li><a href="/{s}.html">{t}</a></li>' for s, (t, _) in self.articles.items()
            )
            gone = "".join(f'<li><a href="/{s}.html">{s}</a></li>' for s in sorted(self.gone))
            return 200, _html("Tin Mới", f"<ul>{links}{gone}</ul>", self.clock, kind="website")
        if slug in self.gone:
            return 404, _html("Không tìm thấy", "<p>Trang không tồn tại.</p>", "", kind="website")
        if slug in self.soft_gone:
            notice = "<p>Bài viết không tồn tại hoặc đã bị gỡ bỏ. Mời bạn đọc các tin khác.</p>"
            return 200, _html("Thông báo", notice, "", kind="website")
        if slug in self.articles:
            title, body = self.articles[slug]
            return 200, _html(title, body, self.clock)
        return 404, b"not found"


SYLLABLES = str.split(
    "quốc hội đất đai luật sửa đổi thu hồi bồi thường tái định cư người dân chính phủ bộ "
    "trưởng đại biểu kinh tế xã hội phát triển dự án giao thông đô thị nông thôn ngân sách "
    "tỉnh thành phố huyện xã cán bộ doanh nghiệp thị trường giá cả lạm phát tăng trưởng "
    "việc làm lao động thanh niên giáo dục y tế bệnh viện trường học môi trường rừng biển "
    "đảo biên giới an ninh quốc phòng ngoại giao hợp tác đầu tư xuất khẩu nhập khẩu"
)


def _body(n: int, edit: str = "") -> str:
    """About 100 KB of varied Vietnamese text: a news page's size, not all one sentence."""
    words = random.Random(n)
    paragraphs = [
        "<p>" + " ".join(words.choice(SYLLABLES) for _ in range(300)) + f". Đoạn {i}.</p>"
        for i in range(60)
    ]
    if edit:
        paragraphs[5] = f"<p>{edit}</p>"
    return "\n".join(paragraphs)


def _html(title: str, body: str, clock: str, kind: str = "article") -> bytes:
    chrome = f"<div class='chrome'>Cập nhật lúc {clock}</div>" if clock else ""
    return (
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
        f"<title>{title}</title><meta property='og:type' content='{kind}'>"
        f"<meta property='article:published_time' content='2012-04-23T15:30:00+07:00'>"
        f"</head><body><header>{chrome}<nav><a href='/'>Trang chủ</a></nav></header>"
        f"<article><h1>{title}</h1>{body}</article><footer>Tin Mới 2012</footer></body></html>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    site: ClassVar[Site]

    def do_GET(self) -> None:
        status, body = self.site.page(self.path)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        fresh = status == 200 and self.headers.get("If-None-Match") == etag
        self.site.requests.append((self.path, "304" if fresh else str(status)))
        self.send_response(304 if fresh else status)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", MODIFIED)
        if fresh:
            self.end_headers()
            return
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site():
    state = Site()
    handler = type("Handler", (_Handler,), {"site": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield state
    server.shutdown()
    server.server_close()


def _source(folder: Path, base: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tin-moi.yaml"
    path.write_text(
        f"name: tin-moi\nfamily: news\nseeds: ['{base}/']\ncontact: tests@example.org\n"
        "article_patterns: ['/bai-[0-9]+[.]html$']\n",
        encoding="utf-8",
    )
    return path


def _crawl(home: Path, site: Site) -> tuple[list[Path], dict]:
    before = set(warc_files(home))
    source = _source(home / "sources", site.base)
    # Every crawl here is a full sweep: these tests are about what fetching a page again
    # writes; what an incremental run leaves unfetched is tests/crawler/spiders/test_sweep.py's.
    settings = {"NETWORK_LOOPBACK_ONLY": "1", "RECRAWL_SWEEP": "full"}
    run = CrawlRun(load_source(source), source, home, settings)
    run.start()
    result = run.wait(timeout=120)
    assert result.returncode == 0, result.log_path.read_text()[-3000:]
    return sorted(set(warc_files(home)) - before), result.stats


def _size(files: list[Path]) -> int:
    return sum(p.stat().st_size for p in files)


def test_an_unchanged_site_is_recrawled_as_revisits_that_replay_as_the_original(
    tmp_path, site, wayback
):
    from tests.helpers.pywb_harness import PywbServer

    first, _ = _crawl(tmp_path, site)
    site.requests.clear()
    second, stats = _crawl(tmp_path, site)

    # (/sitemap.xml: where a news site without a sitemap in robots.txt usually has one.)
    pages = [p for p, _ in site.requests if p not in {"/robots.txt", "/sitemap.xml"}]
    assert len(pages) == 4  # the home page and three articles, each asked once
    assert all(status == "304" for path, status in site.requests if path in pages)
    records = read_records(second)
    kinds = {r["warc"].get_header("WARC-Target-URI"): r for r in records if r["type"] == "revisit"}
    assert {url.removeprefix(site.base) for url in kinds} == set(pages)
    for record in kinds.values():
        assert record["warc"].get_header("WARC-Profile").endswith("/revisit/server-not-modified")
        assert record["warc"].get_header("WARC-Refers-To")
        assert record["warc"].get_header("WARC-Refers-To-Target-URI")
        assert record["warc"].get_header("WARC-Refers-To-Date")
    assert not [
        r
        for r in records
        if r["type"] == "response" and "/bai-" in r["warc"].get_header("WARC-Target-URI")
    ]
    assert stats["archive/revisits/not_modified"] == len(pages)
    assert _size(second) <= 0.10 * _size(first)
    assert warcio_check(first + second).returncode == 0

    originals = {
        r["warc"].get_header("WARC-Target-URI"): r
        for r in read_records(first)
        if r["type"] == "response"
    }
    with PywbServer(tmp_path, wayback) as pywb:
        for url, revisit in kinds.items():
            stamp = revisit["warc"].get_header("WARC-Date")
            timestamp = "".join(ch for ch in stamp if ch.isdigit())[:14]
            status, _, body = pywb.fetch("tin-moi", url, timestamp)
            assert status == 200, url
            assert body == originals[url]["payload"], url


def test_edits_removals_restorations_and_chrome_only_changes(tmp_path, site):
    _crawl(tmp_path, site)
    base = site.base
    env = {"ARCHIVIST_HOME": str(tmp_path)}

    site.clock = "09:15 23/4/2012"  # every page changes, no article does
    old_body = site.articles["bai-2"][1]
    edit = "Đoạn này đã được biên tập lại sau khi bài báo bị phản ánh là sai sự thật."
    site.articles["bai-2"] = (site.articles["bai-2"][0], _body(2, edit))
    del site.articles["bai-3"]
    site.gone.add("bai-3")
    site.articles["bai-4"] = ("Bài số 4: tin mới", _body(4))
    _, stats = _crawl(tmp_path, site)
    assert stats["extract/new"] == 1  # bai-4
    assert stats["extract/changed"] == 1  # bai-2
    assert stats["extract/unchanged"] == 1  # bai-1: only its chrome changed
    assert stats["recrawl/removed"] == 1  # bai-3

    with Store.for_home(tmp_path) as store:
        assert len(store.versions(f"{base}/bai-1.html")) == 1
        versions = store.versions(f"{base}/bai-2.html")
    assert len(versions) == 2
    history = CliRunner().invoke(main, ["history", f"{base}/bai-2.html"], env=env)
    assert history.exit_code == 0, history.output
    old_words = old_body.split("<p>")[6].split("</p>")[0]
    body = history.output.split("\nbody: ")[1].splitlines()  # the last field, wrapped
    body_line = "body: " + " ".join(line.strip() for line in body)
    removed = " ".join(re.findall(r"\[-(.*?)-\]", body_line)).split()
    added = " ".join(re.findall(r"\{\+(.*?)\+\}", body_line)).split()
    # Exactly the edit: words out of the old paragraph, words of the new one in, no more.
    assert removed
    assert added
    assert Counter(removed) <= Counter(old_words.split())
    assert Counter(added) <= Counter(edit.split())
    unchanged = re.sub(r"\[-.*?-\]|\{\+.*?\+\}", " ", body_line.removeprefix("body: "))
    assert len(unchanged.split()) > 0.9 * len(re.sub("<[^>]+>", " ", old_body).split())
    assert "title:" not in history.output  # only the body changed

    changes = CliRunner().invoke(main, ["changes", "--format", "jsonl"], env=env)
    assert changes.exit_code == 0, changes.output
    listed = [json.loads(line) for line in changes.output.splitlines()]
    assert [(c["kind"], c["url"]) for c in listed] == [
        ("edited", f"{base}/bai-2.html"),
        ("removed", f"{base}/bai-3.html"),
    ] or sorted((c["kind"], c["url"]) for c in listed) == [
        ("edited", f"{base}/bai-2.html"),
        ("removed", f"{base}/bai-3.html"),
    ]
    removed = next(c for c in listed if c["kind"] == "removed")
    assert removed["detail"] == "answers 404"

    # It comes back: restored, once; a crawl that sees nothing new records nothing new.
    site.gone.discard("bai-3")
    site.articles["bai-3"] = ("Bài số 3: luật đất đai", _body(3))
    _crawl(tmp_path, site)
    _crawl(tmp_path, site)
    changes = CliRunner().invoke(main, ["changes"], env=env)
    kinds = [line.split()[3] for line in changes.output.splitlines()[:-1]]
    assert sorted(kinds) == ["edited", "removed", "restored"]
    assert warcio_check(warc_files(tmp_path)).returncode == 0


def test_word_diff_marks_only_what_changed():
    from crawler.research.history import word_diff

    assert word_diff("a b c d", "a b x d") == "a b [-c-] {+x+} d"
    assert word_diff("a b", "a b c") == "a b {+c+}"
    assert word_diff("Trương Tấn Sang nói", "Trương Tấn Sang nói") == "Trương Tấn Sang nói"


def test_a_lost_database_is_rebuilt_with_its_digest_index_and_validators(tmp_path, site):
    first, _ = _crawl(tmp_path, site)
    _crawl(tmp_path, site)  # revisits
    for path in tmp_path.glob("archivist.db*"):
        path.unlink()
    rebuilt = CliRunner().invoke(main, ["extract"], env={"ARCHIVIST_HOME": str(tmp_path)})
    assert rebuilt.exit_code == 0, rebuilt.output
    with Store.for_home(tmp_path) as store:
        last = store.last_response(f"{site.base}/bai-1.html", "tin-moi")
        assert last is not None
        assert last.etag  # the validator comes back from the WARC
        assert last.filename == first[0].name  # the original, not the revisit
        assert len(store.versions(f"{site.base}/bai-1.html")) == 1
    site.requests.clear()
    _, stats = _crawl(tmp_path, site)
    assert stats["archive/revisits/not_modified"] == 4  # still revalidated: 304s
    assert all(status in {"304", "404"} for _, status in site.requests)


def test_a_known_article_replaced_by_a_not_found_page_is_a_soft_404_removal(tmp_path, site):
    _crawl(tmp_path, site)
    site.soft_gone.add("bai-1")
    _, stats = _crawl(tmp_path, site)
    assert stats["recrawl/removed"] == 1
    assert stats.get("extract/changed", 0) == 0  # the notice is not a new version
    with Store.for_home(tmp_path) as store:
        (event,) = store.events()
        assert len(store.versions(f"{site.base}/bai-1.html")) == 1
    assert event.kind == "removed"
    assert event.url == f"{site.base}/bai-1.html"
    assert event.detail == "soft 404: the page says 'không tồn tại'"
    assert event.status == 200
    site.soft_gone.clear()
    _, stats = _crawl(tmp_path, site)
    with Store.for_home(tmp_path) as store:
        assert [e.kind for e in store.events()] == ["removed", "restored"] or [
            e.kind for e in store.events()
        ] == ["restored", "removed"]
