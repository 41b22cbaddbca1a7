"""The units and agencies API, exercised in process."""

from __future__ import annotations

from tests.world import World


def test_list_units_scoped_to_commune_officer(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        "/api/v1/units",
        params={"level": "commune", "as_of": "2026-01-01"},
        headers=world.auth("officer_dk"),
    )
    assert r.status_code == 200
    assert [u["name"] for u in r.json()["items"]] == ["Phường Đoàn Kết"]


def test_officer_reads_predecessors_of_own_commune(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        f"/api/v1/units/{world.units['doan_ket']}/lineage", headers=world.auth("officer_dk")
    )
    assert r.status_code == 200
    body = r.json()
    assert sorted(p["unit"]["name"] for p in body["predecessors"]) == [
        "Phường Quyết Tiến",
        "Phường Đoàn Kết",
    ]
    r = client.get(
        f"/api/v1/units/{world.units['old_quyet_tien']}", headers=world.auth("officer_dk")
    )
    assert r.status_code == 200


def test_search_and_map(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/units", params={"q": "binh lu"}, headers=world.auth("admin"))
    assert [u["name"] for u in r.json()["items"]] == ["Xã Bình Lư"]
    r = client.get(
        f"/api/v1/units/{world.units['old_ta_chai']}/map",
        params={"to": "2025-07-01"},
        headers=world.auth("admin"),
    )
    assert [(c["unit"]["name"], c["share"]) for c in r.json()["counterparts"]] == [
        ("Xã Bắc Hà", "part"),
        ("Xã Nghĩa Lộ", "part"),
    ]


def test_unauthenticated_gets_problem(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/units")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Chưa đăng nhập"


def test_create_village_and_audit(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/units",
        json={
            "commune_id": world.units["doan_ket"],
            "code": "0338803",
            "name": "To\u0302\u0309 da\u0302n pho\u0302\u0301 so\u0302\u0301 3",
            "kind": "to_dan_pho",
        },
        headers=world.auth("officer_dk"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Tổ dân phố số 3"  # stored NFC
    r = client.get(
        "/api/v1/audit", params={"entity": "unit", "limit": 1}, headers=world.auth("admin")
    )
    entry = r.json()[0]
    assert (entry["action"], entry["actor"], entry["client"]) == ("create", "officer_dk", "api")
    assert "Tổ dân phố số 3" in entry["after"]


def test_create_agency_validates_code(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/agencies",
        json={
            "code": "000.00.5.H12",
            "name": "Sở X",
            "kind": "so",
            "unit_id": world.units["lai_chau"],
        },
        headers=world.auth("admin12"),
    )
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "code" and "NNN.NN.NN.Xnn" in err["reason"]


def test_agency_code_must_sit_under_parent(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/agencies",
        json={
            "code": "000.00.03.H15",
            "name": "Sở Nội vụ",
            "kind": "so",
            "unit_id": world.units["lai_chau"],
            "parent_id": world.agencies["ubnd_lc"],
        },
        headers=world.auth("admin12"),
    )
    assert r.status_code == 422
    assert "không thuộc mã của cơ quan cấp trên" in r.json()["errors"][0]["reason"]
    r = client.post(
        "/api/v1/agencies",
        json={
            "code": "000.00.03.H12",
            "name": "Sở Nội vụ",
            "kind": "so",
            "unit_id": world.units["lai_chau"],
            "parent_id": world.agencies["ubnd_lc"],
        },
        headers=world.auth("admin12"),
    )
    assert r.status_code == 201, r.text


def test_duplicate_agency_code_conflicts(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/agencies",
        json={
            "code": "000.00.02.H12",
            "name": "Trùng",
            "kind": "so",
            "unit_id": world.units["lai_chau"],
        },
        headers=world.auth("admin"),
    )
    assert r.status_code == 409
    assert "Sở Khoa học và Công nghệ" in r.json()["detail"]
