"""``archivist evidence URL [-o FILE]`` and ``archivist evidence verify FILE``: evidence
of what was published and when it changed, as a signed, self-checking WACZ."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import click

from crawler.cli._env import collection_folders, evidence_signer, open_store
from crawler.cli._text import count_of
from crawler.research.certs import load_certificates
from crawler.research.evidence import write_evidence
from crawler.research.evidence_check import verify_bundle
from crawler.runs.progress import human_size

__all__ = ["evidence_group"]


class _UrlOrCommand(click.Group):
    """``evidence URL`` makes a bundle; ``evidence verify FILE`` checks one."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["make", *args]
        return super().parse_args(ctx, args)


@click.group("evidence", cls=_UrlOrCommand)
def evidence_group() -> None:
    """Evidence of an article: `archivist evidence URL -o FILE` writes one signed WACZ
    with every capture of it (each version, the removal), its page requisites, the text
    and word diffs of each version, the copies that republished it and a summary page;
    `archivist evidence verify FILE` checks one offline.

    Signing key and certificate: --key/--cert or ARCHIVIST_EVIDENCE_KEY/_CERT; a trusted
    timestamp: --tsa or ARCHIVIST_EVIDENCE_TSA."""


def default_name(url: str) -> Path:
    parts = urlsplit(url)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{parts.netloc}{parts.path}").strip("-")
    return Path(f"evidence-{slug[:80] or 'article'}.wacz")


@evidence_group.command("make", hidden=True)
@click.argument("url")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The .wacz file."
)
@click.option("--collection", help="Only this collection.")
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path), help="PEM key.")
@click.option("--cert", type=click.Path(dir_okay=False, path_type=Path), help="PEM chain.")
@click.option("--tsa", help="URL of an RFC 3161 timestamp authority.")
def make_command(  # noqa: PLR0917 - click passes the options in order
    url: str,
    output: Path | None,
    collection: str | None,
    key: Path | None,
    cert: Path | None,
    tsa: str | None,
) -> None:
    """Write the evidence bundle of URL."""
    signer = evidence_signer(key, cert, tsa)
    target = output or default_name(url)
    with open_store() as store:
        report = write_evidence(store, collection_folders(collection), url, target, signer)
    size = human_size(report.path.stat().st_size)
    click.echo(
        f"{report.path}: {count_of(report.captures, 'capture')} of the article, "
        f"{count_of(report.versions, 'version')}, {report.records} WARC records in all, {size}"
    )
    if report.signer is None:
        click.echo("not signed: no key configured (ARCHIVIST_EVIDENCE_KEY and _CERT)")
    else:
        stamped = "with a trusted timestamp" if report.timestamped else "without a timestamp"
        click.echo(f"signed by {report.signer!r}, {stamped}")


@evidence_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM file of root certificates to trust for the signer (repeatable).",
)
@click.option(
    "--trust-tsa",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM file of root certificates to trust for the timestamp (repeatable).",
)
def verify_command(file: Path, trust: tuple[Path, ...], trust_tsa: tuple[Path, ...]) -> None:
    """Check FILE offline: every file's hash, the signature, the certificate chain and
    the timestamp; say what is proven and what is not. Exit 1 if a check fails."""
    roots = [c for path in trust for c in load_certificates(path)]
    tsa_roots = [c for path in trust_tsa for c in load_certificates(path)]
    verdict = verify_bundle(file, roots, tsa_roots)
    for failure in verdict.failures:
        click.echo(f"FAILED  {failure}")
    for line in verdict.proven:
        click.echo(f"PROVEN      {line}")
    for line in verdict.not_proven:
        click.echo(f"NOT PROVEN  {line}")
    if not verdict.ok:
        raise click.ClickException(f"{file}: verification failed: {verdict.failures[0]}")
    click.echo(f"{file}: verified ({verdict.files} files)")
