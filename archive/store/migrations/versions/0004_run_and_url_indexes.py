"""Indexes for the console and the monitors: captures by run, article versions by URL.

Per-run figures (articles a run captured, errors by host) and the dated/authored shares
read captures by ``run_id`` and join versions on ``url``; without these, every page of
the console and every monitor check scanned both tables.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_captures_run_id", "captures", ["run_id"])
    op.create_index("ix_article_versions_url", "article_versions", ["url"])


def downgrade() -> None:
    op.drop_index("ix_article_versions_url", table_name="article_versions")
    op.drop_index("ix_captures_run_id", table_name="captures")
