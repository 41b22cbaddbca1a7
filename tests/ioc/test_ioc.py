"""The operations centre through its API and page, on SQLite and PostgreSQL: a tile registered
through the extension point reaches the overview with its trend, target and status; a period
under way is never shown as a change; an assessment shows its last whole period; rankings
never rank one alone and a commune officer gets the commune's own rank only; scope holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.services import data
from tests.world import World
from tinhso import tiles
from tinhso.fmt import local_today
from tinhso.tiles import Tile, TileQuery, TileSet

VALUES: dict[tuple[str, str], float] = {}


def _values(q: TileQuery) -> dict[int, float | None]:
    out: dict[int, float | None] = {}
    for (period, org), v in VALUES.items():
        if period == q.period.code and (q.orgs is None or int(org) in q.orgs):
            out[int(org)] = v
    return out


@pytest.fixture
def tile(world: World) -> Iterator[World]:
    u = world.units
    today = local_today()
    now_q = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    VALUES.clear()
    VALUES.update(
        {
            ("2025-Q1", str(u["lai_chau"])): 70.0,
            ("2025-Q2", str(u["lai_chau"])): 85.0,
            ("2025-Q2", str(u["doan_ket"])): 90.0,
            ("2025-Q2", str(u["binh_lu"])): 70.0,
            ("2025-Q3", str(u["doan_ket"])): 60.0,  # one commune alone: no rank
            (now_q, str(u["lai_chau"])): 10.0,  # a quarter under way: low so far
            (str(today.year - 1), str(u["lai_chau"])): 0.5,
            (str(today.year), str(u["lai_chau"])): 0.1,
        }
    )
    tiles.register(
        TileSet(
            domain="t",
            name="Thử",
            tiles=(
                Tile("t.rate", "Tỷ lệ thử", "Nhóm thử", "%", _values, target=80, warn=60, order=0),
                Tile(
                    "t.year",
                    "Chỉ số năm thử",
                    "Nhóm thử",
                    "",
                    _values,
                    kinds=("year",),
                    whole=True,
                    decimals=2,
                    order=0,
                ),
            ),
        )
    )
    yield world
    tiles.unregister("t")


def _get(client: Any, world: World, user: str, url: str, **params: str) -> Any:
    return client.get(url, params=params, headers=world.auth(user))


def _tile(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(t for t in body["tiles"] if t["code"] == code)


def test_every_domain_registers_its_tiles(client: Any, world: World) -> None:
    r = _get(client, world, "leader12", "/api/v1/ioc/tiles")
    assert r.status_code == 200
    domains = {t["domain"] for t in r.json()["tiles"]}
    assert {"services", "indicators", "reporting", "tasks", "infrastructure"} <= domains


def test_a_tile_s_trend_target_and_status(client: Any, tile: World) -> None:
    w = tile
    r = _get(client, w, "leader12", "/api/v1/ioc/overview", period="2025-Q2")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["subject"] == {"kind": "province", "code": "12", "name": "Tỉnh Lai Châu"}
    t = _tile(body, "t.rate")
    assert (t["value"], t["status"], t["status_label"]) == (85.0, "good", "Đạt mục tiêu")
    assert t["complete"] and t["change"] == 15.0
    assert [p["period"] for p in t["trend"]][-2:] == ["2025-Q1", "2025-Q2"]
    q1 = _get(client, w, "leader12", "/api/v1/ioc/overview", period="2025-Q1").json()
    assert _tile(q1, "t.rate")["status"] == "warn"
    none = _get(client, w, "leader12", "/api/v1/ioc/overview", period="2024-Q4").json()
    assert _tile(none, "t.rate")["value"] is None
    assert _tile(none, "t.rate")["status"] == "nodata"  # no data is not a zero, nor red


def test_a_period_under_way_is_not_a_fall(client: Any, tile: World) -> None:
    w = tile
    body = _get(client, w, "leader12", "/api/v1/ioc/overview").json()
    t = _tile(body, "t.rate")
    assert t["value"] == 10.0 and t["complete"] is False and t["change"] is None
    # The yearly assessment shows last year's, the year under way is not a figure yet.
    y = _tile(body, "t.year")
    assert y["value"] == 0.5 and y["complete"] and y["period"] == str(local_today().year - 1)
    assert all(p["complete"] for p in y["trend"])


def test_rankings_and_scope(client: Any, tile: World) -> None:
    w = tile
    r = _get(client, w, "leader12", "/api/v1/ioc/ranking", tile="t.rate", period="2025-Q2").json()
    assert r["ranked"] and [x["name"] for x in r["best"]] == ["Phường Đoàn Kết", "Xã Bình Lư"]
    alone = _get(
        client, w, "leader12", "/api/v1/ioc/ranking", tile="t.rate", period="2025-Q3"
    ).json()
    assert alone["ranked"] is False and alone["best"] == [] and alone["count"] == 1
    own = _get(
        client, w, "officer_dk", "/api/v1/ioc/ranking", tile="t.rate", period="2025-Q2"
    ).json()
    assert own["subject"]["code"] == "03388"
    assert own["subject_rank"] == {"rank": 1, "of": 2} and own["best"] == []
    body = _get(client, w, "officer_dk", "/api/v1/ioc/overview", period="2025-Q2").json()
    assert body["subject"]["name"] == "Phường Đoàn Kết"
    assert _tile(body, "t.rate")["value"] == 90.0
    for params in ({"unit": "12"}, {"unit": "15"}, {"agency": "000.00.02.H12"}):
        r = _get(client, w, "officer_dk", "/api/v1/ioc/overview", **params)
        assert r.status_code == 404, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = _get(client, w, "leader12", "/api/v1/ioc/ranking", tile="khong.co")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "tile"
    r = _get(client, w, "leader12", "/api/v1/ioc/overview", period="2025-13")
    assert r.status_code == 422


def test_the_766_tiles_read_the_dossiers(client: Any, world: World) -> None:
    """On the hand-checked dossiers of Q3 2025 (tests/services/data.py) the overview's 766
    tiles are the 766's own rates, and each leads to the 766 page of the unit and period."""
    data.load(world)
    body = _get(client, world, "leader12", "/api/v1/ioc/overview", period="2025-Q3").json()
    idx = _get(
        client, world, "leader12", "/api/v1/indices/qd766", period="2025-Q3", unit="12"
    ).json()
    online = _tile(body, "services.online")
    assert online["drill"] == "/services?period=2025-Q3&unit=12"
    want = next(s for s in idx["units"][0]["indicators"] if s["id"] == "3.3")["value"]
    assert online["value"] == pytest.approx(100 * want)


