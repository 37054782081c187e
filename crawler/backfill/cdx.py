"""Another archive's capture index (the CDX server API): what it holds, and which of it to take.

Two dialects answer the same query (``?url=<host>&matchType=host&output=json``):

- the Wayback Machine's CDX server (``https://web.archive.org/cdx/search/cdx``) answers
  a JSON array whose first row names the fields (``urlkey, timestamp, original,
  mimetype, statuscode, digest, length``) and honours ``collapse=digest`` (adjacent
  lines with one digest folded into the first), regex ``filter=`` and, past its result
  limit, a resumption key (``showResumeKey``);
- pywb (``http://host/<collection>/cdx``) answers one JSON object a line, with its own
  names (``url, mime, status``); it ignores ``collapse`` and reads ``filter=`` as
  "contains".

Both are read here, and what either leaves undone is done on this side: only ``200``
HTML responses (not revisits) of URLs in the source's scope are kept, and each
article's captures are folded by digest however far apart they lie.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from crawler.sources.schema import Source

__all__ = [
    "CdxCapture",
    "Choice",
    "cdx_endpoint",
    "cdx_queries",
    "cdx_time",
    "choose",
    "in_scope",
    "parse_cdx",
    "replay_url",
    "resume_key",
    "within",
]

_NAMES = {"original": "url", "mimetype": "mime", "statuscode": "status"}
"""The Wayback Machine's field names -> pywb's."""
_TIMESTAMP = re.compile(r"^\d{4,14}$")


@dataclass(frozen=True, slots=True)
class CdxCapture:
    """One line of a CDX answer: a capture of ``url`` at ``timestamp`` (14 digits, UTC)."""

    url: str
    timestamp: str
    mime: str
    status: str
    digest: str

    @property
    def date(self) -> datetime:
        return datetime.strptime(self.timestamp.ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    @property
    def wanted(self) -> bool:
        """A 200 HTML response: what a backfill takes (not a revisit, a redirect, an image)."""
        return self.status == "200" and "html" in self.mime.lower()


def cdx_endpoint(archive: str) -> str:
    """The CDX server of an archive given by its replay prefix: the Wayback Machine's
    ``https://web.archive.org/web/`` -> ``.../cdx/search/cdx``; a pywb collection
    ``http://host/<coll>/`` -> ``http://host/<coll>/cdx``."""
    parts = urlsplit(archive)
    if parts.hostname == "web.archive.org":
        return f"{parts.scheme}://{parts.netloc}/cdx/search/cdx"
    return archive.rstrip("/") + "/cdx"


def replay_url(archive: str, capture: CdxCapture) -> str:
    """The capture's original bytes: ``<archive>/<timestamp>id_/<url>``."""
    return f"{archive.rstrip('/')}/{capture.timestamp}id_/{capture.url}"


def cdx_queries(
    endpoint: str, source: Source, since: str | None = None, until: str | None = None
) -> list[str]:
    """One query per scope prefix of the source, else one per allowed host."""
    targets = (
        [(prefix, "prefix") for prefix in source.scope.prefixes]
        if source.scope.prefixes
        else [(host, "host") for host in source.allowed_hosts]
    )
    queries = []
    for url, match in targets:
        params = [
            ("url", url),
            ("matchType", match),
            ("output", "json"),
            ("collapse", "digest"),
            ("filter", "statuscode:200"),
            ("filter", "!mimetype:warc/revisit"),
            ("showResumeKey", "true"),
        ]
        params += [("from", since)] if since else []
        params += [("to", until)] if until else []
        queries.append(f"{endpoint}?{urlencode(params)}")
    return queries


def cdx_time(value: str) -> str:
    """A date as the CDX API takes it (``2012``, ``2012-10-05``, ``2012-10-05T08:00``
    -> ``2012``, ``20121005``, ``201210050800``); raises ``ValueError``."""
    digits = re.sub(r"[-:T ]", "", value.strip())
    if not _TIMESTAMP.match(digits):
        raise ValueError(f"{value!r} is not a date such as 2012, 2012-10-05 or 20121005083000")
    return digits


