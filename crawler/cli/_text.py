"""Words the commands print."""

from __future__ import annotations

__all__ = ["count_of"]


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    """'1 article', '3 articles', '0 articles' (``plural`` where an s will not do)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
