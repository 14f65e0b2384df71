"""the Telegram update inbox: updates stored on receipt, handled again after a crash

Revision ID: 0007_update_inbox
Revises: 0006_title_notability
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_update_inbox"
down_revision: str | None = "0006_title_notability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "update_inbox",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_update_inbox")),
    )


def downgrade() -> None:
    op.drop_table("update_inbox")
