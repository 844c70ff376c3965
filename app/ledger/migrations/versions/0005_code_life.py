"""codes.service / grade / inspected / moved_to: the later records of a code's life

Issue 12: an update may set the service status (in-service, out-of-service,
decommissioned; null means in service), an inspect record the condition grade (its time
is the latest inspection), and a transfer-out names the member city the code moved to
(the row's status is then 'transferred').

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("codes") as batch_op:
        batch_op.add_column(sa.Column("service", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("grade", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("inspected", sa.String(40), nullable=True))
        batch_op.add_column(sa.Column("moved_to", sa.String(6), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("codes") as batch_op:
        for name in ("moved_to", "inspected", "grade", "service"):
            batch_op.drop_column(name)
