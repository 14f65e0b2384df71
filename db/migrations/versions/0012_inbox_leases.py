"""update inbox leases: each unhandled update is held by the worker that stored it, until when;
another webhook worker takes it over only once that lease ran out

Revision ID: 0012_inbox_leases
Revises: 0011_party_events
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_inbox_leases"
down_revision: str | None = "0011_party_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows from before have no lease: the first worker to start takes them, as before.
    with op.batch_alter_table("update_inbox") as batch:
        batch.add_column(sa.Column("worker_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("update_inbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("worker_id")
