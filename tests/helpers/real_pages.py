"""The real-page corpus (tests/archive/text/real_pages/): its manifest, its pages, and
one pytest parameter per page and check, strict-xfailed where the manifest records a
known failure of ours (the expectation stays as a reader sees the page)."""

from __future__ import annotations

import gzip
import json
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(__file__).resolve().parents[1] / "archive" / "text" / "real_pages"


@cache
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))
    return data


def pages() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = manifest()["pages"]
    return found


@cache
def page_bytes(page_id: str) -> bytes:
    return gzip.decompress((FOLDER / f"{page_id}.html.gz").read_bytes())


def fold(text: str) -> str:
    """NFC, white space folded to single spaces: how expectations and output are compared."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cases(check: str, *, when: str | None = None) -> list[Any]:
    """One ``pytest.param(page)`` per page that states ``when`` (default: ``check``),
    strictly xfailed where ``known_failures[check]`` gives the reason."""
    params = []
    for page in pages():
        if (when or check) not in page:
            continue
        reason = page.get("known_failures", {}).get(check)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(page, id=page["id"], marks=marks))
    return params
