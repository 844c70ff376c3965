"""The database under every part of the store: its engine and transactions."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.ledger.db import StoreError, make_engine, migrate, read_tx, write_tx


class ConflictError(StoreError):
    """Another writer changed the log first (the compare-and-swap on its size failed)."""


def now() -> float:
    return time.time()


class Database:
    """An open, migrated database (SQLite or PostgreSQL)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        try:
            migrate(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            raise StoreError(f"cannot open the store at {url}: {exc}") from None

    def close(self) -> None:
        self.engine.dispose()

    def write(self) -> contextlib.AbstractContextManager[sa.Connection]:
        """A write transaction context (BEGIN IMMEDIATE on SQLite)."""
        return write_tx(self.engine)

    def read(self) -> contextlib.AbstractContextManager[sa.Connection]:
        return read_tx(self.engine)


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just added."""
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("the database returned no key for the inserted row")
    return int(key[0])


def in_chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """`values` in slices small enough for an IN (...) list."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


def rows_where_in(
    conn: sa.Connection, query: sa.Select[Any], column: sa.ColumnElement[str], values: list[str]
) -> Iterator[sa.Row[Any]]:
    """The rows of `query` whose `column` is one of `values`. PostgreSQL takes them as ONE
    array parameter (`= ANY`): one statement, planned once, whatever their number; an IN
    list of 500 binds each cost the sequencer a statement of its own with a new plan.
    SQLite gets IN lists in slices (its bind limit)."""
    if not values:
        return
    if conn.dialect.name == "postgresql":
        arr = sa.bindparam("values", values, type_=postgresql.ARRAY(column.type))
        yield from conn.execute(query.where(column == sa.any_(arr)))
        return
    for part in in_chunks(values):
        yield from conn.execute(query.where(column.in_(part)))
