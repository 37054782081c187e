"""The records database: runs, captures, articles and their versions, events, alerts.

SQLAlchemy over SQLite (default) or PostgreSQL; ``migrations/`` holds its Alembic
schema. ``Store`` (in ``database.py``) is the one entry point; the ``_*.py`` modules are
its parts, one table or one question each. Imports ``archive.text`` and
``archive.warc``, never the other way round.
"""

from __future__ import annotations

from archive.store._events import removal_reason, soft_404
from archive.store._recrawl import StoredAt
from archive.store.database import (
    RUN_STATUSES,
    ArticleCapture,
    CaptureFields,
    CaptureLog,
    ChangeRecord,
    EventRecord,
    FailedUrl,
    LastResponse,
    Republication,
    RunRecord,
    Store,
    StoredArticle,
    StoreError,
    TextSide,
    search_text,
)

__all__ = [
    "RUN_STATUSES",
    "ArticleCapture",
    "CaptureFields",
    "CaptureLog",
    "ChangeRecord",
    "EventRecord",
    "FailedUrl",
    "LastResponse",
    "Republication",
    "RunRecord",
    "Store",
    "StoreError",
    "StoredArticle",
    "StoredAt",
    "TextSide",
    "removal_reason",
    "search_text",
    "soft_404",
]
