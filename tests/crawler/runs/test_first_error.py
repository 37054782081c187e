"""A failed run says what its log's first error says, not only that nothing was fetched."""

from __future__ import annotations

from archive.store import Store
from crawler.runs.runbook import run_source
from crawler.runs.runlog import first_error
from crawler.sources.schema import load_source

LOG = """\
2026-12-06 10:26:45 [scrapy.utils.log] INFO: Scrapy 2.19.0 started (bot: archivist)
2026-12-06 10:26:46 [py.warnings] WARNING: something to note
2026-12-06 10:26:46 [asyncio] ERROR: Task exception was never retrieved
Traceback (most recent call last):
  File "crawler.py", line 671, in _crawl_and_track
    raise ValueError("inner")
json.decoder.JSONDecodeError: Expecting property name: line 1 column 2 (char 1)
2026-12-06 10:26:47 [scrapy.core.engine] ERROR: a later error
"""


def test_the_first_error_is_the_exception_its_traceback_ends_with(tmp_path):
    log = tmp_path / "run.log"
    log.write_text(LOG, encoding="utf-8")
    assert first_error(log) == (
        "json.decoder.JSONDecodeError: Expecting property name: line 1 column 2 (char 1)"
    )
    log.write_text(LOG.splitlines()[-1] + "\n", encoding="utf-8")
    assert first_error(log) == "a later error"
    log.write_text(LOG.splitlines()[0] + "\n", encoding="utf-8")
    assert first_error(log) is None
    assert first_error(tmp_path / "none.log") is None


def test_a_crawl_that_dies_at_start_says_why(tmp_path):
    path = tmp_path / "sources" / "hong.yaml"
    path.parent.mkdir()
    path.write_text(
        "name: hong\nseeds: ['http://thoisu.test/']\ncontact: tests@example.org\n",
        encoding="utf-8",
    )
    with Store.for_home(tmp_path / "home") as store:
        record = run_source(
            store, load_source(path), path, tmp_path / "home", settings={"ROUTE_PROXIES": "{x"}
        )
    assert record.status == "failed"
    assert record.finish_reason.startswith("nothing was fetched: no request was made; ")
    assert "its log's first error: json.decoder.JSONDecodeError" in record.finish_reason
