"""The 766 index on a small dataset worked out by hand (tests/services/data.py).

Agency UBND phường Đoàn Kết, Q3 2025 (dossiers D1–D5). Each assertion cites its rule
(DESIGN.md, "The 766 index", and catalog/qd766.yaml).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import data
from tests.world import World
from tinhso.lake import Lake
from tinhso.services import qd766
from tinhso.services.catalog import load_catalog
from tinhso.services.periods import parse_period
from tinhso.workdays import WorkCalendar

CATALOG = load_catalog()


@pytest.fixture
def lake(world: World, tmp_path: Path) -> Iterator[Lake]:
    data.load(world)
    lk = Lake(world.db, tmp_path / "lake.duckdb", WorkCalendar.load())
    yield lk
    lk.close()


def _unit(lake: Lake, world: World, period: str, kind: str, key: str) -> qd766.UnitScore:
    uid = world.agencies[key] if kind == "agency" else world.units[key]
    scores = qd766.fetch(lake, CATALOG, parse_period(period), kind, [uid])
    return scores[(period, kind, uid)]


def test_doan_ket_q3_by_hand(lake: Lake, world: World) -> None:
    us = _unit(lake, world, "2025-Q3", "agency", "ubnd_dk")
    s = us.scores
    # 1.4: synced ÷ all submitted in period, status 3 included: D1, D2, D3 of D1–D5.
    assert (s["1.4"].num, s["1.4"].den) == (3, 5)
    # 2.1: processed = D1–D4 (D5 not accepted). On time: D1 (done 3/7 ≤ due 4/7), D3 (due 15/7
    # moved by 2 supplement working days to 17/7, done 16/7). Late: D2 (8/7 > 7/7), D4 open at 30/9.
    assert (s["2.1"].num, s["2.1"].den) == (2, 4)
    assert s["2.1"].points == pytest.approx(10.0)
    # 2.2: working days after reception up to the end, minus supplement days: D1 2, D2 4, D3 4−2.
    assert s["2.2"].value == pytest.approx(8 / 3)
    # 3.1: commune-level procedures in a commune's remit: 1.001 (toàn trình), 1.002 (một phần).
    assert (s["3.1"].num, s["3.1"].den) == (2, 2)
    # 3.2: both online services had an online dossier (D1, D3).
    assert (s["3.2"].num, s["3.2"].den) == (2, 2)
    # 3.3: channel 2 among received (D1–D4): D1, D3 = 50%, threshold 50% → full 4 points.
    assert (s["3.3"].num, s["3.3"].den, s["3.3"].points) == (2, 4, 4)
    # 3.5: fee-bearing online procedures (1.001) with an online payment in the period (D1).
    assert (s["3.5"].num, s["3.5"].den) == (1, 1)
    # 3.6: paid online (flag 1/2) ÷ received dossiers of procedures with a fee: D1 of D1, D2.
    assert (s["3.6"].num, s["3.6"].den, s["3.6"].points) == (1, 2, 3)
    # 4.1: electronic result among finished (D1, D2, D3): D1, D3.
    assert (s["4.1"].num, s["4.1"].den) == (2, 3)
    # 4.2: digitised inputs and electronic result: D1 → 1/3, threshold 80% → 6 × (1/3)/0.8 = 2.5.
    assert s["4.2"].points == pytest.approx(2.5)
    # 4.3: reused ≥ 1 among received: D1 → 25% → 4 × 0.25/0.8.
    assert s["4.3"].points == pytest.approx(1.25)
    # 4.4: none from the personal data store: 0 points, still applicable.
    assert (s["4.4"].num, s["4.4"].den, s["4.4"].points) == (0, 4, 0)
    # 4.5: VNeID among received of procedures for citizens: D1 of 4.
    assert (s["4.5"].num, s["4.5"].den) == (1, 4)
    # 5.4 = 100% − (late rate 50% + complaint/dislike rate 25% (D2 rated −1)) = 25%, threshold 90%.
    assert s["5.4"].value == pytest.approx(0.25)
    assert s["5.4"].points == pytest.approx(6 * 0.25 / 0.9)
    # Total over applicable indicators: 3.6+10+4+4+4+4+3+4+2.5+1.25+0+1+1.667 of 76.
    assert us.max_points == 76
    assert us.points == pytest.approx(43.01667, abs=1e-4)
    assert us.share == pytest.approx(100 * 43.01667 / 76, abs=1e-3)


def test_open_dossier_on_time_at_period_end(lake: Lake, world: World) -> None:
    # D8 was received 29/9, due 6/10 and is still open: on time at the end of Q3.
    us = _unit(lake, world, "2025-Q3", "agency", "so_khcn")
    assert (us.scores["2.1"].num, us.scores["2.1"].den) == (2, 2)
    # Not applicable: no dossier finished of a procedure for citizens… 4.5 counts received for citizens: D8.
    assert us.scores["4.5"].den == 1


def test_month_excludes_other_months(lake: Lake, world: World) -> None:
    us = _unit(lake, world, "2025-08", "agency", "so_khcn")
    assert (us.scores["3.3"].num, us.scores["3.3"].den) == (1, 1)  # D7 only
    assert us.scores["2.2"].value == pytest.approx(4)  # 5/8 → 11/8: 6, 7, 8, 11 August


def test_commune_and_province_roll_up_as_ratio_of_sums(lake: Lake, world: World) -> None:
    dk = _unit(lake, world, "2025-Q3", "commune", "doan_ket")
    assert (dk.scores["3.3"].num, dk.scores["3.3"].den) == (2, 4)
    province = _unit(lake, world, "2025-Q3", "province", "lai_chau")
    # Received: D1–D4, D6, D7, D8 = 7; online: D1, D3, D6, D7 = 4 (ratio of sums, not mean of ratios).
    assert (province.scores["3.3"].num, province.scores["3.3"].den) == (4, 7)


def test_not_applicable_is_left_out(lake: Lake, world: World) -> None:
    us = _unit(lake, world, "2025-Q3", "agency", "ubnd_bl")
    # Bình Lư has nothing of a procedure with… every indicator with an empty denominator is None.
    assert all(s.value is None or s.den for s in us.scores.values() if s.indicator.kind == "rate")


def test_a_changed_calendar_moves_deadlines(lake: Lake, world: World, tmp_path: Path) -> None:
    """A province edits its working days (16 July 2025 becomes a day off): the copy re-derives."""
    before = _unit(lake, world, "2025-Q3", "agency", "ubnd_dk").scores["2.2"].value
    lake.close()
    changed = Lake(
        world.db, tmp_path / "lake.duckdb", _without_day(WorkCalendar.load(), (2025, 7, 16))
    )
    after = _unit(changed, world, "2025-Q3", "agency", "ubnd_dk").scores["2.2"].value
    changed.close()
    # D3 (10/7 → 16/7) now ends on a day off: one working day fewer in its processing time.
    assert after == pytest.approx(before - 1 / 3)


def _without_day(calendar: WorkCalendar, ymd: tuple[int, int, int]) -> WorkCalendar:
    from datetime import date

    class Edited(WorkCalendar):
        def index_table(self, start_year: int, end_year: int) -> list[tuple[date, int, bool]]:
            rows, shift = [], 0
            for d, idx, working in super().index_table(start_year, end_year):
                if d == date(*ymd):
                    working, shift = False, 1
                rows.append((d, idx - shift, working))
            return rows

    edited = Edited.__new__(Edited)
    edited.__dict__.update(calendar.__dict__)
    return edited


def test_a_new_copy_is_built_before_it_is_read(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large change is copied behind the readers, but a new copy (first start, or its file
    deleted, which the operator guide calls safe) has nothing to read: the first reader builds it
    and the figures follow (was: "Table with name unit does not exist!", a 500 and a CLI crash)."""
    import tinhso.lake as lake_module

    data.load(world)
    monkeypatch.setattr(lake_module, "INLINE_ROWS", 0)  # every change counts as large
    lk = Lake(world.db, tmp_path / "new.duckdb", WorkCalendar.load())
    try:
        assert not lk.built.is_set()
        uid = world.agencies["ubnd_dk"]
        scores = qd766.fetch(lk, CATALOG, parse_period("2025-Q3"), "agency", [uid])
        assert lk.built.is_set()
        assert scores[("2025-Q3", "agency", uid)].share is not None
    finally:
        lk.close()
