from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.sites.discovery import canonical_url, is_comment_feed, resolve_link, trap_reason

POST = "https://vn-blog.blogspot.com/2024/05/bai-viet.html"


@pytest.mark.parametrize(
    "variant",
    [
        POST + "?m=1",
        POST + "?showComment=1715000000000",
        POST + "#more",
        POST + "#c123456789",
        POST + "?spref=fb",
        POST + "?m=1#c42",
        "https://vn-blog.blogspot.com.vn/2024/05/bai-viet.html",
        "https://vn-blog.blogspot.co.uk/2024/05/bai-viet.html?m=1",
    ],
)
def test_blogger_variants_have_one_url(variant: str) -> None:
    assert canonical_url(variant) == POST


def test_ncr_and_wordpress_variants() -> None:
    assert canonical_url("https://vn-blog.blogspot.com/ncr") == "https://vn-blog.blogspot.com/"
    post = "http://wp.test/2024/05/bai-viet/"
    assert canonical_url(post + "?replytocom=7") == post
    assert canonical_url(post + "?share=facebook") == post
    assert canonical_url(post + "amp/") == post


def test_other_queries_kept() -> None:
    url = "https://vn-blog.blogspot.com/search/label/tin?max-results=20"
    assert canonical_url(url) == url


def test_only_country_aliases_of_blogspot_are_folded():
    from crawler.sites.discovery import canonical_url

    assert canonical_url("http://nhipcau.blogspot.test/2012/01/a.html?m=1") == (
        "http://nhipcau.blogspot.test/2012/01/a.html"
    )
    assert canonical_url("https://x.blogspot.de/p.html") == "https://x.blogspot.com/p.html"


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("http://wp.test/2024/05/06/bai/?share=twitter&nb=1", "http://wp.test/2024/05/06/bai/"),
        ("http://wp.test/2024/05/06/bai/?like=1&_wpnonce=ab12", "http://wp.test/2024/05/06/bai/"),
        ("http://wp.test/2024/05/06/bai/comment-page-2/", "http://wp.test/2024/05/06/bai/"),
        ("http://wp.test/2024/05/06/bai/amp", "http://wp.test/2024/05/06/bai/"),
        ("http://news.test/a-123.html?print=1", "http://news.test/a-123.html"),
        (
            "http://news.test/a-123.html?utm_source=fb&utm_medium=share",
            "http://news.test/a-123.html",
        ),
        ("http://news.test/a-123.html?id=5&utm_campaign=x", "http://news.test/a-123.html?id=5"),
        ("https://b.blogspot.com/ncr/2024/05/p.html", "https://b.blogspot.com/2024/05/p.html"),
        ("HTTP://B.Blogspot.COM/2024/05/p.html", "http://b.blogspot.com/2024/05/p.html"),
        (
            (
                "https://b.blogspot.com/?widgetType=BlogArchive&widgetId=BlogArchive1&action=toggle"
                "&dir=open&toggle=YEARLY-1325376000000&toggleopen=MONTHLY-1333238400000"
            ),
            "https://b.blogspot.com/",
        ),
    ],
)
def test_variants_fold_into_one_url(variant: str, canonical: str) -> None:
    assert canonical_url(variant) == canonical


@pytest.mark.parametrize(
    ("url", "family", "reason"),
    [
        (
            "https://b.blogspot.com/search?updated-max=2012-04-23T10:00:00%2B07:00&max-results=7",
            "blogger",
            "blogger_trap",
        ),
        (
            (
                "https://b.blogspot.com/search?updated-max=2012-04-23T10:00:00Z&max-results=7"
                "&reverse-paginate=true"
            ),
            "blogger",
            "blogger_trap",
        ),
        ("https://www.blogger.com/post-edit.g?blogID=1&postID=2", "blogger", "blogger_trap"),
        ("https://www.blogger.com/comment.g?blogID=1&postID=2", "blogger", "blogger_trap"),
        ("https://b.blogspot.com/2012_04_01_archive.html", "blogger", "blogger_trap"),
        ("https://b.blogspot.com/search/label/Ch%C3%ADnh%20tr%E1%BB%8B", "blogger", "search"),
        ("https://b.blogspot.com/search?q=sang", "blogger", "search"),
        ("http://wp.test/?s=bau+cu", "wordpress", "search"),
        ("http://wp.test/wp-admin/post.php?post=1", "wordpress", "wordpress_trap"),
        ("http://news.test/tim-kiem?tu-khoa=bau-cu&trang=2", "news", "search"),
        ("http://news.test/lich/2012/04/23/", "news", "calendar"),
        ("http://news.test/lich?ngay=2012-04-23", "news", "calendar"),
        ("http://news.test/tin-tuc/tin-tuc/", "news", "repeated_segments"),
        ("http://news.test/a/b/a/c/a/", "news", "repeated_segments"),
        ("http://news.test/danh-sach?sort=moi&loc=hn&trang=3", "news", "query_explosion"),
    ],
)
def test_traps_are_named(url: str, family: str, reason: str) -> None:
    assert trap_reason(url, family) == reason


