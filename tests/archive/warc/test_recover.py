"""A writer killed mid-record leaves a .open file; recovery keeps every whole record."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import HttpExchange, WarcFileWriter, recover_abandoned, recover_open_file
from tests.helpers.crawls import read_records, warcio_check


def _write(folder, count, host="may-1"):
    writer = WarcFileWriter(folder, prefix="t", host=host)
    for i in range(count):
        writer.write_exchange(
            HttpExchange(
                url=f"http://a.test/{i}",
                method="GET",
                request_headers=(),
                status=200,
                response_headers=(),
                response_body=bytes(range(256)) * 8,
            )
        )
    assert writer.current_path is not None
    writer._fh.close()  # as if killed: never renamed
    return writer.current_path


@pytest.mark.parametrize("cut", [0, 1, 17, 200])
def test_a_torn_last_record_is_cut_off_and_the_file_closed(tmp_path, cut):
    path = _write(tmp_path, 5)
    whole = path.read_bytes()
    if cut:
        with path.open("r+b") as fh:
            fh.truncate(len(whole) - cut)  # the last record (a request) is torn
    final = recover_open_file(path)
    assert final is not None
    assert final.name == path.name.removesuffix(".open")
    assert warcio_check([final]).returncode == 0
    records = read_records([final])
    assert sum(r["type"] == "response" for r in records) == 5
    assert sum(r["type"] == "request" for r in records) == (5 if cut == 0 else 4)


def test_garbage_after_whole_records_is_dropped(tmp_path):
    path = _write(tmp_path, 2)
    with path.open("ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00garbage that is not a gzip member")
    final = recover_open_file(path)
    assert final is not None
    assert warcio_check([final]).returncode == 0


def test_a_file_with_nothing_whole_is_removed(tmp_path):
    path = tmp_path / "t-20260101000000-00000-may-1-1.warc.gz.open"
    path.write_bytes(b"\x1f\x8b\x08")
    assert recover_open_file(path) is None
    assert not path.exists()


def test_only_files_of_dead_writers_of_this_host_are_recovered(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    mine = _write(tmp_path / "a", 1)
    dead_file = mine.with_name(
        mine.name.replace(
            f"-may-1-{mine.name.rsplit('-', 1)[1]}", f"-may-1-{dead_pid}.warc.gz.open"
        )
    )
    mine.rename(dead_file)
    alive_file = _write(tmp_path / "a", 1)  # this process is alive
    other_host = _write(tmp_path / "b", 1, host="khac")
    other_host.rename(tmp_path / "a" / other_host.name.replace("khac", "may-2"))
    recovered = recover_abandoned(tmp_path / "a", "may-1")
    assert [p.name for p in recovered] == [dead_file.name.removesuffix(".open")]
    assert alive_file.exists()
    assert (tmp_path / "a" / other_host.name.replace("khac", "may-2")).exists()


def test_a_writer_that_ended_but_is_not_yet_reaped_counts_as_dead(tmp_path):
    """A crawl killed after its watcher is a zombie until init reaps it: its file is
    recovered at once, not left for whoever looks after the reaping."""
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while Path(f"/proc/{zombie.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline, "the child never ended"
        time.sleep(0.01)
    try:
        mine = _write(tmp_path, 1)
        tail = mine.name.rsplit("-", 1)[1]
        left = mine.with_name(mine.name.replace(f"-{tail}", f"-{zombie.pid}.warc.gz.open"))
        mine.rename(left)
        (recovered,) = recover_abandoned(tmp_path, "may-1")
        assert recovered.name == left.name.removesuffix(".open")
    finally:
        zombie.wait()
