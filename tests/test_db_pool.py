"""The pool checks a connection that sat idle before handing it out (not every checkout): a
connection the server dropped meanwhile is replaced, and the request never sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tinhso import db as dbmod
from tinhso.db import Database


def test_a_dropped_idle_connection_is_replaced(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    with db.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    # The connection is back in the pool; the server drops it (a restart, an idle timeout).
    with Database(db.url).engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    monkeypatch.setattr(dbmod, "PING_IDLE_SECONDS", 0.0)  # it has been idle long enough
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
