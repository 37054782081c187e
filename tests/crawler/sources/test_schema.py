"""Source files: a good one loads; a bad one is refused naming the file and the field."""

from __future__ import annotations

import textwrap

import pytest

from crawler.sources.schema import (
    SourceError,
    faults_of,
    find_source,
    load_source,
    load_sources,
)
from tests.helpers import REPO_ROOT

GOOD = """
name: tin-tuc
family: news
collection: bao-chi
seeds: [http://thoisu.test/]
allowed_hosts: [thoisu.test]
limits: {max_pages: 50, max_depth: 3, max_duration: 10m}
user_agent: archivist/0.1
contact: ops@example.org
"""


def write(tmp_path, text, name="tin-tuc"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_good_file_loads_with_its_values(tmp_path):
    source = load_source(write(tmp_path, GOOD))
    assert source.name == "tin-tuc"
    assert source.collection == "bao-chi"
    assert source.seeds == ("http://thoisu.test/",)
    assert source.limits.max_pages == 50
    assert source.limits.max_duration == 600
    assert source.full_user_agent == "archivist/0.1 (+ops@example.org)"
    assert source.robots == "obey"


def test_defaults_come_from_the_seeds_and_name(tmp_path):
    text = "name: tin-tuc\nseeds: [http://a.test/x, http://b.test/]\ncontact: ops@example.org\n"
    source = load_source(write(tmp_path, text))
    assert source.allowed_hosts == ("a.test", "b.test")
    assert source.collection == "tin-tuc"
    assert source.family == "news"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"seeds": "[ftp://thoisu.test/]"}, "seeds", "absolute http(s) URL"),
        ({"seeds": "[]"}, "seeds", "at least 1"),
        ({"family": "tumblr"}, "family", "news"),
        ({"limits": "{max_pages: -1}"}, "limits.max_pages", "greater than or equal to 0"),
        ({"limits": "{max_duration: soon}"}, "limits.max_duration", "not a duration"),
        ({"limits": "{max_pags: 5}"}, "limits.max_pags", "did you mean `max_pages`?"),
        ({"contact": "nobody"}, "contact", "e-mail address"),
        ({"allowed_hosts": "[Thoisu.Test]"}, "allowed_hosts", "lower-case host"),
        ({"robots": "sometimes"}, "robots", "obey"),
        ({"colection": "x"}, "colection", "did you mean `collection`?"),
    ],
)
def test_a_bad_field_is_named_with_the_file(tmp_path, change, field, words):
    lines = dict(line.split(": ", 1) for line in GOOD.strip().splitlines())
    lines.update(change)
    path = write(tmp_path, "\n".join(f"{k}: {v}" for k, v in lines.items()))
    with pytest.raises(SourceError) as info:
        load_source(path)
    assert str(info.value).startswith(f"{path}: {field}: ")
    assert words in str(info.value)
    assert info.value.field == field


def test_missing_required_field(tmp_path):
    path = write(tmp_path, "name: tin-tuc\nseeds: [http://thoisu.test/]\n")
    with pytest.raises(SourceError, match=r"tin-tuc\.yaml: contact: Field required"):
        load_source(path)


def test_name_must_match_the_file(tmp_path):
    path = write(tmp_path, GOOD, name="other")
    with pytest.raises(SourceError, match=r"other\.yaml: name: 'tin-tuc' must equal"):
        load_source(path)


def test_broken_yaml_and_wrong_shape(tmp_path):
    path = write(tmp_path, "name: tin-tuc\nseeds: [http://a.test/\ncontact: a@b.org\n")
    with pytest.raises(SourceError) as info:
        load_source(path)
    assert str(info.value).startswith(f"{path}:3:8: not valid YAML: expected ',' or ']'")
    assert "\n" not in str(info.value)
    with pytest.raises(SourceError, match="expected a mapping"):
        load_source(write(tmp_path, "- a\n- b\n"))
    bad = tmp_path / "tin-tuc.yaml"
    bad.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(SourceError, match="not valid UTF-8: invalid start byte at byte 6"):
        load_source(bad)


def test_find_by_name_or_path(tmp_path):
    path = write(tmp_path, GOOD)
    assert find_source("tin-tuc", tmp_path) == path
    assert find_source(str(path), tmp_path / "elsewhere") == path
    with pytest.raises(SourceError, match="no source named 'nope'"):
        find_source("nope", tmp_path)


def test_a_wrong_name_lists_the_known_sources_the_closest_first(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("tin-tuc", "tin-khac"), name="tin-khac")
    with pytest.raises(SourceError) as info:
        find_source("tin-tcu", tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'tin-tcu.yaml'}: no source named 'tin-tcu'; did you mean `tin-tuc`? "
        "Known sources: tin-khac, tin-tuc"
    )
    with pytest.raises(
        SourceError, match=r"no source named 'x'; Known sources: tin-khac, tin-tuc$"
    ):
        find_source("x", tmp_path)
    with pytest.raises(SourceError, match="has no source files"):
        find_source("x", tmp_path / "empty")


