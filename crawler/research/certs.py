"""Reading certificates for evidence bundles: PEM files, names, fingerprints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from crawler.errors import SigningConfigError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["fingerprint", "load_certificates", "subject_name"]


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every PEM certificate in ``path``, in order; a one-line error if none can be read."""
    try:
        certs = x509.load_pem_x509_certificates(path.read_bytes())
    except ValueError as exc:
        raise SigningConfigError(path, "not a PEM certificate file") from exc
    except OSError as exc:
        raise SigningConfigError(path, f"cannot be read ({exc.strerror})") from exc
    return certs


def subject_name(cert: x509.Certificate) -> str:
    """The certificate's common name, else its first DNS name, else its whole subject."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if names:
        return str(names[0].value)
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return cert.subject.rfc4514_string()
    dns = alt.value.get_values_for_type(x509.DNSName)
    return dns[0] if dns else cert.subject.rfc4514_string()


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()
