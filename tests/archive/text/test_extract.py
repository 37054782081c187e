"""Extraction on the demo world: every field as the generator wrote it, no platform chrome."""

from __future__ import annotations

import gzip
import unicodedata
from datetime import UTC, datetime, time, timedelta, timezone

import pytest
import trafilatura
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.text._credit import split_credit
from archive.text._dates import Stamp, parse_vietnamese
from archive.text.article import Article, DatedValue
from archive.text.extract import extract
from crawler.demo import World
from crawler.demo._blogger import SEED_KEY, seed_repost
from crawler.demo._model import NEWS_NAME
from crawler.demo._news import article_text

VN = timezone(timedelta(hours=7))
CHROME = (
    "nhận xét",
    "Đăng bởi",
    "Bài đăng Mới hơn",
    "Bài đăng Cũ hơn",
    "Nhãn:",
    "Trang chủ",
    "Đăng ký:",
    "Chia sẻ",
)


@pytest.fixture(scope="module")
def small_world() -> World:
    return World(12)


def expected_records(world: World):
    """(url, title, authors, published, body lines, credit name, credit url) per page."""
    for art in world.articles:
        text = article_text(world.seed, art, world.body_bytes)
        yield (
            art.url,
            art.title,
            (art.author,),
            art.published,
            [text.lead, *text.paragraphs],
            None,
            None,
        )
    for blog in (world.blogger_classic, world.blogger_modern, world.wordpress):
        for post in blog.posts:
            url = f"http://{blog.spec.host}{post.path}"
            if post.key == SEED_KEY:
                title, lines, byline, _ = seed_repost()
                yield (
                    url,
                    title,
                    (post.author,),
                    post.published,
                    [*lines, byline],
                    "website Trương Tấn Sang",
                    None,
                )
            elif post.source is not None:
                text = article_text(world.seed, post.source, world.body_bytes)
                lines = [text.lead, *text.paragraphs, post.source.author]
                yield url, post.title, (post.author,), post.published, lines, *_credit(blog, post)


def _credit(blog, post):
    art = post.source
    if blog.spec.credit == "theo":
        return f"website {NEWS_NAME}", None
    if blog.spec.host == "goc-nhin.test" or art.index % 3 == 0:
        return NEWS_NAME, art.url
    if art.index % 3 == 1:
        return "thoisu.test", f"http://thoisu.test{art.legacy_path}"
    return NEWS_NAME, None


def page(world: World, url: str) -> tuple[bytes, dict[str, str]]:
    response = world.url_response(url)
    assert response is not None
    return response.body, dict(response.headers)


def test_every_field_comes_out_as_the_generator_wrote_it(small_world):
    checked = 0
    for url, title, authors, published, lines, credit_name, credit_url in expected_records(
        small_world
    ):
        body, headers = page(small_world, url)
        article = extract(body, url, headers)
        assert article is not None, url
        assert article.title == title, url
        assert article.authors == authors, url
        assert article.published is not None, url
        assert article.published.value == published, url
        assert article.published.value.utcoffset() == timedelta(hours=7)
        assert article.body.split("\n") == lines, url
        assert (article.credit.name if article.credit else None) == credit_name, url
        assert (article.credit.url if article.credit else None) == credit_url, url
        assert article.language == "vi"
        checked += 1
    assert checked >= 12 + 4 + 3 + 2


def test_no_platform_chrome_in_any_body_or_author(small_world):
    for host in small_world.hosts:
        for url in small_world.article_urls(host):
            body, headers = page(small_world, url)
            article = extract(body, url, headers)
            assert article is not None
            for chrome in CHROME:
                assert chrome not in article.body, (url, chrome)
            assert all(not a.startswith("Đăng bởi") for a in article.authors)
            assert article.body == unicodedata.normalize("NFC", article.body)


def test_the_seed_repost(small_world):
    url = small_world.seed_repost_url
    body, headers = page(small_world, url)
    article = extract(body, url, headers)
    assert article is not None
    _, lines, _, _ = seed_repost()
    assert article.title == "Thường trực Ban Bí thư Trương Tấn Sang làm việc với Thành ủy Hà Nội"
    assert article.body.split("\n") == [*lines, "Thanh Bình"]
    assert article.credit is not None
    assert article.credit.line == "(Theo website Trương Tấn Sang)"
    assert article.published.value == datetime(2012, 4, 23, 21, 47, tzinfo=VN)
    assert article.published.source == "abbr.published"
    assert article.platform == "blogger"
    assert article.tags == ("Chính trị",)
    assert article.site == "nhipcau.blogspot.test"
    assert article.word_count == len(article.body.split())
    assert len(article.body_hash) == 40


