import os

# pytest-qt aborts with neither a display nor a platform plugin; tests always render offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server on 127.0.0.1, shared by the session."""
    from tests.pgserver import running_server

    with running_server() as srv:
        yield srv


@pytest.fixture()
def pg_url(pg_server):
    """A fresh, empty PostgreSQL database for one test."""
    return pg_server.create_database()
