"""What is behind an indicator value (GET /api/v1/indicators/explain): the reported values the
engine counted, scoped to the caller; the 766 figures with their dossier lists; the ranks
among one; the page that opens on what the caller most likely wants."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.indicators import data
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit.service import Actor, bind_actor

URL = "/api/v1/indicators/explain"
Q = {"index": "test-xa", "period": "2025", "indicator": "L1"}


@pytest.fixture
def loaded(world: World, tmp_path: Path) -> World:
    data.load_catalog(world, tmp_path / "catalog")
    data.put(world, data.VALUES_2025)
    return world


def _rows(body: dict, element: str) -> set[tuple[str, str, float]]:  # type: ignore[type-arg]
    (e,) = [e for e in body["elements"] if e["code"] == element]
    return {(r["org_code"], r["period"], r["value"]) for r in e["rows"]}


def test_the_values_behind_a_province_ratio(client, loaded: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get(URL, params=Q | {"unit": "12"}, headers=loaded.auth("leader12"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["indicator"]["numerator"] == 1550 and body["indicator"]["denominator"] == 3000
    # Old communes count through the lineage; Bình Lư's yearly figure supersedes its month.
    assert _rows(body, "t.ho_cap_quang") == {
        ("03388", "2025-H1", 300.0),  # old Phường Đoàn Kết
        ("03391", "2025-Q1", 100.0),
        ("03391", "2025-Q2", 50.0),
        ("03388", "2025-H2", 200.0),  # new Phường Đoàn Kết
        ("03390", "2025", 900.0),
    }
    (num,) = [e for e in body["elements"] if e["code"] == "t.ho_cap_quang"]
    assert num["value"] == 1550 and num["in"] == ["numerator"] and num["hidden"] == 0
    row = next(x for x in num["rows"] if x["period"] == "2025")
    assert row["status_label"] == "Đã nộp" and row["source_label"] == "API"
    assert row["author"] == "hệ thống" and row["period_label"] == "Năm 2025"
    assert body["figures"] == []


def test_a_commune_officer_sees_its_own_values_only(client, loaded: World) -> None:  # type: ignore[no-untyped-def]
    h = loaded.auth("officer_dk")
    r = client.get(URL, params=Q | {"unit": "03388"}, headers=h)
    assert r.status_code == 200, r.text
    assert {c for c, _p, _v in _rows(r.json(), "t.ho_cap_quang")} == {"03388", "03391"}
    assert r.json()["indicator"]["numerator"] == 650
    for unit in ("12", "03390"):
        r = client.get(URL, params=Q | {"unit": unit}, headers=h)
        assert r.status_code == 404
        assert r.json()["detail"] == (
            f"không tìm thấy đơn vị '{unit}' trong phạm vi được xem của bộ chỉ số test-xa"
        )
    r = client.get(URL, params=Q | {"unit": "03388", "indicator": "L9"}, headers=h)
    assert r.status_code == 404 and r.json()["detail"] == "bộ chỉ số test-xa không có chỉ số 'L9'"
    # The node's indicator code works as well as its place in the tree.
    r = client.get(URL, params=Q | {"unit": "03388", "indicator": "t.cap_quang"}, headers=h)
    assert r.status_code == 200 and r.json()["node"]["code"] == "L1"


def test_766_figures_link_to_their_dossiers(client, world: World) -> None:  # type: ignore[no-untyped-def]
    from tests.services import data as services_data
    from tinhso.indicators import loader

    services_data.load(world)
    with world.db.session() as s:
        bind_actor(s, Actor(name="test-setup", client="test"))
        loader.load(s, principal=SYSTEM_PRINCIPAL, paths=loader.default_files())
    q = {"index": "dti-commune-2025", "period": "2025", "unit": "03388", "indicator": "6.1"}
    r = client.get(URL, params=q, headers=world.auth("officer_dk"))
    assert r.status_code == 200, r.text
    figures = {f["ref"]: f for f in r.json()["figures"]}
    assert set(figures) == {"qd766.3.3.num", "qd766.3.3.den"}
    num = figures["qd766.3.3.num"]
    assert num["value"] == r.json()["indicator"]["numerator"]
    assert num["dossiers"] == (
        "/api/v1/indices/qd766/explain?period=2025&unit=03388&indicator=3.3&part=numerator"
    )
    listed = client.get(num["dossiers"], headers=world.auth("officer_dk"))
    assert listed.status_code == 200 and len(listed.json()["rows"]) == num["value"]


def test_a_rank_among_one_is_not_a_rank(client, world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data.load_catalog(world, tmp_path / "catalog")
    data.put(world, [v for v in data.VALUES_2025 if v[1] != "old_ta_chai"])  # Lai Châu only
    q = {"index": "test-xa", "period": "2025"}
    r = client.get(
        "/api/v1/indicators/values", params=q | {"unit": "12"}, headers=world.auth("admin")
    )
    (lai_chau,) = r.json()["units"]
    # The only province with figures: no rank, and the reason instead (was "1/1").
    assert lai_chau["rank"] is None and lai_chau["rank_of"] is None
    assert lai_chau["rank_note"] == "không có đơn vị cùng cấp có số liệu để so sánh"
    assert all(n["rank"] is None for n in lai_chau["nodes"])
    r = client.get("/api/v1/indicators/values", params=q, headers=world.auth("admin"))
    units = {u["code"]: u for u in r.json()["units"]}
    assert (units["03390"]["rank"], units["03390"]["rank_of"]) == (1, 2)  # two communes
    # A province with no figure at all has no points (not zeros) and no rank.
    lao_cai = units["15"]
    assert lao_cai["reported"] is False and lao_cai["points"] is None
    assert lao_cai["rank_note"] == "chưa có số liệu để xếp hạng"
    assert {n["points"] for n in lao_cai["nodes"]} == {None}


def test_a_past_year_offers_each_unit_the_commune_was_formed_from(
    client, world: World, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Phường Đoàn Kết (2025) was formed from the old Đoàn Kết and Quyết Tiến: its officer's page
    of 2024 opens on one of them and links the other, instead of hiding it behind a typed URL."""
    from tests.accounts.test_auth import _login

    data.load_catalog(world, tmp_path / "catalog")
    data.put(world, data.VALUES_2024)
    _login(client, "officer_dk")
    r = client.get("/indicators", params={"index": "test-xa", "period": "2024"})
    assert r.status_code == 200
    shown = "Quyết Tiến" if "<h2>Phường Quyết Tiến" in r.text else "Đoàn Kết"
    other = "Đoàn Kết" if shown == "Quyết Tiến" else "Quyết Tiến"
    offered = r.text[r.text.index('id="others"') :]
    offered = offered[: offered.index("</p>")]
    assert f"Phường {other}</a>" in offered and "năm 2024 còn" in offered
    code = "03391" if other == "Quyết Tiến" else "03388"
    assert f"unit={code}" in offered
