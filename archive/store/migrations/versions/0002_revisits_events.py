"""Revisits and article events: capture types, conditional-request validators, events.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (SQLite has it): no table copy, no long lock.
    op.add_column(
        "captures",
        sa.Column("record_type", sa.String(20), nullable=False, server_default="response"),
    )
    op.add_column("captures", sa.Column("refers_to", sa.String(200), nullable=True))
    op.add_column("captures", sa.Column("etag", sa.Text(), nullable=True))
    op.add_column("captures", sa.Column("last_modified", sa.Text(), nullable=True))
    op.create_table(
        "article_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("collection", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_article_events"),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["captures.id"], name="fk_article_events_capture_id_captures"
        ),
    )
    op.create_index("ix_article_events_url", "article_events", ["url"])
    op.create_index("ix_article_events_at", "article_events", ["at"])


def downgrade() -> None:
    op.drop_table("article_events")
    with op.batch_alter_table("captures") as batch:
        for column in ("last_modified", "etag", "refers_to", "record_type"):
            batch.drop_column(column)
