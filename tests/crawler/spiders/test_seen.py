"""The crawl's memory of the URLs it has met: every one found again, none it has not
met, and each kept as a small int (a 60-bit digest), not as its string."""

from __future__ import annotations

import gc

from crawler.spiders._seen import UrlSet


def urls(n: int, variant: str = "") -> list[str]:
    return [f"http://thoisu.test/chinh-tri/bai-viet-so-{i}{variant}.html" for i in range(n)]


def test_every_url_added_is_found_and_none_other():
    seen = UrlSet()
    met = urls(50_000)
    for url in met:
        assert url not in seen
        seen.add(url)
    assert len(seen) == len(met)
    assert all(url in seen for url in met)
    assert not any(url in seen for url in urls(50_000, "x"))  # one character apart
    assert 42 not in seen


def test_a_url_is_kept_as_a_small_int_not_as_its_string():
    seen = UrlSet()
    for url in urls(1_000):
        seen.add(url)
    # All it refers to (its type aside): the set of digests.
    (kept,) = [r for r in gc.get_referents(seen) if not isinstance(r, type)]
    assert len(kept) == 1_000
    assert all(type(d) is int and 0 <= d < 2**60 for d in kept)
