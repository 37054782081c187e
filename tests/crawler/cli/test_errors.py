"""Every failure a user meets is one line naming the thing and what to do, exit 1."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main


def _run(args, env):
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    return line


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:1/test", "Connection refused"),
        ("nonsense://x", "not a database URL"),
        ("not a url", "not a database URL"),
        ("sqlite:////proc/nope/archivist.db", "cannot create its folder"),
    ],
)
def test_a_store_that_cannot_be_used_is_one_line(tmp_path, url, said):
    line = _run(["runs"], {"ARCHIVIST_HOME": str(tmp_path), "ARCHIVIST_STORE_URL": url})
    assert said in line


def test_a_locked_database_is_one_line(tmp_path):
    env = {"ARCHIVIST_HOME": str(tmp_path), "ARCHIVIST_STORE_URL": ""}
    CliRunner().invoke(main, ["runs"], env=env)  # makes the database
    holder = sqlite3.connect(tmp_path / "archivist.db", isolation_level=None)
    holder.execute("PRAGMA busy_timeout = 0")
    holder.execute("BEGIN EXCLUSIVE")  # as another program mid-write would
    try:
        env["ARCHIVIST_STORE_URL"] = f"sqlite:///{tmp_path / 'archivist.db'}?timeout=0.2"
        line = _run(["export", "--format", "jsonl", "-o", str(tmp_path / "out.jsonl")], env)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in line


def test_an_output_path_that_cannot_be_written_is_one_line(tmp_path):
    env = {"ARCHIVIST_HOME": str(tmp_path), "ARCHIVIST_STORE_URL": ""}
    line = _run(["export", "--format", "csv", "-o", "/proc/nowhere/x.csv"], env)
    assert "/proc/nowhere/x.csv" in line


def test_a_reader_that_goes_away_is_no_error(tmp_path):
    """``archivist ... | head -1``: the command stops quietly, as Unix tools do."""
    archivist = str(Path(sys.executable).with_name("archivist"))
    env = {**os.environ, "ARCHIVIST_HOME": str(tmp_path)}
    command = [archivist, "schedule", "list", "--count", "2000"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as cli:
        assert cli.stdout is not None
        assert cli.stderr is not None
        assert cli.stdout.readline()
        cli.stdout.close()  # as head does after its line
        errors = cli.stderr.read().decode()
    assert cli.returncode == 141
    assert errors == ""
