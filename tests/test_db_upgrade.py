"""`tinhso db upgrade` says what it did: created the schema, migrated it, or found it current."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import BACKENDS, PgServer
from tinhso.cli import app
from tinhso.config import get_settings
from tinhso.migrate import current, head, upgrade


@pytest.fixture(params=BACKENDS)
def empty_url(
    request: pytest.FixtureRequest, pg_server: PgServer | None, tmp_path: Path
) -> Iterator[str]:
    """The URL of an empty database (never migrated) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if pg_server is None:
        pytest.skip("PostgreSQL: TINHSO_TEST_PG_URL is not set")
    name = f"tinhso_e_{uuid.uuid4().hex[:12]}"
    yield pg_server.create(name)
    pg_server.drop(name)


def _upgrade(url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("TINHSO_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    return result.exit_code, " ".join(result.output.split())


def test_upgrade_says_what_it_did(empty_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    newest = head()
    assert newest is not None and current(empty_url) is None
    assert _upgrade(empty_url, monkeypatch) == (
        0,
        f"Đã tạo lược đồ cơ sở dữ liệu, phiên bản {newest}.",
    )
    assert current(empty_url) == newest
    assert _upgrade(empty_url, monkeypatch) == (
        0,
        f"Cơ sở dữ liệu đã ở phiên bản mới nhất ({newest}); không có gì thay đổi.",
    )


def test_upgrade_from_an_older_revision(empty_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(empty_url, "0001")
    code, out = _upgrade(empty_url, monkeypatch)
    assert (code, out) == (0, f"Đã nâng cấp cơ sở dữ liệu từ phiên bản 0001 lên {head()}.")
