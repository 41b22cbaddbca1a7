"""The fast 766 counts (a month histogram spread over the periods) equal the direct definition.

The reference below is the definition written plainly: pair every dossier with every period it
touches and count each indicator's conditions on each pair (DESIGN.md, "The 766 index": which
dossiers count, end time for 2.1, open dossiers judged at the period's end or now). Random
dossiers are drawn around the edges that the histogram has to get right: month and year
boundaries to the second, dossiers received before the year or ending after it, open dossiers
judged at a period end or, in the running year, at the current time, several supplements.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.services import data
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.lake import Lake
from tinhso.services import qd766, service
from tinhso.services.catalog import load_catalog
from tinhso.services.periods import LOCAL
from tinhso.workdays import WorkCalendar

CATALOG = load_catalog()


def reference_counts(lake: Lake, year: int) -> set[tuple[Any, ...]]:
    """Return (period, unit kind, unit, indicator, num, den) counted pair by pair, each
    period on the units valid on its last day through the lineage bridge."""
    cols = []
    for ind in CATALOG.indicators:
        if ind.kind == "complement" or ind.population == "procedures":
            continue
        den = f"in_{ind.population} AND ({ind.denominator_sql})"
        if ind.kind == "average":
            cols.append(f"sum({ind.value}) FILTER (WHERE {den})")
        else:
            cols.append(f"count(*) FILTER (WHERE {den} AND ({ind.numerator_sql}))")
        cols.append(f"count(*) FILTER (WHERE {den})")
    ids = [
        i.id for i in CATALOG.indicators if i.kind != "complement" and i.population != "procedures"
    ]
    pairs = qd766.PAIRS_SQL.format(and_where="", periods="qd766_period")
    out: set[tuple[Any, ...]] = set()
    with lake.lock:
        con = lake.cursor()
        for kind, sql in (
            ("agency", f"SELECT period, agency_id AS uid, * FROM ({pairs})"),
            *(
                (
                    level,
                    f"SELECT p.period, b.tgt AS uid, p.* FROM ({pairs}) p JOIN qd766_bridge b "
                    f"ON b.epoch = p.epoch AND b.level = '{level}' AND b.src = p.{col}",
                )
                for level, col in (("commune", "unit_id"), ("province", "province_id"))
            ),
        ):
            rows = con.execute(
                f"SELECT period, uid, {', '.join(cols)} FROM ({sql}) GROUP BY period, uid"
            ).fetchall()
            for period, uid, *values in rows:
                for k, ind_id in enumerate(ids):
                    num, den = values[2 * k], values[2 * k + 1]
                    out.add(
                        (period, kind, uid, ind_id, None if num is None else round(num, 6), den)
                    )
    return out


def fast_counts(lake: Lake, year: int) -> set[tuple[Any, ...]]:
    qd766.compute(lake, CATALOG, year)
    with lake.lock:
        rows = (
            lake.cursor()
            .execute(
                "SELECT c.period, c.unit_kind, c.unit_id, c.indicator, c.num, c.den FROM qd766_count c "
                "JOIN qd766_period p ON p.code = c.period"
            )
            .fetchall()
        )
    ids = {i.id for i in CATALOG.indicators if i.population not in ("procedures", "")}
    return {
        (p, k, u, i, None if n is None else round(n, 6), d) for p, k, u, i, n, d in rows if i in ids
    }


def _edge_time(rng: random.Random, year: int) -> datetime:
    """A time in or near ``year``, often on a month's first or last second."""
    month = rng.randint(1, 12)
    y = year + rng.choice([0, 0, 0, 0, -1, 1])
    first = datetime(y, month, 1, tzinfo=LOCAL)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(seconds=1)
    return rng.choice(
        [first, last, first + timedelta(days=rng.randint(0, 27), hours=rng.randint(7, 17))]
    )


def random_dossiers(rng: random.Random, year: int, n: int) -> list[dict[str, Any]]:
    procs = ["1.001", "1.002", "2.001", "2.002"]
    # Codes of before and after the reform: 03388 was reused by the new Phường Đoàn Kết, 03391
    # merged into it, 02605 was split between Xã Nghĩa Lộ and Xã Bắc Hà.
    places = [
        (data.DK, "03388"),
        (data.DK, "03391"),
        (data.BL, "03390"),
        (data.SO, None),
        (data.BH, "02605"),
        (data.BH, "02600"),
    ]
    # A code names the commune valid on the reception day: draw one that is.
    before = {"03390": ["03397", "03400"]}
    after = {"03391": ["03388"], "02605": ["02600", "04279"]}
    reform = datetime(2025, 7, 1, tzinfo=LOCAL)
    out = []
    for i in range(n):
        agency, commune = rng.choice(places)
        received = _edge_time(rng, year)
        moved = before if received < reform else after
        if commune in moved:
            commune = rng.choice(moved[commune])
        status = rng.choice([2, 3, 4, 5, 8, 9, 10, 10, 10])
        rec: dict[str, Any] = {
            "code": f"R{year}-{i}",
            "procedure_code": rng.choice(procs),
            "agency_code": agency,
            "commune_code": commune,
            "channel": rng.choice([1, 2, 3]),
            "status": status,
            "received_at": received.isoformat(),
            "appointment_at": rng.choice(
                [received + timedelta(days=rng.randint(0, 40)), _edge_time(rng, year)]
            ).isoformat(),
            "supplement_count": rng.choice([0, 0, 1, 2]),
            "supplement_days": rng.choice([0, 0, 1.5, 3]),
            "fee": rng.choice([0, 50000]),
            "payment_flag": rng.choice([0, 1, 2]),
            "e_result": rng.random() < 0.5,
            "digitized_inputs": rng.random() < 0.5,
            "reused_components": rng.choice([0, 1]),
            "from_data_store": rng.random() < 0.3,
            "vneid": rng.random() < 0.5,
            "synced": rng.random() < 0.8,
            "rating": rng.choice([None, -1, 0, 1]),
            "complaint": rng.random() < 0.1,
        }
        if rec["appointment_at"] < rec["received_at"]:
            rec["appointment_at"] = rec["received_at"]
        end = max(
            received,
            rng.choice([received + timedelta(days=rng.randint(0, 70)), _edge_time(rng, year)]),
        )
        if status in (9, 10):
            rec["finished_at"] = end.isoformat()
        if status == 10:
            rec["returned_at"] = (end + timedelta(hours=rng.choice([0, 5, 30 * 24]))).isoformat()
        if status in (3, 8):
            rec["stopped_at"] = end.isoformat()
        out.append(rec)
    return out


@pytest.fixture
def lake(world: World, tmp_path: Path) -> Iterator[Lake]:
    data.load(world)
    lk = Lake(world.db, tmp_path / "lake.duckdb", WorkCalendar.load())
    yield lk
    lk.close()


# 2025 lies wholly in the past; in 2026 the current month is still running (open dossiers are
# judged now, not at the period's end).
@pytest.mark.parametrize("year", [2025, datetime.now(LOCAL).year])
def test_histogram_counts_equal_the_pairwise_definition(
    lake: Lake, world: World, year: int
) -> None:
    rng = random.Random(year)
    with world.db.session() as s:
        rep = service.ingest_records(
            s, principal=SYSTEM_PRINCIPAL, records=random_dossiers(rng, year, 600)
        )
        assert rep.refused_rows == 0, rep.errors[:3]
    lake.sync()
    got = fast_counts(lake, year)  # also lays out the year's periods the reference pairs with
    expected = reference_counts(lake, year)
    assert len(expected) > 500
    assert got == expected
