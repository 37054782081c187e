"""Counts read as English: 1 article, 2 articles."""

from __future__ import annotations

from crawler.cli._text import count_of


def test_one_is_singular_and_the_rest_plural():
    assert count_of(1, "article") == "1 article"
    assert count_of(0, "article") == "0 articles"
    assert count_of(3, "copy", "copies") == "3 copies"
