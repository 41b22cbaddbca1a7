"""Defects found in review, each pinned by a test."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from tests.services import data
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.services import service


def test_batch_cannot_take_over_a_dossier_of_another_agency(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    # D6 belongs to UBND xã Bình Lư; an officer of Đoàn Kết re-sends it under his own agency.
    takeover = data.DOSSIERS[5] | {
        "agency_code": data.DK,
        "commune_code": "03388",
        "as_of": "2025-12-01T00:00:00+07:00",
    }
    r = client.post(
        "/api/v1/dossiers:batch", json={"items": [takeover]}, headers=world.auth("officer_dk")
    )
    assert r.status_code == 422
    assert (
        r.json()["errors"][0]["reason"]
        == "hồ sơ đã có, thuộc cơ quan nằm ngoài phạm vi được phân quyền"
    )
    d6 = client.get("/api/v1/dossiers/D6", headers=world.auth("officer_bl")).json()
    assert d6["agency_id"] == world.agencies["ubnd_bl"]


def test_an_xlsx_header_cannot_inject_sql(world: World, tmp_path: Path) -> None:
    data.load(world)
    wb = openpyxl.Workbook()
    ws = wb.active
    evil = "': $$VARCHAR$$}) UNION ALL SELECT $$x$$, $$y$$, content FROM read_text($$/etc/hostname$$) --"
    ws.append(["Mã hồ sơ", "Mã thủ tục", "Mã cơ quan", "Kênh", "Trạng thái", evil])
    ws.append(["Q1", "2.001", "000.00.02.H12", 1, 1, "x"])
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "hoso.xlsx"
    path.write_bytes(buf.getvalue())
    with world.db.session() as s:
        rep = service.ingest_file(s, principal=SYSTEM_PRINCIPAL, path=path, filename=path.name)
    assert rep.total == 1  # the header is only a header


def test_a_record_without_any_time_is_refused_not_a_crash(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    item = {
        "code": "T0",
        "procedure_code": "1.001",
        "agency_code": data.DK,
        "channel": 2,
        "status": 1,
    }
    r = client.post(
        "/api/v1/dossiers:batch", json={"items": [item]}, headers=world.auth("system12")
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "as_of"


@pytest.mark.parametrize("token", ["é-không-phải-ascii".encode(), b""])
def test_a_strange_csrf_token_is_refused_not_a_crash(client, world: World, token: bytes) -> None:  # type: ignore[no-untyped-def]
    from tests.accounts.test_auth import _login

    _login(client, "officer_dk")
    r = client.post(
        "/api/v1/units",
        json={"commune_id": 1, "code": "x", "name": "x"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 403


def test_event_ids_are_trimmed_once(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    auth = world.auth("system12")
    ev = {"event_id": " e1", "ts": "2025-07-25T10:00:00+07:00", "status": 9}
    assert client.post("/api/v1/dossiers/D4/events", json=ev, headers=auth).status_code == 201
    r = client.post("/api/v1/dossiers/D4/events", json=ev, headers=auth)
    assert r.status_code == 200 and r.json()["changed"] is False


def test_commune_user_does_not_read_other_agencies_dossiers_of_its_commune(
    client, world: World
) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    # officer_so is scoped to Sở KHCN (at the province level): it must not read D1 (UBND phường Đoàn Kết).
    assert client.get("/api/v1/dossiers/D1", headers=world.auth("officer_so")).status_code == 404
    assert client.get("/api/v1/dossiers/D7", headers=world.auth("officer_so")).status_code == 200


def test_a_province_agency_admin_cannot_rewrite_commune_procedures(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    csv = "Mã thủ tục,Tên thủ tục,Cấp thực hiện,Mã cơ quan,Mức độ DVC,Phí\n1.001,Đổi phí,xã,,toàn trình,1\n"
    r = client.post(
        "/api/v1/procedures:import",
        files={"file": ("t.csv", csv.encode(), "text/csv")},
        headers=world.auth("admin12"),
    )
    assert r.status_code == 422
    assert "cơ quan chủ quản" in r.json()["errors"][0]["reason"]
    own = "Mã thủ tục,Tên thủ tục,Cấp thực hiện,Mã cơ quan,Mức độ DVC,Phí\n2.009,Thủ tục mới,tỉnh,000.00.02.H12,toàn trình,0\n"
    r = client.post(
        "/api/v1/procedures:import",
        files={"file": ("t.csv", own.encode(), "text/csv")},
        headers=world.auth("admin12"),
    )
    assert r.status_code == 200, r.text


def test_an_agency_with_dossiers_cannot_be_deleted(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    r = client.delete(f"/api/v1/agencies/{world.agencies['ubnd_dk']}", headers=world.auth("admin"))
    assert r.status_code == 409 and "không xóa được" in r.json()["detail"]
