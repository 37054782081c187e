"""The demo world's changes seen by crawls through its server: a recrawl records what changed,
a sweep finds deleted posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from crawler.demo import DemoServer, World
from crawler.demo.world import BLOGGER_CLASSIC, BLOGGER_MODERN, NEWS, WORDPRESS

if TYPE_CHECKING:
    from pathlib import Path

PARAGRAPH = "Cập nhật: tòa soạn đã bổ sung ý kiến của các chuyên gia kinh tế về dự án này."


# -- two crawls through the server -----------------------------------------------------------


def _fetched(server: DemoServer, since: int, urls: set[str]) -> list[str]:
    return [u for e in server.log[since:] if (u := f"http://{e.host}{e.target}") in urls]


@pytest.mark.parametrize(
    ("host", "family"), [(BLOGGER_MODERN, "blogger"), (WORDPRESS, "wordpress"), (NEWS, "news")]
)
def test_a_recrawl_records_what_changed(tmp_path, host, family):
    from click.testing import CliRunner

    from archive.store import Store
    from crawler.cli import main
    from tests.helpers.crawls import crawl, warc_files, warcio_check, write_source

    world = World(12)
    source = write_source(tmp_path / "src", "changes", host, family, max_depth=8)
    home = tmp_path / "home"
    with DemoServer(world) as server:
        first = crawl(source, home, server)
        assert first.ok
        assert first.stats["recrawl/sweep"] == "full"
        posts = world.article_urls(host)
        edited, untouched = posts[-2], posts[-3]
        world.edit(edited, PARAGRAPH, datetime.now(UTC) + timedelta(minutes=1))
        added = world.add(host)
        mark = len(server.log)
        second = crawl(source, home, server)
        # The legacy link's redirect chain ends at the first article: a redirect is
        # followed whatever the sweep plan says (the crawler's doing, not the world's).
        redirected = {world.cases["redirect_final"]} if host == NEWS else set()
        fetched = set(_fetched(server, mark, {*posts, added})) - redirected
        # (a) and (b): the new post and the edited one, nothing else, without a sweep.
        assert second.stats["recrawl/sweep"] == "incremental"
        assert sorted(fetched) == sorted({added, edited})
        assert untouched not in fetched
        with Store.for_home(home) as store:
            assert len(store.versions(added)) == 1
            assert [len(v.article.body) > 0 for v in store.versions(edited)] == [True, True]
            assert len(store.versions(untouched)) == 1
        env = {"ARCHIVIST_HOME": str(home)}
        history = CliRunner().invoke(main, ["history", edited], env=env)
        assert history.exit_code == 0, history.output
        lines = history.output.splitlines()
        start = next(i for i, ln in enumerate(lines) if ln.startswith("body: "))
        wrapped = [lines[start], *(x for x in lines[start + 1 :] if x.startswith(" "))]
        body_line = " ".join(x.strip() for x in wrapped)
        assert "{+" in body_line
        assert "dự án này." in body_line
        # (c): a new stamp in the chrome is no new version, even in a full sweep.
        world.tick("09:15")
        third = crawl(source, home, server, RECRAWL_SWEEP="full")
        assert third.stats["recrawl/sweep"] == "full"
        with Store.for_home(home) as store:
            assert {u: len(store.versions(u)) for u in posts} == {
                u: 2 if u == edited else 1 for u in posts
            }
    check = warcio_check(warc_files(home))
    assert check.returncode == 0, check.stdout + check.stderr


def _removals(tmp_path: Path, host: str, family: str, *, seed_deleted: bool) -> None:
    """Crawl, delete three posts (404, home, soft), sweep, restore them, sweep again."""
    from archive.store import Store
    from tests.helpers.crawls import crawl, warc_files, warcio_check, write_source

    world = World(12)
    home = tmp_path / "home"
    source = write_source(tmp_path / "src", "removals", host, family, max_depth=8)
    gone = dict(zip(("404", "home", "soft"), world.article_urls(host)[-4:-1], strict=True))
    with DemoServer(world) as server:
        assert crawl(source, home, server).ok
        for how, url in gone.items():
            world.delete(url, how)
        if seed_deleted:  # the source names them, as a list of known URLs would
            text = source.read_text(encoding="utf-8")
            seeds = ", ".join([f"http://{host}/", *gone.values()])
            source.write_text(text.replace(f"[http://{host}/]", f"[{seeds}]"), encoding="utf-8")
        swept = crawl(source, home, server, RECRAWL_SWEEP="full")
        assert swept.stats["recrawl/sweep"] == "full"
        with Store.for_home(home) as store:
            removed = {e.url: e.detail for e in store.events() if e.kind == "removed"}
        assert sorted(removed) == sorted(gone.values())
        assert removed[gone["404"]] == "answers 404"
        assert removed[gone["home"]].startswith("redirects to the home page")
        assert removed[gone["soft"]].startswith("soft 404")
        for url in gone.values():
            world.restore(url)
        crawl(source, home, server, RECRAWL_SWEEP="full")
        with Store.for_home(home) as store:
            restored = {e.url for e in store.events() if e.kind == "restored"}
            assert all(len(store.versions(url)) == 1 for url in gone.values())
        assert restored == set(gone.values())
    check = warcio_check(warc_files(home))
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("host", "family"), [(BLOGGER_CLASSIC, "blogger"), (WORDPRESS, "wordpress")]
)
def test_a_sweep_finds_deleted_posts_the_source_names(tmp_path, host, family):
    _removals(tmp_path, host, family, seed_deleted=True)


@pytest.mark.parametrize(
    ("host", "family"), [(BLOGGER_CLASSIC, "blogger"), (WORDPRESS, "wordpress")]
)
def test_a_sweep_finds_deleted_posts(tmp_path, host, family):
    _removals(tmp_path, host, family, seed_deleted=False)
