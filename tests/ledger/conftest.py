"""Fixtures of the ledger tests: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from app.ledger.db import sqlite_url
from app.ledger.node import Node

CITY = "130100"
POINT = {"type": "Point", "coordinates": [114.5149, 38.0428]}


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """A fresh empty database URL: SQLite in tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "ledger.sqlite3")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def node(tmp_path, db_url):
    """An unlocked city node (130100) with one active official, alice / 'alice-pw'."""
    n = Node.create(
        tmp_path / "node",
        CITY,
        "Shijiazhuang",
        "石家庄",
        "node-pw",
        db_url=db_url,
        batch_delay=0.005,
    )
    n.add_official("alice", "alice-pw")
    yield n
    n.close()


def point(i: int = 0) -> dict:
    return {"type": "Point", "coordinates": [114.5 + i * 1e-4, 38.0 + i * 1e-4]}
