"""What a checked evidence bundle proves and what it does not, said plainly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.research.evidence_check import Verdict
    from crawler.research.signing import SignatureCheck
    from crawler.research.timestamps import TimestampCheck

__all__ = ["judge"]


def judge(
    verdict: Verdict,
    signed: dict[str, Any] | None,
    check: SignatureCheck | None,
    stamp: TimestampCheck | None,
    *,
    roots: bool,
    tsa_roots: bool,
) -> None:
    """Fill ``verdict.proven`` and ``verdict.not_proven`` from the checks made."""
    if not verdict.ok:
        verdict.not_proven.append(
            "anything: the bundle is not as it was sealed, so none of its contents can be relied on"
        )
        return
    verdict.proven.append(
        f"integrity: the {verdict.files} files are, byte for byte, those listed with their "
        "sha256 in datapackage.json, and the ZIP around them is as it was written"
    )
    _signer(verdict, signed, check, roots=roots)
    _time(verdict, signed, stamp, tsa_roots=tsa_roots)
    who = check.identity if check is not None else "whoever made the bundle"
    verdict.not_proven.append(
        "that the sites served these bytes: the WARC records are the archive's own account "
        f"of what it received, and the signature binds them to {who!r}, who could have "
        "made them up; capture times inside the records are that account too"
    )


def _signer(
    verdict: Verdict,
    signed: dict[str, Any] | None,
    check: SignatureCheck | None,
    *,
    roots: bool,
) -> None:
    if signed is None or check is None:
        verdict.not_proven.append(
            "who made it: the bundle is not signed; anyone could have made it, and anyone "
            "who changes it can recompute every hash"
        )
        return
    chain = " <- ".join(check.chain)
    if roots:
        verdict.proven.append(
            f"signer: datapackage.json was signed with the key certified as {check.identity!r} "
            f"(chain {chain}), which ends at the trusted root {check.trusted_root!r}"
        )
    else:
        verdict.proven.append(
            f"signature: datapackage.json was signed with the key of the certificate "
            f"{check.identity!r} that the bundle carries (chain {chain})"
        )
        verdict.not_proven.append(
            f"who {check.identity!r} is: no trusted root was given (--trust), so the "
            "certificate could have been made by anyone"
        )


def _time(
    verdict: Verdict,
    signed: dict[str, Any] | None,
    stamp: TimestampCheck | None,
    *,
    tsa_roots: bool,
) -> None:
    created = str((signed or {}).get("created", ""))
    if stamp is None or stamp.at is None:
        if signed is not None:
            verdict.not_proven.append(
                f"when it was signed: no trusted timestamp is present; {created} is the "
                "signer's own claim, and whoever holds the key could sign it later with any date"
            )
        return
    when = stamp.at.isoformat()
    if tsa_roots and stamp.trusted:
        verdict.proven.append(
            f"time: the signature existed no later than {when}, by the RFC 3161 timestamp "
            f"of {stamp.authority!r}, whose chain ends at a trusted root"
        )
    else:
        verdict.proven.append(
            f"time (if {stamp.authority!r} is trusted): the signature existed no later than "
            f"{when}, by its RFC 3161 timestamp"
        )
        verdict.not_proven.append(
            f"that {stamp.authority!r} is a timestamp authority to trust: no trusted "
            "timestamp root was given (--trust-tsa)"
        )
