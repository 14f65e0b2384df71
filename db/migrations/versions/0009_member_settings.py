"""a member's own time zone and services (users.region already holds their region)

Revision ID: 0009_member_settings
Revises: 0008_poll_counts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_member_settings"
down_revision: str | None = "0008_poll_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("services", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("services")
        batch.drop_column("timezone")
