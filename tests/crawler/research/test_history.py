"""``archivist history``: versions numbered 1..n as seen, chosen by number or id, diffs
wrapped to the terminal; ``archivist changes`` numbers them the same way."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from crawler.research.history import shown_diff
from tests.helpers.records import T0, add_article, sample_article

URL = "http://news.test/a/1"
WORDS = " ".join(f"từ{n}" for n in range(60))


def _three_versions(store) -> list[int]:
    """An unrelated article first, so that the versions' ids are not 1, 2, 3."""
    add_article(store, 1, sample_article("http://news.test/other", body="Bài khác."))
    ids = []
    for n, body in enumerate((WORDS, WORDS + " thêm", "Mở đầu. " + WORDS + " thêm"), 2):
        article = sample_article(URL, body=body, body_hash=f"hash-{n}")
        ids.append(add_article(store, n, article, T0 + timedelta(days=n))[0])
    return ids


def _rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines() if re.match(r"\s+\d+\s+\d+\s+20", line)]


def test_versions_are_numbered_in_the_order_seen_with_their_ids(store, cli):
    ids = _three_versions(store)
    assert ids[0] != 1
    result = cli("history", URL)
    assert result.exit_code == 0, result.output
    assert [(int(r[0]), int(r[1])) for r in _rows(result.output)] == list(
        zip((1, 2, 3), ids, strict=True)
    )
    assert "version 2 -> 3:" in result.output


def test_diff_takes_version_numbers_or_ids(store, cli):
    ids = _three_versions(store)
    by_number = cli("history", URL, "--diff", "1", "3")
    assert by_number.exit_code == 0, by_number.output
    assert "version 1 -> 3:" in by_number.output
    assert "{+Mở đầu.+}" in by_number.output
    assert "{+thêm+}" in by_number.output
    by_id = cli("history", URL, "--diff", f"id:{ids[0]}", f"id:{ids[2]}")
    assert by_id.output == by_number.output


def test_a_version_that_is_not_there_is_one_line(store, cli):
    ids = _three_versions(store)
    for wrong in ("4", "0", f"id:{ids[2] + 100}", "x"):
        result = cli("history", URL, "--diff", "1", wrong)
        assert result.exit_code == 1
        assert result.output.strip().splitlines()[-1] == (
            f"Error: {URL} has no version {wrong}: give a number from 1 to 3, "
            "or id:N with an id from the list above"
        )


def test_changes_number_an_edit_as_history_does(store, cli):
    _three_versions(store)
    result = cli("changes")
    details = [line.split(URL)[1].strip() for line in result.output.splitlines() if URL in line]
    assert details == ["version 1 -> 2", "version 2 -> 3"]
    assert result.output.splitlines()[-1] == "2 changes"


def test_a_long_diff_is_wrapped_to_the_terminal_width(store, cli):
    _three_versions(store)
    result = cli("history", URL, COLUMNS="50")
    lines = result.output.split("version 2 -> 3:\n")[1].splitlines()
    assert lines[0].startswith("body: ")
    assert len(lines) > 5
    assert all(len(line) <= 50 for line in lines)
    assert all(line.startswith(" " * 6) for line in lines[1:])
    joined = " ".join(line.strip() for line in lines).removeprefix("body: ")
    assert joined == "{+Mở đầu.+} " + WORDS + " thêm"


def test_markers_stay_with_their_words_and_are_coloured_across_lines():
    diff = "a b [-gone words that were here once-] c {+new words+} d e f g h"
    lines = shown_diff("body", diff, 30)
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    assert " ".join(p.strip() for p in plain).removeprefix("body: ") == diff
    assert all(len(p) <= 30 for p in plain)
    coloured = "".join(lines)
    assert "\x1b[31m" in coloured  # red for what went
    assert "\x1b[32m" in coloured  # green for what came
    # Every line inside a removal is red from its first word.
    inside = next(i for i, p in enumerate(plain) if "[-" in p and "-]" not in p)
    assert lines[inside + 1].lstrip().startswith("\x1b[31m")


def test_reposts_diff_is_wrapped(store, cli):
    original = sample_article(URL, body=WORDS, credit=None, body_hash="hash-original")
    add_article(store, 1, original)
    copy = replace(
        original,
        url="http://blog.test/p/1",
        canonical_url="http://blog.test/p/1",
        site="blog.test",
        body="Lời bình của chủ blog. " + WORDS,
        body_hash="hash-copy",
    )
    add_article(store, 2, copy, T0 + timedelta(days=1), source="blog")
    result = cli("reposts", URL, "--diff", "http://blog.test/p/1", COLUMNS="60")
    assert result.exit_code == 0, result.output
    body = ("body: " + result.output.split("body: ")[1]).splitlines()
    assert len(body) > 3
    assert all(len(line) <= 60 for line in body)
    assert body[0].startswith("body: {+Lời bình của chủ blog.+} từ0")
