from __future__ import annotations

import pytest

from crawler.discovery import canonical_url

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
    from crawler.discovery import canonical_url

    assert canonical_url("http://nhipcau.blogspot.test/2012/01/a.html?m=1") == (
        "http://nhipcau.blogspot.test/2012/01/a.html"
    )
    assert canonical_url("https://x.blogspot.de/p.html") == "https://x.blogspot.com/p.html"
