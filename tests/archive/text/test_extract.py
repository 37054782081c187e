"""Extraction on the demo world: every field as the generator wrote it, no platform chrome."""

from __future__ import annotations

import gzip
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
import trafilatura
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.text.article import Article
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
