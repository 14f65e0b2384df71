"""editorial reviews, review drafts, review moderation and the admin audit log

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "editorial_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=True),
        sa.Column("site", sa.String(length=100), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("grade_text", sa.String(length=50), nullable=True),
        sa.Column("half_stars", sa.SmallInteger(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.Column("where_to_watch", sa.JSON(), nullable=False),
        sa.Column("compares_with", sa.JSON(), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=100), nullable=True),
        sa.Column("removed_reason", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "half_stars IS NULL OR (half_stars >= 1 AND half_stars <= 10)",
            name=op.f("ck_editorial_reviews_half"),
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_editorial_reviews_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_editorial_reviews")),
    )
    with op.batch_alter_table("editorial_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_editorial_reviews_title_id"), ["title_id"], unique=False
        )

    op.create_table(
        "review_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_drafts")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("review_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_drafts_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "review_moderations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=True),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("review", sa.Text(), nullable=False),
        sa.Column("spoiler", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("moderator", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rating_id"],
            ["ratings.id"],
            name=op.f("fk_review_moderations_rating_id_ratings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_review_moderations_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_review_moderations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_moderations")),
    )
    with op.batch_alter_table("review_moderations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_moderations_rating_id"), ["rating_id"], unique=False
        )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))
    op.drop_table("audit_log")
    with op.batch_alter_table("review_moderations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_moderations_rating_id"))
    op.drop_table("review_moderations")
    with op.batch_alter_table("review_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_drafts_expires_at"))
    op.drop_table("review_drafts")
    with op.batch_alter_table("editorial_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_editorial_reviews_title_id"))
    op.drop_table("editorial_reviews")
