"""Sources over the same pages: which two, on which hosts or scope prefixes."""

from __future__ import annotations

from click.testing import CliRunner

from crawler.cli import main
from crawler.sources.overlap import Overlap, overlaps
from crawler.sources.schema import Source


def source(name: str, *hosts: str, prefixes: tuple[str, ...] = ()) -> Source:
    return Source.model_validate(
        {
            "name": name,
            "seeds": [f"http://{hosts[0]}/"],
            "allowed_hosts": list(hosts),
            "contact": "a@b.org",
            "scope": {"prefixes": list(prefixes)},
        }
    )


def test_two_sources_over_one_host_overlap_on_it():
    found = overlaps([source("moi", "blog.test"), source("cu", "blog.test", "other.test")])
    assert found == [Overlap("cu", "moi", ("blog.test",))]
    assert found[0].describe() == (
        "cu and moi overlap: both crawl hosts blog.test; an article both capture belongs to both"
    )


def test_a_subdomain_meets_its_parent_host():
    assert overlaps([source("a", "www.blog.test"), source("b", "blog.test")]) == [
        Overlap("a", "b", ("www.blog.test",))
    ]


def test_disjoint_hosts_or_prefixes_do_not_overlap():
    assert overlaps([source("a", "one.test"), source("b", "two.test")]) == []
    left = source("a", "blog.test", prefixes=("http://blog.test/2012/",))
    right = source("b", "blog.test", prefixes=("http://blog.test/2013/",))
    assert overlaps([left, right]) == []


def test_meeting_prefixes_are_named():
    narrow = source("a", "blog.test", prefixes=("http://blog.test/2012/05/",))
    wide = source("b", "blog.test", prefixes=("http://blog.test/2012/",))
    whole = source("c", "blog.test")
    assert overlaps([narrow, wide, whole]) == [
        Overlap("a", "b", ("blog.test",), ("http://blog.test/2012/05/",)),
        Overlap("a", "c", ("blog.test",), ("http://blog.test/2012/05/",)),
        Overlap("b", "c", ("blog.test",), ("http://blog.test/2012/",)),
    ]


def test_schedule_validate_warns_of_an_overlap_and_exits_0(tmp_path):
    for name in ("cu", "moi"):
        (tmp_path / f"{name}.yaml").write_text(
            f"name: {name}\nseeds: [http://blog.test/]\ncontact: a@b.org\n", encoding="utf-8"
        )
    (tmp_path / "khac.yaml").write_text(
        "name: khac\nseeds: [http://khac.test/]\ncontact: a@b.org\n", encoding="utf-8"
    )
    env = {"ARCHIVIST_SOURCES": str(tmp_path), "ARCHIVIST_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(main, ["schedule", "validate"], env=env)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning")]
    said = "warning cu and moi overlap: both crawl hosts blog.test; an article both capture"
    assert warnings == [f"{said} belongs to both"]


def test_schedule_validate_tells_every_fault_of_a_file(tmp_path):
    (tmp_path / "hong.yaml").write_text(
        "name: hong\nseeds: [http://blog.test/]\ncontact: nobody\nmaners: {delay: 1s}\n",
        encoding="utf-8",
    )
    env = {"ARCHIVIST_SOURCES": str(tmp_path), "ARCHIVIST_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(main, ["schedule", "validate"], env=env)
    assert result.exit_code == 1
    path = tmp_path / "hong.yaml"
    assert f"FAULT {path}: maners: unknown field; did you mean `manners`?" in result.output
    assert f"FAULT {path}: contact: give an e-mail address" in result.output
    assert "1 file(s) with faults" in result.output
