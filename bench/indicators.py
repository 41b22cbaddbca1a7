"""Benchmark of the indicator engine and the DTI (issue 4).

A synthetic nation-sized register — 3,400 units (34 provinces, 3,366 communes) — and 300 data
elements (the 50 of the shipped DTI catalogs and 250 more), with 5 years of monthly values
(2021-01 … 2025-12: 3,400 × 300 × 60 ≈ 61 million), written straight into the analytics copy
(DuckDB) the way a sync leaves them. Then, cold (no cached result):
- the commune DTI (dti-commune-2025) for 2025 on every unit, with 2024 for the change — what the
  first API read or page does (bar: < 10 s);
- the provincial DTI (dti-province-2025) likewise;
- a synthetic index over all 300 elements (150 ratio indicators), likewise;
and, warm, one unit's page (GET /indicators?…&unit=CODE, median of 20; bar: < 100 ms).
The import of a 100-sheet workbook (reporting, bar: < 10 s) has its slot below: helper B adds it.

    python bench/indicators.py [--units 3400] [--elements 300] [--years 5]

Figures are appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import append_results, git_rev, peak_rss_mib, timed

from tinhso.accounts import service as accounts
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit import service as audit
from tinhso.config import Settings
from tinhso.db import Database
from tinhso.indicators import lake as ilake
from tinhso.indicators import loader, service
from tinhso.indicators.models import DataElement
from tinhso.indicators.spec import load_spec
from tinhso.lake import Lake
from tinhso.migrate import upgrade
from tinhso.services.periods import parse_period, previous
from tinhso.text import fold
from tinhso.units.models import Unit
from tinhso.workdays import WorkCalendar

PROVINCES = 34
PASSWORD = "mat-khau-dai-so-9"


def register(db: Database, units: int) -> list[int]:
    """Insert 34 provinces and their communes (round-robin) valid since 2008; return unit ids."""
    rows: list[dict[str, object]] = []
    for p in range(1, PROVINCES + 1):
        name = f"Tỉnh Thử {p}"
        rows.append(
            dict(
                id=p,
                code=f"{p:02d}",
                level="province",
                kind="tinh",
                name=name,
                name_folded=fold(name),
                parent_id=None,
                path=f"/{p}/",
                valid_from=date(2008, 8, 1),
                valid_to=None,
                source="bench",
            )
        )
    for i in range(PROVINCES + 1, units + 1):
        p = (i - PROVINCES - 1) % PROVINCES + 1
        name = f"Xã Thử {i}"
        rows.append(
            dict(
                id=i,
                code=f"9{i:05d}",
                level="commune",
                kind="xa",
                name=name,
                name_folded=fold(name),
                parent_id=p,
                path=f"/{p}/{i}/",
                valid_from=date(2008, 8, 1),
                valid_to=None,
                source="bench",
            )
        )
    with db.session() as s:
        s.execute(insert(Unit), rows)
    return list(range(1, units + 1))


def write_catalog(work: Path, extra: int, dti_elements: list[str]) -> Path:
    """Write ``extra`` more elements and an index over every element, two per ratio indicator."""
    codes = [f"bench.e{i:03d}" for i in range(extra)]
    lines = ["catalog: bench-300", "version: '1'", "data_elements:"]
    lines += [f"  - {{code: {c}, name: Chỉ tiêu thử {i}}}" for i, c in enumerate(codes)]
    lines.append("indicators:")
    every = dti_elements + codes
    pairs = [(every[2 * k], every[2 * k + 1]) for k in range(len(every) // 2)]
    for k, (a, b) in enumerate(pairs):
        lines.append(
            f"  - {{code: bench.i{k:03d}, name: Chỉ số thử {k}, numerator: {a}, "
            f"denominator: {b}, factor: 100}}"
        )
    lines += [
        "indices:",
        "  - code: bench-300",
        "    name: Bộ chỉ số thử trên mọi chỉ tiêu",
        "    level: commune",
        f"    max_points: {len(pairs)}",
        "    children:",
        "      - code: G",
        "        name: Nhóm",
        f"        points: {len(pairs)}",
        "        children:",
    ]
    lines += [
        f"          - {{code: 'L{k}', indicator: bench.i{k:03d}, points: 1, "
        "scoring: {rule: linear, full: 100}}"
        for k in range(len(pairs))
    ]
    path = work / "bench-300.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GENERATE = """