def within(capture: CdxCapture, since: str | None, until: str | None) -> bool:
    """Whether the capture falls between ``since`` and ``until`` (CDX times, inclusive)."""
    if since and capture.timestamp < since.ljust(14, "0"):
        return False
    return not (until and capture.timestamp > until.ljust(14, "9"))


def _capture(fields: dict[str, object]) -> CdxCapture | None:
    named = {_NAMES.get(k, k): str(v) for k, v in fields.items()}
    url, timestamp = named.get("url", ""), named.get("timestamp", "")
    if not url or not _TIMESTAMP.match(timestamp):
        return None
    return CdxCapture(
        url, timestamp, named.get("mime", ""), named.get("status", ""), named.get("digest", "")
    )


def parse_cdx(text: str) -> list[CdxCapture]:
    """The captures of a CDX answer in either dialect (a JSON array with a header row, or
    a JSON object a line); an empty answer is no capture. Raises ``ValueError``."""
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        rows = json.loads(stripped)
        if not rows:
            return []
        header = [str(name) for name in rows[0]]
        found = (_capture(dict(zip(header, row, strict=False))) for row in rows[1:] if row)
    else:
        found = (_capture(json.loads(line)) for line in stripped.splitlines() if line.strip())
    return [capture for capture in found if capture is not None]


def resume_key(text: str) -> str | None:
    """The Wayback Machine's resumption key at the end of a JSON answer cut at its limit
    (an empty row, then ``[key]``): ask again with ``&resumeKey=<key>``. None: complete."""
    stripped = text.strip()
    if not stripped.startswith("["):
        return None
    rows = json.loads(stripped)
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        return str(rows[-1][0])
    return None


def in_scope(source: Source, url: str) -> bool:
    """Whether ``url`` is the source's: its hosts (and their subdomains), prefixes,
    include and exclude, as the spider follows links."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    hosts = source.allowed_hosts
    if parts.scheme not in {"http", "https"}:
        return False
    if host not in hosts and not any(host.endswith("." + h) for h in hosts):
        return False
    scope = source.scope
    if scope.prefixes and not url.startswith(scope.prefixes):
        return False
    if scope.include and not any(re.search(p, url) for p in scope.include):
        return False
    return not any(re.search(p, url) for p in scope.exclude)


@dataclass(frozen=True, slots=True)
class Choice:
    """What to fetch of one URL: ``captures`` now; ``later`` its other versions, fetched
    only if the page turns out to be an article (``kind`` "unsure")."""

    kind: str  # "article" (every distinct digest), "page" (the newest), "unsure"
    captures: tuple[CdxCapture, ...]
    later: tuple[CdxCapture, ...] = ()


def choose(
    captures: Iterable[CdxCapture],
    article_url: Callable[[str], bool | None],
    held: Callable[[CdxCapture], bool],
) -> list[Choice]:
    """The captures worth having, by URL: every distinct digest of an article (its first
    capture with it), the newest of any other page. ``article_url`` says True, False
    or None (the URL does not say: the newest capture's page will, and ``later`` holds
    every version for then); ``held`` says the collection has a capture already (that
    digest of that URL, or that very capture)."""
    by_url: dict[str, dict[str, CdxCapture]] = {}
    for capture in sorted(captures, key=lambda c: (c.url, c.timestamp)):
        if capture.wanted:
            by_url.setdefault(capture.url, {}).setdefault(capture.digest, capture)
    choices = []
    for url, firsts in by_url.items():
        versions = sorted(firsts.values(), key=lambda c: c.timestamp)
        kind = article_url(url)
        if kind:
            new = tuple(c for c in versions if not held(c))
            if new:
                choices.append(Choice("article", new))
            continue
        newest = versions[-1]
        if held(newest):
            continue  # a page held already (an article would have said so above)
        if kind is None:
            choices.append(Choice("unsure", (newest,), tuple(c for c in versions if not held(c))))
        else:
            choices.append(Choice("page", (newest,)))
    return choices
