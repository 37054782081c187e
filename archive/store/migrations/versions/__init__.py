"""Alembic revisions of the records database, oldest first."""

from __future__ import annotations
