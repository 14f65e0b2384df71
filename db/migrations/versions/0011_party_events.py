"""watch_parties.event_id / event_url: the platform's scheduled event for a party (Discord), and
the scheduler's jobs that publish and cancel it

Revision ID: 0011_party_events
Revises: 0010_member_library
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_party_events"
down_revision: str | None = "0010_member_library"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('announce', 'stop_poll', 'remind', 'review')"
NEW_KINDS = "kind IN ('announce', 'stop_poll', 'remind', 'review', 'event', 'event_end')"


def upgrade() -> None:
    with op.batch_alter_table("watch_parties") as batch:
        batch.add_column(sa.Column("event_id", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("event_url", sa.String(length=300), nullable=True))
    with op.batch_alter_table("watch_party_jobs") as batch:
        batch.drop_constraint(op.f("ck_watch_party_jobs_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_watch_party_jobs_kind"), NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM watch_party_jobs WHERE kind IN ('event', 'event_end')")
    with op.batch_alter_table("watch_party_jobs") as batch:
        batch.drop_constraint(op.f("ck_watch_party_jobs_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_watch_party_jobs_kind"), OLD_KINDS)
    with op.batch_alter_table("watch_parties") as batch:
        batch.drop_column("event_url")
        batch.drop_column("event_id")
