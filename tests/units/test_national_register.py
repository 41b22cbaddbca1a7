"""The real national register, before and after the 2025 reform, loaded once per backend."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import PgServer
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.cli import app
from tinhso.config import get_settings
from tinhso.db import Database
from tinhso.migrate import upgrade
from tinhso.units import register, service
from tinhso.units.lineage_report import lineage_report

pytestmark = pytest.mark.slow
DOCS = Path(__file__).resolve().parents[2] / "docs"
runner = CliRunner()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def national(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    pg_server: PgServer | None,
) -> Iterator[tuple[str, str]]:
    """Yield (backend, URL) of a database holding the full register (read-only for tests)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('national') / 'national.db'}"
    elif pg_server is None:
        pytest.skip("PostgreSQL: TINHSO_TEST_PG_URL is not set")
    else:
        url = pg_server.create("tinhso_national")
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        register.load_register(s)
    db.dispose()
    yield request.param, url
    if request.param == "postgresql" and pg_server is not None:
        pg_server.drop("tinhso_national")


@pytest.fixture
def national_db(national: tuple[str, str]) -> Iterator[Database]:
    db = Database(national[1])
    yield db
    db.dispose()


@pytest.fixture
def cli_on(
    national: tuple[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    monkeypatch.setenv("TINHSO_DATABASE_URL", national[1])
    monkeypatch.setenv("TINHSO_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield national[1]
    get_settings.cache_clear()


def _cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


@pytest.mark.parametrize(
    ("level", "as_of", "count"),
    [
        ("province", "2025-12-31", 34),
        ("province", "2024-12-31", 63),
        ("commune", "2025-12-31", 3321),
        ("commune", "2024-12-31", 10051),
        ("district", "2024-12-31", 696),
        ("district", "2025-12-31", 0),
    ],
)
def test_cli_lists_the_register(cli_on: str, level: str, as_of: str, count: int) -> None:
    code, out = _cli("units", "list", "--level", level, "--as-of", as_of, "--format", "json")
    assert code == 0
    assert len(json.loads(out)) == count


def test_at_least_95_percent_of_old_communes_map_forward(national_db: Database) -> None:
    with national_db.session() as s:
        rep = lineage_report(s)
    assert rep.old_total == 10051
    assert rep.coverage >= 0.95, f"{rep.coverage:.2%}"
    assert all(u.reason for u in rep.unmapped)


def test_lineage_report_command(cli_on: str) -> None:
    code, out = _cli("units", "lineage-report", "--format", "json")
    body = json.loads(out)
    assert (
        code == 0 and body["old_total"] == 10051 and len(body["unmapped"]) == 10051 - body["mapped"]
    )


@pytest.mark.parametrize(
    ("old_code", "level", "new_name"),
    [
        ("10", "province", "Tỉnh Lào Cai"),  # Yên Bái joined Lào Cai
        ("45", "province", "Tỉnh Quảng Trị"),  # Quảng Bình joined Quảng Trị
        ("12", "province", "Tỉnh Lai Châu"),  # Lai Châu kept its borders
    ],
)
def test_old_provinces_map_to_new(
    national_db: Database, old_code: str, level: str, new_name: str
) -> None:
    with national_db.session() as s:
        old = service.find_by_code(
            s, principal=SYSTEM_PRINCIPAL, code=old_code, level=level, on=date(2024, 1, 1)
        )[0]
        mapped = service.map_unit(s, principal=SYSTEM_PRINCIPAL, unit=old, to=date(2026, 1, 1))
    assert [m.unit.name for m in mapped] == [new_name]


def test_doan_ket_is_formed_from_its_resolution(national_db: Database) -> None:
    with national_db.session() as s:
        new = service.find_by_code(
            s, principal=SYSTEM_PRINCIPAL, code="03388", level="commune", on=date(2026, 1, 1)
        )[0]
        sources = {
            link.unit.name for link in service.predecessors(s, principal=SYSTEM_PRINCIPAL, unit=new)
        }
        res = {
            link.resolution
            for link in service.predecessors(s, principal=SYSTEM_PRINCIPAL, unit=new)
        }
    # The note: "hợp nhất phường Đoàn Kết, phường Quyết Tiến, phường Quyết Thắng,
    # xã Lản Nhì Thàng (Lả Nhì Thàng in the register), xã Sùng Phài. … Số: 1670/NQ-UBTVQH15".
    assert sources == {
        "Phường Đoàn Kết",
        "Phường Quyết Tiến",
        "Phường Quyết Thắng",
        "Xã Lả Nhì Thàng",
        "Xã Sùng Phài",
    }
    assert res == {"1670/NQ-UBTVQH15"}


def test_search_finds_doan_ket_without_diacritics(national_db: Database) -> None:
    with national_db.session() as s:
        _n, found = service.list_units(
            s, principal=SYSTEM_PRINCIPAL, query="doan ket", level="commune", as_of=date(2026, 1, 1)
        )
    assert "Phường Đoàn Kết" in {u.name for u in found}


def test_docs_cli_examples_run(cli_on: str) -> None:
    """Every `$ tinhso units list …` example in docs/cli.md runs and gives the count it says."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    examples = re.findall(
        r"^\$ (tinhso units list [^#\n]+?)\s*(?:#\s*(?:(\d+) đơn vị)?.*)?$", text, flags=re.M
    )
    assert len(examples) >= 3
    for command, expected in examples:
        args = shlex.split(command)[1:]
        code, out = _cli(*args)
        assert code == 0, (command, out)
        if expected:
            assert len(json.loads(out)) == int(expected), command


def test_demo_builds_and_is_idempotent(
    national: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_server: PgServer | None,
) -> None:
    backend, url = national
    if backend == "sqlite":
        copy = tmp_path / "demo.db"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        demo_url = f"sqlite:///{copy}"
    else:
        assert pg_server is not None
        demo_url = pg_server.create("tinhso_demo_test", template="tinhso_national")
    monkeypatch.setenv("TINHSO_DATABASE_URL", demo_url)
    monkeypatch.setenv("TINHSO_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        code, out = _cli("demo")
        assert code == 0, out
        assert "Tỉnh Lai Châu" in out and "TinhSo@2025" in out and "tsk_" in out
        code, out = _cli("demo")
        assert (
            code == 0
            and "thêm 0 thôn, bản (cả thôn, bản trước 01/7/2025) và 0 cơ quan"
            in " ".join(out.split())
        )
        # A second run still says how to sign in: the accounts, and how to get a new token.
        assert "TinhSo@2025" in out and "canbo.xa" in out and "lanhdao" in out
        assert "tinhso users token motcua" in out
        code, out = _cli("audit", "verify")
        assert code == 0
    finally:
        get_settings.cache_clear()
        if backend == "postgresql" and pg_server is not None:
            pg_server.drop("tinhso_demo_test")
