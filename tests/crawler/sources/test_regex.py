"""Scope and article patterns that can backtrack catastrophically are refused."""

from __future__ import annotations

import re
import time

import pytest

from crawler.errors import SourceError
from crawler.sources._regex import backtracking_risk
from crawler.sources.schema import load_source


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+$", r"(a*)*b", r"(\w+\s?)*$", r"^(.*a){20,}$", r"(a?)*$", r"((ab)+c?)+d",
     r"(x+x+)+y", r"(?:[a-z]+/)*\.html$"],
)  # fmt: skip
def test_nested_repeats_are_risky(pattern):
    assert backtracking_risk(pattern) is not None


@pytest.mark.parametrize(
    "pattern",
    [r"^/\d{4}/\d{2}/[^/]+\.html$", r"/tin-tuc/", r"-\d+\.html$", r"^https?://[^/]+/(?:a|b)/",
     r"(ab){2}", r"[a-z]+(?:-[a-z]+){0,8}\.html"],
)  # fmt: skip
def test_the_usual_url_patterns_pass(pattern):
    assert backtracking_risk(pattern) is None


def test_a_risky_pattern_would_have_stalled_the_crawl_and_a_source_file_refuses_it(tmp_path):
    started = time.perf_counter()
    assert re.search(r"(a+)+$", "a" * 22 + "!") is None
    assert time.perf_counter() - started > 0.05  # already slow at 22 letters; doubles each
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nseeds: ['http://a.test/']\ncontact: t@example.org\n"
        "scope: {include: ['(a+)+$']}\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match=r"scope\.include.*quantifier inside"):
        load_source(path)
