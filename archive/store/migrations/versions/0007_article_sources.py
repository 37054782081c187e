"""Article sources: an article belongs to every source that captured it.

Before this revision an article had one owner, ``articles.source``, which the latest
source to record it took over: a second source over the same blog took the first one's
articles (its counts fell to 0, its ``no_new_articles`` monitor fired). ``articles.source``
stays, as the source that found the article first; ``article_sources`` holds them all.

The backfill links each article to its ``articles.source`` (first captured by its first
version's capture) and to the source of every run that captured one of its URLs
(a 2xx or a revisit), from the first such capture.

Revision ID: 0007_article_sources
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_article_sources"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_OWNERS = """
INSERT INTO article_sources (article_id, source, first_seen, last_seen, first_capture_id)
SELECT a.id, a.source, a.first_seen, a.last_seen,
       (SELECT v.capture_id FROM article_versions v WHERE v.article_id = a.id
        ORDER BY v.id LIMIT 1)
FROM articles a WHERE a.source <> ''
"""

_CAPTURERS = """
INSERT INTO article_sources (article_id, source, first_seen, last_seen, first_capture_id)
SELECT v.article_id, r.source, MIN(c.fetched_at), MAX(c.fetched_at), MIN(c.id)
FROM captures c
JOIN runs r ON r.id = c.run_id
JOIN article_versions v ON v.url = c.url
WHERE (c.status < 300 OR c.record_type = 'revisit') AND r.source <> ''
  AND NOT EXISTS (SELECT 1 FROM article_sources s
                  WHERE s.article_id = v.article_id AND s.source = r.source)
GROUP BY v.article_id, r.source
"""


def upgrade() -> None:
    op.create_table(
        "article_sources",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_capture_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_sources_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["first_capture_id"],
            ["captures.id"],
            name="fk_article_sources_first_capture_id_captures",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("article_id", "source", name="pk_article_sources"),
    )
    op.create_index("ix_article_sources_source", "article_sources", ["source"])
    op.execute(_OWNERS)
    op.execute(_CAPTURERS)


def downgrade() -> None:
    op.drop_index("ix_article_sources_source", table_name="article_sources")
    op.drop_table("article_sources")
