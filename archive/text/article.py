"""The cleaned article record: what extraction makes of one captured page.

``Article`` is frozen and made only of plain values (str, int, datetime, tuples), so
it crosses process boundaries (the extraction pool) and serialises to JSON
(``to_dict`` / ``from_dict``) for the store and the WARC ``metadata`` record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

__all__ = ["Article", "Credit", "DatedValue"]


@dataclass(frozen=True, slots=True)
class Credit:
    """A repost's source credit: "(Theo website Trương Tấn Sang)", "Nguồn: <a>VnExpress</a>"."""

    name: str
    url: str | None = None
    line: str = ""  # the credit line as it stood in the page


@dataclass(frozen=True, slots=True)
class DatedValue:
    """A date the page gave and the signal it came from (e.g. "json-ld", "abbr.published").

    ``value`` is always timezone-aware (the store keeps UTC and the offset). Where the page
    stated no offset, ``zone_assumed`` says the offset is a stand-in and the wall clock the
    page's: +07:00 for a time of day on a Vietnamese page, else UTC, which moves nothing.
    It is also set where the page stated a UTC moment ("Z", often a server's) that its URL
    puts on another day: the moment is the page's, the offset the nearest that puts it on
    the URL's day. ``time_given`` is False where the page gave a day only (00:00).
    """

    value: datetime
    source: str
    zone_assumed: bool = False
    time_given: bool = True

    @property
    def day(self) -> date:
        """The day the page gave (in its own offset, never converted)."""
        return self.value.date()


@dataclass(frozen=True, slots=True)
class Article:
    """One article as extracted from one capture. Text fields are Unicode NFC."""

    url: str
    title: str
    body: str
    canonical_url: str | None = None
    authors: tuple[str, ...] = ()
    published: DatedValue | None = None
    modified: DatedValue | None = None
    language: str | None = None
    site: str = ""  # the host name, e.g. nhipcau.blogspot.test
    platform: str = ""  # blogger | wordpress | news | "" (unknown)
    tags: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()
    credit: Credit | None = None
    word_count: int = 0
    body_hash: str = ""  # sha1 hex of the normalised body (see archive.text.extract)
    encoding: str = ""  # how the bytes were decoded, e.g. "utf-8", "cp1258", "tcvn3"
    encoding_confidence: float = 1.0
    encoding_note: str = ""  # why the declared charset was not used, when it was not
    extractor: str = "archivist+trafilatura"
    extractor_version: str = ""
    extractor_options: tuple[tuple[str, str], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601 strings, tuples as lists."""
        plain: dict[str, Any] = _plain(asdict(self))
        return plain

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        values = dict(data)
        for name in ("published", "modified"):
            if values.get(name):
                raw = values[name]
                values[name] = DatedValue(
                    datetime.fromisoformat(raw["value"]),
                    raw["source"],
                    zone_assumed=raw.get("zone_assumed", False),
                    time_given=raw.get("time_given", True),
                )
        if values.get("credit"):
            values["credit"] = Credit(**values["credit"])
        for f in fields(cls):
            if isinstance(values.get(f.name), list):
                items = values[f.name]
                values[f.name] = tuple(tuple(i) if isinstance(i, list) else i for i in items)
        return cls(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
