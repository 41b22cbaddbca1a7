"""Shared fixtures: a migrated database per test on SQLite and PostgreSQL, a small world.

Every database test runs once on SQLite and once on PostgreSQL (when TINHSO_TEST_PG_URL is
set; CI sets it and TINHSO_REQUIRE_PG makes its absence an error). Each test gets a database
of its own — a copy of a migrated template — so order never matters.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.world import World, build_world

# A kept answer whose data changed is rebuilt before it is served (web/answers.py): the
# production wait (a quarter of a second, then the answer as it stood) would make a test that
# writes and reads at once depend on the machine's speed. tests/web/test_answers.py sets it.
os.environ.setdefault("TINHSO_ANSWER_FRESH_WAIT", "60")
from tinhso.audit import service as audit
from tinhso.config import Settings
from tinhso.db import Database
from tinhso.migrate import upgrade

PG_URL = os.environ.get("TINHSO_TEST_PG_URL", "")
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not PG_URL and os.environ.get("TINHSO_REQUIRE_PG"):
        raise pytest.UsageError("TINHSO_REQUIRE_PG is set but TINHSO_TEST_PG_URL is not")


class PgServer:
    """Creates and drops databases on the test PostgreSQL server."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    if not PG_URL:
        yield None
        return
    server = PgServer(PG_URL)
    yield server
    server.admin.dispose()


@pytest.fixture(scope="session")
def templates(
    tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer | None
) -> Iterator[dict[str, str]]:
    """Return a migrated template database per backend (SQLite file path, PG database name)."""
    audit.install()
    out: dict[str, str] = {}
    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    out["sqlite"] = str(path)
    name = f"tinhso_tmpl_{os.getpid()}"
    if pg_server is not None:
        upgrade(pg_server.create(name))
        out["postgresql"] = name
    yield out
    if pg_server is not None:
        pg_server.drop(name)


def fresh_database(
    backend: str, templates: dict[str, str], pg_server: PgServer | None, tmp_path: Path
) -> tuple[str, str | None]:
    """Return (url, pg database name to drop) for a new database copied from the template."""
    if backend == "sqlite":
        target = tmp_path / "tinhso.db"
        shutil.copy(templates["sqlite"], target)
        return f"sqlite:///{target}", None
    if pg_server is None:
        pytest.skip("PostgreSQL: TINHSO_TEST_PG_URL is not set")
    name = f"tinhso_t_{uuid.uuid4().hex[:12]}"
    return pg_server.create(name, template=templates["postgresql"]), name


@pytest.fixture(params=BACKENDS)
def db(
    request: pytest.FixtureRequest,
    templates: dict[str, str],
    pg_server: PgServer | None,
    tmp_path: Path,
) -> Iterator[Database]:
    """A freshly migrated, empty database on each backend."""
    url, pg_name = fresh_database(request.param, templates, pg_server, tmp_path)
    database = Database(url)
    yield database
    database.dispose()
    if pg_name and pg_server is not None:
        pg_server.drop(pg_name)


@pytest.fixture
def world(db: Database, tmp_path: Path) -> World:
    """A small register (two provinces across the reform), agencies and one user per case."""
    return build_world(db, tmp_path / "register")


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[World]:
    """The world's database as the `tinhso` command sees it (TINHSO_DATABASE_URL, a var/)."""
    from tinhso.config import get_settings

    monkeypatch.setenv("TINHSO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("TINHSO_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield world
    get_settings.cache_clear()


@pytest.fixture
def settings(tmp_path: Path, db: Database) -> Settings:
    # No start-up warm-up in tests (each app would open its analytics copy in the background);
    # tests/web/test_warmup.py turns it on.
    return Settings(var_dir=tmp_path / "var", database_url=db.url, warm_up=False)


@pytest.fixture
def client(world: World, settings: Settings) -> Iterator[object]:
    """An in-process HTTP client of the application over the world's database."""
    from fastapi.testclient import TestClient

    from tinhso.app import create_app

    app = create_app(settings, db=world.db)
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Cheap argon2 parameters in tests: the algorithm is the same, the cost is not the point."""
    from argon2 import PasswordHasher

    from tinhso.accounts import service

    saved = service._hasher
    service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    service._hasher = saved
