"""Folding word by word (cached) gives what folding the whole text at once gives."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.text._fold import _fold_run, fold

# What makes folding hard: marks alone, marks to reorder, spaces of every kind, letters
# whose folding is longer or shorter than they are (ß, İ, ﬁ), đ in both cases.
_TRICKY = (
    "aAđĐêếệƯươỜ ß İ \u0131 ﬁ ǅ ΐ \u0301\u0323\u0302\u031b\u0345\u034f"
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2028\u2029\u202f\u3000"
    "한국어 中文 ไทย"
)


def test_every_space_folds_to_spaces():
    """What makes word-by-word folding the same: no space folds to nothing or a word."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert len(spaces) > 20
    for space in spaces:
        bare = unicodedata.normalize("NFD", space)
        assert bare.isspace()
        assert not any(unicodedata.combining(ch) for ch in bare)
        assert bare.casefold().isspace()


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=80))
def test_fold_is_folding_the_whole_text(text):
    assert fold(text) == _fold_run(text)


def test_fold_of_an_article():
    assert fold("  Ông Trương\u00a0Tấn Sang \u0301 thăm\nĐÀ NẴNG  ") == (
        "ong truong tan sang tham da nang"
    )
    assert fold("Straße İstanbul") == _fold_run("Straße İstanbul") == "strasse istanbul"
