"""verified_lookups: codes of unfollowed cities verified on demand, cached

Issue 11: a node keeps only checkpoints of the cities it does not follow; a code of such a
city is verified on demand (GET /lookup/<code>, then the entry bundle and tiles,
authenticated against the held checkpoint). The proof bundle that verified is kept here.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verified_lookups",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("origin", sa.String(255), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.Column("bundle", sa.LargeBinary(), nullable=False),
        sa.Column("peer", sa.String(1024), nullable=False),
        sa.Column("verified_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("verified_lookups")
