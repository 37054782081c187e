"""Family detection and the article rule on real pages (tests/archive/text/real_pages/),
against the family and article status written by hand from each page."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import html

from crawler.sites.articles import ArticleRule
from crawler.sites.families import detect_family
from tests.helpers.real_pages import cases, page_bytes


def root_of(page: dict[str, Any]) -> html.HtmlElement:
    return html.fromstring(page_bytes(page["id"]))


@pytest.mark.parametrize("page", cases("family"))
def test_detect_family(page: dict[str, Any]) -> None:
    assert detect_family(root_of(page)) == page["family"]


@pytest.mark.parametrize("page", cases("is_article"))
def test_article_rule_on_an_auto_source(page: dict[str, Any]) -> None:
    """A source of family ``auto`` with no patterns of its own: the page's markers decide."""
    assert ArticleRule("auto").matches(page["url"], root_of(page)) is page["is_article"]
