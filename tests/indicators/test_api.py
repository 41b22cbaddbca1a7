"""The API, the page and the CLI of indicators: what each caller sees (scope), errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.accounts.test_auth import _login
from tests.indicators import data
from tests.world import World
from tinhso.cli import app

URL = "/api/v1/indicators/values"
Q = {"index": "test-xa", "period": "2025"}


@pytest.fixture
def loaded(world: World, tmp_path: Path) -> World:
    data.load_catalog(world, tmp_path / "catalog")
    data.put(world, data.VALUES_2025)
    return world


def test_officer_sees_only_its_commune(client, loaded: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get(URL, params=Q, headers=loaded.auth("officer_dk"))
    assert r.status_code == 200, r.text
    assert [u["code"] for u in r.json()["units"]] == ["03388"]
    # Ranks are among all siblings, even those the officer cannot read.
    assert r.json()["units"][0]["rank_of"] == 2


def test_leader_sees_own_province_and_its_communes(client, loaded: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get(URL, params=Q, headers=loaded.auth("leader12"))
    assert sorted(u["code"] for u in r.json()["units"]) == ["03388", "03390", "12"]
    # The list carries the main groups only; one unit's call carries the whole tree.
    assert {n["depth"] for n in r.json()["units"][0]["nodes"]} == {0, 1}
    one = client.get(URL, params=Q | {"unit": "03390"}, headers=loaded.auth("leader12")).json()
    assert one["units"][0]["points"] == pytest.approx(90)
    assert [n["code"] for n in one["units"][0]["nodes"]] == ["G1", "L1", "L2", "G2", "L3"]


@pytest.mark.parametrize(
    ("who", "unit"), [("officer_dk", "03390"), ("officer_dk", "12"), ("viewer15", "12")]
)
def test_other_units_are_not_found(client, loaded: World, who: str, unit: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(URL, params=Q | {"unit": unit}, headers=loaded.auth(who))
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == (
        f"không tìm thấy đơn vị '{unit}' trong phạm vi được xem của bộ chỉ số test-xa"
    )


def test_bad_requests(client, loaded: World) -> None:  # type: ignore[no-untyped-def]
    h = loaded.auth("admin")
    r = client.get(URL, params={"index": "khong-co", "period": "2025"}, headers=h)
    assert r.status_code == 404
    assert r.json()["detail"] == "không có bộ chỉ số 'khong-co' (có: test-xa)"
    r = client.get(URL, params={"index": "test-xa", "period": "2025-13"}, headers=h)
    assert r.status_code == 422 and "tháng" in r.json()["detail"]
    # Years the calendar cannot hold, or whose previous period it cannot, are refused too.
    for period in ("0000", "0001", "9999-12"):
        r = client.get(URL, params={"index": "test-xa", "period": period}, headers=h)
        assert r.status_code == 422, (period, r.text)
        assert r.json()["errors"][0]["reason"] == "năm từ 1900 đến 2999"
    assert client.get(URL, params=Q).status_code == 401


def test_page_shows_the_tree_in_scope(client, loaded: World) -> None:  # type: ignore[no-untyped-def]
    _login(client, "officer_dk")
    r = client.get("/indicators", params={"index": "test-xa", "period": "2025"})
    assert r.status_code == 200
    assert "Phường Đoàn Kết" in r.text and "Tỷ lệ hộ có cáp quang" in r.text
    assert "Trên 50%" in r.text  # the target bucket of L1 (65% of the plan)
    assert "Xã Bình Lư" not in r.text
    r = client.get("/indicators", params={"index": "test-xa", "period": "2025", "unit": "03390"})
    assert r.status_code == 404 and "Bình Lư" not in r.text


def test_page_of_a_province_lists_its_communes(client, loaded: World) -> None:  # type: ignore[no-untyped-def]
    _login(client, "leader12")
    r = client.get("/indicators", params={"index": "test-xa", "period": "2025", "unit": "12"})
    assert r.status_code == 200
    assert "Đơn vị trực thuộc" in r.text and "Xã Bình Lư" in r.text and "Tỉnh Lào Cai" not in r.text


runner = CliRunner()


@pytest.fixture
def cli(cli: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The shared command-line fixture, on a terminal wide enough for the tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return cli


def test_cli_load_twice_then_compute(cli: World, tmp_path: Path) -> None:
    r = runner.invoke(app, ["catalog", "load"])
    assert r.exit_code == 0, r.output
    assert "dti-province-2025" in r.output and "đã nạp" in r.output
    r = runner.invoke(app, ["catalog", "load"])
    assert r.exit_code == 0 and "đã nạp" not in r.output and "không đổi" in r.output
    path = data.load_catalog(cli, tmp_path / "cat")
    data.put(cli, data.VALUES_2025)
    r = runner.invoke(
        app, ["indicators", "compute", "--index", "test-xa", "--period", "2025", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    units = {u["code"]: u for u in json.loads(r.output)["units"]}
    assert units["03390"]["points"] == pytest.approx(90)
    r = runner.invoke(
        app, ["indicators", "compute", "--index", "test-xa", "--period", "2025", "--unit", "03388"]
    )
    assert r.exit_code == 0 and "Phường Đoàn Kết" in r.output and "64,25" in r.output
    r = runner.invoke(app, ["catalog", "load", str(path)])
    assert "không đổi" in r.output


def test_cli_refuses_a_bad_catalog(cli: World, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("catalog: x\nindicators:\n  - {code: a, name: A, numerator: b / 0}\n", "utf-8")
    r = runner.invoke(app, ["catalog", "load", str(bad)])
    assert r.exit_code == 2
    assert "bad.yaml, indicators[0].numerator: biểu thức 'b / 0', vị trí 5: chia cho 0" in r.output


AGENCY_INDEX = """
catalog: test-so
data_elements:
  - {code: s.vb_dt, name: Văn bản điện tử, aggregation: sum}
  - {code: s.vb, name: Văn bản, aggregation: sum}
