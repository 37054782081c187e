"""Passages: each version's passage fingerprints, which find republications.

Fills the table for the versions already stored, from their bodies, so a store made
before this revision answers ``archivist reposts`` at once.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive._fold import fold
from archive.passages import fingerprints

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_BATCH = 500


def upgrade() -> None:
    passages = op.create_table(
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
    connection = op.get_bind()
    versions = sa.table("article_versions", sa.column("id", sa.Integer), sa.column("body", sa.Text))
    after = 0
    while True:
        rows = connection.execute(
            sa.select(versions.c.id, versions.c.body)
            .where(versions.c.id > after)
            .order_by(versions.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        found = [
            {"version_id": vid, "hash": h} for vid, body in rows for h in fingerprints(fold(body))
        ]
        if found:
            connection.execute(sa.insert(passages), found)
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_table("passages")
