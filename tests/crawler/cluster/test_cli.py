"""``archivist worker`` and ``crawl --distributed`` without Redis: one line naming the URL
and the variable, exit 1, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from crawler.cli import main
from tests.helpers.crawls import write_source

NOWHERE = "redis://127.0.0.1:1/0"  # port 1: nothing listens there


@pytest.mark.parametrize("args", [["worker"], ["crawl", "tin", "--distributed"]])
def test_without_redis_the_command_says_where_it_looked_in_one_line(tmp_path, args):
    write_source(tmp_path / "sources", "tin", "thoisu.test")
    env = {
        "ARCHIVIST_HOME": str(tmp_path),
        "ARCHIVIST_SOURCES": str(tmp_path / "sources"),
        "ARCHIVIST_REDIS_URL": NOWHERE,
        "ARCHIVIST_STORE_URL": f"sqlite:///{tmp_path / 'archivist.db'}",
    }
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert f"cannot reach Redis at {NOWHERE}" in line
    assert "ARCHIVIST_REDIS_URL" in line
    assert "Traceback" not in result.output


def test_a_local_crawl_loads_neither_redis_nor_scrapy_redis():
    import subprocess
    import sys

    code = "import sys, crawler.addon; print('redis' in sys.modules, 'scrapy_redis' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "False"]
