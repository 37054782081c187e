"""Extraction of who wrote a page and what it is called: words in unspaced text, bylines split into names and titles, closing bylines, a site beside its writers, titles without the site name, the charset override on record."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from archive.text.extract import extract

if TYPE_CHECKING:
    from archive.text.article import Article


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
