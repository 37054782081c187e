"""Publication dates keep the offset the page gave and get none it did not.

``real_dates.json`` holds short excerpts of real pages (head meta and a dateline, from
htmldate's evaluation set) with the date each states: a stated offset, a zone-less time
on an English page, a Vietnamese page's +07:00, a Blogger date header, a WordPress
``article:published_time``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from archive.text._choice import choose_dates
from archive.text._dates import parse_iso
from archive.text.article import Article, DatedValue
from archive.text.extract import extract

CASES = json.loads((Path(__file__).parent / "real_dates.json").read_text(encoding="utf-8"))
CAPTURED = datetime(2024, 1, 1, tzinfo=UTC)
VN = timezone(timedelta(hours=7))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_real_pages_keep_the_offset_they_state_and_get_none_they_do_not(case):
    article = extract(case["html"].encode(), case["url"], captured_at=CAPTURED)
    assert article is not None
    published = article.published
    assert published is not None
    want = case["want"]
    assert published.day == date.fromisoformat(want["day"])
    assert published.value.isoformat() == want["value"]
    assert published.zone_assumed is want["zone_assumed"]


def _page(head: str, body: str, lang: str = "en") -> bytes:
    text = "<p>" + "A long enough paragraph of the article's own words. " * 10 + "</p>"
    return (
        f"<html lang='{lang}'><head><meta property='og:type' content='article'>{head}</head>"
        f"<body><article><h1>Title</h1>{body}{text}</article></body></html>"
    ).encode()


def test_a_stated_offset_stays_and_its_day_is_the_pages():
    html = _page("<meta property='article:published_time' content='2012-03-04T23:30:00-05:00'>", "")
    article = extract(html, "http://news.example.com/story", captured_at=CAPTURED)
    assert article is not None
    assert article.published is not None
    assert article.published.value.isoformat() == "2012-03-04T23:30:00-05:00"
    assert article.published.day == date(2012, 3, 4)
    assert not article.published.zone_assumed


def test_a_zone_less_time_on_a_non_vietnamese_page_gets_no_zone_and_keeps_its_day():
    """Not +07:00: 23:30 at +07:00 is 16:30 UTC, and 02:00 at +07:00 the day before."""
    for clock, day in (("23:30:00", 4), ("02:00:00", 4)):
        head = f"<meta property='article:published_time' content='2012-03-04T{clock}'>"
        article = extract(_page(head, ""), "http://news.example.com/s", captured_at=CAPTURED)
        assert article is not None
        assert article.published is not None
        assert article.published.zone_assumed
        assert article.published.value.utcoffset() == timedelta(0)
        assert article.published.value.isoformat() == f"2012-03-04T{clock}+00:00"
        assert article.published.value.astimezone(UTC).day == day  # the stored UTC day too


def test_a_zone_less_time_on_a_vietnamese_page_is_vietnams_and_marked_assumed():
    head = "<meta property='article:published_time' content='2012-04-23T02:00:00'>"
    article = extract(_page(head, "", lang="vi"), "http://a.test/tin", captured_at=CAPTURED)
    assert article is not None
    assert article.published is not None
    assert article.published == DatedValue(
        datetime(2012, 4, 23, 2, tzinfo=VN), "meta:article:published_time", zone_assumed=True
    )


def test_a_day_without_a_time_is_a_day_even_on_a_vietnamese_page():
    head = "<meta name='pubdate' content='2012-04-23'>"
    article = extract(_page(head, "", lang="vi"), "http://a.test/tin", captured_at=CAPTURED)
    assert article is not None
    assert article.published is not None
    published = article.published
    assert (published.day, published.time_given, published.zone_assumed) == (
        date(2012, 4, 23),
        False,
        True,
    )
    assert published.value.astimezone(UTC).date() == date(2012, 4, 23)


def test_iso_basic_format_with_offset_is_read():
    """Nikkei's JSON-LD: "20180619T055000+0900" (newspaper4k's japanese_article)."""
    stamp = parse_iso("20180619T055000+0900")
    assert stamp is not None
    assert stamp.moment == datetime(2018, 6, 19, 5, 50, tzinfo=timezone(timedelta(hours=9)))


def test_a_utc_moment_takes_the_offset_the_page_states_for_the_same_moment():
    published = [
        DatedValue(datetime(2018, 7, 6, 8, 29, 46, tzinfo=UTC), "json-ld"),
        DatedValue(datetime(2018, 7, 6, 10, 29, 46, tzinfo=timezone(timedelta(hours=2))), "m"),
    ]
    first, _ = choose_dates(published, [], "http://focus.test/a.html", CAPTURED)
    assert first is not None
    assert first.source == "json-ld"
    assert first.value.isoformat() == "2018-07-06T10:29:46+02:00"


def test_a_url_naming_the_day_wins_over_dates_far_from_it():
    """limespace.de: sidebar ``time.published`` of 2009; the URL says 2019-10-22."""
    far = [DatedValue(datetime(2009, 4, 11, 18, 6, tzinfo=UTC), "time.published")]
    first, _ = choose_dates(far, [], "https://www.limespace.de/2019/10/22/entloeten/", CAPTURED)
    assert first == DatedValue(
        datetime(2019, 10, 22, tzinfo=UTC), "url", zone_assumed=True, time_given=False
    )


def test_the_flags_survive_the_json_round_trip():
    dated = DatedValue(datetime(2012, 3, 4, tzinfo=UTC), "htmldate", True, False)
    article = Article(url="u", title="t", body="b", published=dated)
    assert Article.from_dict(json.loads(json.dumps(article.to_dict()))).published == dated


def test_dates_never_make_a_request(monkeypatch):
    """htmldate and trafilatura fetch a "page" that is a bare URL; ours never hands them one."""
    import htmldate.utils
    import trafilatura.downloads

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a request was made")

    monkeypatch.setattr(htmldate.utils, "fetch_url", refuse)
    monkeypatch.setattr(trafilatura.downloads, "fetch_url", refuse)
    for page in (b"http://example.test/2012/04/23/a.html", b"https://example.test/x"):
        extract(page, "http://example.test/2012/04/23/a.html", captured_at=CAPTURED)
    for case in CASES:
        extract(case["html"].encode(), case["url"], captured_at=CAPTURED)


def test_a_utc_moment_lands_on_the_day_the_page_shows():
    """A CMS writes "2019-10-18T22:00:00Z" for a German page dated 19.10.2019."""
    page = (
        "<html lang='de'><head><title>Bericht</title><meta name='date' content='2019-10-19'>"
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "2019-10-18T22:00:00Z"}</script></head><body><article>'
        "<p class='date'>Veröffentlicht am 19.10.2019</p>"
        + "<p>Ein Satz über die Stadt und ihre Straßen, lang genug für einen Text.</p>" * 12
        + "</article></body></html>"
    )
    article = extract(page.encode(), "https://example.de/bericht")
    assert article is not None
    published = article.published
    assert published is not None
    assert published.value == datetime(2019, 10, 18, 22, tzinfo=UTC)  # the same moment
    assert published.day == date(2019, 10, 19)  # on the page's day
    assert published.zone_assumed
    assert published.value.utcoffset() == timedelta(hours=2)


def test_a_utc_moment_on_the_pages_own_day_stays_utc():
    page = (
        "<html lang='en'><head><title>Report</title>"
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "2019-10-18T12:00:00Z"}</script></head><body><article>'
        "<p class='date'>October 18, 2019</p>"
        + "<p>A sentence about the city and its streets, long enough for a text.</p>" * 12
        + "</article></body></html>"
    )
    article = extract(page.encode(), "https://example.com/report")
    assert article is not None
    assert article.published is not None
    assert article.published.value.utcoffset() == timedelta(0)
    assert not article.published.zone_assumed


@pytest.mark.parametrize(
    ("attribute", "name"),
    [("name", "DC.date.issued"), ("property", "dcterms.date"), ("name", "parsely-pub-date")],
)
def test_other_publication_meta_tags_are_read_with_their_time_and_offset(attribute, name):
    """Dublin Core and the other names htmldate knows: the moment as stated, not a day."""
    head = f"<meta {attribute}='{name}' content='2021-10-28T13:21:30+01:00'>"
    article = extract(_page(head, ""), "http://news.example.com/story", captured_at=CAPTURED)
    assert article is not None
    assert article.published == DatedValue(
        datetime(2021, 10, 28, 13, 21, 30, tzinfo=timezone(timedelta(hours=1))), f"meta:{name}"
    )


def test_a_date_kept_in_a_comment_is_read_as_htmldate_reads_the_page():
    """A blog's trackback RDF sits in a comment, which the parsed tree no longer holds."""
    rdf = (
        "<!--\n<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'"
        " xmlns:dc='http://purl.org/dc/elements/1.1/'>\n<rdf:Description"
        " rdf:about='http://blog.example.jp/e/1' dc:title='Title'"
        " dc:date='2020-07-12T22:00:00+09:00' />\n</rdf:RDF>\n-->"
    )
    page = _page("", rdf)
    article = extract(page, "http://blog.example.jp/e/1", captured_at=CAPTURED)
    assert article is not None
    assert article.published is not None
    assert (article.published.day, article.published.source) == (date(2020, 7, 12), "htmldate")


def test_signals_that_contradict_each_other_are_settled_by_the_pages_own_day():
    """JSON-LD (a plugin's stale copy) says the 1st; the meta tag and the dateline the 4th.
    On a Vietnamese page our own order stands: its visible dates are ours to read."""
    ld = '{"@type": "NewsArticle", "datePublished": "2021-03-01T08:00:00+01:00"}'
    head = (
        f"<script type='application/ld+json'>{ld}</script>"
        "<meta property='article:published_time' content='2021-03-04T09:30:00+01:00'>"
    )
    body = "<p class='date'>Published March 4, 2021</p>"
    article = extract(_page(head, body), "http://news.example.com/s", captured_at=CAPTURED)
    assert article is not None
    assert article.published == DatedValue(
        datetime(2021, 3, 4, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        "meta:article:published_time",
    )
    page = _page(head, "<p class='date'>Thứ Năm, 4/3/2021</p>", lang="vi")
    article = extract(page, "http://tin.example.vn/s", captured_at=CAPTURED)
    assert article is not None
    assert article.published is not None
    assert article.published.source == "json-ld"
