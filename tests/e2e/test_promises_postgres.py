"""A crawl whose records go to PostgreSQL (README: "ARCHIVIST_STORE_URL points the
records at PostgreSQL instead"): ``archivist crawl`` of the demo news site with the
variable set, and the run, the captures and every article, written by the extraction
processes, are in PostgreSQL and nowhere else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from archive.store import Store
from crawler.demo.run import route_settings
from crawler.demo.world import NEWS
from tests.helpers.crawls import warc_files, warcio_check, write_source
from tests.helpers.records import postgres_url

ARCHIVIST = str(Path(sys.executable).with_name("archivist"))


@pytest.fixture
def pg_url():
    yield from postgres_url()


def test_a_crawl_writes_its_records_to_postgresql(tmp_path, demo_server, world, pg_url):
    write_source(tmp_path / "sources", "tin-pg", NEWS)
    env = {
        **os.environ,
        "ARCHIVIST_HOME": str(tmp_path),
        "ARCHIVIST_SOURCES": str(tmp_path / "sources"),
        "ARCHIVIST_STORE_URL": pg_url,
        "ARCHIVIST_ROUTE_PROXIES": route_settings(demo_server)["ROUTE_PROXIES"],
        "ARCHIVIST_LOOPBACK_ONLY": "1",
    }
    # Two extraction processes, each writing its own articles.
    command = [ARCHIVIST, "crawl", "tin-pg", "-s", "EXTRACT_WORKERS=2"]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr

    expected = set(world.article_urls(NEWS))
    with Store(pg_url) as store:
        assert store.engine.dialect.name == "postgresql"
        (run,) = store.runs(source="tin-pg")
        articles = {stored.article.url for stored in store.articles()}
        with store.engine.connect() as connection:
            captures = connection.execute(text("SELECT count(*) FROM captures")).scalar_one()
            versions = connection.execute(
                text("SELECT count(*) FROM article_versions WHERE passages > 0")
            ).scalar_one()
    assert run.status == "finished"
    assert run.articles_new == len(expected)
    assert articles == expected
    assert versions == len(expected)  # fingerprinted after the crawl, in PostgreSQL too
    assert captures >= run.pages
    # Nothing went to the SQLite default in the data folder.
    assert not (tmp_path / "archivist.db").exists()
    assert warcio_check(warc_files(tmp_path)).returncode == 0
