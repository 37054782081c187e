"""Backfilled captures: where another archive served a capture this collection holds.

``captures.origin`` is the capture's ``WARC-Source-URI``, the URL the backfill fetched
its original bytes from (``https://web.archive.org/web/20120102030405id_/http://...``);
None for a capture this crawler made itself. Its ``fetched_at`` stays the time the
other archive made the capture.

Revision ID: 0010_capture_origin
Revises: 0008_failed_urls
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_capture_origin"
down_revision: str | None = "0008_failed_urls"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("captures", sa.Column("origin", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("origin")
