"""The cleaned article record: what extraction makes of one captured page.

``Article`` is frozen and made only of plain values (str, int, datetime, tuples), so
it crosses process boundaries (the extraction pool) and serialises to JSON
(``to_dict`` / ``from_dict``) for the store and the WARC ``metadata`` record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
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
    """A timezone-aware moment and the signal it came from (e.g. "json-ld", "abbr.published")."""

    value: datetime
    source: str


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
                values[name] = DatedValue(datetime.fromisoformat(raw["value"]), raw["source"])
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
