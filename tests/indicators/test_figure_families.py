"""The figures extension point (tinhso.figures) with a family defined only in this test: the
catalog checks know it, the engine computes with it, a new version of its figures reaches the
next read, and the explanation leads to its records. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.indicators import data
from tests.world import World
from tinhso import figures
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.indicators import explain, loader, service
from tinhso.indicators.catalog import CatalogError
from tinhso.lake import Lake
from tinhso.workdays import WorkCalendar

CATALOG = """
catalog: test-fig
version: "1"
indicators:
  - {code: tf.share, name: Tỷ lệ thiết bị hoạt động, numerator: testfig.working, denominator: testfig.devices, factor: 100, unit: "%"}
indices:
  - code: test-fig
    name: Chỉ số thử số liệu của lĩnh vực
    level: commune
    max_points: 10
    children:
      - {code: F1, indicator: tf.share, points: 10, scoring: {rule: linear, full: 100}}
"""

STATE: dict[str, Any] = {"version": 1, "values": {}, "asked": []}


def _fetch(lake: Lake, period: Any, day: date, refs: tuple[str, ...]) -> figures.FigureValues:
    STATE["asked"].append((period.code, day, refs))
    return figures.FigureValues(
        {org: {r: v.get(r) for r in refs} for org, v in STATE["values"].items()}
    )


def _drill(
    session: Any, principal: Any, ref: str, kind: str, code: str, period: Any
) -> figures.Drill:
    return figures.Drill(page=f"/thu/{code}", records=f"/api/thu/{code}?ref={ref}")


FAMILY = figures.FigureFamily(
    prefix="testfig",
    name="lĩnh vực thử",
    figures=lambda: {"testfig.devices": "Số thiết bị", "testfig.working": "Số thiết bị hoạt động"},
    fetch=_fetch,
    version=lambda lake, period, day: STATE["version"],
    drill=_drill,
)


@pytest.fixture
def family(world: World, tmp_path: Path) -> Iterator[Lake]:
    figures.register(FAMILY)
    STATE.update(version=1, asked=[])
    STATE["values"] = {
        world.units["doan_ket"]: {"testfig.devices": 40.0, "testfig.working": 30.0},
        world.units["binh_lu"]: {"testfig.devices": 10.0, "testfig.working": 10.0},
    }
    data.load_catalog(world, tmp_path / "catalog", CATALOG, "test-fig.yaml")
    lk = Lake(world.db, tmp_path / "lake.duckdb", WorkCalendar.default())
    yield lk
    lk.close()
    figures.unregister("testfig")


def _values(world: World, lake: Lake) -> dict[str, Any]:
    with world.db.session() as s:
        out = service.values(s, lake, principal=SYSTEM_PRINCIPAL, index="test-fig", period="2025")
    return {u["code"]: u for u in out["units"]}


def test_the_engine_computes_with_a_registered_family(world: World, family: Lake) -> None:
    units = _values(world, family)
    dk = units["03388"]["nodes"][0]
    # 100 × 30 ÷ 40 = 75 %, linear to 100 %: 10 × 0.75 points.
    assert dk["indicator"]["numerator"] == 30
    assert dk["indicator"]["denominator"] == 40
    assert dk["indicator"]["value"] == pytest.approx(75)
    assert dk["points"] == pytest.approx(7.5)
    assert units["03390"]["nodes"][0]["indicator"]["value"] == pytest.approx(100)
    # Asked for both figures at once, on the units of the period's last day.
    assert STATE["asked"][0][1:] == (date(2025, 12, 31), ("testfig.working", "testfig.devices"))


def test_a_new_version_of_the_figures_reaches_the_next_read(world: World, family: Lake) -> None:
    _values(world, family)
    STATE["values"][world.units["doan_ket"]]["testfig.working"] = 40.0
    # Same version: the computation is kept.
    assert _values(world, family)["03388"]["nodes"][0]["indicator"]["value"] == pytest.approx(75)
    STATE["version"] = 2
    assert _values(world, family)["03388"]["nodes"][0]["indicator"]["value"] == pytest.approx(100)


def test_the_explanation_leads_to_the_family_records(world: World, family: Lake) -> None:
    with world.db.session() as s:
        out = explain.explain(
            s,
            family,
            principal=SYSTEM_PRINCIPAL,
            index="test-fig",
            period="2025",
            unit_code="03388",
            node="F1",
        )
    got = {f["ref"]: f for f in out["figures"]}
    assert got["testfig.working"]["value"] == 30
    assert got["testfig.working"]["name"] == "Số thiết bị hoạt động"
    assert got["testfig.working"]["family_name"] == "lĩnh vực thử"
    assert got["testfig.devices"]["records"] == "/api/thu/03388?ref=testfig.devices"


def test_the_catalog_refuses_an_unknown_figure_and_a_reserved_code(
    world: World, tmp_path: Path
) -> None:
    figures.register(FAMILY)
    try:
        for name, text, reason in (
            (
                "unknown.yaml",
                CATALOG.replace("testfig.working", "testfig.broken"),
                "không có chỉ tiêu dữ liệu, chỉ số hay số liệu 'testfig.broken'",
            ),
            (
                "reserved.yaml",
                CATALOG.replace("code: tf.share", "code: testfig.mine"),
                "mã 'testfig.mine' trùng tên dành riêng",
            ),
        ):
            path = tmp_path / name
            path.write_text(text, encoding="utf-8")
            with world.db.session() as s, pytest.raises(CatalogError) as caught:
                loader.load(s, principal=SYSTEM_PRINCIPAL, paths=[path])
            assert reason in "\n".join(caught.value.errors)
    finally:
        figures.unregister("testfig")
    # Without the family its figures are unknown too.
    path = tmp_path / "good.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    with world.db.session() as s, pytest.raises(CatalogError) as caught:
        loader.load(s, principal=SYSTEM_PRINCIPAL, paths=[path])
    assert "'testfig.working'" in "\n".join(caught.value.errors)


def test_the_766_figures_are_a_registered_family() -> None:
    family = figures.families()["qd766"]
    names = figures.names()
    assert names["qd766.3.3.num"].endswith("(tử số)")
    assert family.owns("qd766.3.3")
    assert figures.by_family(["qd766.3.3", "t.x", "qd766.2.1"]) == {
        "qd766": ("qd766.3.3", "qd766.2.1")
    }
