"""RFC 3161 trusted timestamps of an evidence signature: asked of the timestamp authority
the operator configures (never another), and checked offline against roots the checker
names. ``rfc3161-client`` builds the requests and verifies the responses; this module
only carries them over HTTP and says what a response proves."""

from __future__ import annotations

import base64
import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from crawler.errors import EvidenceError
from crawler.research.certs import subject_name

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["TimestampCheck", "check_timestamp", "stamp"]

_HASHES = {
    "2.16.840.1.101.3.4.2.1": hashlib.sha256,
    "2.16.840.1.101.3.4.2.2": hashlib.sha384,
    "2.16.840.1.101.3.4.2.3": hashlib.sha512,
}


def stamp(url: str, data: bytes, timeout: float) -> tuple[bytes, str]:
    """Ask the authority at ``url`` to stamp ``data``; its DER response and its certificates
    (PEM)."""
    builder = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256)
    asked = builder.nonce(nonce=True).cert_request(cert_request=True).build()
    http = urllib.request.Request(  # noqa: S310 - the operator's own TSA URL
        url,
        data=asked.as_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as reply:  # noqa: S310 - as above
            body = reply.read()
    except (urllib.error.URLError, OSError) as exc:
        raise EvidenceError(
            f"the timestamp authority {url} did not answer ({exc}); check "
            "ARCHIVIST_EVIDENCE_TSA or leave it unset to sign without a timestamp"
        ) from exc
    try:
        response = decode_timestamp_response(body)
    except ValueError as exc:
        raise EvidenceError(f"the timestamp authority {url} sent no RFC 3161 reply") from exc
    if PKIStatus(response.status) not in {PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS}:
        raise EvidenceError(f"the timestamp authority {url} refused: {response.status_string}")
    if response.tst_info.nonce != asked.nonce:
        raise EvidenceError(f"the timestamp authority {url} answered another request (nonce)")
    certs = [x509.load_der_x509_certificate(der) for der in response.signed_data.certificates]
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs)
    return body, pem


@dataclass
class TimestampCheck:
    at: datetime | None = None
    authority: str = ""
    failures: list[str] = field(default_factory=list)
    trusted: bool = False  # checked against a root the checker named


def check_timestamp(
    time_signature: str, message: bytes, roots: list[x509.Certificate]
) -> TimestampCheck:
    """What the base64 RFC 3161 response ``time_signature`` proves of ``message``."""
    check = TimestampCheck()
    try:
        response = decode_timestamp_response(base64.b64decode(time_signature, validate=True))
    except ValueError:
        check.failures.append("timeSignature is not an RFC 3161 timestamp response")
        return check
    check.at = response.tst_info.gen_time
    certs = [x509.load_der_x509_certificate(d) for d in response.signed_data.certificates]
    check.authority = subject_name(certs[0]) if certs else "an authority that sent no certificate"
    imprint = response.tst_info.message_imprint
    hasher = _HASHES.get(imprint.hash_algorithm.dotted_string, hashlib.sha256)
    if imprint.message != hasher(message).digest():
        check.failures.append(f"the timestamp by {check.authority!r} stamps other data")
        return check
    if not roots:
        return check
    try:
        VerifierBuilder(roots=roots).build().verify_message(response, message)
    except VerificationError as exc:
        check.failures.append(
            f"the timestamp by {check.authority!r} does not verify against the trusted "
            f"roots ({exc})"
        )
    else:
        check.trusted = True
    return check
