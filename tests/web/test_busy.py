"""While another process holds a write transaction (a long CLI import), a request waits its turn
for a bounded time, then answers "hệ thống đang bận" (503) instead of a 500; reads go on."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from tests.test_cross_scope import SKIP_TABLES, fingerprint
from tests.world import PASSWORD, World
from tinhso.app import create_app
from tinhso.config import Settings
from tinhso.db import Database

# A second process, as a CLI import is: it opens a write transaction, says so, and holds it
# until its standard input closes.
HOLD_SQLITE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO login_attempt (username, ip, ts, success) VALUES ('cli', '-', '2026-01-01', 0)")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""
HOLD_PG = """
import psycopg, sys
conn = psycopg.connect(sys.argv[1])
conn.execute("LOCK TABLE login_attempt, web_session, unit IN EXCLUSIVE MODE")
print("locked", flush=True)
sys.stdin.read()
conn.rollback()
"""


@contextmanager
def writer_holding(db: Database) -> Iterator[subprocess.Popen[str]]:
    """Run a second process holding a write transaction on the database; yield it."""
    url = make_url(db.url)
    if url.get_backend_name() == "sqlite":
        script, target = HOLD_SQLITE, str(url.database)
    else:
        script = HOLD_PG
        target = url.set(drivername="postgresql").render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, target],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()
        proc.wait(timeout=10)


def release(proc: subprocess.Popen[str]) -> None:
    """Let the second process roll back and end."""
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


@contextmanager
def client_waiting(world: World, settings: Settings, seconds: float) -> Iterator[TestClient]:
    """A client of an application whose database waits ``seconds`` for a held lock."""
    db = Database(world.db.url, busy_timeout=seconds)
    try:
        with TestClient(create_app(settings, db=db), base_url="http://testserver") as c:
            yield c
    finally:
        db.dispose()


def _login_form(c: TestClient, username: str = "officer_dk") -> dict[str, str]:
    page = c.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return {"username": username, "password": PASSWORD, "login_csrf": token, "next": "/units"}


def test_login_while_an_import_holds_the_database(world: World, settings: Settings) -> None:
    with client_waiting(world, settings, 0.5) as c:
        form = _login_form(c)
        SKIP_TABLES.discard("login_attempt")
        try:
            with writer_holding(world.db) as proc:
                before = fingerprint(world.db)
                started = time.monotonic()
                r = c.post("/login", data=form, follow_redirects=False)
                waited = time.monotonic() - started
                assert r.status_code == 503
                assert r.headers["retry-after"] == "30"
                assert "<h1>Hệ thống đang bận</h1>" in r.text
                assert (
                    "Hệ thống đang bận (cơ sở dữ liệu đang được ghi bởi một tác vụ khác)" in r.text
                )
                assert 0.4 < waited < 10
                release(proc)
                assert fingerprint(world.db) == before  # the refused login wrote nothing
        finally:
            SKIP_TABLES.add("login_attempt")
        r = c.post("/login", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/units"


def test_api_write_while_an_import_holds_the_database(world: World, settings: Settings) -> None:
    body = {"commune_id": world.units["doan_ket"], "code": "0338899", "name": "Tổ 99"}
    unit = f"/api/v1/units/{world.units['doan_ket']}"
    with client_waiting(world, settings, 0.5) as c:
        # The token's use is recorded at most once a minute: recorded now, a read stays a read.
        assert c.get(unit, headers=world.auth("admin")).status_code == 200
        with writer_holding(world.db) as proc:
            before = fingerprint(world.db)
            assert c.get(unit, headers=world.auth("admin")).status_code == 200  # readers go on
            r = c.post("/api/v1/units", json=body, headers=world.auth("admin"))
            assert r.status_code == 503
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json() == {
                "type": "about:blank",
                "title": "Hệ thống đang bận",
                "status": 503,
                "detail": "hệ thống đang bận (cơ sở dữ liệu đang được ghi bởi một tác vụ khác), "
                "hãy thử lại sau",
            }
            release(proc)
            assert fingerprint(world.db) == before
        r = c.post("/api/v1/units", json=body, headers=world.auth("admin"))
        assert r.status_code == 201


def test_a_request_waits_its_turn(world: World, settings: Settings) -> None:
    with client_waiting(world, settings, 10) as c:
        form = _login_form(c)
        with writer_holding(world.db) as proc:
            timer = threading.Timer(0.5, release, args=(proc,))
            timer.start()
            started = time.monotonic()
            r = c.post("/login", data=form, follow_redirects=False)
            timer.join()
        assert r.status_code == 303, r.text
        assert time.monotonic() - started >= 0.45


@pytest.mark.parametrize("seconds", [0.25])
def test_the_wait_is_the_settings(world: World, tmp_path, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """`TINHSO_DB_BUSY_TIMEOUT` reaches the application's database."""
    app = create_app(
        Settings(var_dir=tmp_path / "var", database_url=world.db.url, db_busy_timeout=seconds)
    )
    with TestClient(app, base_url="http://testserver") as c:
        form = _login_form(c)
        with writer_holding(world.db):
            started = time.monotonic()
            assert c.post("/login", data=form, follow_redirects=False).status_code == 503
            assert time.monotonic() - started < 5
    app.state.db.dispose()
