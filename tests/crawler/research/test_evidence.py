"""``archivist evidence``: on the demo world crawled three times (an edit and a takedown
between crawls), the bundle of each changed article is a valid WACZ, verifies with its
signature and a real RFC 3161 timestamp (OpenSSL's TSA on loopback), holds the
collection's own record bytes, replays every version in pywb, and fails verification,
naming the file, on any flipped byte."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import warnings
import zipfile
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from starlette.exceptions import StarletteDeprecationWarning

from archive.store import Store
from archive.warc.cdxj import lookup
from archive.warc.reader import read_record_at
from crawler.cli import main
from crawler.console import create_app
from crawler.demo.changing import EDITS, run_changing_demo
from crawler.demo.run import CHECKOUT_SOURCES
from crawler.research.bundle import rebuild_zip
from crawler.research.evidence import url_key
from crawler.research.evidence_check import verify_bundle
from crawler.research.signing import Signer, sha256_of
from crawler.runs.scheduler import Daemon
from tests.helpers.certs import issue, make_ca
from tests.helpers.pywb_harness import PywbServer
from tests.helpers.tsa import LoopbackTsa

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 for its TestClient; httpx (a test extra) still works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The demo world crawled three times: (home, edited URL, removed URL)."""
    root = tmp_path_factory.mktemp("evidence")
    sources = root / "sources"
    sources.mkdir()
    for name in ("demo-news", "demo-nhipcau"):  # the news site and a blog that copies it
        shutil.copy(CHECKOUT_SOURCES / f"{name}.yaml", sources)
    home = root / "home"
    with Store.for_home(home) as store:
        report = run_changing_demo(home, sources, 12, store, timeout=240)
    assert report.ok
    return home, report.edited, report.removed


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    ca = make_ca(folder)
    tsa_ca = make_ca(folder, "Test TSA Root")
    return {
        "ca": ca,
        "signer": issue(folder, ca, "archive.example.org"),
        "tsa_ca": tsa_ca,
        "tsa": issue(folder, tsa_ca, "Test TSA", timestamping=True),
        "stranger": make_ca(folder, "Someone Else"),
    }


def _cli(home: Path, *args: str, **env: str):
    return CliRunner().invoke(main, list(args), env={"ARCHIVIST_HOME": str(home), **env})


@pytest.fixture(scope="module")
def bundles(world, keys, tmp_path_factory):
    """The signed, timestamped bundle of the edited and of the removed article."""
    home, edited, removed = world
    out = tmp_path_factory.mktemp("bundles")
    env = {
        "ARCHIVIST_EVIDENCE_KEY": str(keys["signer"].key_path),
        "ARCHIVIST_EVIDENCE_CERT": str(keys["signer"].cert_path),
    }
    made = {}
    with LoopbackTsa(keys["tsa"]) as tsa:
        for name, url in (("edited", edited), ("removed", removed)):
            path = out / f"{name}.wacz"
            result = _cli(
                home, "evidence", url, "-o", str(path), **env, ARCHIVIST_EVIDENCE_TSA=tsa.url
            )
            assert result.exit_code == 0, result.output
            assert "signed by 'archive.example.org', with a trusted timestamp" in result.output
            made[name] = path
        assert tsa.requests == 2
    return made


def _verify(home: Path, path: Path, keys, *more: str):
    trust = ["--trust", str(keys["ca"].cert_path), "--trust-tsa", str(keys["tsa_ca"].cert_path)]
    return _cli(home, "evidence", "verify", str(path), *trust, *more)


