"""watch parties: chat members, parties, candidates, votes, RSVPs and scheduler jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "state IN ('voting', 'scheduled')"


def upgrade() -> None:
    op.create_table(
        "chat_members",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_chat_members_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_chat_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_chat_members")),
    )
    op.create_index(op.f("ix_chat_members_user_id"), "chat_members", ["user_id"], unique=False)
    op.create_table(
        "chat_party_settings",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("reminder_minutes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_chat_party_settings_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chat_party_settings")),
    )
    op.create_table(
        "watch_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("host_user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("reminder_minutes", sa.JSON(), nullable=False),
        sa.Column("winner_position", sa.SmallInteger(), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("poll_platform_id", sa.String(length=100), nullable=True),
        sa.Column("poll_message_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('voting', 'scheduled', 'done', 'cancelled')",
            name=op.f("ck_watch_parties_state"),
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_watch_parties_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["host_user_id"],
            ["users.id"],
            name=op.f("fk_watch_parties_host_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_parties")),
    )
    op.create_index(op.f("ix_watch_parties_chat_id"), "watch_parties", ["chat_id"], unique=False)
    op.create_index(
        "ix_watch_parties_poll_platform_id", "watch_parties", ["poll_platform_id"], unique=False
    )
    op.create_index(
        "ix_watch_parties_state_closes_at", "watch_parties", ["state", "closes_at"], unique=False
    )
    op.create_index(
        "uq_watch_parties_active_chat",
        "watch_parties",
        ["chat_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_table(
        "watch_party_candidates",
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "position >= 1 AND position <= 10", name=op.f("ck_watch_party_candidates_position")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["watch_parties.id"],
            name=op.f("fk_watch_party_candidates_party_id_watch_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_watch_party_candidates_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("party_id", "position", name=op.f("pk_watch_party_candidates")),
    )
    op.create_table(
        "watch_party_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "kind IN ('announce', 'stop_poll', 'remind', 'review')",
            name=op.f("ck_watch_party_jobs_kind"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'skipped', 'failed')",
            name=op.f("ck_watch_party_jobs_state"),
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["watch_parties.id"],
            name=op.f("fk_watch_party_jobs_party_id_watch_parties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_party_jobs")),
        sa.UniqueConstraint(
            "party_id", "kind", "offset_minutes", name=op.f("uq_watch_party_jobs_party_id")
        ),
    )
    op.create_index(
        "ix_watch_party_jobs_state_due_at", "watch_party_jobs", ["state", "due_at"], unique=False
    )
    for table in ("watch_party_rsvps", "watch_party_votes"):
        voting = table == "watch_party_votes"
        op.create_table(
            table,
            sa.Column("party_id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            *([sa.Column("position", sa.SmallInteger(), nullable=False)] if voting else []),
            sa.Column(
                "voted_at" if voting else "joined_at", sa.DateTime(timezone=True), nullable=False
            ),
            *(
                [
                    sa.CheckConstraint(
                        "position >= 1 AND position <= 10", name=op.f(f"ck_{table}_position")
                    )
                ]
                if voting
                else []
            ),
            sa.ForeignKeyConstraint(
                ["party_id"],
                ["watch_parties.id"],
                name=op.f(f"fk_{table}_party_id_watch_parties"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["users.id"],
                name=op.f(f"fk_{table}_user_id_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("party_id", "user_id", name=op.f(f"pk_{table}")),
        )


def downgrade() -> None:
    op.drop_table("watch_party_votes")
    op.drop_table("watch_party_rsvps")
    op.drop_index("ix_watch_party_jobs_state_due_at", table_name="watch_party_jobs")
    op.drop_table("watch_party_jobs")
    op.drop_table("watch_party_candidates")
    op.drop_index("uq_watch_parties_active_chat", table_name="watch_parties")
    op.drop_index("ix_watch_parties_state_closes_at", table_name="watch_parties")
    op.drop_index("ix_watch_parties_poll_platform_id", table_name="watch_parties")
    op.drop_index(op.f("ix_watch_parties_chat_id"), table_name="watch_parties")
    op.drop_table("watch_parties")
    op.drop_table("chat_party_settings")
    op.drop_index(op.f("ix_chat_members_user_id"), table_name="chat_members")
    op.drop_table("chat_members")
