"""members' own library: diary dates, watchlists (personal and per chat), availability alerts

Revision ID: 0010_member_library
Revises: 0009_member_settings
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_member_library"
down_revision: str | None = "0009_member_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("alerts", sa.Boolean(), server_default=sa.text("true"), nullable=False)
        )
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("watched_on", sa.Date(), nullable=True))

    op.create_table(
        "watchlist",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        _fk("watchlist", "user_id", "users"),
        _fk("watchlist", "title_id", "titles"),
        sa.PrimaryKeyConstraint("user_id", "title_id", name=op.f("pk_watchlist")),
    )
    op.create_index(op.f("ix_watchlist_title_id"), "watchlist", ["title_id"])

    op.create_table(
        "chat_watchlist",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        _fk("chat_watchlist", "chat_id", "chats"),
        _fk("chat_watchlist", "title_id", "titles"),
        _fk("chat_watchlist", "user_id", "users"),
        sa.PrimaryKeyConstraint("chat_id", "title_id", "user_id", name=op.f("pk_chat_watchlist")),
    )
    op.create_index(op.f("ix_chat_watchlist_title_id"), "chat_watchlist", ["title_id"])

    op.create_table(
        "availability_alerts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("batch", sa.String(length=64), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'skipped')",
            name=op.f("ck_availability_alerts_state"),
        ),
        _fk("availability_alerts", "user_id", "users"),
        _fk("availability_alerts", "title_id", "titles"),
        _fk("availability_alerts", "provider_id", "providers"),
        sa.PrimaryKeyConstraint(
            "user_id", "title_id", "provider_id", "region", name=op.f("pk_availability_alerts")
        ),
    )
    op.create_index(
        "ix_availability_alerts_state_user", "availability_alerts", ["state", "user_id"]
    )


def downgrade() -> None:
    op.drop_table("availability_alerts")
    op.drop_table("chat_watchlist")
    op.drop_table("watchlist")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_column("watched_on")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("alerts")
