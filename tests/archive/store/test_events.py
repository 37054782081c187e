"""The removed/restored rule: which answers say an article is gone, and its events."""

from __future__ import annotations

from datetime import timedelta

from archive.store import removal_reason, soft_404
from tests.helpers.records import T0, add_article, add_capture, sample_article

URL = "http://news.test/a/1"


def test_soft_404_pages_are_told_from_short_articles():
    assert soft_404("Thông báo", "Bài viết không tồn tại hoặc đã bị xóa.")
    assert soft_404("404 - Page not found", "Sorry.")
    assert soft_404(None, "")
    assert soft_404("Tin vắn", "Quốc hội họp phiên bế mạc chiều nay tại Hà Nội.") is None
    long_text = "Bài viết không tồn tại " + "lời " * 200
    assert soft_404("Một bài dài", long_text) is None
    # The bound is 80 words: a notice of 80 is still read, one of 81 is an article.
    assert soft_404("Thông báo", "Bài viết không tồn tại" + " lời" * 75)
    assert soft_404("Thông báo", "Bài viết không tồn tại" + " lời" * 76) is None


def test_gone_statuses_and_redirects_to_the_home_page_are_removals():
    assert removal_reason(URL, 404) == "answers 404"
    assert removal_reason(URL, 410) == "answers 410"
    assert removal_reason(URL, 301, "/") == "redirects to the home page (/)"
    assert removal_reason(URL, 302, "http://news.test") is not None
    assert removal_reason(URL, 200) is None
    assert removal_reason(URL, 500) is None
    assert removal_reason(URL, 301, "/a/1-moved") is None  # a move, not a removal
    assert removal_reason(URL, 301, "/?page=2") is None
    assert removal_reason(URL, 301, "http://other.test/") is None
    assert removal_reason(URL, 301, None) is None


def test_a_removal_is_recorded_once_and_only_for_a_known_article(store):
    add_article(store, 1, sample_article(URL))
    captures = []

    def capture() -> int:
        captures.append(add_capture(store, 2, URL, T0 + timedelta(days=1)))
        return captures[-1]

    assert not store.mark_removed("http://news.test/other", "demo", T0, "answers 404", 404, capture)
    assert store.mark_removed(URL, "demo", T0 + timedelta(days=1), "answers 404", 404, capture)
    assert not store.mark_removed(URL, "demo", T0 + timedelta(days=2), "answers 410", 410, capture)
    (event,) = store.events()
    assert (event.kind, event.url, event.status, event.detail) == (
        "removed",
        URL,
        404,
        "answers 404",
    )
    assert event.capture_id == captures[0]
    assert len(captures) == 1  # asked for the capture only when it recorded the event


def test_an_article_recorded_again_after_its_removal_is_restored(store):
    add_article(store, 1, sample_article(URL))
    store.mark_removed(URL, "demo", T0 + timedelta(days=1), "answers 404", 404, lambda: None)
    add_article(store, 3, sample_article(URL), T0 + timedelta(days=2))
    kinds = [(e.kind, e.at) for e in store.events()]
    assert [k for k, _ in kinds] == ["removed", "restored"]
    assert store.mark_removed(URL, "demo", T0 + timedelta(days=3), "answers 410", 410, lambda: None)
