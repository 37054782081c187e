"""Signing a WACZ's ``datapackage-digest.json``, after the WACZ spec's "Signing and
Verification" recommendation, with the operator's own key and certificate.

The spec's ``signedData`` (as Webrecorder's authsign writes it) for a domain-certificate
signature: ``hash`` (of ``datapackage.json``, ``sha256:<hex>``), ``created`` (the
package's own creation time), ``software``, ``signature`` (base64 DER ECDSA P-256 with
SHA-256 over the ``hash`` string), ``domain`` (the certificate's subject), ``domainCert``
(the PEM chain, leaf first) and, when a timestamp authority was asked, ``timeSignature``
(a base64 RFC 3161 response stamping the ``signature`` string) and ``timestampCert``.

authsign itself signs only as a server holding an ACME (Let's Encrypt) certificate and
verifies only against its bundled roots; this signs locally with what the operator
configures, and verifies offline against roots the checker names. ``cryptography`` does
the keys and certificates; ``rfc3161-client`` the timestamps (``timestamps.py``).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from crawler.errors import SigningConfigError
from crawler.research.certs import fingerprint, load_certificates, subject_name

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["SignatureCheck", "Signer", "check_signature", "sha256_of"]


@dataclass(frozen=True)
class Signer:
    """The operator's ECDSA P-256 key and its certificate chain (leaf first)."""

    key: ec.EllipticCurvePrivateKey
    chain_pem: str
    leaf: x509.Certificate
    tsa_url: str | None = None
    tsa_timeout: float = 30.0

    @classmethod
    def from_files(cls, key_path: Path, cert_path: Path, tsa_url: str | None = None) -> Signer:
        try:
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise SigningConfigError(key_path, "not an unencrypted PEM private key") from exc
        except OSError as exc:
            raise SigningConfigError(key_path, f"cannot be read ({exc.strerror})") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise SigningConfigError(
                key_path,
                "the WACZ signing recommendation needs an ECDSA P-256 key "
                "(openssl ecparam -name prime256v1 -genkey -noout)",
            )
        chain = load_certificates(cert_path)
        if not chain:
            raise SigningConfigError(cert_path, "holds no certificate")
        if chain[0].public_key() != key.public_key():
            raise SigningConfigError(
                cert_path, f"its first certificate is not that of the key {key_path}"
            )
        pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in chain)
        return cls(key, pem, chain[0], tsa_url)

    @property
    def identity(self) -> str:
        return subject_name(self.leaf)

    def sign(self, digest: str, created: str, software: str) -> dict[str, Any]:
        """The ``signedData`` for a ``datapackage.json`` whose hash is ``digest``."""
        raw = self.key.sign(digest.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        signature = base64.b64encode(raw).decode("ascii")
        signed: dict[str, Any] = {
            "hash": digest,
            "created": created,
            "software": software,
            "signature": signature,
            "domain": self.identity,
            "domainCert": self.chain_pem,
        }
        if self.tsa_url:
            from crawler.research.timestamps import stamp  # noqa: PLC0415 - only with a TSA

            response, certs_pem = stamp(self.tsa_url, signature.encode("ascii"), self.tsa_timeout)
            signed["timeSignature"] = base64.b64encode(response).decode("ascii")
            signed["timestampCert"] = certs_pem
        return signed


@dataclass
class SignatureCheck:
    """What a signature proves: ``failures`` empty means every check made passed."""

    identity: str = ""
    chain: list[str] = field(default_factory=list)  # subjects, leaf first
    trusted_root: str | None = None  # the trusted root's subject the chain ends at
    failures: list[str] = field(default_factory=list)


def _chain_failure(chain: list[x509.Certificate]) -> str | None:
    for cert, issuer in itertools.pairwise(chain):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return f"certificate {subject_name(cert)!r} is not signed by {subject_name(issuer)!r}"
    return None


def _trusted_root(chain: list[x509.Certificate], roots: list[x509.Certificate]) -> str | None:
    """The subject of the trusted root the chain ends at (the root itself, or its issuer)."""
    last = chain[-1]
    known = {fingerprint(root) for root in roots}
    if fingerprint(last) in known:
        return subject_name(last)
    for root in roots:
        try:
            last.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return subject_name(root)
    return None


def check_signature(
    signed: dict[str, Any], digest: str, roots: list[x509.Certificate]
) -> SignatureCheck:
    """Check ``signedData``: that it signs ``digest``, with the key of its certificate, whose
    chain holds together and, if ``roots`` are given, ends at one of them."""
    check = SignatureCheck()
    try:
        chain = x509.load_pem_x509_certificates(str(signed.get("domainCert", "")).encode())
    except ValueError:
        check.failures.append("domainCert is not a PEM certificate chain")
        return check
    leaf = chain[0]
    check.identity = subject_name(leaf)
    check.chain = [subject_name(c) for c in chain]
    if signed.get("hash") != digest:
        check.failures.append("the signature is of another datapackage.json (hash differs)")
    public = leaf.public_key()
    try:
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        raw = base64.b64decode(str(signed.get("signature", "")), validate=True)
        public.verify(raw, str(signed.get("hash", "")).encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        check.failures.append(f"the signature does not verify with the key of {check.identity!r}")
    if signed.get("domain") not in {None, check.identity}:
        check.failures.append(f"domain {signed.get('domain')!r} is not the certificate's")
    if (failure := _chain_failure(chain)) is not None:
        check.failures.append(failure)
    created = _parse_created(str(signed.get("created", "")))
    if created is None:
        check.failures.append(f"created {signed.get('created')!r} is not a date")
    elif not leaf.not_valid_before_utc <= created <= leaf.not_valid_after_utc:
        check.failures.append(
            f"the certificate of {check.identity!r} was not valid at {created.isoformat()}"
        )
    if roots:
        check.trusted_root = _trusted_root(chain, roots)
        if check.trusted_root is None:
            check.failures.append(
                f"the certificate chain of {check.identity!r} ends at none of the trusted roots"
            )
    return check


def _parse_created(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def sha256_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
