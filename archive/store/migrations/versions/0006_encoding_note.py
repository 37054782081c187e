"""Encoding notes: why a version's declared charset was not used, when it was not.

A page whose server declares ``charset=iso-8859-1`` while its bytes are UTF-8 is decoded
as UTF-8 (``archive.text.charset``); the version keeps the reason. Versions stored
before this revision have none ("").

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "article_versions",
        sa.Column("encoding_note", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("article_versions") as batch:
        batch.drop_column("encoding_note")
