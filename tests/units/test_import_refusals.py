"""Agency and village imports: the same outcome by the CLI and the API, nothing half-written.

Each refused file leaves every table (agencies, units, the audit log and its head) exactly as
it was, on SQLite and PostgreSQL; an accepted one writes each row and one audit entry for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.test_cross_scope import fingerprint
from tests.world import World
from tinhso.audit.models import AuditEntry
from tinhso.cli import app
from tinhso.units.models import Agency, Unit

HEADER = "Mã định danh,Tên cơ quan,Loại,Mã đơn vị,Mã cơ quan cấp trên"
# A child listed before its parent, whose code does not sit under the parent's: refused.
CHILD_NOT_UNDER = (
    f"{HEADER}\n"
    "001.03.02.H12,Phòng A,Khác,12,000.02.02.H12\n"
    "000.02.02.H12,Ban B,Ban,12,000.00.00.H12\n"
)
# Three levels, children first: accepted, written parents first.
CHILDREN_FIRST = (
    f"{HEADER}\n"
    "001.01.03.H12,Tổ Văn thư,Khác,12,000.01.03.H12\n"
    "000.01.03.H12,Văn phòng Sở Nội vụ,Khác,12,000.00.03.H12\n"
    "000.00.03.H12,Sở Nội vụ,Sở,12,000.00.00.H12\n"
)


def _run(tmp_path: Path, command: str, text: str, *options: str) -> tuple[int, str]:
    path = tmp_path / "tep.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["units", command, str(path), *options])
    return result.exit_code, " ".join(result.output.split())  # as read, not as wrapped


def _post(client, world: World, route: str, text: str, partial: bool = False):  # type: ignore[no-untyped-def]
    files = {"file": ("tep.csv", text.encode(), "text/csv")}
    params = {"partial": "true"} if partial else {}
    return client.post(route, files=files, params=params, headers=world.auth("admin"))


def _agency_codes(world: World) -> set[str]:
    with world.db.session() as s:
        return set(s.scalars(select(Agency.code)))


def _audit_entries(world: World) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_cli_refused_agency_file_writes_nothing(cli: World, tmp_path: Path) -> None:
    before = fingerprint(cli.db)
    code, out = _run(tmp_path, "import-agencies", CHILD_NOT_UNDER)
    assert code == 2
    assert "tệp có 1 lỗi; chưa ghi dòng nào" in out
    assert "dòng 2, cột parent_code: mã '001.03.02.H12' không thuộc mã của cơ quan" in out
    assert fingerprint(cli.db) == before


def test_api_refuses_the_same_file_the_same_way(client, world: World) -> None:  # type: ignore[no-untyped-def]
    before = fingerprint(world.db)
    r = _post(client, world, "/api/v1/agencies:import", CHILD_NOT_UNDER)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["detail"] == "tệp có 1 lỗi; chưa ghi dòng nào"
    assert body["errors"] == [
        {
            "field": "parent_code",
            "row": 2,
            "value": "000.02.02.H12",
            "reason": "mã '001.03.02.H12' không thuộc mã của cơ quan cấp trên '000.02.02.H12'",
        }
    ]
    assert fingerprint(world.db) == before


def test_cli_accepts_children_before_their_parents(cli: World, tmp_path: Path) -> None:
    audited = _audit_entries(cli)
    code, out = _run(tmp_path, "import-agencies", CHILDREN_FIRST)
    assert code == 0, out
    assert "Thêm mới 3, cập nhật 0, không đổi 0" in out
    with cli.db.session() as s:
        by_code = {a.code: a for a in s.scalars(select(Agency))}
    root, office, clerks = (by_code[c] for c in ("000.00.03.H12", "000.01.03.H12", "001.01.03.H12"))
    assert office.parent_id == root.id and clerks.parent_id == office.id
    assert clerks.path == f"{root.path}{office.id}/{clerks.id}/"
    assert _audit_entries(cli) == audited + 3
    code, out = _run(tmp_path, "import-agencies", CHILDREN_FIRST)
    assert code == 0 and "không đổi 3" in out


def test_api_accepts_children_before_their_parents(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = _post(client, world, "/api/v1/agencies:import", CHILDREN_FIRST)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["errors"]) == (3, [])


def test_a_loop_between_rows_is_refused(client, world: World) -> None:  # type: ignore[no-untyped-def]
    # Each code sits under the other's by QCVN 102's reading; only the loop is wrong.
    text = f"{HEADER}\n001.00.03.H12,Phòng A,Khác,12,000.00.03.H12\n000.00.03.H12,Sở B,Sở,12,001.00.03.H12\n"
    before = fingerprint(world.db)
    r = _post(client, world, "/api/v1/agencies:import", text)
    assert r.status_code == 422
    assert [(e["row"], e["reason"]) for e in r.json()["errors"]] == [
        (2, "cơ quan cấp trên tạo thành vòng lặp"),
        (3, "cơ quan cấp trên tạo thành vòng lặp"),
    ]
    assert fingerprint(world.db) == before


def test_partial_refuses_the_children_of_a_refused_row(client, world: World) -> None:  # type: ignore[no-untyped-def]
    text = (
        f"{HEADER}\n"
        "000.01.04.H12,Văn phòng Sở Tài chính,Khác,12,000.00.04.H12\n"  # parent refused below
        "000.00.04.H12,Sở Tài chính,Cục,12,000.00.00.H12\n"  # unknown kind
        "000.00.05.H12,Sở Xây dựng,Sở,12,000.00.00.H12\n"  # good
    )
    audited = _audit_entries(world)
    r = _post(client, world, "/api/v1/agencies:import", text, partial=True)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["committed"], body["created"]) == (True, 1)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "parent_code"), (3, "kind")]
    assert "dòng 3 bị từ chối" in body["errors"][0]["reason"]
    codes = _agency_codes(world)
    assert "000.00.05.H12" in codes and "000.00.04.H12" not in codes
    assert "000.01.04.H12" not in codes
    assert _audit_entries(world) == audited + 1


BAD_TEXTS = [
    # (cell, field, reason)
    ("Sở\x00Nội vụ", "name", "tên cơ quan có ký tự điều khiển (U+0000) không được phép"),
    ("Sở\x1bNội vụ", "name", "tên cơ quan có ký tự điều khiển (U+001B) không được phép"),
    ("Sở " + "Nội vụ " * 40, "name", "tên cơ quan dài 282 ký tự, vượt quá giới hạn 250 ký tự"),
]


@pytest.mark.parametrize(("name", "field", "reason"), BAD_TEXTS)
def test_cli_and_api_refuse_controls_and_overlong_names(
    client,  # type: ignore[no-untyped-def]
    cli: World,
    tmp_path: Path,
    name: str,
    field: str,
    reason: str,
) -> None:
    text = f"{HEADER}\n000.00.03.H12,{name},Sở,12,000.00.00.H12\n"
    before = fingerprint(cli.db)
    r = _post(client, cli, "/api/v1/agencies:import", text)
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert (err["row"], err["field"]) == (2, field) and err["reason"].startswith(reason)
    assert "value" not in err  # the refused text is not echoed back
    code, out = _run(tmp_path, "import-agencies", text)
    assert code == 2 and reason in out
    assert fingerprint(cli.db) == before


VILLAGE_HEADER = "Mã,Tên,Loại,Mã xã"


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("03388\x0010,Tổ 10,tổ dân phố,03388", "code", "mã thôn có ký tự điều khiển (U+0000)"),
        ("0338810,Tổ\x0710,tổ dân phố,03388", "name", "tên thôn có ký tự điều khiển (U+0007)"),
        ("0338810,Tổ 10,tổ dân phố,03\x0088", "commune_code", "mã xã có ký tự điều khiển (U+0000)"),
        ("0338810" * 3 + ",Tổ 10,tổ dân phố,03388", "code", "mã thôn dài 21 ký tự, vượt quá"),
        ("0338810,Tổ 10,tổ dân phố," + "1" * 21, "commune_code", "mã xã dài 21 ký tự, vượt quá"),
        ("0338810," + "T" * 201 + ",tổ dân phố,03388", "name", "tên thôn dài 201 ký tự, vượt quá"),
    ],
)
def test_village_imports_refuse_controls_and_overlong_codes(
    client,  # type: ignore[no-untyped-def]
    cli: World,
    tmp_path: Path,
    row: str,
    field: str,
    reason: str,
) -> None:
    text = f"{VILLAGE_HEADER}\n{row}\n"
    before = fingerprint(cli.db)
    r = _post(client, cli, "/api/v1/units:import", text)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(2, field)]
    assert r.json()["errors"][0]["reason"].startswith(reason)
    code, out = _run(tmp_path, "import-villages", text)
    assert code == 2 and reason in out
    assert fingerprint(cli.db) == before
    with cli.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Unit).where(Unit.level == "village")) == 4
