"""Failing URLs: the first URLs of each error kind a run met, with their lines in its log.

Each element is ``{"kind": "http:500", "url": ..., "line": 123}`` (``line`` None when the
crawl logged nowhere); how many URLs of a kind failed is in ``errors``. Runs recorded
before this revision list none.

Revision ID: 0008_failed_urls
Revises: 0007_article_sources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_failed_urls"
down_revision: str | None = "0007_article_sources"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "runs",
        sa.Column("failed_urls", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("failed_urls")
