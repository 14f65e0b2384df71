"""titles.popularity and titles.vote_count: how widely known a title is (TMDB)

Revision ID: 0006_title_notability
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_title_notability"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("titles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("popularity", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("vote_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("titles", schema=None) as batch_op:
        batch_op.drop_column("vote_count")
        batch_op.drop_column("popularity")