@pytest.mark.parametrize(
    ("url", "family"),
    [
        ("https://b.blogspot.com/2012/04/bai-viet.html", "blogger"),
        ("https://b.blogspot.com/2012/04/", "blogger"),
        ("https://b.blogspot.com/p/gioi-thieu.html", "blogger"),
        ("http://wp.test/2012/04/23/bai-viet/", "wordpress"),
        ("http://wp.test/2012/05/05/bai-viet/", "wordpress"),  # not a repeated segment
        ("http://news.test/2012/05/05/05/bai-viet-510001.html", "news"),
        ("http://wp.test/category/chinh-tri/page/2/", "wordpress"),
        ("http://news.test/chinh-tri/bai-viet-510001.html", "news"),
        ("http://news.test/video?id=7&ngon-ngu=vi", "news"),
        ("http://news.test/chuyen-muc/luu-tru?trang=2", "news"),
        ("http://news.test/2012/04/23/bai-viet.html", "news"),
    ],
)
def test_posts_and_listings_are_not_traps(url: str, family: str) -> None:
    assert trap_reason(url, family) is None


def test_comment_feeds_are_told_apart_from_post_feeds() -> None:
    assert is_comment_feed("https://b.blogspot.com/feeds/123456/comments/default")
    assert is_comment_feed("https://b.blogspot.com/feeds/comments/default")
    assert is_comment_feed("http://wp.test/comments/feed/")
    assert is_comment_feed("http://wp.test/2012/04/23/bai-viet/feed/")
    assert not is_comment_feed("https://b.blogspot.com/feeds/posts/default")
    assert not is_comment_feed("http://wp.test/feed/")
    assert not is_comment_feed("http://wp.test/category/chinh-tri/feed/")


BASES = st.sampled_from([
    "http://thoisu.test/chinh-tri/bai-1.html",
    "https://vn-blog.blogspot.com/2024/05/bai-viet.html?m=1",
    "http://wp.test:8080/2024/05/bai-viet/#c1",
    "https://a.test",
])  # fmt: skip
HREFS = st.one_of(
    st.sampled_from(["/", "/x/../y", "//cdn.test/a.js", "?page=2", "#top", "../up", "mailto:a@b"]),
    st.builds("/{}".format, st.text("abc/.?#=&%:", max_size=12)),
    st.builds("http://{}/{}".format, st.sampled_from(["a.test", "A.Test:80", "b.test:x"]),
              st.text("abc/.?=&", max_size=8)),
    st.text("abc/.?#:", max_size=10),
)  # fmt: skip


@given(base=BASES, href=HREFS)
def test_a_resolved_link_is_the_joined_url_and_its_canonical_form(base: str, href: str) -> None:
    """Remembering links by origin changes nothing: the same as joining each on its page."""
    try:
        raw = urljoin(base, href)
        want = (raw, canonical_url(raw)) if raw.startswith(("http://", "https://")) else None
    except ValueError:
        want = None
    assert resolve_link(base, href) == want
    assert resolve_link(base, href) == want  # and again, from memory


def test_links_no_url_parser_reads_are_passed_over() -> None:
    page = "http://thoisu.test/a.html"
    for href in ("http://a:abc/", "http://[::1/x", "//b:c/", "ftp://a:b/x", "javascript:void(0)"):
        assert resolve_link(page, href) is None
    assert resolve_link(page, "/b.html?utm_source=x") == (
        "http://thoisu.test/b.html?utm_source=x",
        "http://thoisu.test/b.html",
    )
