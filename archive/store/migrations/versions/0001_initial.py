"""The first schema: runs, captures, articles and their versions.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _runs() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("collection", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _when("started_at"),
        _when("finished_at"),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("finish_reason", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("articles_new", "articles_changed", "articles_unchanged")
        ),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("warc_files", sa.JSON(), nullable=False),
        sa.Column("log_path", sa.Text(), nullable=True),
        _when("heartbeat_at"),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_index("ix_runs_source_started_at", "runs", ["source", "started_at"])
    op.create_index("ix_runs_status", "runs", ["status"])


def _captures() -> None:
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(200), nullable=True),
        sa.Column("collection", sa.String(200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        _when("fetched_at", nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("payload_digest", sa.String(200), nullable=False),
        sa.Column("warc_filename", sa.Text(), nullable=False),
        sa.Column("warc_offset", sa.BigInteger(), nullable=False),
        sa.Column("warc_length", sa.BigInteger(), nullable=False),
        sa.Column("record_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_captures"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_captures_run_id_runs", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("record_id", name="uq_captures_record_id"),
    )
    op.create_index("ix_captures_url", "captures", ["url"])
    op.create_index("ix_captures_payload_digest", "captures", ["payload_digest"])


def _articles() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(50), nullable=False),
        _when("first_seen", nullable=False),
        _when("last_seen", nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("url", name="uq_articles_url"),
    )
    op.create_index("ix_articles_source", "articles", ["source"])
    op.create_index("ix_articles_last_seen", "articles", ["last_seen"])


def _text(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Text(), nullable=True)


def _versions() -> None:
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        _when("extracted_at", nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        _text("canonical_url"),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        _when("published"),
        sa.Column("published_offset", sa.Integer(), nullable=True),
        sa.Column("published_source", sa.String(100), nullable=True),
        _when("modified"),
        sa.Column("modified_offset", sa.Integer(), nullable=True),
        sa.Column("modified_source", sa.String(100), nullable=True),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(50), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        _text("credit_name"),
        _text("credit_url"),
        _text("credit_line"),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(50), nullable=False),
        sa.Column("encoding_confidence", sa.Float(), nullable=False),
        sa.Column("extractor", sa.String(100), nullable=False),
        sa.Column("extractor_version", sa.String(100), nullable=False),
        sa.Column("extractor_options", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("conversion_id", sa.String(200), nullable=True),
        sa.Column("metadata_id", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_article_versions"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_article_versions_article_id_articles"
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["captures.id"], name="fk_article_versions_capture_id_captures"
        ),
        sa.UniqueConstraint(
            "article_id", "body_hash", name="uq_article_versions_article_id_body_hash"
        ),
    )
    op.create_index("ix_article_versions_capture_id", "article_versions", ["capture_id"])


def upgrade() -> None:
    _runs()
    _captures()
    _articles()
    _versions()
    # articles <-> article_versions is circular, so this key comes last. SQLite cannot
    # add a constraint in place: batch mode copies the (still empty) table there.
    with op.batch_alter_table("articles") as batch:
        batch.create_foreign_key(
            "fk_articles_current_version_id_article_versions",
            "article_versions",
            ["current_version_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_constraint("fk_articles_current_version_id_article_versions", type_="foreignkey")
    for table in ("article_versions", "articles", "captures", "runs"):
        op.drop_table(table)
