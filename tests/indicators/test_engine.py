"""The engine on a hand-worked example (tests/indicators/data.py), on SQLite and PostgreSQL.

Each assertion names the rule it checks (docs/architecture.md, "Indicators").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.indicators import data
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.indicators import service
from tinhso.lake import Lake
from tinhso.workdays import WorkCalendar


@pytest.fixture
def lake(world: World, tmp_path: Path) -> Iterator[Lake]:
    data.load_catalog(world, tmp_path / "catalog")
    data.put(world, data.VALUES_2025)
    data.put(world, data.VALUES_2024)
    data.put(world, [("t.ho_cap_quang", "binh_lu", "2025-07", 999)], status="draft")
    lk = Lake(world.db, tmp_path / "lake.duckdb", WorkCalendar.default())
    yield lk
    lk.close()


def _units(world: World, lake: Lake, unit: str | None = None) -> dict[str, dict]:  # type: ignore[type-arg]
    with world.db.session() as s:
        out = service.values(
            s, lake, principal=SYSTEM_PRINCIPAL, index="test-xa", period="2025", unit_code=unit
        )
    return {u["code"]: u for u in out["units"]}


def _node(unit: dict, code: str) -> dict:  # type: ignore[type-arg]
    return next(n for n in unit["nodes"] if n["code"] == code)


def test_hand_worked_commune_and_province(world: World, lake: Lake) -> None:
    dk = _units(world, lake, "03388")["03388"]
    l1 = _node(dk, "L1")
    # Roll-up across the lineage: old Đoàn Kết (H1) + old Quyết Tiến (Q1, Q2) + new Đoàn Kết (H2).
    assert l1["indicator"]["numerator"] == 300 + 100 + 50 + 200
    assert l1["indicator"]["denominator"] == 500 + 400 + 100 + 1000
    assert l1["indicator"]["value"] == pytest.approx(32.5)
    # Linear rule: 40 points × 32.5 ÷ 80.
    assert l1["points"] == pytest.approx(16.25)
    # Bands: the head of the steering committee is the chairman (2) → full 20 points.
    assert _node(dk, "L2")["points"] == 20
    # Average element: (6 + 8) ÷ 2 = 7 → 40 × 7 ÷ 10.
    assert _node(dk, "L3")["indicator"]["value"] == pytest.approx(7)
    assert _node(dk, "L3")["points"] == pytest.approx(28)
    # Group = sum of its children; total = sum of groups.
    assert _node(dk, "G1")["points"] == pytest.approx(36.25)
    assert dk["points"] == pytest.approx(64.25)
    assert dk["normalised"] == pytest.approx(0.6425)

    bl = _units(world, lake, "03390")["03390"]
    # A yearly figure wins over the monthly one it covers (900, not 905); drafts count nowhere.
    assert _node(bl, "L1")["indicator"]["numerator"] == 900
    assert _node(bl, "L1")["points"] == 40  # 90% ≥ 80%: full points, never more
    assert _node(bl, "L2")["points"] == 10  # the deputy (1): half
    assert bl["points"] == pytest.approx(90)


def test_province_is_ratio_of_sums_and_weighted_average(world: World, lake: Lake) -> None:
    lc = _units(world, lake, "12")["12"]
    l1 = _node(lc, "L1")
    # Ratio of sums: (650 + 900) ÷ (2000 + 1000), not the mean of 32.5% and 90%.
    assert l1["indicator"]["value"] == pytest.approx(100 * 1550 / 3000)
    # Weighted average: (6 + 8 + 10) ÷ 3 = 8, not the mean of the communes' 7 and 10.
    assert _node(lc, "L3")["indicator"]["value"] == pytest.approx(8)
    # "none" does not roll up: the province reported no head of committee → 0 points (missing: zero).
    assert _node(lc, "L2")["indicator"]["value"] is None
    assert _node(lc, "L2")["points"] == 0
    assert _node(lc, "L2")["indicator"]["note"] == "chưa có số liệu"


def test_partial_lineage_shows_on_both_and_counts_once(world: World, lake: Lake) -> None:
    units = _units(world, lake)
    # Old Tà Chải was split: both new communes show its 100/200, flagged partial.
    for code in ("04279", "02600"):
        assert _node(units[code], "L1")["indicator"]["value"] == pytest.approx(50)
        assert units[code]["partial"] is True
    # The province Lào Cai counts the old commune once, not twice.
    assert _node(units["15"], "L1")["indicator"]["numerator"] == 100
    assert _node(units["15"], "L1")["indicator"]["denominator"] == 200


def test_ranks_among_siblings_and_change(world: World, lake: Lake) -> None:
    units = _units(world, lake)
    # Communes of Lai Châu are ranked among themselves: Bình Lư 90 > Đoàn Kết 64.25.
    assert (units["03390"]["rank"], units["03390"]["rank_of"]) == (1, 2)
    assert (units["03388"]["rank"], units["03388"]["rank_of"]) == (2, 2)
    # Lào Cai's communes form their own sibling group.
    assert units["04279"]["rank_of"] == 2
    # Provinces among provinces.
    assert units["12"]["rank_of"] == 2
    # Change from 2024 on today's unit: old Đoàn Kết 2024 = 10% → 5 points; 64.25 − 5.
    assert units["03388"]["previous"] == pytest.approx(5)
    assert units["03388"]["change"] == pytest.approx(59.25)


def test_targets_and_buckets(world: World, lake: Lake) -> None:
    dk = _units(world, lake, "03388")["03388"]
    t = _node(dk, "L1")["target"]
    # The commune-level default (50%): 32.5 ÷ 50 = 65% → "above 50%".
    assert (t["planned"], t["achievement"], t["bucket"]) == (50, 0.65, "tren_50")
    bl = _node(_units(world, lake, "03390")["03390"], "L1")["target"]
    assert bl["bucket"] == "dat" and bl["label"] == "Hoàn thành, vượt (≥100%)"
    # A unit's own target wins over its level's: Lai Châu 60% → 51.67 ÷ 60 = 86% → "above 70%".
    lc = _node(_units(world, lake, "12")["12"], "L1")["target"]
    assert lc["planned"] == 60 and lc["bucket"] == "tren_70"


def test_new_value_reaches_the_next_read(world: World, lake: Lake) -> None:
    before = _units(world, lake, "03390")["03390"]["points"]
    data.put(world, [("t.diem", "binh_lu", "2025-08", 0)])
    after = _units(world, lake, "03390")["03390"]
    # The lake follows data_value by change number: (10 + 0) ÷ 2 = 5 → 20 points of 40.
    assert _node(after, "L3")["points"] == pytest.approx(20)
    assert after["points"] == pytest.approx(before - 20)


def test_766_figures_feed_the_dti(world: World, tmp_path: Path) -> None:
    from sqlalchemy import select as sa_select

    from tests.services import data as services_data
    from tinhso.indicators import loader
    from tinhso.services import qd766
    from tinhso.services.catalog import load_catalog
    from tinhso.services.periods import parse_period
    from tinhso.units.models import Unit

    services_data.load(world)
    with world.db.session() as s:
        loader.load(s, principal=SYSTEM_PRINCIPAL, paths=loader.default_files())
    lk = Lake(world.db, tmp_path / "lake766.duckdb", WorkCalendar.default())
    try:
        with world.db.session() as s:
            out = service.values(
                s,
                lk,
                principal=SYSTEM_PRINCIPAL,
                index="dti-commune-2025",
                period="2025-Q3",
                unit_code="03388",
            )
            dk = s.scalars(sa_select(Unit.id).where(Unit.id == world.units["doan_ket"])).one()
        scores = qd766.fetch(lk, load_catalog(), parse_period("2025-Q3"), "commune", [dk])
        online = scores[("2025-Q3", "commune", dk)].scores["3.3"]
    finally:
        lk.close()
    node = _node(out["units"][0], "6.1")
    # dtip.i.ho_so_truc_tuyen = 100 × qd766.3.3.num ÷ qd766.3.3.den, as the 766 engine counts.
    assert node["indicator"]["numerator"] == online.num
    assert node["indicator"]["denominator"] == online.den
    assert node["indicator"]["value"] == pytest.approx(100 * (online.value or 0))
    # Linear up to 80%: 70 points × min(1, value ÷ 80).
    assert node["points"] == pytest.approx(70 * min(1.0, 100 * (online.value or 0) / 80))


def test_agency_values_count_for_their_unit(world: World, lake: Lake) -> None:
    data.put(world, [("t.ho_cap_quang", "so_khcn", "2025", 50)])
    lc = _units(world, lake, "12")["12"]
    # An agency's figure counts for the unit it belongs to (Sở KH&CN → Lai Châu): 1550 + 50.
    assert _node(lc, "L1")["indicator"]["numerator"] == 1600


def test_bridge_pairs_are_unique_and_follow_the_lineage() -> None:
    from datetime import date

    from tinhso.units.bridge import UnitRow, bridge_rows

    d0, reform = date(2008, 1, 1), date(2025, 7, 1)
    units = [
        UnitRow(1, "province", None, d0, None),  # a province that kept its borders
        UnitRow(10, "commune", 1, d0, date(2025, 6, 30)),  # old, split in two
        UnitRow(11, "commune", 1, reform, None),
        UnitRow(12, "commune", 1, reform, None),
        UnitRow(13, "village", 11, reform, None),  # villages are not targets
    ]
    rows = bridge_rows(units, [(10, 11, "part"), (10, 12, "part")], [(7, 11)], date(2025, 12, 31))
    pairs = {(s, t): (own, part) for s, t, own, part in rows}
    assert len(pairs) == len(rows)
    assert pairs[(10, 11)] == (True, True) and pairs[(10, 12)] == (True, True)
    assert pairs[(10, 1)] == (False, False)  # the province itself, once and whole
    assert pairs[(13, 11)] == (False, False) and (13, 13) not in pairs
    assert pairs[(-7, -7)] == (True, False) and pairs[(-7, 11)] == (False, False)
    # On a date before the reform the old commune is itself, the new ones are not yet.
    before = {
        (s, t) for s, t, _o, _p in bridge_rows(units, [(10, 11, "part")], [], date(2024, 1, 1))
    }
    assert (10, 10) in before and (10, 11) not in before


def test_yearly_table_gives_what_the_raw_values_give(world: World, lake: Lake) -> None:
    from sqlalchemy import select as sa_select

    from tinhso.indicators import engine
    from tinhso.indicators import lake as ilake
    from tinhso.indicators.spec import load_spec
    from tinhso.reporting.models import DataValue
    from tinhso.services.ingest import next_seq
    from tinhso.services.periods import parse_period

    _units(world, lake)  # the copy is in step
    data.put(world, [("t.diem", "binh_lu", "2025-08", 3)])
    with world.db.session() as s:  # a changed value takes a new change number, as reporting does
        v = s.scalars(
            sa_select(DataValue).where(
                DataValue.unit_id == world.units["doan_ket"], DataValue.period == "2025"
            )
        ).one()
        v.value_num, v.seq = 1, next_seq(s, 1, stream="data_value")
    ilake.sync(lake)  # the yearly rows of every key the batch touched are redone
    with world.db.session() as s:
        spec = load_spec(s, "test-xa")
    p = parse_period("2025")
    orgs = [world.units[k] for k in ("doan_ket", "binh_lu", "lai_chau", "nghia_lo", "bac_ha")]
    fast = engine.compute(lake, spec, p, p.last, orgs)
    raw = engine.compute(lake, spec, p, p.last, orgs, yearly=False)
    assert {o: r.points for o, r in fast.items()} == {o: r.points for o, r in raw.items()}
    assert fast[world.units["binh_lu"]].values["t.diem_i"].value == pytest.approx(6.5)
    assert fast[world.units["doan_ket"]].points["L2"] == 10  # the deputy now: half


def test_a_node_without_figures_has_no_rank_and_no_change(world: World, lake: Lake) -> None:
    """Lai Châu's province reported no head of committee (L2): it keeps the 0 points the rule
    gives (missing: zero) but is neither ranked nor compared on it — tied zeros of "no data" are
    not a standing; the nodes it has figures under still are."""
    units = _units(world, lake)
    lc = units["12"]
    l2 = _node(lc, "L2")
    assert l2["indicator"]["value"] is None and l2["points"] == 0
    assert (l2["rank"], l2["rank_of"], l2["change"]) == (None, None, None)
    l1 = _node(lc, "L1")
    assert l1["rank_of"] == 2