def test_every_fault_of_a_file_is_reported_at_once_one_line_each(tmp_path):
    text = (
        "name: khac\nseeds: [ftp://a.test/]\ncontact: nobody\nmaners: {delay: 1s}\n"
        "limits: {max_pags: 3}\nschedule: {every: 1h, jiter: 5m}\n"
        "monitors: {no_new_articles: {runz: 2}}\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(SourceError) as info:
        load_source(path)
    lines = str(info.value).splitlines()
    assert sorted(lines) == sorted(
        [
            f"{path}: seeds: 'ftp://a.test/' is not an absolute http(s) URL",
            f"{path}: contact: give an e-mail address or an http(s) URL where site owners reach you",
            f"{path}: maners: unknown field; did you mean `manners`?",
            f"{path}: limits.max_pags: unknown field; did you mean `max_pages`?",
            f"{path}: schedule.jiter: unknown field; did you mean `jitter`?",
            f"{path}: monitors.no_new_articles.runz: unknown field; did you mean `runs`?",
            f"{path}: name: 'khac' must equal the file name 'tin-tuc'",
        ]
    )
    assert [str(f) for f in faults_of(info.value)] == lines


def test_an_unknown_key_without_a_close_match_lists_the_fields_there(tmp_path):
    path = write(tmp_path, GOOD + "manners: {zzz: 1}\n")
    with pytest.raises(SourceError, match=r"manners\.zzz: unknown field; the fields here are "):
        load_source(path)
    with pytest.raises(SourceError) as info:
        load_source(path)
    assert "autothrottle, delay, max_crawl_delay" in str(info.value)


def test_zero_means_none_wherever_it_can(tmp_path):
    text = GOOD.replace(
        "limits: {max_pages: 50, max_depth: 3, max_duration: 10m}",
        "limits: {max_pages: 0, max_depth: 0, max_duration: 0s, max_bytes: 0, "
        "max_pages_per_host: 0}\nmanners: {delay: 0, max_crawl_delay: 0}\n"
        "schedule: {every: 1h, jitter: 0s, max_run_time: 0, misfire_grace: 0}",
    )
    source = load_source(write(tmp_path, text))
    limits = source.limits
    assert (limits.max_pages, limits.max_depth, limits.max_duration) == (None, None, None)
    assert (limits.max_bytes, limits.max_pages_per_host) == (None, None)
    assert (source.manners.delay, source.manners.max_crawl_delay) == (0, 0)
    assert source.schedule is not None
    assert source.schedule.max_run_time is None
    assert source.schedule.misfire_grace_time == 60  # as catch_up: false


def test_load_sources_reads_a_folder(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("tin-tuc", "tin-khac"), name="tin-khac")
    assert [s.name for s in load_sources(tmp_path)] == ["tin-khac", "tin-tuc"]


def test_the_bundled_demo_sources_are_valid():

    sources = load_sources(REPO_ROOT / "schedules")
    assert {s.family for s in sources} == {"news", "blogger", "wordpress"}


def test_the_examples_cover_every_family_and_are_valid():

    folder = REPO_ROOT / "schedules" / "examples"
    sources = load_sources(folder)
    assert {s.family for s in sources} == {"news", "blogger", "wordpress", "auto"}
    # The scheduler reads only schedules/*.yaml: the examples are never crawled by it.
    top = load_sources(folder.parent)
    assert not {s.name for s in top} & {s.name for s in sources}


def test_scope_manners_and_sizes(tmp_path):
    text = GOOD + (
        "scope: {prefixes: ['http://thoisu.test/chinh-tri/'], exclude: ['/video/']}\n"
        "manners: {delay: 250ms, per_host: 2, autothrottle: false, max_retry_after: 5m}\n"
        "discovery: {feeds: false, comment_feeds: true}\n"
    )
    source = load_source(write(tmp_path, text.replace("max_duration: 10m", "max_bytes: 1.5GiB")))
    assert source.scope.prefixes == ("http://thoisu.test/chinh-tri/",)
    assert source.manners.delay == 0.25
    assert source.manners.max_retry_after == 300
    assert source.limits.max_bytes == int(1.5 * 1024**3)
    assert not source.discovery.feeds
    assert source.discovery.comment_feeds
    assert source.limits.max_pages_per_host == 10_000  # the default trap guard


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ("scope: {exclude: ['(unclosed']}\n", "scope.exclude", "not a regular expression"),
        ("scope: {prefixes: ['/chinh-tri/']}\n", "scope.prefixes", "absolute http"),
        ("manners: {per_host: 0}\n", "manners.per_host", "greater than 0"),
        ("manners: {delay: soon}\n", "manners.delay", "not a duration"),
        ("limits: {max_bytes: lots}\n", "limits.max_bytes", "not a size"),
        ("discovery: {sitemap: true}\n", "discovery.sitemap", "did you mean `sitemaps`"),
        ("family: tumblr\n", "family", "'news', 'blogger', 'wordpress' or 'auto'"),
    ],
)
def test_bad_scope_manners_and_limits_name_the_field(tmp_path, extra, field, message):
    text = "\n".join(
        line
        for line in GOOD.splitlines()
        if not line.startswith((extra.split(":")[0] + ":", "limits:" if "limits" in extra else "-"))
    )
    with pytest.raises(SourceError, match=f"{field}: .*{message}"):
        load_source(write(tmp_path, text + "\n" + extra))


def test_a_huge_source_file_is_refused_before_it_is_parsed(tmp_path):
    from crawler.sources.schema import MAX_SOURCE_BYTES

    path = tmp_path / "to.yaml"
    seeds = "".join(f"  - http://a{i}.test/\n" for i in range(MAX_SOURCE_BYTES // 20))
    path.write_text(f"name: to\ncontact: t@example.org\nseeds:\n{seeds}", encoding="utf-8")
    with pytest.raises(SourceError, match=r"to\.yaml: .* bytes: a source file is at most"):
        load_source(path)