INSERT INTO ind_value
SELECT ((m.n * {ne} + e.idx) * {nu} + u.idx) + 1 AS id, e.id, u.id, m.code, m.first, m.last,
    CAST(50 + hash(e.id * 1000003 + u.id * 131 + m.n) % 950 AS DOUBLE) AS value_num,
    'approved', ((m.n * {ne} + e.idx) * {nu} + u.idx) + 1 AS seq, 2 AS ptype
FROM bench_month m CROSS JOIN bench_element e CROSS JOIN bench_unit u
"""


def fill_lake(lake: Lake, elements: list[int], units: list[int], years: int) -> int:
    """Write monthly values of every element and unit straight into the copy; return the count."""
    ilake.init(lake)
    con = lake.cursor()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bench_element AS SELECT * FROM (VALUES "
        + ", ".join(f"({i}, {e})" for i, e in enumerate(elements))
        + ") t(idx, id)"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE bench_unit AS SELECT range - 1 AS idx, range AS id "
        f"FROM range(1, {len(units) + 1})"
    )
    con.execute(f"""CREATE OR REPLACE TEMP TABLE bench_month AS
        SELECT n, strftime(d, '%Y-%m') AS code, CAST(d AS DATE) AS first,
            CAST(last_day(d) AS DATE) AS last
        FROM (SELECT range AS n, DATE '{2026 - years}-01-01' + to_months(range) AS d
              FROM range({12 * years}))""")
    con.execute(GENERATE.format(ne=len(elements), nu=len(units)))
    ilake.rebuild_years(lake)  # as a bulk load does; a sync refreshes only the keys it touches
    n = con.execute("SELECT count(*), max(seq) FROM ind_value").fetchone()
    assert n is not None
    con.execute("INSERT OR REPLACE INTO lake_state VALUES ('data_value_seq', ?)", [n[1]])
    con.execute("CHECKPOINT")
    return int(n[0])


def cold_compute(lake: Lake, db: Database, index: str, period: str = "2025") -> float:
    """Compute an index for a period and the one before on every unit, with no cached result;
    return seconds."""
    service._CACHE.clear()  # the bench measures a cold read
    with db.session() as s:
        spec = load_spec(s, index)
    p = parse_period(period)
    start = time.perf_counter()
    service.computed(lake, spec, p, p.last)
    service.computed(lake, spec, previous(p), p.last)
    return time.perf_counter() - start


def page_times(db: Database, var: Path, code: str, n: int = 20) -> list[float]:
    """Return the times (s) of n warm reads of one unit's page, through the application."""
    from fastapi.testclient import TestClient

    from tinhso.app import create_app

    app = create_app(Settings(var_dir=var, database_url=db.url), db=db)
    out = []
    with TestClient(app, base_url="http://testserver") as client:
        login = client.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', login.text)
        assert token is not None
        client.post(
            "/login",
            data={
                "username": "bench",
                "password": PASSWORD,
                "login_csrf": token.group(1),
                "next": "/",
            },
        )
        url = f"/indicators?index=dti-commune-2025&period=2025&unit={code}"
        first = client.get(url)  # warms the result cache (the cold compute is measured above)
        assert first.status_code == 200, first.text[:500]
        for _ in range(n):
            start = time.perf_counter()
            r = client.get(url)
            out.append(time.perf_counter() - start)
            assert r.status_code == 200
    return out


