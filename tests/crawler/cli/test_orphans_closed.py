"""Any command that opens the store closes the rows of runs whose crawl is dead (README,
"Kill it anywhere"), not only the scheduler and `crawl --resume`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from archive.store import Store
from crawler.cli import main
from crawler.runs.runbook import SourceLock


def _dead_run(home, run_id: str) -> None:
    with Store.for_home(home) as store:
        started = datetime.now(UTC) - timedelta(minutes=5)
        store.start_run(run_id, "tin-cu", "tin-cu", started_at=started)
        store.heartbeat(run_id, pages=3)


@pytest.mark.parametrize("command", [["runs"], ["articles"], ["changes"], ["reposts"]])
def test_a_command_that_opens_the_store_closes_a_dead_crawls_run(tmp_path, command):
    home = tmp_path / "data"
    _dead_run(home, "20261206T000000-tin-cu-1-dead")
    env = {"ARCHIVIST_HOME": str(home), "ARCHIVIST_SOURCES": str(tmp_path / "none")}
    result = CliRunner().invoke(main, command, env=env)
    assert result.exit_code == 0, result.output
    with Store.for_home(home) as store:
        record = store.get_run("20261206T000000-tin-cu-1-dead")
    assert record is not None
    assert record.status == "interrupted"  # no final stats: resumable, not "running"


def test_a_run_whose_crawl_holds_its_lock_is_left_running(tmp_path):
    home = tmp_path / "data"
    _dead_run(home, "20261206T000000-tin-cu-1-live")
    lock = SourceLock(home, "tin-cu")
    assert lock.acquire("20261206T000000-tin-cu-1-live")  # as its live watcher holds it
    try:
        env = {"ARCHIVIST_HOME": str(home), "ARCHIVIST_SOURCES": str(tmp_path / "none")}
        assert CliRunner().invoke(main, ["runs"], env=env).exit_code == 0
        with Store.for_home(home) as store:
            record = store.get_run("20261206T000000-tin-cu-1-live")
    finally:
        lock.release()
    assert record is not None
    assert record.status == "running"
