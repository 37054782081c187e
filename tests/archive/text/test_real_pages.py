"""Extraction on real pages (Blogger, WordPress, a Vietnamese news site and others),
against expectations written by hand from each page as a reader sees it.

The corpus and its provenance: tests/archive/text/real_pages/ (manifest.json, README.md).
A check the extractor fails is strict-xfailed in the manifest (``known_failures``) with
the reason; the expectation itself is never loosened to fit the output.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest

from archive.text.extract import extract
from tests.helpers.real_pages import FOLDER, cases, fold, manifest, page_bytes, pages

if TYPE_CHECKING:
    from archive.text.article import Article


@cache
def extracted(page_id: str) -> Article | None:
    page = next(p for p in pages() if p["id"] == page_id)
    return extract(page_bytes(page_id), page["url"], {"Content-Type": "text/html"})


def article_of(page: dict[str, Any]) -> Article:
    article = extracted(page["id"])
    assert article is not None, "no article extracted"
    return article


def test_the_corpus_keeps_its_promises() -> None:
    """12-20 pages, four or more per blog platform, provenance and licence recorded, < 3 MB."""
    found = pages()
    assert 12 <= len(found) <= 20
    families = Counter(p["family"] for p in found)
    assert families["blogger"] >= 4
    assert families["wordpress"] >= 4
    assert families["news"] >= 1
    for page in found:
        assert page["source"] in manifest()["sources"]
        assert page["path"]
        assert len(page["commit"]) == 40
        assert page["content_license"]
        assert (FOLDER / page["file"]).is_file()
    assert sum(f.stat().st_size for f in FOLDER.iterdir()) < 3 * 1024 * 1024


@pytest.mark.parametrize("page", cases("title"))
def test_title(page: dict[str, Any]) -> None:
    assert fold(article_of(page).title) == fold(page["title"])


@pytest.mark.parametrize("page", cases("authors"))
def test_authors(page: dict[str, Any]) -> None:
    got = sorted(fold(a).casefold() for a in article_of(page).authors)
    assert got == sorted(fold(a).casefold() for a in page["authors"])


@pytest.mark.parametrize("page", cases("published"))
def test_published_day(page: dict[str, Any]) -> None:
    published = article_of(page).published
    assert published is not None, "no publication date"
    assert published.day.isoformat() == page["published"]


@pytest.mark.parametrize("page", cases("body_has"))
def test_body_holds_the_article(page: dict[str, Any]) -> None:
    body = fold(article_of(page).body)
    missing = [s for s in page["body_has"] if fold(s) not in body]
    assert not missing, f"missing from the body: {missing}"


@pytest.mark.parametrize("page", cases("body_lacks"))
def test_body_holds_no_chrome(page: dict[str, Any]) -> None:
    body = fold(article_of(page).body)
    leaked = [s for s in page["body_lacks"] if fold(s) in body]
    assert not leaked, f"chrome, comments or sidebars in the body: {leaked}"


@pytest.mark.parametrize("page", cases("credit"))
def test_credit(page: dict[str, Any]) -> None:
    credit = article_of(page).credit
    want = page["credit"]
    if want is None:
        assert credit is None, f"a credit the page does not give: {credit}"
    else:
        assert credit is not None, "the credit line was not found"
        assert fold(credit.name) == fold(want)


@pytest.mark.parametrize(
    "page",
    [c for c in cases("platform", when="family") if c.values[0]["family"] != "news"],
)
def test_platform(page: dict[str, Any]) -> None:
    """Extraction names the blog platform the page is on (news sites are left unnamed)."""
    assert article_of(page).platform == page["family"]
