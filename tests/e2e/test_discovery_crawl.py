"""Discovery end to end, judged by the demo server's request log.

Each demo site is crawled once as its family and once more by an ``auto`` source; the
log must show every post (those only feeds and sitemaps name included) fetched once,
no URL variant, no trap, nothing robots.txt forbids, and no request to a host the
world does not serve (``www.blogger.com``, ``.blogspot.com.vn`` aliases).
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter

import pytest
from protego import Protego

from crawler.demo import DemoServer, World
from crawler.demo.world import BLOGGER_CLASSIC, NEWS, WORDPRESS
from tests.helpers.crawls import crawl

SIZE = 30


def _families(world: World) -> dict[str, str]:
    return {host: world.family(host) for host in world.hosts}


@pytest.fixture(scope="module")
def discovery_world():
    world = World(SIZE)
    with DemoServer(world) as server:
        yield world, server


def _source(folder, name: str, hosts: list[str], family: str, extra: str = ""):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    seeds = ", ".join(f"'http://{h}/'" for h in hosts)
    path.write_text(
        f"name: {name}\nfamily: {family}\nseeds: [{seeds}]\ncontact: tests@example.org\n"
        f"limits: {{max_depth: 8, max_pages: 5000}}\n{extra}",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def crawled(discovery_world, tmp_path_factory):
    """Each host crawled as its family: host -> (its log entries, the crawl's stats)."""
    world, server = discovery_world
    results = {}
    for n, (host, family) in enumerate(_families(world).items()):
        folder = tmp_path_factory.mktemp(f"site{n}")
        mark = len(server.log)
        result = crawl(_source(folder / "src", f"site{n}", [host], family), folder / "home", server)
        assert result.returncode == 0, result.log_path.read_text()[-3000:]
        results[host] = (server.log[mark:], result.stats)
    return results


def _urls(entries, host: str | None = None) -> list[str]:
    return [f"http://{e.host}{e.target}" for e in entries if host is None or e.host == host]


def test_every_post_is_fetched_exactly_once(discovery_world, crawled):
    world, _ = discovery_world
    for host, (entries, _) in crawled.items():
        counts = Counter(_urls(entries, host))
        posts = world.article_urls(host)
        assert posts, host
        missing = [p for p in posts if counts[p] == 0]
        twice = [p for p in posts if counts[p] > 1]
        assert not missing, f"{host}: never fetched {missing}"
        assert not twice, f"{host}: fetched more than once {twice}"


def test_posts_only_feeds_and_sitemaps_name_are_found(discovery_world, crawled):
    world, _ = discovery_world
    hidden_total = 0
    for host, (entries, _) in crawled.items():
        fetched = set(_urls(entries, host))
        hidden = world.hidden_urls(host)
        hidden_total += len(hidden)
        assert set(hidden) <= fetched, host
    assert hidden_total >= len(crawled)  # at least one on every site


def test_no_variant_and_no_trap_is_requested(discovery_world, crawled):
    world, _ = discovery_world
    for host, (entries, stats) in crawled.items():
        requested = set(_urls(entries))
        variants = set(world.variant_urls(host)) & requested
        assert not variants, f"{host}: variants requested {sorted(variants)[:5]}"
        patterns = world.trap_patterns(host)
        traps = re.compile("|".join(patterns)) if patterns else None
        caught = sorted(u for u in requested if traps is not None and traps.search(u))
        assert not caught, f"{host}: traps requested {caught[:5]}"
        assert stats.get("discovery/duplicates_skipped", 0) > 0
    every = list(itertools.chain.from_iterable(e for e, _ in crawled.values()))
    assert {e.host for e in every} <= set(world.hosts)  # no alias, no www.blogger.com


def test_nothing_robots_txt_forbids_is_requested(discovery_world, crawled):
    world, _ = discovery_world
    for host, (entries, stats) in crawled.items():
        assert world.forbidden(host), host
        robots = world.url_response(f"http://{host}/robots.txt")
        assert robots is not None
        rules = Protego.parse(robots.body.decode())  # RFC 9309, wildcards included
        refused = [u for u in _urls(entries, host) if not rules.can_fetch(u, "archivist")]
        assert not refused, host
        if host == NEWS:
            assert stats.get("robotstxt/forbidden", 0) > 0  # linked, and refused


def test_stats_count_pages_by_family_and_kind(discovery_world, crawled):
    world, _ = discovery_world
    for host, (_, stats) in crawled.items():
        family = world.family(host)
        assert stats[f"discovery/{family}/seed"] == 1
        assert stats[f"discovery/{family}/post"] > 0
        assert stats[f"discovery/{family}/asset"] > 0
    blog_stats = crawled[BLOGGER_CLASSIC][1]
    assert blog_stats["discovery/blogger/feed"] > 1  # paged
    assert blog_stats["discovery/blogger/sitemap"] > 1
    assert crawled[WORDPRESS][1]["discovery/wordpress/api"] >= 1


def test_auto_picks_each_sites_family(discovery_world, tmp_path):
    world, server = discovery_world
    families = _families(world)
    mark = len(server.log)
    source = _source(tmp_path / "src", "tu-dong", list(families), "auto")
    result = crawl(source, tmp_path / "home", server)
    assert result.returncode == 0, result.log_path.read_text()[-3000:]
    for host, family in families.items():
        assert result.stats[f"discovery/family/{host}"] == family
    counts = Counter(_urls(server.log[mark:]))
    for host in families:
        assert all(counts[p] == 1 for p in world.article_urls(host)), host


def test_the_declared_delay_holds_on_a_demo_site(discovery_world, tmp_path):
    _, server = discovery_world
    mark = len(server.log)
    source = _source(tmp_path / "src", "cham", [WORDPRESS], "wordpress", "manners: {delay: 0.2s}\n")
    result = crawl(source, tmp_path / "home", server)
    assert result.returncode == 0
    times = sorted(e.time for e in server.log[mark:] if e.host == WORDPRESS)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) > 10
    # Scrapy spaces the requests as it sends them; the server sees them after the
    # connection's set-up and the sender's turn on a busy machine, so one gap may look
    # shorter by that (19 and 23 ms seen in CI at load 6, a new connection), not more.
    first, second, *_ = sorted(gaps)
    assert first >= 0.2 * 0.8
    assert second >= 0.2 * 0.9
    assert statistics.median(gaps) >= 0.2 - 0.005
