"""The communes' boundaries for the map: a GeoJSON file checked feature by feature (all or
nothing, each problem named in Vietnamese), simplified; a schematic for a province without;
the map's layer through the API with the values the caller may read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.errors import Forbidden, InvalidInput
from tinhso.ioc import boundaries
from tinhso.ioc.models import Boundary
from tinhso.units import service as units


def _square(x: float, y: float, d: float = 0.05, points: int = 4) -> list[list[list[float]]]:
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d]]
    # points along the bottom edge, all on one line: the simplification drops them
    extra = [[x + d * k / points, y] for k in range(1, points)]
    return [[ring[0], *extra, *ring[1:], ring[0]]]


def _fc(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _feat(code: Any, coords: Any, kind: str = "Polygon", key: str = "ma_xa") -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {key: code},
        "geometry": {"type": kind, "coordinates": coords},
    }


def _count(world: World) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Boundary)) or 0)


def test_a_good_file_is_checked_simplified_and_written(world: World) -> None:
    data = _fc(_feat(3388, _square(103.4, 22.3, points=40), key="MaXa"))  # a number, as GIS write
    with world.db.session() as s:
        rep = boundaries.import_boundaries(
            s, principal=SYSTEM_PRINCIPAL, data=data, filename="xa.geojson"
        )
    assert (rep.features, rep.written, rep.codes) == (1, 1, ["03388"])
    assert rep.points_after < rep.points_before  # the 39 points on a straight edge are gone
    with world.db.session() as s:
        province = units.units_by_id(s, [world.units["lai_chau"]])[world.units["lai_chau"]]
        fc = boundaries.feature_collection(s, province=province)
        assert [f["properties"]["code"] for f in fc["features"]] == ["03388"]
        assert fc["schematic"] is False
        # the schematic fills only the communes without a boundary, and says it is one
        n = boundaries.schematic(s, province=province)
        fc = boundaries.feature_collection(s, province=province)
        assert n >= 1 and fc["schematic"] is True and len(fc["features"]) == 1 + n


def test_a_bad_file_is_refused_whole_with_every_reason(world: World) -> None:
    bow = [[[103.4, 22.3], [103.5, 22.4], [103.5, 22.3], [103.4, 22.4], [103.4, 22.3]]]
    data = _fc(
        _feat("03388", _square(103.4, 22.3)),  # good, but the file is refused whole
        _feat("03388", _square(103.6, 22.3)),  # the same code twice
        _feat("99999", _square(103.7, 22.3)),  # no such commune
        _feat("03390", bow),  # a bow tie: self-intersecting
        _feat("03391", _square(500000.0, 2400000.0, 100.0)),  # VN-2000 metres, not WGS 84
        _feat("03392", [103.4, 22.3], kind="Point"),
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": _square(103.8, 22.3)},
        },
    )
    with world.db.session() as s, pytest.raises(InvalidInput) as exc:
        boundaries.import_boundaries(s, principal=SYSTEM_PRINCIPAL, data=data, filename="x.geojson")
    reasons = {(e.row, e.field): e.reason for e in exc.value.errors}
    assert "đã có ở đối tượng 1" in reasons[(2, "properties")]
    assert "không có đơn vị mã này" in reasons[(3, "properties")]
    assert reasons[(4, "geometry")] == "hình học không hợp lệ (đường biên tự cắt)"
    assert "WGS 84" in reasons[(5, "geometry")]
    assert "Polygon hoặc MultiPolygon" in reasons[(6, "geometry")]
    assert "thiếu mã đơn vị" in reasons[(7, "properties")]
    assert "chưa ghi ranh giới nào" in exc.value.detail
    assert _count(world) == 0
    for bad, why in (
        (b'{"type": "FeatureCollection", "features": ' + b"[" * 60 + b"]" * 60 + b"}", "lồng nhau"),
        (b'{"features": [' + b"0," * 1_300_000 + b"0]}", "quá 500.000 điểm"),
        (b"\xff\xfe{", "không phải GeoJSON"),
        (b'{"type": "Feature"}', "FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "không có đối tượng"),
    ):
        with world.db.session() as s, pytest.raises(InvalidInput, match=why):
            boundaries.import_boundaries(s, principal=SYSTEM_PRINCIPAL, data=bad, filename="x")


def test_only_an_admin_imports_and_only_its_units(world: World) -> None:
    from tinhso.accounts.models import User
    from tinhso.accounts.service import principal_for

    with world.db.session() as s:
        officer = principal_for(s, s.get(User, world.users["officer_dk"]))  # type: ignore[arg-type]
        with pytest.raises(Forbidden):
            boundaries.import_boundaries(
                s, principal=officer, data=_fc(_feat("03388", _square(103.4, 22.3))), filename="x"
            )


def test_the_map_layer_and_the_cli(client: Any, cli: World, tmp_path: Path) -> None:
    world = cli
    from typer.testing import CliRunner

    from tinhso.cli import app

    path = tmp_path / "xa.geojson"
    path.write_bytes(_fc(_feat("03388", _square(103.4, 22.3))))
    res = CliRunner().invoke(app, ["ioc", "import-boundaries", str(path)])
    assert res.exit_code == 0, res.output
    assert "đã ghi ranh giới 1 đơn vị" in res.output
    res = CliRunner().invoke(app, ["ioc", "schematic", "--province", "12"])
    assert res.exit_code == 0 and "Đã vẽ sơ đồ" in res.output, res.output
    r = client.get(
        "/api/v1/ioc/map",
        params={"layer": "services.on_time", "period": "2025-Q3"},
        headers=world.auth("leader12"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["schematic"] is True and body["layer"]["code"] == "services.on_time"
    assert "03388" in {f["properties"]["code"] for f in body["boundaries"]["features"]}
    r = client.get(
        "/api/v1/ioc/map", params={"layer": "tasks.done"}, headers=world.auth("leader12")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "layer"