@pytest.mark.parametrize("name", ["edited", "removed"])
def test_the_bundle_of_each_changed_article_passes_wacz_validate_and_verify(
    world, keys, bundles, name
):
    validated = subprocess.run(  # the wacz CLI, as a third party would run it
        [sys.executable, "-m", "wacz", "validate", "-f", str(bundles[name])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Validation succeeded" in validated.stdout
    result = _verify(world[0], bundles[name], keys)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "PROVEN      signer: datapackage.json was signed with the key certified as " in out
    assert "'archive.example.org'" in out
    assert "ends at the trusted root 'Test Evidence Root'" in out
    assert "PROVEN      time: the signature existed no later than " in out
    assert "by the RFC 3161 timestamp of 'Test TSA'" in out
    assert "NOT PROVEN  that the sites served these bytes" in out


def _records(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("evidence/records.json"))["records"]


@pytest.mark.parametrize("name", ["edited", "removed"])
def test_the_records_are_the_collections_own_bytes(world, bundles, name):
    home = world[0]
    records = _records(bundles[name])
    with zipfile.ZipFile(bundles[name]) as zf:
        for record in records:
            where = record["bundle"]
            member = zf.read(where["file"])
            mine = member[where["offset"] : where["offset"] + where["length"]]
            source = record["collection"]
            path = home / "collections" / source["name"] / source["file"]
            with path.open("rb") as fh:
                fh.seek(source["offset"])
                theirs = fh.read(source["length"])
            assert mine == theirs, record
            assert hashlib.sha256(mine).hexdigest() == record["sha256"]
    roles = {(r["role"], r["type"]) for r in records}
    assert {("warcinfo", "warcinfo"), ("request", "request"), ("derived", "conversion")} <= roles
    assert {("derived", "metadata"), ("copy", "response"), ("requisite", "response")} <= roles


def test_digests_in_the_bundle_equal_those_in_the_collection(world, bundles):
    home, edited, _ = world
    collection = home / "collections" / "demo"
    theirs = {(e.timestamp, e.digest) for e in lookup(collection / "indexes", edited)}
    mine = set()
    for record in _records(bundles["edited"]):
        if record["role"] != "capture":
            continue
        source = record["collection"]
        stored = read_record_at(
            home / "collections" / source["name"] / source["file"],
            source["offset"],
            source["length"],
        )
        mine.add(dict(stored.warc_headers)["WARC-Payload-Digest"])
    assert mine == {digest for _, digest in theirs}
    assert len(mine) == 3  # three versions, three payloads


def test_the_removed_articles_bundle_holds_the_404_that_showed_the_removal(world, bundles):
    home = world[0]
    statuses = []
    for record in _records(bundles["removed"]):
        if record["role"] == "capture" and record["type"] == "response":
            source = record["collection"]
            stored = read_record_at(
                home / "collections" / source["name"] / source["file"],
                source["offset"],
                source["length"],
            )
            statuses.append(stored.status)
    assert 404 in statuses
    assert 200 in statuses
    with zipfile.ZipFile(bundles["removed"]) as zf:
        facts = json.loads(zf.read("evidence/article.json"))
        summary = zf.read("evidence/summary.html").decode()
    assert [e["kind"] for e in facts["events"]] == ["removed", "restored"]
    assert facts["events"][0]["status"] == 404
    assert "removed (404)" in summary
    assert facts["copies"], "the demo chose an article the blog copied"


def test_the_edited_articles_bundle_holds_its_versions_and_word_diffs(bundles):
    with zipfile.ZipFile(bundles["edited"]) as zf:
        facts = json.loads(zf.read("evidence/article.json"))
        summary = zf.read("evidence/summary.html").decode()
    assert [v["number"] for v in facts["versions"]] == [1, 2, 3]
    added = [d["fields"]["body"] for d in facts["diffs"]]
    assert "{+" + EDITS[0] + "+}" in added[0]
    assert "{+" + EDITS[1] + "+}" in added[1]
    assert '<ins class="added">' + EDITS[1] in summary
    assert "archivist-run-id" not in summary  # the run id's value is shown, not the field
    assert "archivist/0." in summary  # the crawler's software line, from the warcinfo


def test_every_version_replays_in_pywb(world, bundles, wayback, tmp_path):
    _, edited, _ = world
    root = tmp_path / "pywb"
    archive = root / "collections" / "ev" / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(bundles["edited"]) as zf:
        for name in zf.namelist():
            if name.startswith("archive/"):
                (archive / name.removeprefix("archive/")).write_bytes(zf.read(name))
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()[1:]]
    times = sorted(p["ts"] for p in pages if p["url"] == edited)
    assert len(times) == 3
    # indexed apart: cdxj-indexer leaves a temporary file open per request it pairs
    indexing = "import sys; from pathlib import Path; from archive.warc.cdxj import "
    indexing += "reindex_collection; reindex_collection(Path(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", indexing, str(archive.parent)], check=True, timeout=120)
    with PywbServer(root, wayback) as pywb:
        bodies = []
        for ts in times:
            stamp = "".join(ch for ch in ts if ch.isdigit())[:14]
            status, _, body = pywb.fetch("ev", edited, stamp, follow=True)
            assert status == 200
            bodies.append(body.decode("utf-8"))
        summary = next(p for p in pages if p["url"].endswith("/summary.html"))
        status, _, page = pywb.fetch("ev", summary["url"], follow=True)
    assert EDITS[0] not in bodies[0]
    assert EDITS[0] in bodies[1]
    assert EDITS[1] not in bodies[1]
    assert EDITS[1] in bodies[2]
    assert status == 200
    assert b"Evidence:" in page