indicators:
  - {code: s.tl, name: Tỷ lệ văn bản điện tử, numerator: s.vb_dt, denominator: s.vb, factor: 100}
indices:
  - {code: test-so, name: Chỉ số chuyển đổi số của cơ quan, level: agency, max_points: 10,
     children: [{code: L, indicator: s.tl, points: 10, scoring: {rule: linear, full: 100}}]}
"""


def test_an_agency_index_ranks_agencies_in_scope(client, world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data.load_catalog(world, tmp_path, AGENCY_INDEX, "test-so.yaml")
    data.put(
        world,
        [
            ("s.vb_dt", "so_khcn", "2025", 90),
            ("s.vb", "so_khcn", "2025", 100),
            ("s.vb_dt", "ubnd_dk", "2025", 50),
            ("s.vb", "ubnd_dk", "2025", 100),
        ],
    )
    q = {"index": "test-so", "period": "2025"}
    r = client.get(URL, params=q, headers=world.auth("officer_so"))
    (so,) = r.json()["units"]
    assert (so["kind"], so["code"], so["points"]) == ("agency", "000.00.02.H12", 9)
    # Ranked among the agencies under the same parent (UBND tỉnh Lai Châu) that have figures:
    # the Sở and UBND phường Đoàn Kết; the other UBND xã reported nothing and is not ranked.
    assert (so["rank"], so["rank_of"]) == (1, 2)
    # Nothing was reported for 2024: there is no change to show (not a change from zero).
    assert so["previous"] is None and so["change"] is None
    r = client.get(URL, params=q | {"unit": "000.00.50.H12"}, headers=world.auth("officer_so"))
    assert r.status_code == 404
    r = client.get(URL, params=q | {"unit": "000.00.50.H12"}, headers=world.auth("officer_dk"))
    assert r.json()["units"][0]["points"] == 5
