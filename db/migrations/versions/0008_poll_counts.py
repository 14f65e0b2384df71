"""watch_parties.poll_counts: a native poll's final counts, read when it was stopped

Revision ID: 0008_poll_counts
Revises: 0007_update_inbox
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_poll_counts"
down_revision: str | None = "0007_update_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watch_parties") as batch:
        batch.add_column(sa.Column("poll_counts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("watch_parties") as batch:
        batch.drop_column("poll_counts")
