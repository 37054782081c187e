"""What the WARC files hold, in real crawls of loopback sites (README, "What a WARC file
holds" and "Recrawls"): a request with ``meta["dont_archive"]`` is fetched but not
written; ``ARCHIVE_DEDUPE=all`` makes a revisit of a payload first seen in another
collection (``collection`` does not); a 304's revisit holds the original's headers
updated by the 304's, with ``Archivist-Server-Status`` saying what the server said."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from crawler.runs.child import CrawlRun
from crawler.sources.schema import load_source
from tests.helpers.crawls import read_records, warcio_check
from tests.helpers.dont_archive import MARK, SETTING
from tests.helpers.logged_site import Reply, page, serving, write_source

if TYPE_CHECKING:
    from email.message import Message
    from pathlib import Path

    from warcio.statusandheaders import StatusAndHeaders

    from tests.helpers.logged_site import LoggedSite

ROBOTS = Reply(body=b"User-agent: *\nAllow: /\n", kind="text/plain")


def _crawl(home: Path, site: LoggedSite, name: str, **settings: str) -> dict:
    source = write_source(home / "sources", name, site, collection=name)
    values = {"NETWORK_LOOPBACK_ONLY": "1", **settings}
    run = CrawlRun(load_source(source), source, home, values)
    run.start()
    result = run.wait(120)
    assert result.returncode == 0, result.log_path.read_text()[-3000:]
    return result.stats


def _files(home: Path, collection: str) -> list[Path]:
    return sorted((home / "collections" / collection / "archive").glob("*.warc.gz"))


def _path(record: dict, site: LoggedSite) -> str:
    return record["warc"].get_header("WARC-Target-URI").removeprefix(site.base)


def _all(http: StatusAndHeaders, name: str) -> list[str]:
    return [value for key, value in http.headers if key.lower() == name.lower()]


def three_pages(path: str, _headers: Message) -> Reply:
    """A home page and two pages, one of them under /khong-luu/; no two bodies alike."""
    if path == "/robots.txt":
        return ROBOTS
    if path in {"/", "/tin/1", f"{MARK}2"}:
        return Reply(body=page(["/tin/1", f"{MARK}2"] if path == "/" else [], f"trang {path}"))
    return Reply(404, b"not found", kind="text/plain")


def test_a_request_marked_dont_archive_is_fetched_but_not_written(tmp_path):
    with serving(three_pages) as site:
        stats = _crawl(tmp_path, site, "khong-luu", DOWNLOADER_MIDDLEWARES=SETTING)
    assert f"{MARK}2" in site.paths()  # fetched
    files = _files(tmp_path, "khong-luu")
    records = read_records(files)
    written = {_path(r, site) for r in records if r["type"] in {"request", "response"}}
    assert {"/robots.txt", "/", "/tin/1"} <= written
    assert not [p for p in written if MARK in p]  # neither its request nor its response
    exchanges = len([p for p in site.paths() if MARK not in p])
    assert stats["archive/records"] == 2 * exchanges
    assert warcio_check(files).returncode == 0


@pytest.mark.parametrize("dedupe", ["all", "collection"])
def test_archive_dedupe_all_makes_revisits_of_payloads_seen_in_another_collection(tmp_path, dedupe):
    with serving(three_pages) as site:
        _crawl(tmp_path, site, "bo-a")
        stats = _crawl(tmp_path, site, "bo-b", ARCHIVE_DEDUPE=dedupe)
    first = read_records(_files(tmp_path, "bo-a"))
    originals = {
        _path(r, site): r["warc"].get_header("WARC-Record-ID")
        for r in first
        if r["type"] == "response" and r["http"].get_statuscode() == "200"
    }
    assert {"/robots.txt", "/", "/tin/1", f"{MARK}2"} <= set(originals)
    second = read_records(_files(tmp_path, "bo-b"))
    revisits = {_path(r, site): r for r in second if r["type"] == "revisit"}
    responses = {_path(r, site) for r in second if r["type"] == "response"}
    if dedupe == "collection":
        # The same payloads, in a collection that has never held them: written whole.
        assert not revisits
        assert set(originals) <= responses
        return
    assert set(revisits) == set(originals), (set(revisits), set(originals))
    assert not set(originals) & responses
    for path, revisit in revisits.items():
        fields = revisit["warc"]
        assert fields.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
        assert fields.get_header("WARC-Refers-To") == originals[path]  # in bo-a's file
        assert fields.get_header("WARC-Refers-To-Target-URI") == site.base + path
    assert stats["archive/revisits/identical"] == len(originals)


def not_modified(path: str, headers: Message) -> Reply:
    """/bai/1 answers 304 to its validator, with fields updated and one added."""
    if path == "/robots.txt":
        return ROBOTS
    if path == "/":
        return Reply(body=page(["/bai/1"], "trang chu"))
    if path != "/bai/1":
        return Reply(404, b"not found", kind="text/plain")
    if headers.get("If-None-Match") == '"v1"':
        fields = [("ETag", '"v1"'), ("Cache-Control", "max-age=120"), ("X-Lan", "2")]
        return Reply(304, headers=[*fields, ("X-Moi", "co")])
    fields = [("ETag", '"v1"'), ("Cache-Control", "max-age=60"), ("X-Lan", "1")]
    return Reply(body=page([], "bai mot " * 200), headers=[*fields, ("X-Goc", "co")])


def test_a_304_is_a_revisit_holding_the_original_updated_by_the_304(tmp_path):
    with serving(not_modified) as site:
        _crawl(tmp_path, site, "tin-cu")
        before = set(_files(tmp_path, "tin-cu"))
        # A full sweep: the known article is asked again (conditionally).
        stats = _crawl(tmp_path, site, "tin-cu", RECRAWL_SWEEP="full")
    asked = [h for h in site.hits if h.path == "/bai/1"]
    assert [h.headers.get("If-None-Match") for h in asked] == [None, '"v1"']
    (original,) = [
        r
        for r in read_records(sorted(before))
        if r["type"] == "response" and "/bai/" in _path(r, site)
    ]
    new_files = sorted(set(_files(tmp_path, "tin-cu")) - before)
    records = read_records(new_files)
    (revisit,) = [r for r in records if r["type"] == "revisit" and _path(r, site) == "/bai/1"]
    fields, http = revisit["warc"], revisit["http"]
    assert fields.get_header("WARC-Profile").endswith("/revisit/server-not-modified")
    assert fields.get_header("Archivist-Server-Status") == "304 Not Modified"
    assert fields.get_header("WARC-Refers-To") == original["warc"].get_header("WARC-Record-ID")
    # The block: the validated response (its status and fields), updated by the 304's.
    assert http.get_statuscode() == "200"
    assert _all(http, "Cache-Control") == ["max-age=120"]  # replaced, not added to
    assert _all(http, "X-Lan") == ["2"]
    assert http.get_header("X-Moi") == "co"  # new in the 304
    assert http.get_header("X-Goc") == "co"  # only in the original
    for name in ("Content-Type", "Content-Length"):
        assert http.get_header(name) == original["http"].get_header(name), name
    # The request record keeps what was actually asked.
    (request,) = [r for r in records if r["type"] == "request" and _path(r, site) == "/bai/1"]
    assert request["http"].get_header("If-None-Match") == '"v1"'
    assert stats["archive/revisits/not_modified"] >= 1
    assert warcio_check(new_files).returncode == 0


def test_archive_dedupe_off_writes_every_payload_whole_and_the_user_agent_names_the_contact(
    tmp_path,
):
    with serving(three_pages) as site:
        _crawl(tmp_path, site, "lap-lai", ARCHIVE_DEDUPE="off")
        stats = _crawl(tmp_path, site, "lap-lai", ARCHIVE_DEDUPE="off", RECRAWL_CONDITIONAL="0")
        agents = {hit.headers.get("User-Agent") for hit in site.hits}
    records = read_records(_files(tmp_path, "lap-lai"))
    assert not [r for r in records if r["type"] == "revisit"]  # the same payloads, twice
    responses = [_path(r, site) for r in records if r["type"] == "response"]
    assert responses.count("/tin/1") == 2
    assert not stats.get("archive/revisits/identical")
    # The source's contact rides in every request's User-Agent (README, "A source file").
    assert len(agents) == 1
    (agent,) = agents
    assert agent is not None
    assert "tests@example.org" in agent


def test_requisites_come_from_any_host_and_links_to_other_hosts_are_not_followed(tmp_path):
    """README, Discovery: a page's images, scripts and styles are fetched wherever they are
    (a CDN), but a link to another host is not followed."""

    def cdn(path: str, _headers: Message) -> Reply:
        if path == "/anh.png":
            return Reply(body=b"\x89PNG-anh", kind="image/png")
        return Reply(body=page([], f"cdn {path}"))

    with serving(cdn, host="127.0.0.2") as other:

        def home(path: str, _headers: Message) -> Reply:
            if path == "/robots.txt":
                return ROBOTS
            if path == "/":
                image = f'<img src="{other.base}/anh.png">'
                return Reply(body=page([f"{other.base}/trang-khac"], "home", extra=image))
            return Reply(404, b"not found", kind="text/plain")

        with serving(home) as site:
            _crawl(tmp_path, site, "cdn")
    assert other.paths() == ["/anh.png"]  # the requisite, not the link
    records = read_records(_files(tmp_path, "cdn"))
    kept = {
        r["warc"].get_header("WARC-Target-URI"): r["payload"]
        for r in records
        if r["type"] == "response"
    }
    assert kept[f"{other.base}/anh.png"] == b"\x89PNG-anh"