def bench_workbook_import() -> dict[str, float] | None:
    """SLOT FOR HELPER B (reporting): import of a 100-sheet workbook, bar < 10 s.

    Return {"workbook_import_s": seconds, ...} or None while not measured.
    The measurement itself lives in bench/reporting_import.py (SQLite here; that script also
    runs PostgreSQL and records its own table).
    """
    from bench.reporting_import import run_one

    with tempfile.TemporaryDirectory(prefix="tinhso-bench-rep-") as tmp:
        r = run_one(f"sqlite:///{Path(tmp) / 'rep.db'}", 100, Path(tmp))
    return {"workbook_import_s": r["import"], "template_s": r["template"], "values": r["values"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=3400)
    ap.add_argument("--elements", type=int, default=300)
    ap.add_argument("--years", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("TINHSO_DUCKDB_MEMORY", "6GB")
    audit.install()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tinhso-bench-ind-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        units = register(db, args.units)
        with db.session() as s:
            loader.load(s, principal=SYSTEM_PRINCIPAL, paths=loader.default_files())
            dti = list(s.scalars(select(DataElement.code).order_by(DataElement.id)))
            accounts.create_user(
                s,
                principal=SYSTEM_PRINCIPAL,
                username="bench",
                role="admin",
                password=PASSWORD,
                full_name="Bench",
            )
        extra = write_catalog(work, args.elements - len(dti), dti)
        with db.session() as s:
            loader.load(s, principal=SYSTEM_PRINCIPAL, paths=[extra])
            elements = list(s.scalars(select(DataElement.id).order_by(DataElement.id)))
        var = work / "var"
        lake = Lake(db, Lake.path_for(var, db.url), WorkCalendar.default())
        with timed(figures, "generate_s"):
            values = fill_lake(lake, elements, units, args.years)
        size = Lake.path_for(var, db.url).stat().st_size / 2**30
        ilake.sync(lake)  # dimensions, bridge (nothing to copy: the values are in place)
        for index in ("dti-commune-2025", "dti-province-2025", "bench-300"):
            figures[index] = cold_compute(lake, db, index)
            print(f"{index}: {figures[index]:.2f} s", flush=True)
        # A quarter is rolled up from the raw monthly values (the yearly table serves years).
        figures["quarter"] = cold_compute(lake, db, "dti-commune-2025", "2025-Q4")
        figures["quarter-300"] = cold_compute(lake, db, "bench-300", "2025-Q4")
        lake.close()
        pages = page_times(db, var, f"9{PROVINCES + 1:05d}")
        figures["page_ms"] = 1000 * statistics.median(pages)
        figures["page_max_ms"] = 1000 * max(pages)
        workbook = bench_workbook_import()
    rss = peak_rss_mib()
    verdict = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    body = f"""Commit {git_rev()}. `python bench/indicators.py --units {args.units} --elements {args.elements} --years {args.years}`

{args.units:,} units (34 provinces, {args.units - PROVINCES:,} communes), {len(elements)} data elements,
{values:,} monthly values ({2026 - args.years}-01 … 2025-12) generated into the analytics copy in
{figures["generate_s"]:.1f} s, with the yearly table ({size:.2f} GiB on disk). Each compute is cold
(no cached result) and covers the period and the one before (for the change) on every unit: the
first read of the API or a page after new data. Peak RSS of
the run {rss:,.0f} MiB.

| measure | figure | bar | verdict |
|---|---|---|---|
| commune DTI (dti-commune-2025), 3,400 units, 2025 + 2024 | {figures["dti-commune-2025"]:.2f} s | < 10 s | {verdict(figures["dti-commune-2025"] < 10)} |
| provincial DTI (dti-province-2025), 34 provinces, 2025 + 2024 | {figures["dti-province-2025"]:.2f} s | < 10 s | {verdict(figures["dti-province-2025"] < 10)} |
| index over all {len(elements)} elements (bench-300), 2025 + 2024 | {figures["bench-300"]:.2f} s | < 10 s | {verdict(figures["bench-300"] < 10)} |
| commune DTI, 2025-Q4 + 2025-Q3 (from the raw monthly values) | {figures["quarter"]:.2f} s | < 10 s | {verdict(figures["quarter"] < 10)} |
| index over all {len(elements)} elements, 2025-Q4 + 2025-Q3 (raw values) | {figures["quarter-300"]:.2f} s | < 10 s | {verdict(figures["quarter-300"] < 10)} |
| one unit's page, warm (median of 20; max) | {figures["page_ms"]:.1f} ms ({figures["page_max_ms"]:.1f} ms) | < 100 ms | {verdict(figures["page_ms"] < 100)} |
| import of a 100-sheet workbook | {"not measured yet (reporting)" if workbook is None else f"{workbook['workbook_import_s']:.2f} s"} | < 10 s | {"—" if workbook is None else verdict(workbook["workbook_import_s"] < 10)} |
"""
    print(body)
    append_results("Indicators: the engine and the DTI (bench/indicators.py)", body)


if __name__ == "__main__":
    main()
