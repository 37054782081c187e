"""Extraction of dates: never from the future, machine-readable signals first, visible dates day first on Vietnamese pages, a blog's US dates, and credit lines."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from archive.text._credit import split_credit
from archive.text._dates import Stamp, parse_vietnamese
from archive.text.article import DatedValue
from archive.text.extract import extract

VN = timezone(timedelta(hours=7))


def test_dates_never_come_from_the_future_and_agree_with_the_url():
    html = (
        "<html lang='vi'><head><meta property='article:published_time' content='2031-01-01T00:00:00+07:00'>"
        "</head><body><article><h1>Tin</h1><span class='date'>Thứ Hai, 23/4/2012, 15:30 (GMT+7)</span>"
        "<p>"
        + "Nội dung bài viết rất dài và đầy đủ thông tin. " * 30
        + "</p></article></body></html>"
    ).encode()
    captured = datetime(2020, 1, 1, tzinfo=UTC)
    article = extract(html, "http://a.test/2012/04/tin.html", captured_at=captured)
    assert article is not None
    assert article.published.value == datetime(2012, 4, 23, 15, 30, tzinfo=VN)
    assert article.published.source == "visible-date"


def test_machine_readable_dates_come_best_signal_first_then_in_page_order():
    import lxml.html

    from archive.text._dates import date_candidates
    from archive.text._head import read_head

    tree = lxml.html.document_fromstring(
        "<html><head>"
        "<meta name='date' content='2012-04-20'><meta name='pubdate' content='2012-04-21'>"
        "<meta property='og:updated_time' content='2012-05-02T08:00:00+07:00'>"
        "<meta property='article:modified_time' content='2012-05-01T08:00:00+07:00'>"
        "<meta property='article:published_time'>"  # no content: not a date
        "</head><body>"
        "<time class='entry-date published' datetime='2012-04-22T10:00:00+07:00'>x</time>"
        "<time class='published\tlate' datetime='2012-04-23'>a tab is not a class space</time>"
        "<abbr class='published' title='2012-04-24T09:00:00+07:00'>y</abbr>"
        "<time class='updated' datetime='2012-05-03'>z</time>"
        "</body></html>"
    )
    ld = [{"datePublished": "2012-04-19T07:00:00+07:00"}]
    published, modified = date_candidates(read_head(tree), ld)
    assert [(c.value.day, c.source) for c in published] == [
        (19, "json-ld"),
        (24, "abbr.published"),
        (22, "time.published"),
        (22, "time.entry-date"),
        (20, "meta:pubdate"),  # the three meta names in page order, not in the list's
        (21, "meta:pubdate"),
    ]
    assert [(c.value.day, c.source) for c in modified] == [
        (1, "meta:article:modified_time"),
        (2, "meta:og:updated_time"),
        (3, "time.updated"),
    ]


def test_visible_dates_are_read_day_first_only_on_vietnamese_pages():
    """A US page's "05/04/2012" is May 4th and its zone unknown: htmldate decides there."""
    text = "<p>" + "Nội dung bài viết rất dài và đầy đủ thông tin. " * 30 + "</p>"

    def page(html_attrs: str, title: str) -> bytes:
        return (
            f"<html{html_attrs}><head><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1><span class='date'>05/04/2012 3:30 PM</span>{text}"
            "</article></body></html>"
        ).encode()

    captured = datetime(2020, 1, 1, tzinfo=UTC)
    vietnamese = [
        extract(page(" lang='vi'", "Tin"), "http://a.test/tin", captured_at=captured),
        extract(page("", "Tin"), "http://a.vn/tin", captured_at=captured),
        extract(page("", "Chủ tịch thăm Đà Nẵng"), "http://a.test/tin", captured_at=captured),
    ]
    for article in vietnamese:
        assert article is not None
        assert article.published == DatedValue(
            datetime(2012, 4, 5, 15, 30, tzinfo=VN), "visible-date", zone_assumed=True
        )
    for attrs, title in [(" lang='en'", "A story"), ("", "A story"), ("", "Être ou ne pas être")]:
        article = extract(page(attrs, title), "http://news.example.com/story", captured_at=captured)
        assert article is not None
        assert article.published is None or article.published.source != "visible-date"


NAIVE = None  # a time the page gave without a zone


