"""End to end: crawl the demo news site and check the WARCs against what the server sent."""

from __future__ import annotations

import base64
import gzip
import hashlib
import subprocess
import sys
import unicodedata
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.crawls import crawl, read_records, warc_files, warcio_check, write_source


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def fetch_direct(server, url: str, accept_gzip: bool = False) -> bytes:
    """The bytes the demo server sends for a URL (no redirects followed)."""
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": server.proxy_url}), NoRedirect()
    )
    request = urllib.request.Request(
        url, headers={"Accept-Encoding": "gzip"} if accept_gzip else {}
    )
    try:
        with opener.open(request, timeout=30) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        return exc.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def news_crawl(tmp_path_factory, demo_server):
    home = tmp_path_factory.mktemp("home")
    source = write_source(home / "sources", "tin-tuc", "thoisu.test")
    demo_server.clear_log()
    # Full response records only: these tests read each URL's record (revisits of
    # identical payloads are tested in test_recrawl.py and test_replay.py).
    result = crawl(source, home, demo_server, ARCHIVE_DEDUPE="off")
    log = [entry for entry in demo_server.log if entry.host == "thoisu.test"]
    files = warc_files(home)
    return result, log, files, read_records(files), home


def responses(records, url):
    return [
        r
        for r in records
        if r["type"] == "response" and r["warc"].get_header("WARC-Target-URI") == url
    ]


def test_the_crawl_finishes_and_reaches_every_article(news_crawl, world):
    result, log, _, _, _ = news_crawl
    assert result.ok, result.log_path.read_text()[-3000:]
    fetched = {f"http://{e.host}{e.target}" for e in log}
    missing = set(world.article_urls("thoisu.test")) - fetched
    assert not missing


def test_every_file_passes_warcio_check_and_none_is_left_open(news_crawl):
    _, _, files, _, home = news_crawl
    assert files
    assert not list(home.rglob("*.open"))
    check = warcio_check(files)
    assert check.returncode == 0, check.stdout + check.stderr


def test_each_exchange_the_server_saw_has_its_request_and_response(news_crawl):
    _, log, _, records, _ = news_crawl
    served = Counter(f"http://{e.host}{e.target}" for e in log)
    # A payload identical to one captured before is kept as a revisit record of it.
    captured = Counter(
        r["warc"].get_header("WARC-Target-URI")
        for r in records
        if r["type"] in {"response", "revisit"}
    )
    assert captured == served
    by_id = {r["warc"].get_header("WARC-Record-ID"): r for r in records}
    requests = [r for r in records if r["type"] == "request"]
    assert len(requests) == sum(served.values())
    for req in requests:
        response = by_id[req["warc"].get_header("WARC-Concurrent-To")]
        assert response["type"] in {"response", "revisit"}
        assert response["warc"].get_header("WARC-Target-URI") == req["warc"].get_header(
            "WARC-Target-URI"
        )


def test_records_carry_the_required_warc_fields(news_crawl):
    _, _, _, records, _ = news_crawl
    for record in records:
        warc = record["warc"]
        assert warc.protocol == "WARC/1.1"
        assert warc.get_header("WARC-Date").endswith("Z")
        if record["type"] == "response":
            assert warc.get_header("WARC-IP-Address") == "127.0.0.1"
            assert warc.get_header("WARC-Payload-Digest") == sha1(record["payload"])
            assert warc.get_header("WARC-Block-Digest", "").startswith("sha1:")


def test_each_file_starts_with_warcinfo_naming_software_source_and_run(news_crawl):
    result, _, files, records, _ = news_crawl
    for path in files:
        first = next(r for r in records if r["file"] == path)
        assert first["type"] == "warcinfo"
        info = first["payload"].decode()
        assert "software: archivist/" in info
        assert "Scrapy 2." in info
        assert "archivist-source: tin-tuc" in info
        assert f"archivist-run-id: {result.run_id}" in info
        assert "operator: tests@example.org" in info
        assert "robots: obey" in info


