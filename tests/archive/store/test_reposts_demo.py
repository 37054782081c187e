"""archivist reposts over crawls of the demo world, after an edit and a takedown."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

from click.testing import CliRunner

from crawler.cli import main
from crawler.demo import DemoServer, World
from crawler.demo.world import BLOGGER_CLASSIC, NEWS, WORDPRESS
from tests.helpers.crawls import crawl, write_source

# --- crawls of the demo world ------------------------------------------------------------


def _env(home, sources):
    return {
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_SOURCES": str(sources),
        "ARCHIVIST_STORE_URL": "",
    }


def _reposts(home, sources, *args: str) -> list[dict]:
    result = CliRunner().invoke(
        main, ["reposts", "--format", "jsonl", *args], env=_env(home, sources)
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_reposts_of_the_demo_world_after_an_edit_and_a_takedown(tmp_path):
    world = World(12)
    home, sources = tmp_path / "home", tmp_path / "sources"
    news = write_source(sources, "tin-tuc", NEWS)
    blogs = [
        write_source(sources, "nhip-cau", BLOGGER_CLASSIC, family="blogger"),
        write_source(sources, "goc-nhin", WORDPRESS, family="wordpress"),
    ]
    expected = {**world.reposts(BLOGGER_CLASSIC), **world.reposts(WORDPRESS)}
    edited, taken_down = sorted(set(expected.values()))[:2]
    with DemoServer(world) as server:
        for source in (news, *blogs):
            result = crawl(source, home, server)
            assert result.ok, result.log_path.read_text()[-3000:]
        found = _reposts(home, sources)
        # Every repost found, with the news article as its original; nothing else paired.
        assert {(f["copy"]["url"], f["original"]["url"]) for f in found} == set(expected.items())
        assert all(f["holds"] >= 0.9 for f in found), found
        assert all(f["original"]["platform"] == "news" for f in found)

        world.edit(edited, "Cập nhật: tòa soạn đã bổ sung ý kiến chuyên gia.", datetime.now(UTC))
        world.delete(taken_down, "404")
        result = crawl(news, home, server, RECRAWL_SWEEP="full")
        assert result.ok, result.log_path.read_text()[-3000:]

    after = _reposts(home, sources, edited)
    assert after
    for item in after:
        assert item["original"]["url"] == edited
        assert (item["original"]["version"], item["original"]["versions"]) == (1, 2)
    gone = _reposts(home, sources, taken_down)
    assert gone
    assert all(item["original"]["removed_at"] for item in gone)
    assert all(item["copy"]["removed_at"] is None for item in gone)

    text_out = CliRunner().invoke(main, ["reposts", taken_down], env=_env(home, sources))
    assert text_out.exit_code == 0, text_out.output
    assert "taken down" in text_out.output
    copies = f"{len(gone)} cop{'y' if len(gone) == 1 else 'ies'}"
    assert text_out.output.rstrip().endswith(f"1 original, {copies}")
    # The export says, for each article, what it republishes and how often it was.
    out = tmp_path / "articles.jsonl"
    exported = CliRunner().invoke(main, ["export", "-o", str(out)], env=_env(home, sources))
    assert exported.exit_code == 0, exported.output
    rows = {r["url"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert {u: r["original_url"] for u, r in rows.items() if r["original_url"]} == expected
    assert {u: r["copies"] for u, r in rows.items() if r["copies"]} == Counter(expected.values())

    changes = CliRunner().invoke(main, ["changes", "--format", "jsonl"], env=_env(home, sources))
    (removal,) = [json.loads(line) for line in changes.output.splitlines() if '"removed"' in line]
    assert removal["url"] == taken_down
    assert sorted(removal["copies"]) == sorted(item["copy"]["url"] for item in gone)
    missing = CliRunner().invoke(
        main, ["reposts", "http://nowhere.test/x"], env=_env(home, sources)
    )
    assert missing.exit_code != 0
    assert "no article recorded at http://nowhere.test/x" in missing.output
