"""Two sources over the same blog, both crawled on loopback: the articles belong to both.

Before ``article_sources``, the second source took the first one's articles: they showed
under it only, ``/metrics`` counted 0 for the first, and the first's ``no_new_articles``
monitor fired, since a post the second had found was no longer new to anyone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from archive.store import Store
from crawler.demo import DemoServer, World
from crawler.demo.run import route_settings
from crawler.monitoring.metrics import render_metrics
from crawler.monitoring.monitors import evaluate
from crawler.runs.runbook import run_source
from crawler.sources.schema import load_source

BLOG = "goc-nhin.test"


def _source(folder, name):
    path = folder / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nfamily: wordpress\ncollection: {name}\nseeds: [http://{BLOG}/]\n"
        "contact: tests@example.org\nlimits: {max_pages: 300}\n"
        "monitors: {no_new_articles: {runs: 1}}\n",  # one run without new articles fires
        encoding="utf-8",
    )
    return path, load_source(path)


def test_two_sources_over_one_blog_both_own_its_articles(tmp_path):
    home, folder = tmp_path / "home", tmp_path / "sources"
    folder.mkdir()
    (old_path, old), (new_path, new) = _source(folder, "cu"), _source(folder, "moi")
    world = World(6)
    with Store.for_home(home) as store, DemoServer(world) as server:
        settings = route_settings(server)

        def crawl(path, source):
            run = run_source(store, source, path, home, settings=settings)
            assert run.status == "finished", run
            return run

        first = crawl(old_path, old)
        added = world.add(BLOG)  # a new post, which the new source finds first
        by_new = crawl(new_path, new)
        again = crawl(old_path, old)
        old_urls = {a.article.url for a in store.articles(source="cu")}
        new_urls = {a.article.url for a in store.articles(source="moi")}
        findings = evaluate(store, old, datetime.now(UTC))
        metrics = render_metrics(store, [old, new], home)[0].decode()
    assert first.articles_new > 0
    assert by_new.articles_new == first.articles_new + 1  # every post is new to it
    assert again.articles_new == 1  # the added post: new to cu, though moi had it
    assert added in old_urls
    assert old_urls == new_urls
    counted = dict(
        re.findall(r'^archivist_articles\{source="(\w+)"\} (\S+)$', metrics, re.MULTILINE)
    )
    assert counted == {"cu": f"{len(old_urls)}.0", "moi": f"{len(old_urls)}.0"}
    assert "cu/no_new_articles" not in {f.key for f in findings}
