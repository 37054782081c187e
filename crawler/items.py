"""Items: what callbacks hand to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from archive import RecordRef


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """A captured page that the site family says is an article, ready for extraction.

    ``body`` is decoded of its Content-Encoding (Scrapy's HttpCompressionMiddleware
    did that); the WARC record that ``response_ref`` points at keeps the encoded bytes.
    """

    url: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    status: int
    response_ref: RecordRef
    fetched_at: datetime
    collection: str
    source: str

    def __repr__(self) -> str:
        # Scrapy logs every item at DEBUG: the URL and size, not the whole page.
        return f"ArticlePage({self.url!r}, {len(self.body)} bytes, status {self.status})"
