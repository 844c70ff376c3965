"""Engines and transactions for SQLite and PostgreSQL behind one code path.

SQLite runs in WAL mode with synchronous=FULL: NORMAL would already survive a killed
process, but after a power cut it may lose the last committed transactions, and the
sequencer acknowledges codes as soon as their batch commits. Batching makes the extra
fsync per commit negligible. Write transactions use BEGIN IMMEDIATE so two writers queue
on the lock instead of failing later with "database is locked" when upgrading.
"""

from __future__ import annotations

import contextlib
import functools
import json
import operator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.core.errors import CityLedgerError

MIGRATIONS = "app.ledger:migrations"
VERSIONS = Path(__file__).with_name("migrations") / "versions"


class StoreError(CityLedgerError):
    """The database could not be opened or is not a CityLedger store."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def make_engine(url: str) -> sa.Engine:
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"invalid database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: object) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA cache_size=-131072")  # 128 MiB: big codes-index B-trees
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            immediate = conn.get_execution_options().get("cityledger_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10)
    raise StoreError(
        f"unsupported database {parsed.get_backend_name()!r}: "
        "use sqlite:///PATH or postgresql+psycopg://…"
    )


@contextlib.contextmanager
def write_tx(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction (BEGIN IMMEDIATE on SQLite); commits on success."""
    with engine.connect() as conn:
        conn = conn.execution_options(cityledger_write=True)
        with conn.begin():
            yield conn


@contextlib.contextmanager
def read_tx(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        with conn.begin():
            yield conn


def head_revision() -> str:
    """The newest migration's revision, from the file names (``NNNN_what.py`` holds
    revision "NNNN"; tests/ledger/test_store.py checks it against Alembic's own head)."""
    return max(p.name.split("_", 1)[0] for p in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


def _current_revision(engine: sa.Engine) -> str | None:
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:  # no version table yet: a new database
        return None
    return None if found is None else str(found)


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent, run on every open).

    Alembic is imported only when there is something to migrate: it is 0.4 s of CPU of
    every CLI command and node start (a third of `cityledger official list`), and a
    store already at the head needs one SELECT to know it."""
    if _current_revision(engine) == head_revision():
        return
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    with write_tx(engine) as conn:
        if engine.dialect.name == "postgresql":
            # two processes opening a fresh database at once must not both create tables
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@functools.lru_cache(maxsize=64)
def _upsert_sql(paramstyle: str, table: str, cols: tuple[str, ...], keys: tuple[str, ...]) -> str:
    mark = "?" if paramstyle == "qmark" else "%s"
    return (
        f'INSERT INTO "{table}" ({_quoted(cols)}) VALUES ({", ".join([mark] * len(cols))}) '
        + _on_conflict(cols, keys)
    )


@functools.lru_cache(maxsize=64)
def _upsert_json_sql(table: str, cols: tuple[str, ...], keys: tuple[str, ...]) -> str:
    return (
        f'INSERT INTO "{table}" ({_quoted(cols)}) SELECT {_quoted(cols)} '
        f'FROM json_populate_recordset(NULL::"{table}", %s::json) ' + _on_conflict(cols, keys)
    )


def _quoted(cols: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in cols)


def _on_conflict(cols: tuple[str, ...], keys: tuple[str, ...]) -> str:
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c not in keys)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return f"ON CONFLICT ({_quoted(keys)}) {action}"


def upsert(
    conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE for every column not in keys; a later row
    with the same keys wins.

    It goes straight to the driver because SQLAlchemy's per-row parameter processing was
    the largest cost of indexing a million replicated entries (values are plain
    str/int/float/bytes). Rows of many small values (the codes index, officials) go to
    PostgreSQL as ONE statement with ONE parameter, the rows as a JSON array the server
    turns into records (json_populate_recordset): psycopg's executemany binds and
    executes them one by one (pipelined): 71 ms of client and server CPU per 1,000 codes
    rows against 53, and 3-4× the statement time in the sequencer. Blobs (tiles, entry
    bundles: a few large rows per batch) stay executemany, binary: as JSON they would go
    as hex and cost the server 3× more. SQLite is in-process:
    executemany. Measured in bench/README.md (PostgreSQL beside SQLite)."""
    if not rows:
        return
    cols = tuple(rows[0])
    if conn.dialect.name == "postgresql" and not any(
        isinstance(table.c[c].type, sa.LargeBinary) for c in cols
    ):
        if len(rows) > 1:  # ON CONFLICT DO UPDATE may not touch a row twice in a statement
            rows = list({tuple(r[k] for k in keys): r for r in rows}.values())
        sql = _upsert_json_sql(table.name, cols, tuple(keys))
        conn.exec_driver_sql(sql, (json.dumps(rows, allow_nan=False),))
        return
    pick = operator.itemgetter(*cols)
    sql = _upsert_sql(conn.dialect.paramstyle, table.name, cols, tuple(keys))
    conn.exec_driver_sql(
        sql, [pick(r) for r in rows] if len(cols) > 1 else [(pick(r),) for r in rows]
    )
