"""Alembic migrations of the records database; ``archive.store`` applies them on open."""

from __future__ import annotations
