"""Alembic environment, run programmatically by app.ledger.store.migrate (no alembic.ini).

The caller passes an open SQLAlchemy connection in config.attributes["connection"], so the
migration runs in the store's own engine settings (SQLite pragmas, PostgreSQL URL).
"""

from alembic import context

from app.ledger.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
