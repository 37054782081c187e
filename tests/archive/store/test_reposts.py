"""Republications: passage fingerprints, the store's pairs (SQLite and PostgreSQL), the
migration that fills them for an older store, and ``archivist reposts`` on crawls of the
demo world (a news site, blogs that repost it, an edit and a takedown)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from archive.store import Store
from archive.store._passages import SITE_REPEATS
from archive.text._fold import fold
from archive.text.article import Article, Credit, DatedValue
from archive.text.passages import WINDOW, fingerprints
from crawler.cli import main
from tests.helpers.records import T0, add_article, add_capture, sample_article

SEED = resources.files("crawler.demo").joinpath("data/blogger-repost.txt").read_text("utf-8")
PARAGRAPHS = [p.strip() for p in SEED.split("\n\n") if len(p.split()) > 20]
ORIGINAL = "\n".join(PARAGRAPHS)
OTHER = (
    "Sáng nay, Quốc hội thảo luận ở tổ về dự án Luật Đất đai sửa đổi. Nhiều đại biểu cho "
    "rằng cần làm rõ cơ chế định giá đất, bồi thường và tái định cư cho người dân bị thu hồi "
    "đất, bảo đảm công khai, minh bạch và hài hòa lợi ích của Nhà nước, người dân và nhà đầu tư."
)


def prints(body: str) -> frozenset[int]:
    return fingerprints(fold(body))


# --- fingerprints ------------------------------------------------------------------------


def test_fewer_words_than_a_window_have_no_fingerprints():
    assert prints(" ".join(["một"] * (WINDOW - 1))) == frozenset()
    assert prints("") == frozenset()


def test_a_copy_with_text_around_it_holds_every_fingerprint_of_the_original():
    original = prints(ORIGINAL)
    assert len(original) > 20  # about one window in eight of a 700-word text
    copy = prints(f"Bài hay, mời các bạn đọc. {ORIGINAL} (Theo website Trương Tấn Sang)")
    assert original <= copy


def test_case_diacritics_and_unicode_form_do_not_matter():
    bare = fold(ORIGINAL).upper()  # no tone marks at all, shouted
    assert prints(bare) == prints(ORIGINAL)


def test_an_excerpt_holds_a_part_and_an_unrelated_text_nothing():
    original = prints(ORIGINAL)
    excerpt = prints(PARAGRAPHS[0] + "\n" + PARAGRAPHS[1])
    assert excerpt <= original
    assert 0 < len(excerpt) < len(original)
    assert not prints(OTHER) & original


def test_one_changed_word_costs_only_the_windows_across_it():
    words = ORIGINAL.split()
    middle = len(words) // 2
    changed = prints(" ".join([*words[:middle], "XYZ", *words[middle + 1 :]]))
    original = prints(ORIGINAL)
    assert len(original - changed) <= WINDOW


def test_unspaced_scripts_take_each_letter_as_a_word():
    chinese = (
        "新华社北京电国务院总理今天主持召开国务院常务会议部署进一步做好稳就业工作"
        "会议指出就业是最大的民生要坚持把稳就业摆在突出位置加大政策支持力度"
    )
    original = prints(chinese)
    assert len(original) >= 6  # about one in eight of its 70 letters: as many as words
    assert original <= prints("转载：" + chinese + "（来源：新华社）")  # noqa: RUF001
    assert not original & prints("今天天气很好我们一起去公园散步然后去吃饭看电影回家")


# --- the store ---------------------------------------------------------------------------


@pytest.fixture
def store(store_url):
    with Store(store_url) as opened:
        yield opened


NEWS_URL = "http://news.test/chinh-tri/bai-1.html"
BLOG_URL = "http://blog.test/2012/04/bai.html"


def _hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def _news(body: str = ORIGINAL, **kw: Any) -> Article:
    kw.setdefault("body_hash", _hash(body))
    return sample_article(
        NEWS_URL,
        body,
        credit=None,
        published=DatedValue(datetime(2012, 4, 23, 20, 0, tzinfo=UTC), "json-ld"),
        **kw,
    )


def _blog(url: str, body: str, credit: Credit | None = None, day: int = 24) -> Article:
    return sample_article(
        url,
        body,
        body_hash=_hash(body),
        site="blog.test",
        platform="blogger",
        credit=credit,
        published=DatedValue(datetime(2012, 4, day, 8, 0, tzinfo=UTC), "abbr.published"),
    )


def test_a_credited_copy_an_excerpt_and_an_unrelated_post(store):
    add_article(store, 1, _news())
    credit = Credit("Báo Tin tức", "https://www.news.test/chinh-tri/bai-1.html/", "(Theo ...)")
    add_article(store, 2, _blog(BLOG_URL, ORIGINAL, credit, day=1))  # dated before: credit wins
    excerpt = "http://blog.test/2012/04/trich.html"
    add_article(store, 3, _blog(excerpt, "Trích: " + PARAGRAPHS[0] + "\n" + PARAGRAPHS[1]))
    add_article(store, 4, _blog("http://blog.test/2012/04/khac.html", OTHER * 3))

    found = store.republications(NEWS_URL)
    assert [(f.original.url, f.copy.url, f.why) for f in found] == [
        (NEWS_URL, BLOG_URL, "credit link"),
        (NEWS_URL, excerpt, "published first"),
    ]
    whole, part = found
    assert whole.holds == 1.0
    assert whole.adds == 0.0
    assert whole.copy.credit_name == "Báo Tin tức"
    assert 0.05 < part.holds < 0.6
    assert part.adds < 0.2  # the excerpt is nearly all the original's
    assert whole.original.published == datetime(2012, 4, 23, 20, 0, tzinfo=UTC)
    # The copy's own page finds the same pair, and the whole store lists both.
    assert [f.original.url for f in store.republications(BLOG_URL)] == [NEWS_URL]
    assert store.republications() == found
    # A commentary quoting one paragraph among much of its own pairs only when asked to.
    own = " ".join(f"ý{n} kiến{n}" for n in range(300))
    add_article(
        store, 5, _blog("http://blog.test/2012/04/binh-luan.html", f"{own} {PARAGRAPHS[1]}")
    )
    assert store.republications() == found
    quoted = {f.copy.url: f for f in store.republications(min_share=0.1)}
    assert quoted.keys() == {BLOG_URL, excerpt, "http://blog.test/2012/04/binh-luan.html"}
    assert quoted["http://blog.test/2012/04/binh-luan.html"].adds > 0.6
    with pytest.raises(ValueError, match="min_share"):
        store.republications(min_share=0)


def test_a_credit_naming_the_site_outweighs_the_dates(store):
    add_article(store, 1, _news())
    credit = Credit("Báo News", None, "(Theo Báo News)")
    add_article(store, 2, _blog(BLOG_URL, ORIGINAL, credit, day=1))  # a wrong date, before
    (found,) = store.republications()
    assert (found.original.url, found.copy.url, found.why) == (
        NEWS_URL,
        BLOG_URL,
        "credit names the site",
    )


def test_sibling_copies_pair_with_the_original_and_a_credited_copy_of_a_copy_with_it(store):
    second, third = "http://blog2.test/2012/04/bai.html", "http://blog3.test/2012/04/bai.html"
    add_article(store, 1, _news())
    add_article(store, 2, _blog(BLOG_URL, ORIGINAL, day=24))
    add_article(store, 3, _blog(second, "Mời đọc. " + ORIGINAL, day=25))
    credit = Credit("Blog", BLOG_URL, "Nguồn: Blog")
    add_article(store, 4, _blog(third, ORIGINAL, credit, day=26))
    found = {(f.original.url, f.copy.url, f.why) for f in store.republications()}
    assert found == {
        (NEWS_URL, BLOG_URL, "published first"),
        (NEWS_URL, second, "published first"),
        (BLOG_URL, third, "credit link"),
    }
    # By the second copy's URL: its original, not its siblings.
    assert [(f.original.url, f.copy.url) for f in store.republications(second)] == [
        (NEWS_URL, second)
    ]


def test_a_sites_boilerplate_neither_pairs_its_articles_nor_counts_in_shares(store):
    # Four articles of news.test end with the same disclaimer (it leaked into the
    # bodies); a fifth is a short note and the disclaimer.
    bodies = [f"{PARAGRAPHS[n]}\n{PARAGRAPHS[n + 4]}\n{OTHER}" for n in range(4)]
    bodies.append(f"Thông báo lịch tiếp công dân tháng tư của ủy ban.\n{OTHER}")
    urls = [f"http://news.test/a/{n}.html" for n in range(5)]
    assert len(bodies) == SITE_REPEATS
    for n, (url, body) in enumerate(zip(urls, bodies, strict=True)):
        when = DatedValue(datetime(2012, 4, 1 + n, tzinfo=UTC), "json-ld")
        add_article(
            store, n, sample_article(url, body, credit=None, body_hash=_hash(body), published=when)
        )
    assert prints(OTHER)  # the disclaimer has fingerprints of its own
    assert store.republications() == []
    assert store.republications(urls[-1], min_share=0.05) == []  # the note pairs with none
    # A blog copy of the first, disclaimer and all, holds all of it but the boilerplate.
    add_article(store, 10, _blog(BLOG_URL, bodies[0]))
    (found,) = store.republications()
    assert (found.original.url, found.copy.url, found.holds) == (urls[0], BLOG_URL, 1.0)
    assert found.shared == len(prints(bodies[0]) - prints(OTHER))
    assert store.republications(BLOG_URL) == [found]


def test_two_copies_of_an_original_not_archived_say_they_credit_the_same_source(store):
    second = "http://blog2.test/2012/04/bai.html"
    add_article(
        store, 1, _blog(BLOG_URL, ORIGINAL, Credit("Báo Thời Sự", None, "(Theo Báo Thời Sự)"))
    )
    credit = Credit("bao thoi su", None, "Nguồn: bao thoi su")
    add_article(store, 2, _blog(second, ORIGINAL, credit, day=25))
    (found,) = store.republications()
    assert (found.original.url, found.copy.url) == (BLOG_URL, second)
    assert found.why == "published first; both credit Báo Thời Sự"


def test_a_copy_of_an_earlier_version_and_a_taken_down_original(store):
    add_article(store, 1, _news())
    edited = _news(ORIGINAL.replace(PARAGRAPHS[-1], OTHER))
    add_article(store, 2, edited, T0 + timedelta(days=1))
    # The blog copied the text before the edit, and was captured after it.
    add_article(store, 3, _blog(BLOG_URL, ORIGINAL), T0 + timedelta(days=2))
    store.add_event(NEWS_URL, "demo", "demo", "removed", T0 + timedelta(days=3), "404", 404)

    (found,) = store.republications(NEWS_URL)
    assert (found.original.version, found.original.versions) == (1, 2)
    assert found.holds == 1.0
    assert found.original.removed_at == T0 + timedelta(days=3)
    assert found.copy.removed_at is None
    assert found.to_dict()["original"]["removed_at"] == (T0 + timedelta(days=3)).isoformat()


def test_source_filter_and_no_pair_within_one_article(store):
    add_article(store, 1, _news())
    add_article(store, 2, replace(_news(), url=NEWS_URL + "?utm_source=x"))  # same key
    assert store.republications() == []
    add_article(store, 3, _blog(BLOG_URL, ORIGINAL), source="blog")
    assert len(store.republications(source="blog")) == 1
    assert store.republications(source="nobody") == []


def test_clearing_the_articles_clears_their_fingerprints(store):
    add_article(store, 1, _news())
    add_article(store, 2, _blog(BLOG_URL, ORIGINAL))
    assert store.index_passages() == 2
    store.clear_articles()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM passages")).scalar() == 0
    add_article(store, 3, _news())
    add_article(store, 4, _blog(BLOG_URL, ORIGINAL))
    assert len(store.republications()) == 1


def test_a_store_made_before_passages_gets_them_at_the_first_look_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'archivist.db'}"
    with Store(url) as store:
        add_article(store, 1, _news())
        add_article(store, 2, _blog(BLOG_URL, ORIGINAL))
    engine = create_engine(url)
    with engine.begin() as connection:  # back to revision 0004, bodies kept
        connection.execute(text("DROP TABLE article_sources"))
        connection.execute(text("ALTER TABLE runs DROP COLUMN failed_urls"))
        connection.execute(text("ALTER TABLE captures DROP COLUMN origin"))
        connection.execute(text("DROP TABLE passages"))
        connection.execute(text("DROP INDEX ix_article_versions_passages"))
        connection.execute(text("ALTER TABLE article_versions DROP COLUMN passages"))
        connection.execute(text("ALTER TABLE article_versions DROP COLUMN encoding_note"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    engine.dispose()
    with Store(url) as store:
        (found,) = store.republications()
        assert (found.original.url, found.copy.url, found.holds) == (NEWS_URL, BLOG_URL, 1.0)


def test_a_read_only_database_answers_with_what_is_fingerprinted(tmp_path, caplog):
    path = tmp_path / "archivist.db"
    with Store(f"sqlite:///{path}") as store:
        add_article(store, 1, _news())
        add_article(store, 2, _blog(BLOG_URL, ORIGINAL))
        assert store.index_passages() == 2
        add_article(store, 3, _blog("http://blog2.test/2012/04/bai.html", ORIGINAL, day=25))
    with Store(f"sqlite:///file:{path}?mode=ro&uri=true") as store:
        found = store.republications()
    assert [(f.original.url, f.copy.url) for f in found] == [(NEWS_URL, BLOG_URL)]
    assert "left out of this look-up" in caplog.text
    assert "readonly database" in caplog.text


def _passage_counts(store: Store) -> list[int | None]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT passages FROM article_versions ORDER BY id"))
        return list(rows.scalars())


def test_fingerprints_come_after_recording_and_once_per_version(store):
    add_article(store, 1, _news())
    add_article(store, 2, _blog(BLOG_URL, "Quá ngắn."))  # under a window: no fingerprint
    assert _passage_counts(store) == [None, None]  # the crawl's path computes none
    stopping = threading.Event()
    stopping.set()
    assert store.index_passages(stop=stopping) == 0  # the scheduler is stopping: later
    assert store.index_passages(batch=1) == 2  # in batches of one
    assert _passage_counts(store) == [len(prints(ORIGINAL)), 0]
    add_capture(store, 3, NEWS_URL, T0 + timedelta(days=1))
    store.record_article(_news(), 3, "demo")  # a body seen before: no new version
    assert store.index_passages() == 0
    with store.engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM passages")).scalar()
    assert count == len(prints(ORIGINAL))


def test_reposts_diff_shows_what_a_copy_cut_and_added(tmp_path):
    with Store.for_home(tmp_path) as store:
        add_article(store, 1, _news())
        add_article(
            store, 2, _news(ORIGINAL.replace(PARAGRAPHS[-1], OTHER)), T0 + timedelta(days=1)
        )
        # The blog copied the first version, cut its second paragraph and added a preface.
        cut = ORIGINAL.replace(PARAGRAPHS[1] + "\n", "")
        add_article(store, 3, _blog(BLOG_URL, "Bài hay, mời các bạn đọc.\n" + cut))
    env = {"ARCHIVIST_HOME": str(tmp_path), "ARCHIVIST_STORE_URL": ""}
    result = CliRunner().invoke(main, ["reposts", NEWS_URL, "--diff", BLOG_URL], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("news.test (version 1 of 2) -> blog.test:")
    start = next(i for i, line in enumerate(lines) if line.startswith("body: "))
    wrapped = [lines[start], *(x for x in lines[start + 1 :] if x.startswith(" "))]  # wrapped
    body = " ".join(line.strip() for line in wrapped)
    assert "{+Bài hay, mời các bạn đọc.+}" in body
    assert "[-" + PARAGRAPHS[1].split()[0] in body  # the cut paragraph, from its first word
    assert " ".join(OTHER.split()[:3]) not in body  # not the later version
    # Either way round, and refusals that name the URL.
    back = CliRunner().invoke(main, ["reposts", BLOG_URL, "--diff", NEWS_URL], env=env)
    assert back.output == result.output
    unrelated = CliRunner().invoke(main, ["reposts", NEWS_URL, "--diff", NEWS_URL], env=env)
    assert f"{NEWS_URL} is neither the original nor a copy of {NEWS_URL}" in unrelated.output
    missing = CliRunner().invoke(main, ["reposts", NEWS_URL, "--diff", "http://x.test/"], env=env)
    assert "no article recorded at http://x.test/" in missing.output
    alone = CliRunner().invoke(main, ["reposts", "--diff", BLOG_URL], env=env)
    assert alone.exit_code == 2
    assert "give URL too" in alone.output


def test_a_second_source_over_the_same_site_finds_its_republications_too(store):
    """An article belongs to every source that captured it (article_sources), so
    ``reposts --source`` names a pair for the second source as for the first."""
    add_article(store, 1, _news(), source="news")
    add_article(store, 2, _news(), when=T0 + timedelta(hours=1), source="news-mirror")
    add_article(store, 3, _blog(BLOG_URL, ORIGINAL), source="blog")
    for name in ("news", "news-mirror", "blog"):
        (pair,) = store.republications(source=name)
        assert pair.original.url == NEWS_URL
    assert pair.original.source == "news"  # the one that found it first
    assert pair.original.to_dict()["sources"] == ["news", "news-mirror"]
    assert pair.copy.to_dict()["sources"] == ["blog"]
    assert store.republications(source="nobody") == []