def _named(failure: str, names: list[str]) -> bool:
    where = failure.split(": ", 1)[0]
    return where in names or where.startswith(("the ZIP header of ", "the ZIP directory entry"))


def test_a_flipped_byte_anywhere_fails_verification_naming_the_file(world, keys, bundles, tmp_path):
    source = bundles["edited"].read_bytes()
    with zipfile.ZipFile(bundles["edited"]) as zf:
        names = zf.namelist()
    flipped = tmp_path / "flipped.wacz"
    positions = sorted({*range(0, len(source), max(1, len(source) // 400)), len(source) - 1})
    for position in positions:
        data = bytearray(source)
        data[position] ^= 0x01
        flipped.write_bytes(data)
        verdict = verify_bundle(flipped, [keys["ca"].cert], [keys["tsa_ca"].cert])
        assert not verdict.ok, position
        first = verdict.failures[0]
        assert _named(first, names) or first.startswith(("flipped.wacz", "the ZIP end record")), (
            position,
            first,
        )
    # and through the command: exit 1, one line naming the member
    data = bytearray(source)
    data[len(source) // 3] ^= 0x40
    flipped.write_bytes(data)
    result = _verify(world[0], flipped, keys)
    assert result.exit_code == 1
    assert "verification failed: archive/" in result.output.splitlines()[-1]


def test_a_root_not_trusted_fails_and_no_root_says_the_identity_is_unproven(world, keys, bundles):
    home = world[0]
    other = _cli(
        home,
        "evidence",
        "verify",
        str(bundles["edited"]),
        "--trust",
        str(keys["stranger"].cert_path),
    )
    assert other.exit_code == 1
    assert (
        "datapackage-digest.json: the certificate chain of 'archive.example.org' ends at none"
        in (other.output)
    )
    bare = _cli(home, "evidence", "verify", str(bundles["edited"]))
    assert bare.exit_code == 0, bare.output
    assert "NOT PROVEN  who 'archive.example.org' is: no trusted root was given" in bare.output
    assert "NOT PROVEN  that 'Test TSA' is a timestamp authority to trust" in bare.output


def test_rehashing_a_changed_bundle_does_not_pass_for_signed(world, keys, bundles, tmp_path):
    """Changing a record and recomputing every hash cannot forge the signature."""
    with zipfile.ZipFile(bundles["edited"]) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    package = json.loads(members["datapackage.json"])
    warc = next(n for n in members if n.startswith("archive/demo-news-"))
    members[warc] = members[warc] + members[warc][-200:]
    for resource in package["resources"]:
        if resource["path"] == warc:
            resource["hash"], resource["bytes"] = sha256_of(members[warc]), len(members[warc])
    members["datapackage.json"] = json.dumps(package, indent=2).encode()
    digest = json.loads(members["datapackage-digest.json"])
    digest["hash"] = sha256_of(members["datapackage.json"])
    members["datapackage-digest.json"] = json.dumps(digest).encode()
    forged = tmp_path / "forged.wacz"
    with forged.open("wb") as out:
        rebuild_zip(out, list(members), lambda n: io.BytesIO(members[n]), package["created"])
    verdict = verify_bundle(forged, [keys["ca"].cert], [keys["tsa_ca"].cert])
    assert not verdict.ok
    assert verdict.failures[0].startswith(
        "datapackage-digest.json: the signature is of another datapackage.json"
    )


def test_an_unsigned_bundle_verifies_but_proves_no_author(world, tmp_path):
    home, edited, _ = world
    path = tmp_path / "unsigned.wacz"
    made = _cli(home, "evidence", edited, "-o", str(path))
    assert made.exit_code == 0, made.output
    assert "not signed: no key configured" in made.output
    result = _cli(home, "evidence", "verify", str(path))
    assert result.exit_code == 0, result.output
    assert "NOT PROVEN  who made it: the bundle is not signed" in result.output


def test_no_capture_and_bad_keys_are_one_line_errors(world, keys, tmp_path):
    home = world[0]
    none = _cli(home, "evidence", "http://thoisu.test/never", "-o", str(tmp_path / "x.wacz"))
    assert none.exit_code == 1
    assert none.output.strip() == (
        "Error: no capture of http://thoisu.test/never (archivist captures URL lists them)"
    )
    wrong = _cli(
        home,
        "evidence",
        world[1],
        "--key",
        str(keys["tsa"].key_path),
        "--cert",
        str(keys["signer"].cert_path),
    )
    assert wrong.exit_code == 1
    assert "its first certificate is not that of the key" in wrong.output
    assert len(wrong.output.strip().splitlines()) == 1


def test_a_scheduled_run_writes_the_bundles_its_source_asks_for_and_the_console_links_them(
    world, keys, tmp_path
):
    """``evidence_on: [edited, removed]``: after a scheduled run, a bundle for each change
    it saw, signed; the console's changes page links each change to its bundle."""
    home, edited, removed = world
    sources = tmp_path / "sources"
    sources.mkdir()
    text = (CHECKOUT_SOURCES / "demo-news.yaml").read_text(encoding="utf-8")
    (sources / "demo-news.yaml").write_text(text + "\nevidence_on: [edited, removed]\n")
    signer = Signer.from_files(keys["signer"].key_path, keys["signer"].cert_path)
    with Store.for_home(home) as store:
        runs = store.runs(source="demo-news")
        second = sorted(runs, key=lambda r: r.started_at)[1]  # the run that saw the changes

        def runner(*_args):
            return second

        daemon = Daemon(store, home, sources, runner=runner, evidence_signer=signer)
        assert daemon.run_job("demo-news") is second
        bundles = sorted((home / "evidence").rglob("*.wacz"))
    names = {(p.name.split("-")[1].removesuffix(".wacz"), p.parent.name) for p in bundles}
    assert names == {("edited", url_key(edited)), ("removed", url_key(removed))}
    for path in bundles:
        verdict = verify_bundle(path, [keys["ca"].cert], [])
        assert verdict.ok, (path, verdict.failures)
    with TestClient(create_app(home, sources, cache_seconds=0)) as client:
        page = client.get("/changes").text
        links = [part.split('"')[0] for part in page.split('class="evidence" href="')[1:]]
        assert len(links) == len(bundles)
        got = client.get(links[0])
        assert got.status_code == 200
        assert (
            got.content
            == next(p for p in bundles if p.name == links[0].rsplit("/", 1)[1]).read_bytes()
        )
        assert client.get("/evidence/0123456789abcdef/../../archivist.db").status_code == 404