def test_robots_txt_is_captured(news_crawl):
    _, _, _, records, _ = news_crawl
    (robots,) = responses(records, "http://thoisu.test/robots.txt")
    assert robots["http"].get_statuscode() == "200"


def test_gzip_page_keeps_the_gzip_bytes_and_their_digest(news_crawl, world, demo_server):
    _, _, _, records, _ = news_crawl
    (record,) = responses(records, world.cases["gzip"])
    payload = record["payload"]
    assert record["http"].get_header("Content-Encoding") == "gzip"
    assert payload[:2] == b"\x1f\x8b"
    assert payload == fetch_direct(demo_server, world.cases["gzip"], accept_gzip=True)
    assert record["warc"].get_header("WARC-Payload-Digest") == sha1(payload)
    assert b"<html" in gzip.decompress(payload).lower()


def test_chunked_page_keeps_its_framing_and_digests_the_entity(news_crawl, world, demo_server):
    _, _, _, records, _ = news_crawl
    for case in ("chunked", "gzip_chunked"):
        (record,) = responses(records, world.cases[case])
        http = record["http"]
        assert http.get_header("Transfer-Encoding") == "chunked"
        assert http.get_header("Content-Length") is None
        assert http.get_header("X-Archivist-Framing") is None
        sent = fetch_direct(demo_server, world.cases[case], accept_gzip=True)
        assert record["payload"] == sent  # de-chunked by the reader, still encoded
        assert record["warc"].get_header("WARC-Payload-Digest") == sha1(sent)


def test_both_set_cookie_values_are_kept(news_crawl, world):
    _, _, _, records, _ = news_crawl
    (record,) = responses(records, world.cases["two_cookies"])
    cookies = [v for k, v in record["http"].headers if k.lower() == "set-cookie"]
    assert len(cookies) == 2
    assert cookies[0] != cookies[1]


def test_query_strings_survive(news_crawl, world):
    # (The search-page cases are traps to discovery now: never requested.)
    _, _, _, records, _ = news_crawl
    url = world.cases["video"]
    assert "?" in url
    (record,) = responses(records, url)
    request = next(
        r
        for r in records
        if r["type"] == "request"
        and r["warc"].get_header("WARC-Concurrent-To")
        == record["warc"].get_header("WARC-Record-ID")
    )
    target = request["http"].statusline.split(" ")[0]
    assert url.endswith(target)
    assert "?" in target


def test_redirects_are_recorded_hop_by_hop(news_crawl, world):
    _, _, _, records, _ = news_crawl
    url = world.cases["redirect_chain"]
    statuses = []
    for _ in range(10):
        (record,) = responses(records, url)
        status = int(record["http"].get_statuscode())
        statuses.append(status)
        if status not in (301, 302, 303, 307, 308):
            break
        url = urllib.request.urljoin(url, record["http"].get_header("Location"))
    assert statuses == [301, 302, 307, 200]
    assert url == world.cases["redirect_final"]


def test_error_pages_are_captured_and_retries_too(news_crawl, world):
    _, _, _, records, _ = news_crawl
    assert [
        int(r["http"].get_statuscode()) for r in responses(records, world.cases["not_found"])
    ] == [404]
    assert [int(r["http"].get_statuscode()) for r in responses(records, world.cases["gone"])] == [
        410
    ]
    # RetryMiddleware tries a 500 twice more (RETRY_TIMES = 2): every attempt is kept.
    errors = responses(records, world.cases["server_error"])
    assert [int(r["http"].get_statuscode()) for r in errors] == [500, 500, 500]


def test_windows_1258_bytes_are_untouched(news_crawl, world, demo_server):
    _, _, _, records, _ = news_crawl
    (record,) = responses(records, world.cases["cp1258"])
    payload = record["payload"]
    if record["http"].get_header("Content-Encoding") == "gzip":
        payload = gzip.decompress(payload)
    assert payload == fetch_direct(demo_server, world.cases["cp1258"])
    with pytest.raises(UnicodeDecodeError):
        payload.decode("utf-8")
    assert "Hà Nội" in unicodedata.normalize("NFC", payload.decode("cp1258"))


