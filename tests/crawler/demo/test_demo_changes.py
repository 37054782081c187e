"""``archivist demo --changes``: three crawls of a changing demo world, then what
``changes`` and ``history`` say of them."""

from __future__ import annotations

import re
import shutil

from click.testing import CliRunner

from crawler.cli import main
from crawler.demo.changing import EDITS
from crawler.demo.run import CHECKOUT_SOURCES


def test_demo_changes_edits_takes_down_and_restores_between_crawls(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    for name in ("demo-news", "demo-nhipcau"):  # the news site and a blog that copies it
        shutil.copy(CHECKOUT_SOURCES / f"{name}.yaml", sources)
    env = {"ARCHIVIST_HOME": str(tmp_path / "home"), "ARCHIVIST_SOURCES": str(sources)}
    result = CliRunner().invoke(main, ["demo", "--changes", "--size", "12"], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert [m.group(1) for m in re.finditer(r"^crawl (\d), after:", out, re.MULTILINE)] == [
        "1",
        "2",
        "3",
    ]
    assert out.count("demo-news              finished") == 3

    edited = re.search(r"^crawl 2, after: edited (\S+)$", out, re.MULTILINE)
    removed = re.search(r"^  took (\S+) down \(404\)$", out, re.MULTILINE)
    assert edited
    assert removed
    changes = out.split("$ archivist changes --since ")[1].split("\n$ archivist history")[0]
    kinds = [(line.split()[3], line.split()[5]) for line in changes.splitlines()[1:-1]]
    assert sorted(kinds) == sorted(
        [
            ("edited", edited.group(1)),
            ("edited", edited.group(1)),
            ("removed", removed.group(1)),
            ("restored", removed.group(1)),
        ]
    )
    assert "version 1 -> 2" in changes
    assert "version 2 -> 3" in changes
    assert changes.splitlines()[-1] == "4 changes"

    history = out.split(f"$ archivist history {edited.group(1)}\n")[1]
    numbers = [line.split()[0] for line in history.splitlines()[1:4]]
    assert numbers == ["1", "2", "3"]
    assert "version 2 -> 3:" in history
    added = " ".join(re.findall(r"\{\+(.*?)\+\}", " ".join(history.split())))
    assert EDITS[1] in added