def test_a_blog_repost_without_a_closing_credit_is_credited_to_its_lead_in_outlet():
    """ "(Chinhphu.vn) – ..." opening a repost names the original; it stays in the body
    (the original's own text). A closing credit wins; a news site's lead-in is its own."""
    from archive.text.article import Credit

    lead = "(Chinhphu.vn) – Thủ tướng Chính phủ chủ trì phiên họp thường kỳ tháng 4."
    rest = [
        f"Đoạn {i}: nội dung bài viết về kinh tế xã hội và đời sống người dân." for i in range(8)
    ]

    def page(paragraphs: list[str], generator: str) -> bytes:
        posts = "".join(f"<p>{p}</p>" for p in paragraphs)
        return (
            f"<html lang='vi'><head><meta name='generator' content='{generator}'>"
            "<title>Phiên họp Chính phủ</title></head><body><div class='post'>"
            "<h3 class='post-title'>Phiên họp Chính phủ</h3>"
            f"<div class='post-body'>{posts}</div></div></body></html>"
        ).encode()

    url = "http://x.blogspot.test/2012/04/phien-hop.html"
    reposted = extract(page([lead, *rest], "Blogger"), url)
    assert reposted is not None
    assert reposted.credit == Credit("Chinhphu.vn", None, "(Chinhphu.vn) –")
    assert reposted.body.split("\n")[0] == lead
    credited = extract(page([lead, *rest, "(Theo TTXVN)"], "Blogger"), url)
    assert credited is not None
    assert credited.credit is not None
    assert credited.credit.name == "TTXVN"
    own = extract(page([lead, *rest], "CMS"), "http://chinhphu.test/phien-hop.html")
    assert own is not None
    assert own.credit is None


def test_wordpress_without_its_generator_tag_is_known_by_its_theme_paths():
    """Security plugins strip the generator tag and the REST link; /wp-content/ stays."""
    rest = "".join(
        f"<p>Đoạn {i}: nội dung bài viết về kinh tế xã hội và đời sống người dân.</p>"
        for i in range(8)
    )
    html = (
        "<html lang='vi'><head><title>Bài viết</title>"
        "<link rel='stylesheet' href='https://blog.test/wp-content/themes/x/style.css'>"
        "</head><body><article class='post'><h1 class='entry-title'>Bài viết</h1>"
        f"<div class='entry-content'>{rest}</div>"
        "<div class='entry-footer'>Chuyên mục: Tin tức</div></article>"
        "<div id='comments'><h2>2 bình luận</h2><div class='comment-content'>"
        "<p>Bài viết hay quá, cảm ơn tác giả đã chia sẻ thông tin này.</p></div></div>"
        "</body></html>"
    ).encode()
    article = extract(html, "https://blog.test/2012/04/bai-viet/")
    assert article is not None
    assert article.platform == "wordpress"
    assert "Chuyên mục" not in article.body
    assert "cảm ơn tác giả" not in article.body
    assert article.comments == ("Bài viết hay quá, cảm ơn tác giả đã chia sẻ thông tin này.",)


def test_plain_trafilatura_falls_into_the_blogger_traps_and_we_do_not(small_world):
    """The measured trap: comment block in the text, blog-name title, 'Đăng bởi' author."""
    url = small_world.seed_repost_url
    body, headers = page(small_world, url)
    plain = trafilatura.bare_extraction(body.decode(), url=url, with_metadata=True)
    assert (
        "Đăng nhận xét" in plain.text
        or "nhận xét" in (plain.comments or "")
        or plain.title.startswith("Nhịp Cầu")
    )
    ours = extract(body, url, headers)
    assert "nhận xét" not in ours.body
    assert not ours.title.startswith("Nhịp Cầu")
    assert ours.authors == ("Nhịp Cầu",)


def _f1(got: str, want: str) -> float:
    g, w = got.split(), want.split()
    common = sum(min(g.count(t), w.count(t)) for t in set(g))
    if not common:
        return 0.0
    precision, recall = common / len(g), common / len(w)
    return 2 * precision * recall / (precision + recall)


def test_never_worse_than_plain_trafilatura_on_the_demo_pages(small_world):
    for url, _t, _a, _p, lines, _c, _u in expected_records(small_world):
        body, headers = page(small_world, url)
        want = "\n".join(lines)
        plain = trafilatura.extract(body.decode(), url=url) or ""
        ours = extract(body, url, headers)
        assert _f1(ours.body, want) >= _f1(plain, want), url


