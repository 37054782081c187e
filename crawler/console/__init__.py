"""The operators' console (``archivist serve``): server-rendered pages over the store."""

from __future__ import annotations

from crawler.console.app import create_app

__all__ = ["create_app"]
