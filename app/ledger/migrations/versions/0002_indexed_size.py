"""logs.indexed_size: how far the codes index has folded each log

Replicas can store a large batch of entries first and fold them into the codes index
afterwards, in chunks; the node's own log is always indexed in the sequencing commit.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("logs") as batch_op:
        batch_op.add_column(sa.Column("indexed_size", sa.BigInteger(), nullable=False,
                                      server_default="0"))
    op.execute("UPDATE logs SET indexed_size = size")


def downgrade() -> None:
    with op.batch_alter_table("logs") as batch_op:
        batch_op.drop_column("indexed_size")