def test_windows_1258_page_decodes_to_nfc(small_world):
    url = small_world.cases["cp1258"]
    body, headers = page(small_world, url)
    article = extract(body, url, headers)
    assert article is not None
    assert article.title == "Hà Nội đón năm mới 2005"
    assert article.encoding == "cp1258"
    assert article.body == unicodedata.normalize("NFC", article.body)
    assert not any(unicodedata.combining(ch) for ch in article.body)
    assert article.published.value.date() == datetime(2005, 1, 1).date()


def test_content_encoded_payloads_are_decoded(small_world):
    url = small_world.article_urls("thoisu.test")[0]
    body, headers = page(small_world, url)
    plain = extract(body, url, headers)
    zipped = extract(gzip.compress(body), url, {**headers, "Content-Encoding": "gzip"})
    assert zipped == plain


def test_a_page_without_an_article_gives_none():
    assert extract(b"", "http://a.test/") is None
    assert (
        extract(b"<html><body><nav><a href='/'>Trang chu</a></nav></body></html>", "http://a.test/")
        is None
    )


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


def test_article_round_trips_through_json(small_world):
    import json

    url = small_world.seed_repost_url
    body, headers = page(small_world, url)
    article = extract(body, url, headers)
    assert Article.from_dict(json.loads(json.dumps(article.to_dict()))) == article


@settings(max_examples=150, deadline=None)
@given(
    body=st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=2000).map(lambda t: f"<html><body><p>{t}</p></body></html>".encode()),
    ),
    content_type=st.sampled_from(
        [None, "text/html", "text/html; charset=utf-16", "text/html; charset=bogus"]
    ),
    encoding=st.sampled_from([None, "gzip", "br", "deflate"]),
)
def test_extract_never_raises(body, content_type, encoding):
    headers = {
        k: v for k, v in (("Content-Type", content_type), ("Content-Encoding", encoding)) if v
    }
    article = extract(body, "http://a.test/2012/04/bai.html", headers)
    assert article is None or article.body == unicodedata.normalize("NFC", article.body)


