"""``archivist articles QUERY``: each hit with a few words around what matched, the
matching words highlighted in a terminal; counts read right."""

from __future__ import annotations

import click

from crawler.research.search import snippet
from tests.helpers.records import add_article, sample_article

FILLER = " ".join(f"câu{n}" for n in range(80))
BODY = f"{FILLER} Chủ tịch nước Trương Tấn Sang đã đến thăm Đà Nẵng hôm qua. {FILLER}"


def test_a_hit_shows_the_words_around_the_match(store, cli):
    add_article(store, 1, sample_article(body=BODY, title="Tin thời sự", body_hash="h1"))
    result = cli("articles", "truong tan sang")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "1 article"
    shown = lines[2].strip()
    assert "Trương Tấn Sang đã đến thăm" in shown
    assert shown.startswith("… ")
    assert shown.endswith(" …")
    assert len(shown.split()) < 35  # a snippet, not the body


def test_matching_words_are_highlighted_in_a_terminal(store, cli):
    add_article(store, 1, sample_article(body=BODY, title="Tin thời sự", body_hash="h1"))
    result = cli("articles", "TRUONG sang", color=True)
    bold = click.style("Trương", bold=True, fg="yellow")
    assert f"{bold} Tấn {click.style('Sang', bold=True, fg='yellow')} đã" in result.output
    plain = cli("articles", "TRUONG sang")
    assert "\x1b[" not in plain.output


def test_a_match_in_the_title_is_highlighted_there():
    article = sample_article(body="Không có gì.", title="Đà Nẵng đón khách", credit=None)
    assert snippet(article, "da nang") == []
    article = sample_article(body="Không có gì.", authors=("Lê Thị Hoa",))
    assert ("Hoa", True) in snippet(article, "hoa")


def test_the_window_holds_the_most_query_words():
    body = f"Sang sớm. {FILLER} Ông Trương Tấn Sang phát biểu. {FILLER}"
    pieces = snippet(sample_article(body=body), "truong sang", words=10)
    assert [text for text, hit in pieces if hit] == ["Trương", "Sang"]


def test_no_articles_and_two_articles(store, cli):
    assert cli("articles", "khong co").output.splitlines()[-1] == "0 articles"
    add_article(store, 1, sample_article(body=BODY, body_hash="h1"))
    add_article(store, 2, sample_article("http://news.test/a/2", body=BODY, body_hash="h2"))
    assert cli("articles", "sang").output.splitlines()[-1] == "2 articles"
