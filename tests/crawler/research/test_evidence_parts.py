"""The parts of an evidence bundle, without a crawl: which requisites a page names, the
WACZ signature and its checks, the seal and the checker on a small package."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from crawler.errors import SigningConfigError
from crawler.research.bundle import seal
from crawler.research.evidence_check import verify_bundle
from crawler.research.evidence_records import requisite_urls
from crawler.research.signing import Signer, check_signature, sha256_of
from tests.helpers.certs import issue, make_ca


def test_requisites_are_the_images_scripts_frames_and_style_sheets_a_page_names():
    html = b"""<html><head>
    <link rel="stylesheet" href="/s.css"><link rel="alternate" href="/feed.xml">
    <link rel="shortcut icon" href="/favicon.ico"><script src="app.js?v=1&amp;x=2"></script>
    </head><body><img src='//cdn.test/a.jpg#top'><img src="data:image/png;base64,AA">
    <a href="/other.html">other</a><iframe src="https://v.test/e/1"></iframe></body></html>"""
    assert requisite_urls(html, "http://news.test/a/b.html") == [
        "http://news.test/s.css",
        "http://news.test/favicon.ico",
        "http://news.test/a/app.js?v=1&x=2",
        "http://cdn.test/a.jpg",
        "https://v.test/e/1",
    ]


@pytest.fixture
def signer(tmp_path):
    ca = make_ca(tmp_path)
    leaf = issue(tmp_path, ca, "archive.example.org")
    return ca, Signer.from_files(leaf.key_path, leaf.cert_path)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def test_a_signature_verifies_to_its_root_and_fails_on_another_hash_or_root(signer, tmp_path):
    ca, sign = signer
    digest = sha256_of(b"datapackage")
    signed = sign.sign(digest, _now(), "archivist test")
    good = check_signature(signed, digest, [ca.cert])
    assert good.failures == []
    assert good.trusted_root == "Test Evidence Root"
    assert good.chain == ["archive.example.org", "Test Evidence Root"]
    other = check_signature(signed, sha256_of(b"another"), [ca.cert])
    assert other.failures == ["the signature is of another datapackage.json (hash differs)"]
    stranger = make_ca(tmp_path, "Stranger")
    assert check_signature(signed, digest, [stranger.cert]).failures == [
        "the certificate chain of 'archive.example.org' ends at none of the trusted roots"
    ]
    forged = {**signed, "hash": sha256_of(b"another")}
    assert "does not verify with the key" in " ".join(
        check_signature(forged, forged["hash"], [ca.cert]).failures
    )


def test_a_signing_date_outside_the_certificate_fails(signer):
    ca, sign = signer
    digest = sha256_of(b"x")
    later = (datetime.now(UTC) + timedelta(days=400)).isoformat().replace("+00:00", "Z")
    failures = check_signature(sign.sign(digest, later, "t"), digest, [ca.cert]).failures
    assert failures == [
        f"the certificate of 'archive.example.org' was not valid at {later[:-1]}+00:00"
    ]


def test_keys_that_cannot_sign_are_one_line_errors_naming_the_file(tmp_path):
    ca = make_ca(tmp_path)
    leaf = issue(tmp_path, ca, "a.example.org")
    with pytest.raises(SigningConfigError, match="is not that of the key"):
        Signer.from_files(ca.key_path, leaf.cert_path)
    (tmp_path / "junk.pem").write_text("not a key")
    with pytest.raises(SigningConfigError, match=r"junk\.pem: not an unencrypted PEM private key"):
        Signer.from_files(tmp_path / "junk.pem", leaf.cert_path)
    with pytest.raises(SigningConfigError, match=r"junk\.pem: not a PEM certificate file$"):
        Signer.from_files(leaf.key_path, tmp_path / "junk.pem")


def _partial(path, created: str) -> None:
    """A minimal package as the wacz library leaves it: members and datapackage.json."""
    members = {"archive/a.warc.gz": b"WARC bytes", "pages/pages.jsonl": b"{}\n"}
    resources = [
        {"name": n.rsplit("/", 1)[1], "path": n, "hash": sha256_of(d), "bytes": len(d)}
        for n, d in members.items()
    ]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("datapackage.json", json.dumps({"created": created, "resources": resources}))
        zf.writestr("datapackage-digest.json", "{}")


def test_a_sealed_package_verifies_and_says_it_has_no_timestamp(signer, tmp_path):
    ca, sign = signer
    _partial(tmp_path / "partial.wacz", _now())
    out = tmp_path / "sealed.wacz"
    seal(tmp_path / "partial.wacz", out, {"evidence/summary.html": b"<p>hi"}, sign, "t 1")
    verdict = verify_bundle(out, [ca.cert], [])
    assert verdict.ok, verdict.failures
    assert verdict.files == 3
    assert any(
        line.startswith("when it was signed: no trusted timestamp") for line in verdict.not_proven
    )
    with zipfile.ZipFile(out) as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
        package = json.loads(zf.read("datapackage.json"))
    assert package["resources"][-1]["path"] == "evidence/summary.html"