def _moment(stamp: Stamp | None) -> datetime | None:
    """The stamp's moment; ``timed`` must agree with a time of day given (not midnight)."""
    if stamp is None:
        return None
    assert stamp.timed == (stamp.moment.time() != time(0))
    return stamp.moment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thứ Hai, 23/4/2012, 15:30 (GMT+7)", datetime(2012, 4, 23, 15, 30, tzinfo=VN)),
        ("Thứ Hai, ngày 23 tháng 4 năm 2012", datetime(2012, 4, 23, tzinfo=NAIVE)),
        ("Cập nhật: 15:30 | 23/04/2012", datetime(2012, 4, 23, 15, 30, tzinfo=NAIVE)),
        ("05/04/2012", datetime(2012, 4, 5, tzinfo=NAIVE)),
        ("14g38 chiều 25-7-2011", datetime(2011, 7, 25, 14, 38, tzinfo=NAIVE)),
        ("không có ngày", None),
        # The formats seen in the wild (research notes, section 3.2):
        ("26/01/2021 (09:40:54)", datetime(2021, 1, 26, 9, 40, 54, tzinfo=NAIVE)),
        ("Thứ hai, 23 Tháng tư 2012 15:30", datetime(2012, 4, 23, 15, 30, tzinfo=NAIVE)),
        ("ngày 1 tháng Giêng năm 2012", datetime(2012, 1, 1, tzinfo=NAIVE)),
        ("23 tháng năm năm 2012", datetime(2012, 5, 23, tzinfo=NAIVE)),  # "năm": May, then year
        ("5 tháng mười một, 2012", datetime(2012, 11, 5, tzinfo=NAIVE)),
        ("Đăng lúc 9:05 SA ngày 23/4/2012", datetime(2012, 4, 23, 9, 5, tzinfo=NAIVE)),
        ("lúc 3:30 CH Thứ Hai, 23/4/2012", datetime(2012, 4, 23, 15, 30, tzinfo=NAIVE)),
        ("2g30 chiều 25-7-2011", datetime(2011, 7, 25, 14, 30, tzinfo=NAIVE)),
        ("15 giờ 30 ngày 23/4/2012", datetime(2012, 4, 23, 15, 30, tzinfo=NAIVE)),
        ("23/04/2012 12:05 AM", datetime(2012, 4, 23, 0, 5, tzinfo=NAIVE)),
        (
            "Wednesday, October 27, 2010, 20:39 (GMT+7)",
            datetime(2010, 10, 27, 20, 39, tzinfo=VN),
        ),
        ("Oct. 27, 2010 8:39 pm", datetime(2010, 10, 27, 20, 39, tzinfo=NAIVE)),
        ("Posted on 27th of October 2010", datetime(2010, 10, 27, tzinfo=NAIVE)),
        ("Cập nhật 2012-04-23 15:30", datetime(2012, 4, 23, 15, 30, tzinfo=NAIVE)),
        (
            "15:30 GMT-5, 2012/4/23",
            datetime(2012, 4, 23, 15, 30, tzinfo=timezone(-timedelta(hours=5))),
        ),
        ("bản 2.1.3, số 12-04", None),
    ],
)
def test_vietnamese_visible_dates_are_day_first(text, expected):
    """A zone only where the text states one ("GMT+7"): otherwise the time stays naive."""
    assert _moment(parse_vietnamese(text)) == expected


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        ("2/27/2018", None, datetime(2018, 2, 27, tzinfo=NAIVE)),  # cannot be day-first
        ("2/7/2018", None, datetime(2018, 7, 2, tzinfo=NAIVE)),
        ("2/7/2018", "http://b.blogspot.test/2018/02/bai.html", datetime(2018, 2, 7, tzinfo=NAIVE)),
        ("2/7/2018", "http://b.blogspot.test/2018/07/bai.html", datetime(2018, 7, 2, tzinfo=NAIVE)),
        ("2/7/2018", "http://b.blogspot.test/2019/02/bai.html", datetime(2018, 7, 2, tzinfo=NAIVE)),
        (
            "2 tháng 7, 2018",
            "http://b.blogspot.test/2018/02/bai.html",
            datetime(2018, 7, 2, tzinfo=NAIVE),
        ),
    ],
)
def test_a_blog_showing_us_dates_is_read_month_first_where_it_must_or_the_url_says(
    text, url, expected
):
    """Blogger lets a Vietnamese blog show "M/D/YYYY" date headers (research notes, 1.10)."""
    assert _moment(parse_vietnamese(text, url)) == expected


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("(Theo website Trương Tấn Sang)", "website Trương Tấn Sang"),
        ("Nguồn: VnExpress", "VnExpress"),
        ("Theo TTXVN", "TTXVN"),
        ("Trích từ Báo Nhân Dân", "Báo Nhân Dân"),
        ("Theo đó, thành phố sẽ triển khai kế hoạch.", None),
        ("Theo ông Nam, việc này cần làm ngay.", None),
        # The name alone: no lead-in, no date after it (research notes, section 5.1).
        ("Nguồn:nguoiviet.com-Monday, March 24, 2014", "nguoiviet.com"),
        ("Lược trích từ bài của Dân trí", "Dân trí"),
        ("Trích từ bài viết của Tuổi Trẻ", "Tuổi Trẻ"),
        ("Nguồn: Thanh Niên, Thứ Hai, 23/4/2012", "Thanh Niên"),
        ("Theo Báo Chính phủ 23/4/2012", "Báo Chính phủ"),
        ("Nguồn: Báo 24h", "Báo 24h"),
        ("Source: VOV", "VOV"),
        ("[Theo VOV]", "VOV"),
    ],
)
def test_credit_lines(line, name):
    rest, credit = split_credit(["Đoạn văn chính.", line])
    assert (credit.name if credit else None) == name
    assert rest == (["Đoạn văn chính."] if name else ["Đoạn văn chính.", line])
