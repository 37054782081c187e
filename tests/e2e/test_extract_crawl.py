"""Extraction in the crawl: records in the store and in WARC; rebuilt from WARCs alone."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archive.store import Store
from archive.text.article import Article
from crawler.cli import main
from tests.helpers.crawls import crawl, read_records, warcio_check, write_source


@pytest.fixture(scope="module")
def blog_crawl(tmp_path_factory, demo_server, world):
    home = tmp_path_factory.mktemp("extract-home")
    sources = home / "sources"
    runs = [
        crawl(
            write_source(sources, "nhip-cau", "nhipcau.blogspot.test", family="blogger"),
            home,
            demo_server,
        ),
        crawl(
            write_source(sources, "goc-nhin", "goc-nhin.test", family="wordpress"),
            home,
            demo_server,
            EXTRACT_WORKERS=2,  # each pool process writes and closes a derived WARC
        ),
    ]
    for result in runs:
        assert result.ok, result.log_path.read_text()[-3000:]
    return home, sources, runs


def _env(home, sources):
    return {
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_SOURCES": str(sources),
        "ARCHIVIST_STORE_URL": "",
    }


def _records(home):
    with Store(f"sqlite:///{home / 'archivist.db'}") as store:
        return {s.article.url: s.article for s in store.articles()}


def test_every_post_becomes_a_record_with_its_capture(blog_crawl, world):
    home, _, runs = blog_crawl
    records = _records(home)
    expected = set(world.article_urls("nhipcau.blogspot.test")) | set(
        world.article_urls("goc-nhin.test")
    )
    assert set(records) == expected
    assert sum(r.stats.get("extract/new", 0) for r in runs) == len(expected)
    assert sum(r.stats.get("extract/changed", 0) for r in runs) == 0  # one page per article
    seed = records[world.seed_repost_url]
    assert seed.credit is not None
    assert seed.credit.line == "(Theo website Trương Tấn Sang)"
    assert "nhận xét" not in seed.body


def test_derived_warcs_hold_conversion_and_metadata_records(blog_crawl, world):
    home, _, _ = blog_crawl
    derived = sorted(home.glob("collections/*/derived/*.warc.gz"))
    raw = sorted(home.glob("collections/*/archive/*.warc.gz"))
    assert derived
    assert not list(home.glob("collections/*/derived/*.open"))  # every pool process closed its
    assert warcio_check(derived).returncode == 0
    response_ids = {
        r["warc"].get_header("WARC-Record-ID") for r in read_records(raw) if r["type"] == "response"
    }
    records = read_records(derived)
    conversions = [r for r in records if r["type"] == "conversion"]
    metadata = [r for r in records if r["type"] == "metadata"]
    assert len(conversions) == len(metadata) == len(_records(home))
    for record in conversions + metadata:
        assert record["warc"].get_header("WARC-Refers-To") in response_ids
    fields = json.loads(metadata[0]["payload"])
    assert fields["title"]
    assert fields["extractor_version"].startswith("archivist-extract")


def test_the_two_derived_records_hold_the_whole_article_once(blog_crawl):
    """The metadata record holds every field but the body, which is the conversion
    record's text: together (by the response they both refer to) they are the article."""
    home, _, _ = blog_crawl
    records = read_records(sorted(home.glob("collections/*/derived/*.warc.gz")))
    texts = {
        r["warc"].get_header("WARC-Refers-To"): r["payload"].decode()
        for r in records
        if r["type"] == "conversion"
    }
    stored = _records(home)
    rebuilt = {}
    for record in (r for r in records if r["type"] == "metadata"):
        fields = json.loads(record["payload"])
        assert "body" not in fields
        article = Article.from_dict(
            {**fields, "body": texts[record["warc"].get_header("WARC-Refers-To")]}
        )
        rebuilt[article.url] = article
    assert rebuilt.keys() == stored.keys()
    for url, article in stored.items():
        assert rebuilt[url].to_dict() == article.to_dict()


def test_dropping_the_database_and_extracting_gives_the_same_records(blog_crawl):
    home, sources, _ = blog_crawl
    before = _records(home)
    for path in home.glob("archivist.db*"):
        path.unlink()
    result = CliRunner().invoke(main, ["extract"], env=_env(home, sources))
    assert result.exit_code == 0, result.output
    after = _records(home)
    assert after == before
    assert f"{len(before)} articles" in result.output


def test_search_ignores_case_and_diacritics(blog_crawl, world):
    home, sources, _ = blog_crawl
    result = CliRunner().invoke(main, ["articles", "truong tan sang"], env=_env(home, sources))
    assert result.exit_code == 0, result.output
    assert world.seed_repost_url in result.output
    result = CliRunner().invoke(main, ["articles", "THÀNH ỦY HÀ NỘI"], env=_env(home, sources))
    assert world.seed_repost_url in result.output


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export(blog_crawl, tmp_path, fmt):
    home, sources, _ = blog_crawl
    out = tmp_path / f"articles.{fmt}"
    result = CliRunner().invoke(
        main, ["export", "--format", fmt, "-o", str(out)], env=_env(home, sources)
    )
    assert result.exit_code == 0, result.output
    count = len(_records(home))
    lines = [] if fmt == "parquet" else out.read_text(encoding="utf-8").splitlines()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        assert table.num_rows == count
        assert all(table.column("title").to_pylist())
        assert all(isinstance(a, list) for a in table.column("authors").to_pylist())
        return
    if fmt == "jsonl":
        assert len(lines) == count
        assert all(json.loads(line)["warc_filename"].endswith(".warc.gz") for line in lines)
    else:
        import csv

        with out.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == count
        assert all(row["title"] for row in rows)
