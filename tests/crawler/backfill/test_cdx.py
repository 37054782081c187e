"""Reading another archive's CDX answers (both dialects) and choosing what to fetch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.backfill.cdx import (
    CdxCapture,
    cdx_endpoint,
    cdx_queries,
    cdx_time,
    choose,
    in_scope,
    parse_cdx,
    replay_url,
    resume_key,
    within,
)
from crawler.sources.schema import Source

ARTICLE = "http://news.example/2012/10/truong-tan-sang-123456.html"
HOME = "http://news.example/"


def _cap(url: str, ts: str, digest: str, status: str = "200", mime: str = "text/html"):
    return CdxCapture(url, ts, mime, status, digest)


def test_the_wayback_machines_array_with_a_header_row_is_read():
    rows = [
        ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
        ["example,news)/", "20121005083000", HOME, "text/html", "200", "AAAA", "1234"],
        ["example,news)/a.css", "20121005083001", HOME + "a.css", "text/css", "200", "BBBB", "9"],
    ]
    found = parse_cdx(json.dumps(rows))
    assert found == [
        _cap(HOME, "20121005083000", "AAAA"),
        _cap(HOME + "a.css", "20121005083001", "BBBB", mime="text/css"),
    ]
    assert found[0].date.isoformat() == "2012-10-05T08:30:00+00:00"


def test_pywbs_json_lines_are_read_with_its_own_field_names():
    lines = [
        {"urlkey": "example,news)/", "timestamp": "20121005083000", "url": HOME,
         "mime": "text/html", "status": "200", "digest": "sha1:AAAA", "length": "12"},
        {"urlkey": "example,news)/", "timestamp": "2012", "url": HOME, "mime": "warc/revisit",
         "status": "-", "digest": "sha1:AAAA"},
    ]  # fmt: skip
    found = parse_cdx("\n".join(json.dumps(line) for line in lines) + "\n")
    assert [(c.timestamp, c.wanted) for c in found] == [("20121005083000", True), ("2012", False)]


def test_a_wayback_answer_cut_at_its_limit_gives_its_resumption_key():
    rows = [
        ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
        ["example,news)/", "20121005083000", HOME, "text/html", "200", "AAAA", "1234"],
        [],
        ["example%2Cnews%29%2F+20121005083000"],
    ]
    assert parse_cdx(json.dumps(rows)) == [_cap(HOME, "20121005083000", "AAAA")]
    assert resume_key(json.dumps(rows)) == "example%2Cnews%29%2F+20121005083000"
    assert resume_key(json.dumps(rows[:2])) is None
    assert resume_key('{"url": "x"}') is None


@pytest.mark.parametrize("answer", ["", "[]", "\n"])
def test_an_empty_answer_is_no_capture(answer):
    assert parse_cdx(answer) == []


def test_a_page_that_is_no_cdx_answer_raises():
    with pytest.raises(ValueError, match="Expecting value"):
        parse_cdx("<html>Not found</html>")


def test_every_distinct_digest_of_an_article_and_the_newest_of_a_listing():
    captures = [
        _cap(ARTICLE, "20121005000000", "A"),
        _cap(ARTICLE, "20121006000000", "A"),  # the same text again
        _cap(ARTICLE, "20121107000000", "B"),  # an edit
        _cap(ARTICLE, "20130101000000", "A"),  # back to the first text: held as A
        _cap(ARTICLE, "20130102000000", "C", status="404"),  # taken down: not a page to keep
        _cap(HOME, "20121005000000", "H1"),
        _cap(HOME, "20121107000000", "H2"),
    ]
    choices = choose(
        captures, lambda url: url == ARTICLE or (False if url == HOME else None), lambda c: False
    )
    kinds = {c.captures[0].url: (c.kind, [x.timestamp for x in c.captures]) for c in choices}
    assert kinds == {
        ARTICLE: ("article", ["20121005000000", "20121107000000"]),
        HOME: ("page", ["20121107000000"]),
    }


def test_what_the_collection_holds_is_not_chosen_again():
    captures = [_cap(ARTICLE, "20121005000000", "A"), _cap(ARTICLE, "20121107000000", "B")]
    choices = choose(captures, lambda url: True, lambda c: c.digest == "A")
    assert [[x.digest for x in c.captures] for c in choices] == [["B"]]
    assert choose(captures, lambda url: True, lambda c: True) == []


def test_a_url_that_does_not_say_is_decided_by_its_newest_page():
    captures = [_cap(ARTICLE, "20121005000000", "A"), _cap(ARTICLE, "20121107000000", "B")]
    (choice,) = choose(captures, lambda url: None, lambda c: False)
    assert choice.kind == "unsure"
    assert [c.digest for c in choice.captures] == ["B"]
    assert [c.digest for c in choice.later] == ["A", "B"]


def _source(tmp_path: Path, **fields) -> Source:
    return Source.model_validate(
        {"name": "tin", "seeds": ["http://news.example/"], "contact": "a@example.org", **fields}
    )


def test_queries_ask_each_host_or_each_scope_prefix(tmp_path):
    source = _source(tmp_path, allowed_hosts=["news.example", "m.news.example"])
    queries = cdx_queries("http://arch.example/coll/cdx", source, "2012", "20131231")
    assert len(queries) == 2
    assert "url=news.example&matchType=host&output=json&collapse=digest" in queries[0]
    assert queries[0].endswith("&from=2012&to=20131231")
    scoped = _source(tmp_path, scope={"prefixes": ["http://news.example/chinh-tri/"]})
    (query,) = cdx_queries("http://arch.example/cdx", scoped)
    assert "matchType=prefix" in query


def test_scope_is_the_spiders():
    source = _source(Path(), scope={"exclude": ["/video/"]})
    assert in_scope(source, ARTICLE)
    assert in_scope(source, "https://www.news.example/x")
    assert not in_scope(source, "http://news.example/video/1.html")
    assert not in_scope(source, "http://other.example/")


def test_endpoints_and_replay_urls():
    assert cdx_endpoint("https://web.archive.org/web/") == "https://web.archive.org/cdx/search/cdx"
    assert cdx_endpoint("http://127.0.0.1:8080/coll/") == "http://127.0.0.1:8080/coll/cdx"
    capture = _cap(ARTICLE, "20121005083000", "A")
    assert replay_url("https://web.archive.org/web/", capture) == (
        f"https://web.archive.org/web/20121005083000id_/{ARTICLE}"
    )


def test_dates_as_the_cdx_api_takes_them():
    assert cdx_time("2012-10-05") == "20121005"
    assert cdx_time("2012-10-05T08:30") == "201210050830"
    with pytest.raises(ValueError, match="not a date"):
        cdx_time("last week")
    capture = _cap(ARTICLE, "20121005083000", "A")
    assert within(capture, "2012", "20121005")
    assert not within(capture, "20121006", None)
    assert not within(capture, None, "201209")