def test_the_overview_page_for_each_role(client: Any, tile: World) -> None:
    from tests.accounts.test_auth import _login

    for user, name in (("leader12", "Tỉnh Lai Châu"), ("officer_dk", "Phường Đoàn Kết")):
        _login(client, user)
        r = client.get("/", params={"period": "2025-Q2"})
        assert r.status_code == 200
        assert f"Trung tâm điều hành — {name}" in r.text and "Tỷ lệ thử" in r.text
    _login(client, "leader12")
    r = client.get("/", params={"period": "2025-Q2", "rank": "t.rate"})
    assert "Cao nhất" in r.text and "Phường Đoàn Kết" in r.text
    _login(client, "officer_dk")
    r = client.get("/", params={"period": "2025-Q2", "rank": "t.rate"})
    assert "đứng thứ <strong>1/2</strong>" in r.text and "Cao nhất" not in r.text
    r = client.get("/", params={"unit": "12"})
    assert r.status_code == 404 and "Không mở được trung tâm điều hành" in r.text


def test_the_public_list_holds_only_tiles_marked_public(tmp_path: Any) -> None:
    from tinhso.errors import InvalidInput
    from tinhso.ioc import public

    assert public.read_public().tiles  # the shipped list is valid
    path = tmp_path / "public.yaml"
    path.write_text("tiles: [services.on_time, tasks.done, khong.co]\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        public.read_public(path)
    reasons = {e.value: e.reason for e in exc.value.errors}
    assert reasons == {
        "tasks.done": "ô này không được công khai",
        "khong.co": "không có ô số liệu này",
    }
