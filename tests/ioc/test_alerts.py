"""The operations centre's alerts on SQLite and PostgreSQL: rules checked with every reason;
an alert opens when its condition holds, is taken in hand with a comment, resolves when the
condition goes and reopens when it comes back, each step in its history; scope holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.accounts.test_auth import _login
from tests.world import World
from tinhso import tiles
from tinhso.errors import InvalidInput
from tinhso.ioc import alerts
from tinhso.tiles import AlertFound, AlertSource, Tile, TileQuery, TileSet

STATE: dict[str, Any] = {}


def _values(q: TileQuery) -> dict[int, float | None]:
    return {o: v for o, v in STATE["values"].items() if q.orgs is None or o in q.orgs}


def _find(session: Any, lake: Any, day: Any, params: Any) -> list[AlertFound]:
    return [AlertFound(k, org, text) for k, org, text in STATE["found"]]


RULES = """
rules:
  - {code: thap, name: "Tỷ lệ thử dưới 50%", tile: t.rate, below: 50, levels: [province, commune]}
  - {code: nguon, name: "Nguồn thử", source: t.source, severity: critical}
"""


@pytest.fixture
def rules(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    u = world.units
    STATE["values"] = {u["doan_ket"]: 40.0, u["binh_lu"]: 60.0, u["lai_chau"]: 55.0}
    STATE["found"] = [("x1", u["binh_lu"], "Xã Bình Lư có việc cần làm")]
    tiles.register(
        TileSet(
            domain="t",
            name="Thử",
            tiles=(Tile("t.rate", "Tỷ lệ thử", "Nhóm thử", "%", _values),),
            alerts=(AlertSource("t.source", "Nguồn thử", _find),),
        )
    )
    path = tmp_path / "alerts.yaml"
    path.write_text(RULES, encoding="utf-8")
    monkeypatch.setattr(alerts, "RULES_FILE", path)
    yield world
    tiles.unregister("t")


def _evaluate(world: World) -> dict[str, int]:
    from tinhso.lake import Lake
    from tinhso.workdays import WorkCalendar

    lake = Lake(world.db, None, WorkCalendar.default())
    try:
        with world.db.session() as s:
            return alerts.evaluate(s, lake, province_code="12")
    finally:
        lake.close()


def test_bad_rules_are_refused_with_every_reason(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        """
rules:
  - {code: A B, name: x, tile: khong.co, below: 1}
  - {code: b, name: "", tile: services.on_time}
  - {code: c, name: c, source: khong.co}
  - {code: d, name: d, tile: services.on_time, below: "50%", severity: lon}
  - {code: e, name: e, tile: services.on_time, above: 1, source: tasks.overdue}
