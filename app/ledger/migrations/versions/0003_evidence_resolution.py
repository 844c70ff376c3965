"""evidence.resolved_at / evidence.resolution: the operator's decision on fork evidence

A city stays frozen while any of its fork evidence is unresolved. The decision used to
live in DATA/evidence-resolved.json beside the database; keeping it in the store makes it
part of the same backups and visible to every process using that database.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.drop_column("resolution")
        batch_op.drop_column("resolved_at")