def _page(head: str, body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


def test_text_without_spaces_counts_its_characters_as_words():
    """Chinese, Japanese, Thai... write no spaces between words: a whole article is a
    handful of "words" by spaces, which once made it "no article" (found on real pages)."""
    sentence = "国家主席在北京会见了来访的外国代表团\uff0c双方就合作问题深入交换了意见。"
    html = _page(
        "<title>会见外国代表团</title>",
        "<article><h1>会见外国代表团</h1>"
        + "".join(f"<p>{sentence}</p>" for _ in range(6))
        + "</article>",
    )
    article = extract(html, "http://tin.test/2023/11/hoi-kien.html")
    assert article is not None
    assert sentence in article.body
    assert article.word_count == 6 * sum(1 for ch in sentence if ch not in "\uff0c。")


BODY = "<p>Sáng nay hội nghị lần thứ tám khai mạc tại Hà Nội với nhiều nội dung.</p>" * 5


def _byline_article(head: str, url: str = "http://tin.test/2023/11/a.html") -> Article:
    article = extract(_page(head, f"<article>{BODY}</article>"), url)
    assert article is not None
    return article


def test_bylines_are_split_into_names_and_titles_keep_one_line():
    article = _byline_article(
        "<meta name='author' content='Nguyễn Văn An, Trần Thị Bình và Lê\u00a0Cường'>"
        "<meta property='og:title' content='Hội nghị\u00a0Trung ương   khai mạc'>"
    )
    assert article.authors == ("Nguyễn Văn An", "Trần Thị Bình", "Lê Cường")
    assert article.title == "Hội nghị Trung ương khai mạc"


@pytest.mark.parametrize(
    ("lang", "closing", "authors"),
    [
        ("vi", "<p style='text-align:right'><strong>Hồng Quân</strong></p>", ("Hồng Quân",)),
        ("vi", "<p>Quang Hải - Đức Anh (tổng hợp)</p>", ("Quang Hải", "Đức Anh")),
        ("vi", "<p>Thanh Bình</p><p>(Theo TTXVN)</p>", ("Thanh Bình",)),  # before the credit
        ("vi", "<p>Ảnh: Internet</p>", ()),
        ("vi", "<p>Hà Nội, ngày 23/4/2012</p>", ()),
        ("en", "<p>Follow Us On Twitter</p>", ()),  # title case, not a Vietnamese byline
    ],
)
def test_a_closing_byline_names_the_author_when_nothing_else_does(lang, closing, authors):
    """VnExpress-style: the writer's name on the article's last line, no author markup."""
    html = (
        f"<html lang='{lang}'><head><title>Tin</title></head><body><article><h1>Tin</h1>"
        f"{BODY}{closing}</article></body></html>"
    ).encode()
    article = extract(html, "http://tin.test/2023/11/a.html")
    assert article is not None
    assert article.authors == authors
    if authors:
        assert article.body.split("\n")[-1].startswith(authors[0])  # the line stays


@pytest.mark.parametrize(
    ("byline", "url", "authors"),
    [
        (
            "Dana A. Ford, Tom Watkins, CNN",
            "http://edition.cnn.test/a",
            ("Dana A. Ford", "Tom Watkins"),
        ),
        ("Hồng Quân, VnExpress", "https://vnexpress.test/a.html", ("Hồng Quân",)),
        ("VnExpress", "https://vnexpress.test/a.html", ("VnExpress",)),  # nobody else: kept
        ("Hồng Quân, Lê Cường", "https://vnexpress.test/a.html", ("Hồng Quân", "Lê Cường")),
    ],
)
def test_the_site_beside_its_writers_in_a_byline_is_not_an_author(byline, url, authors):
    assert _byline_article(f"<meta name='author' content='{byline}'>", url).authors == authors


@pytest.mark.parametrize(
    "byline",
    [
        "Phóng viên thường trú của báo tại khu vực miền Trung, Huế",  # not a list of names
        "Nhóm phóng viên Chính trị và Xã hội",  # a team, with "và"
    ],
)
def test_a_byline_that_is_not_a_list_of_names_stays_whole(byline):
    assert _byline_article(f"<meta name='author' content='{byline}'>").authors == (byline,)


@pytest.mark.parametrize(
    ("head", "heading", "url", "title"),
    [
        # the site's name after a separator, named by og:site_name
        (
            (
                "<title>Hội nghị khai mạc - Báo Thời Sự</title>"
                "<meta property='og:site_name' content='Báo Thời Sự'>"
            ),
            "",
            "http://thoisu.test/a.html",
            "Hội nghị khai mạc",
        ),
        # a section trail: cut back to the page's own heading
        (
            "<meta property='og:title' content='Hội nghị khai mạc » Chính trị » Tin tức » Báo X'>",
            "<h1>Hội nghị khai mạc</h1>",
            "http://x.test/a.html",
            "Hội nghị khai mạc",
        ),
        # the host's name
        (
            "<title>Hội nghị khai mạc -- Sott.net</title>",
            "",
            "http://sott.net/a",
            "Hội nghị khai mạc",
        ),
        # a colon in the headline itself: nothing on the page says to cut
        (
            "<title>Tổng Bí thư: Hội nghị khai mạc</title>",
            "",
            "http://x.test/a.html",
            "Tổng Bí thư: Hội nghị khai mạc",
        ),
        # the site's name by its host, diacritics and spaces aside
        (
            "<meta property='og:title' content='Hội nghị khai mạc - Báo Dân trí'>",
            "",
            "http://dantri.test/a",
            "Hội nghị khai mạc",
        ),
        (
            "<meta property='og:title' content='Hội nghị khai mạc » Local » Noticias » Ultima Hora Mallorca'>",
            "",
            "http://www.ultimahora.test/mallorca/a.html",
            "Hội nghị khai mạc",
        ),
        # a dash in the headline: only the last one is cut
        (
            "<meta property='og:title' content='Hà Nội - Sài Gòn: chuyến tàu mới - VnExpress'>",
            "",
            "http://vnexpress.test/a.html",
            "Hà Nội - Sài Gòn: chuyến tàu mới",
        ),
        # a long last part is headline, whatever it holds
        (
            "<meta property='og:title' content='Tin nóng - Thanh niên Việt Nam xuống đường hôm nay'>",
            "",
            "http://thanhnien.test/a.html",
            "Tin nóng - Thanh niên Việt Nam xuống đường hôm nay",
        ),
    ],
)
def test_titles_lose_the_site_name_only_where_the_page_says_so(head, heading, url, title):
    article = extract(_page(head, f"{heading}<article>{BODY}</article>"), url)
    assert article is not None
    assert article.title == title


def test_the_record_says_when_the_declared_charset_was_overridden():
    text = "Ông Trương Tấn Sang thăm Đà Nẵng và làm việc với lãnh đạo thành phố hôm nay. " * 6
    html = f"<html><head><title>Trương Tấn Sang</title></head><body><article><p>{text}</p>"
    article = extract(
        (html + "</article></body></html>").encode(),
        "http://news.test/a/1.html",
        {"Content-Type": "text/html; charset=iso-8859-1"},
    )
    assert article is not None
    assert "Trương Tấn Sang" in article.body
    assert article.encoding == "utf-8"
    assert article.encoding_note.startswith("http declared cp1252, but the bytes are UTF-8")