""",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as exc:
        alerts.read_rules(path)
    got = {(e.row, e.field): e.reason for e in exc.value.errors}
    assert (
        got[(1, "code")].startswith("mã chỉ gồm chữ thường")
        and got[(1, "tile")] == "không có ô số liệu này"
    )
    assert got[(2, "name")] == "cần tên quy tắc" and "đúng một ngưỡng" in got[(2, "below")]
    assert "không có nguồn cảnh báo này" in got[(3, "source")]
    assert got[(4, "below")] == "phải là số" and "warning hoặc critical" in got[(4, "severity")]
    assert "cần đúng một trong 'tile'" in got[(5, "rule")]
    assert alerts.read_rules()  # the shipped rules are valid


def test_an_alert_s_life(client: Any, rules: World) -> None:
    w = rules
    assert _evaluate(w) == {"opened": 2, "resolved": 0, "reopened": 0, "kept": 0}
    r = client.get("/api/v1/ioc/alerts", headers=w.auth("leader12"))
    texts = sorted(a["text"] for a in r.json()["alerts"])
    assert texts[0].startswith("Phường Đoàn Kết: tỷ lệ thử 40,0 %, dưới ngưỡng 50,0 %")
    assert texts[1] == "Xã Bình Lư có việc cần làm"
    mine = client.get("/api/v1/ioc/alerts", headers=w.auth("officer_dk")).json()["alerts"]
    assert [a["rule"] for a in mine] == ["thap"]  # its commune's only
    so = client.get("/api/v1/ioc/alerts", headers=w.auth("officer_so")).json()["alerts"]
    assert so == []  # a department does not own the communes that report to it
    theirs = next(a for a in r.json()["alerts"] if a["rule"] == "nguon")
    assert theirs["severity"] == "critical"
    url = f"/api/v1/ioc/alerts/{theirs['id']}:acknowledge"
    assert client.post(url, json={"comment": "x"}, headers=w.auth("officer_dk")).status_code == 404
    assert client.post(url, json={"comment": "x"}, headers=w.auth("viewer15")).status_code == 403
    bad = client.post(url, json={"comment": "  "}, headers=w.auth("leader12"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "comment"
    ok = client.post(url, json={"comment": "Đã giao xã xử lý"}, headers=w.auth("leader12"))
    assert ok.status_code == 200 and ok.json()["state"] == "acknowledged"
    # The condition goes: resolved; it comes back: reopened — one alert, its whole history.
    STATE["found"] = []
    STATE["values"][w.units["doan_ket"]] = 45.0
    assert _evaluate(w)["resolved"] == 1
    STATE["found"] = [("x1", w.units["binh_lu"], "Xã Bình Lư có việc cần làm")]
    assert _evaluate(w)["reopened"] == 1
    one = client.get(f"/api/v1/ioc/alerts/{theirs['id']}", headers=w.auth("leader12")).json()
    assert [h["kind"] for h in one["history"]] == ["opened", "acknowledged", "resolved", "reopened"]
    assert (
        one["history"][1]["actor"] == "leader12"
        and one["history"][1]["comment"] == "Đã giao xã xử lý"
    )
    dk = client.get("/api/v1/ioc/alerts", headers=w.auth("officer_dk")).json()["alerts"]
    assert "45,0 %" in dk[0]["text"]  # the text follows the figure
    r = client.get("/api/v1/ioc/alerts", params={"state": "nua"}, headers=w.auth("leader12"))
    assert r.status_code == 422


def test_the_alert_pages(client: Any, rules: World) -> None:
    w = rules
    _evaluate(w)
    _login(client, "officer_dk")
    home = client.get("/")
    assert 'id="alerts"' in home.text and "Phường Đoàn Kết: tỷ lệ thử" in home.text
    tile = home.text[home.text.index('id="tile-alerts"') :]
    assert '<p class="value">1</p>' in tile[:400]  # the commune's one alert, as a tile
    listed = client.get("/alerts")
    assert "Xã Bình Lư có việc" not in listed.text  # another commune's
    aid = int(listed.text.split('href="/alerts/')[1].split('"')[0])
    page = client.get(f"/alerts/{aid}")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(f"/alerts/{aid}/acknowledge", data={"comment": "", "csrf_token": token})
    assert r.status_code == 422 and "cần ghi chú khi tiếp nhận" in r.text
    r = client.post(
        f"/alerts/{aid}/acknowledge",
        data={"comment": "Xã đã rà soát hồ sơ", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Đã ghi tiếp nhận" in r.text and "Xã đã rà soát hồ sơ" in r.text
    other = client.get("/api/v1/ioc/alerts", headers=w.auth("leader12")).json()["alerts"]
    theirs = next(a["id"] for a in other if a["rule"] == "nguon")
    assert client.get(f"/alerts/{theirs}").status_code == 404


def test_a_mistake_in_the_rules_keeps_the_pages_open(
    client: Any, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - {code: x, name: x, tile: khong.co, below: 1}\n", encoding="utf-8")
    monkeypatch.setattr(alerts, "RULES_FILE", path)
    _login(client, "leader12")
    assert client.get("/").status_code == 200  # the overview opens, alerts as they were
    page = client.get("/alerts").text
    assert "Quy tắc cảnh báo có lỗi" in page and "không có ô số liệu này" in page
