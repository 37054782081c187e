"""Passages: each version's passage fingerprints, which find republications.

``article_versions.passages`` counts a version's fingerprints, and is NULL until they
are computed: ``Store.index_passages`` computes them for the versions that have none
(after each crawl, and before each look-up), so versions stored before this revision
get theirs at the first look-up, and the crawl never waits for them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "passages",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["article_versions.id"],
            name="fk_passages_version_id_article_versions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "hash", name="pk_passages"),
    )
    op.create_index("ix_passages_hash", "passages", ["hash"])
    op.add_column("article_versions", sa.Column("passages", sa.Integer(), nullable=True))
    op.create_index("ix_article_versions_passages", "article_versions", ["passages"])


def downgrade() -> None:
    op.drop_index("ix_article_versions_passages", table_name="article_versions")
    with op.batch_alter_table("article_versions") as batch:
        batch.drop_column("passages")
    op.drop_table("passages")
