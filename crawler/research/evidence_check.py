"""``archivist evidence verify``: check an evidence bundle offline and say what it proves.

In order: every member's sha256 against ``datapackage.json`` (and no member unlisted);
``datapackage.json`` against ``datapackage-digest.json``; the signature over that digest,
its certificate chain and, if trusted roots are named, that the chain ends at one of
them; the RFC 3161 timestamp of the signature; and last, that the ZIP around the members
is the canonical one (``bundle.py``), so that a changed byte in a ZIP header or the
central directory is caught too. Each failure names the member it is in.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.research.bundle import DIGEST_NAME, PACKAGE_NAME, rebuild_zip, zip_parts
from crawler.research.signing import check_signature, sha256_of

if TYPE_CHECKING:
    from pathlib import Path

    from cryptography import x509

__all__ = ["Verdict", "verify_bundle"]

_CHUNK = 1 << 20
# What zipfile raises on a damaged archive: a flag bit can make a member look encrypted
# (RuntimeError) or compressed by an unknown method (NotImplementedError).
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError)


@dataclass
class Verdict:
    """``failures`` empty: every check made passed; ``proven`` and ``not_proven`` say
    what that means, in words."""

    failures: list[str] = field(default_factory=list)
    proven: list[str] = field(default_factory=list)
    not_proven: list[str] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    with zf.open(name) as fh:
        while chunk := fh.read(_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return "sha256:" + hasher.hexdigest(), size


def _check_members(zf: zipfile.ZipFile, package: dict[str, Any], verdict: Verdict) -> None:
    listed = {str(r.get("path")): r for r in package.get("resources", [])}
    names = set(zf.namelist())
    for name, resource in sorted(listed.items()):
        if name not in names:
            verdict.failures.append(f"{name}: listed in {PACKAGE_NAME} but not in the bundle")
            continue
        try:
            digest, size = _hash_member(zf, name)
        except _ZIP_ERRORS as exc:
            verdict.failures.append(f"{name}: cannot be read whole ({exc}): it was changed")
            continue
        if digest != resource.get("hash") or size != resource.get("bytes", size):
            verdict.failures.append(
                f"{name}: its sha256 is not the one in {PACKAGE_NAME}: it was changed"
            )
    # after the listed ones: a name changed in the ZIP is reported first as the real one
    for name in sorted(names - set(listed) - {PACKAGE_NAME, DIGEST_NAME}):
        verdict.failures.append(f"{name}: in the bundle but not listed in {PACKAGE_NAME}")
    verdict.files = len(listed)


def _read_package(zf: zipfile.ZipFile, verdict: Verdict) -> tuple[dict[str, Any], bytes] | None:
    try:
        raw = zf.read(PACKAGE_NAME)
        package = json.loads(raw)
    except KeyError:
        verdict.failures.append(f"{PACKAGE_NAME}: missing: this is not a WACZ")
        return None
    except _ZIP_ERRORS as exc:
        verdict.failures.append(f"{PACKAGE_NAME}: unreadable ({exc}): it was changed")
        return None
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        verdict.failures.append(f"{PACKAGE_NAME}: has no list of resources: it was changed")
        return None
    return package, raw


def _read_digest(zf: zipfile.ZipFile, raw: bytes, verdict: Verdict) -> dict[str, Any] | None:
    try:
        digest = json.loads(zf.read(DIGEST_NAME))
    except KeyError:
        verdict.failures.append(f"{DIGEST_NAME}: missing: the bundle is not sealed")
        return None
    except _ZIP_ERRORS as exc:
        verdict.failures.append(f"{DIGEST_NAME}: unreadable ({exc}): it was changed")
        return None
    if not isinstance(digest, dict) or digest.get("hash") != sha256_of(raw):
        verdict.failures.append(
            f"{PACKAGE_NAME}: its sha256 is not the one in {DIGEST_NAME}: one was changed"
        )
        return None
    return digest


def _check_layout(path: Path, names: list[str], created: str, verdict: Verdict) -> None:
    """Rebuild the canonical ZIP of the members and compare it with the file."""
    with zipfile.ZipFile(path) as zf, tempfile.TemporaryFile() as canon:
        rebuild_zip(canon, names, zf.open, created)
        canon.seek(0)
        with path.open("rb") as fh:
            at = 0
            while True:
                mine, theirs = fh.read(_CHUNK), canon.read(_CHUNK)
                if mine != theirs:
                    where = at + next(
                        (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
                        min(len(mine), len(theirs)),
                    )
                    what = next((p.what for p in zip_parts(path) if p.start <= where < p.end), "")
                    verdict.failures.append(
                        f"{what or 'the ZIP'}: byte {where} of the bundle is not as it was "
                        "written: it was changed"
                    )
                    return
                if not mine:
                    return
                at += len(mine)


def verify_bundle(
    path: Path, roots: list[x509.Certificate], tsa_roots: list[x509.Certificate]
) -> Verdict:
    """Check the bundle at ``path``; ``roots`` are the signer roots the checker trusts,
    ``tsa_roots`` the timestamp authorities' roots."""
    verdict = Verdict()
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        verdict.failures.append(f"{path.name}: not a readable ZIP ({exc}): it was changed")
        return verdict
    with zf:
        names = zf.namelist()
        read = _read_package(zf, verdict)
        if read is None:
            return verdict
        package, raw = read
        _check_members(zf, package, verdict)
        digest = _read_digest(zf, raw, verdict)
    if digest is None or verdict.failures:
        return verdict
    from crawler.research.evidence_words import judge  # noqa: PLC0415 - the words apart

    signed = digest.get("signedData")
    check = check_signature(signed, digest["hash"], roots) if signed else None
    if check is not None:
        verdict.failures.extend(f"{DIGEST_NAME}: {f}" for f in check.failures)
        if signed and signed.get("created") != package.get("created"):
            verdict.failures.append(
                f"{DIGEST_NAME}: the signature's date is not the package's ({PACKAGE_NAME})"
            )
    stamp = None
    if signed and signed.get("timeSignature"):
        from crawler.research.timestamps import check_timestamp  # noqa: PLC0415

        stamp = check_timestamp(
            str(signed["timeSignature"]), str(signed.get("signature", "")).encode(), tsa_roots
        )
        verdict.failures.extend(f"{DIGEST_NAME}: {f}" for f in stamp.failures)
    if not verdict.failures:
        _check_layout(path, names, str(package.get("created", "")), verdict)
    judge(verdict, signed, check, stamp, roots=bool(roots), tsa_roots=bool(tsa_roots))
    return verdict