def test_requisites_slow_page_and_large_file_are_captured(news_crawl, world, demo_server):
    _, _, _, records, _ = news_crawl
    for case in ("image", "css", "slow"):
        (record,) = responses(records, world.cases[case])
        assert record["http"].get_statuscode() == "200"
    (large,) = responses(records, world.cases["large"])
    assert len(large["payload"]) == world.large_bytes


def test_warcio_index_and_cdxj_indexer_read_every_file(news_crawl):
    _, _, files, records, _ = news_crawl
    urls = {r["warc"].get_header("WARC-Target-URI") for r in records if r["type"] == "response"}
    bindir = Path(sys.executable).parent
    index = subprocess.run(
        [str(bindir / "warcio"), "index", *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(index.stdout.splitlines()) == len(records)
    cdxj = subprocess.run(
        [str(bindir / "cdxj-indexer"), *map(str, files)], capture_output=True, text=True, check=True
    )
    indexed = {line.split(" ", 2)[2] for line in cdxj.stdout.splitlines()}
    for url in urls:
        assert any(f'"url": "{url}"' in line for line in indexed), url


def test_rotation_at_a_small_size_gives_several_valid_files(tmp_path, demo_server):
    source = write_source(tmp_path / "sources", "xoay-vong", "thoisu.test", max_pages=40)
    result = crawl(source, tmp_path, demo_server, ARCHIVE_MAX_SIZE=20_000)
    assert result.finish_reason in {"finished", "closespider_pagecount"}
    files = warc_files(tmp_path)
    assert len(files) >= 3
    assert result.warc_files == [f.name for f in files]
    assert warcio_check(files).returncode == 0
    records = read_records(files)
    for path in files:
        assert next(r for r in records if r["file"] == path)["type"] == "warcinfo"
    # Every page is a response record, or a revisit where its payload was seen before.
    assert sum(r["type"] in {"response", "revisit"} for r in records) == result.pages


def test_max_pages_counts_pages_not_their_requisites(tmp_path, demo_server):
    """limits.max_pages: 40 buys 40 pages, with their images and styles beside them
    (Scrapy's CLOSESPIDER_PAGECOUNT counted every response: 35 pages, measured)."""
    source = write_source(tmp_path / "sources", "ngan-sach", "thoisu.test", max_pages=40)
    result = crawl(source, tmp_path, demo_server)
    assert result.finish_reason == "closespider_pagecount"
    pages = requisites = 0
    for record in read_records(warc_files(tmp_path)):
        if record["type"] not in {"response", "revisit"}:
            continue
        url = record["warc"].get_header("WARC-Target-URI")
        kind = record["http"].get_header("Content-Type") or ""
        if url.endswith("/robots.txt"):
            continue
        if kind.startswith(("image/", "text/css", "font/", "application/javascript")):
            requisites += 1
        else:
            pages += 1
    # Redirects are captured too, and count once their target comes back.
    assert 40 <= result.stats["archivist/pages"] <= pages
    assert pages <= 40 + 16  # the pages in flight when the budget ran out come too
    assert requisites > 0


@pytest.mark.pywb
def test_pywb_replays_a_demo_article_as_captured(news_crawl, world, wayback):
    from tests.helpers.pywb_harness import PywbServer

    _, _, _, records, home = news_crawl
    article = world.article_urls("thoisu.test")[0]
    (record,) = responses(records, article)
    stored = record["payload"]
    redirect = world.cases["redirect_chain"]
    with PywbServer(home, wayback) as pywb:
        status, headers, body = pywb.fetch("tin-tuc", article, headers={"Accept-Encoding": "gzip"})
        assert status == 200
        assert body == stored
        status, _, body = pywb.fetch("tin-tuc", article)
        plain = (
            gzip.decompress(stored)
            if record["http"].get_header("Content-Encoding") == "gzip"
            else stored
        )
        assert status == 200
        assert body == plain
        status, headers, _ = pywb.fetch("tin-tuc", redirect)
        assert status == 301
        assert headers["location"].endswith(
            urllib.parse.urlsplit(
                responses(records, redirect)[0]["http"].get_header("Location")
            ).path
        )
