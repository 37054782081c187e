"""The coordinator's own parts: the workers' stats summed into one crawl's, and a run no
worker joins, which fails saying what to start and leaves nothing announced in Redis."""

from __future__ import annotations

from archive.store import Store
from crawler.cluster.coordinator import ClusterRun, merge_stats, run_distributed
from crawler.cluster.state import ClusterState, RunKeys, connect
from crawler.runs.runbook import RunOptions
from crawler.sources.schema import load_source
from tests.helpers.crawls import write_source
from tests.helpers.redis_keys import REDIS_URL


def test_workers_stats_are_summed_into_one_crawls():
    merged = merge_stats(
        [
            {"downloader/response_count": 40, "archive/file_names": ["a.warc.gz"],
             "finish_reason": "finished", "start_time": "2026-01-01 10:00:02"},
            {"downloader/response_count": 2, "archive/file_names": ["b.warc.gz"],
             "finish_reason": "shutdown", "start_time": "2026-01-01 10:00:01",
             "recrawl/sweep": "full"},
        ]
    )  # fmt: skip
    assert merged["downloader/response_count"] == 42
    assert merged["archive/file_names"] == ["a.warc.gz", "b.warc.gz"]
    assert merged["finish_reason"] == "shutdown"  # any worker not finished says so
    assert merged["start_time"] == "2026-01-01 10:00:01"
    assert merged["recrawl/sweep"] == "full"


def test_a_run_no_worker_joins_fails_and_is_withdrawn(tmp_path, redis_prefix):
    path = write_source(tmp_path / "sources", "tin", "thoisu.test")
    state = ClusterState(connect(REDIS_URL), RunKeys(redis_prefix, "run-alone"))
    with Store(f"sqlite:///{tmp_path / 'archivist.db'}") as store:
        record = run_distributed(
            store, load_source(path), path, tmp_path, ClusterRun(state, {}, join_wait=0.5),
            options=RunOptions(kill_after=0.5),
        )  # fmt: skip
    assert record.status == "failed"
    assert "archivist worker" in (record.finish_reason or "")
    assert not state.redis.sismember(state.keys.runs, "run-alone")  # no worker will join it
    assert list(state.redis.scan_iter(match=f"{redis_prefix}:run:run-alone:*")) == []
