"""evidence.entry_index / evidence.rule: evidence that a city logged a record breaking a rule

Misbehaviour evidence names the entry (its index in the city's log) and the rule it
breaks (app/ledger/rules.py); note_a holds the signed checkpoint covering it and note_b a
tlog-proof bundle of the entry under that checkpoint, so a third party can check it.
Fork evidence leaves both new columns empty.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.add_column(sa.Column("entry_index", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("rule", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.drop_column("rule")
        batch_op.drop_column("entry_index")
