"""The `tinhso` command, run as an operator would, against the test databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from tests.world import World
from tinhso.audit.models import AuditEntry
from tinhso.cli import app
from tinhso.config import get_settings

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=input)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += f"\n{type(result.exception).__name__}: {result.exception}"
    return result.exit_code, output


def test_units_list_json_counts(cli: World) -> None:
    code, out = run(
        "units", "list", "--level", "province", "--as-of", "2025-12-31", "--format", "json"
    )
    assert code == 0
    assert [u["name"] for u in json.loads(out)] == ["Tỉnh Lai Châu", "Tỉnh Lào Cai"]
    code, out = run(
        "units", "list", "--level", "province", "--as-of", "2024-12-31", "--format", "json"
    )
    assert len(json.loads(out)) == 3


def test_units_list_under_parent(cli: World) -> None:
    code, out = run("units", "list", "--level", "village", "--parent", "03388", "--format", "json")
    assert code == 0
    assert [u["name"] for u in json.loads(out)] == ["Tổ dân phố số 1", "Tổ dân phố số 2"]


def test_units_list_bad_date(cli: World) -> None:
    code, out = run("units", "list", "--level", "province", "--as-of", "31/12/2025")
    assert code == 2 and "không hợp lệ" in out


def test_units_map(cli: World) -> None:
    code, out = run("units", "map", "03391", "--to", "2026-01-01", "--format", "json")
    assert code == 0
    body = json.loads(out)
    assert body["unit"]["name"] == "Phường Quyết Tiến"
    assert [(c["code"], c["share"]) for c in body["counterparts"]] == [("03388", "whole")]
    # 03388 names both the old and the new Đoàn Kết: the one not valid on --to is mapped.
    code, out = run("units", "map", "03388", "--to", "2024-01-01", "--format", "json")
    body = json.loads(out)
    assert body["unit"]["valid_from"] == "2025-07-01"
    assert sorted(c["name"] for c in body["counterparts"]) == [
        "Phường Quyết Tiến",
        "Phường Đoàn Kết",
    ]


def test_units_map_unknown_code(cli: World) -> None:
    code, out = run("units", "map", "77777", "--to", "2026-01-01")
    assert code == 2 and "Không có đơn vị mã 77777" in out


def test_lineage_report(cli: World) -> None:
    code, out = run("units", "lineage-report", "--format", "json")
    assert code == 0
    body = json.loads(out)
    assert (body["old_total"], body["mapped"]) == (8, 7)
    assert body["unmapped"][0]["name"] == "Xã Bản Liền"


def test_users_add_and_token(cli: World) -> None:
    code, out = run(
        "users",
        "add",
        "canbo.moi",
        "--role",
        "officer",
        "--unit",
        "03390",
        "--password-stdin",
        input="mot-mat-khau-dai\n",
    )
    assert code == 0, out
    code, out = run("users", "token", "canbo.moi", "--name", "thử")
    assert code == 0
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("tsk_")


def test_users_add_refuses_weak_password(cli: World) -> None:
    code, out = run("users", "add", "yeu", "--role", "viewer", "--password-stdin", input="123\n")
    assert code == 2 and "ít nhất 10 ký tự" in out


def test_audit_verify_ok_then_tampered(cli: World) -> None:
    code, out = run("audit", "verify")
    assert code == 0 and "toàn vẹn" in out
    with cli.db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == 4).values(after='{"name": "giả mạo"}'))
    code, out = run("audit", "verify")
    assert code == 1
    assert "mục #4" in out and "đã bị sửa" in out


def test_db_upgrade_on_a_new_database(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TINHSO_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    get_settings.cache_clear()
    try:
        code, _out = run("db", "upgrade")
        assert code == 0 and (tmp_path / "new.db").exists()
        code, _out = run("db", "upgrade")  # idempotent
        assert code == 0
    finally:
        get_settings.cache_clear()


def test_serve_refuses_a_database_behind_the_schema(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The server does not start on a database an older version left (every sign-in was a 500
    on a 0006 database): it says to upgrade, and exits before listening."""
    from tinhso.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    monkeypatch.setenv("TINHSO_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        code, out = run("serve", "--port", "1")
        assert code == 2
        assert "cơ sở dữ liệu ở phiên bản 0006" in " ".join(out.split())
        assert "tinhso db upgrade" in " ".join(out.split())
    finally:
        get_settings.cache_clear()


def test_a_copy_another_process_holds_is_told_in_vietnamese(cli: World) -> None:
    """The server holds the analytics copy's file (DuckDB lets one process open it): the 766 and
    DTI commands say so and what to do, instead of DuckDB's English lock traceback."""
    import subprocess
    import sys

    from tinhso.lake import Lake

    path = Lake.path_for(get_settings().var_dir, cli.db.url)
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for args in (
            ("services", "index", "--period", "2025-Q3"),
            ("indicators", "compute", "--index", "x", "--period", "2025"),
        ):
            code, out = run(*args)
            text = " ".join(out.split())
            assert code == 2, out
            assert "bản sao phân tích đang được một tiến trình khác mở" in text
            assert "Traceback" not in out and "lock" not in out
    finally:
        holder.kill()
        holder.wait()


def test_services_commands(cli: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.services import data

    procs = tmp_path / "tthc.csv"
    procs.write_text(data.PROCEDURES_CSV, encoding="utf-8")
    code, out = run("services", "import-procedures", str(procs))
    assert code == 0 and "thêm mới 4" in out
    dossiers = tmp_path / "hoso.ndjson"
    dossiers.write_text("\n".join(json.dumps(d) for d in data.DOSSIERS) + "\n", encoding="utf-8")
    code, out = run("services", "import", str(dossiers))
    assert code == 0 and "thêm mới 8" in out
    code, out = run("services", "import", str(dossiers))
    assert "thêm mới 0" in out and "không đổi 8" in out
    code, out = run(
        "services", "index", "--period", "2025-Q3", "--unit", "000.00.50.H12", "--format", "json"
    )
    assert code == 0, out
    unit = json.loads(out)["units"][0]
    ind = {i["id"]: i for i in unit["indicators"]}
    assert (ind["2.1"]["numerator"], ind["2.1"]["denominator"]) == (2, 4)
    code, out = run("services", "index", "--period", "2025-Q3")
    assert code == 0 and "Phường Đoàn Kết" in out and "Xếp hạng" in out
    xlsx = tmp_path / "ds.xlsx"
    code, out = run(
        "services",
        "explain",
        "--period",
        "2025-Q3",
        "--unit",
        "000.00.50.H12",
        "--indicator",
        "2.1",
        "--part",
        "numerator",
        "--out",
        str(xlsx),
    )
    assert code == 0 and "Đã ghi 2 dòng" in out and xlsx.exists()


def test_services_import_refuses_a_bad_file(cli: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "hoso.csv"
    bad.write_text(
        "code,procedure_code,agency_code,channel,status\nX,9.9,000.00.50.H12,7,1\n",
        encoding="utf-8",
    )
    code, out = run("services", "import", str(bad))
    assert code == 2
    assert (
        "mã thủ tục không có trong danh mục thủ tục" in out and "phải là một trong: 1, 2, 3" in out
    )
    code, out = run("services", "index", "--period", "2025-Q9")
    assert code == 2 and "không hợp lệ" in out
