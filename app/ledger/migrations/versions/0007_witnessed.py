"""witnessed: the latest checkpoint of each log this node co-signed as a witness

Issue 10: a witness stored the checkpoints it co-signed among the replica's verified
checkpoints, before it held their entries, so `log verify --all` failed on a witness
node until sync caught up. What a witness vouched for is its own state (tlog-witness
keeps one latest checkpoint per log); the replica's checkpoints are stored only with the
entries they cover.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witnessed",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=False),
        sa.Column("cosignature", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("witnessed")
