"""Benchmark of the infrastructure register (issue 10).

A synthetic nation: the 2025 register's shape (34 provinces, 3,321 communes) and 100,000
villages (about 30 a commune), each with a fact a year from three operators over five years
(2022–2026: 100,000 × 3 × 5 = 1.5 million facts) and the commune's own count (electricity,
households) each year — written straight into the database, the way the imports leave them.
Then, timed (median of ``--repeat`` runs, each from a fresh session):
- the coverage of the whole country as of a date (GET /api/v1/infrastructure/coverage?unit=VN):
  every village's state, a line per province (bar: < 2 s);
- one commune's page (GET /infrastructure?unit=CODE, signed in, through the application with
  its templates: coverage by village, teams, sites, training; bar: < 100 ms).

    python bench/infrastructure.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/tinhso_bench_infra]
        [--villages 100000] [--years 5] [--repeat 5] [--no-record]

Figures are appended to bench/RESULTS.md unless ``--no-record``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import append_results, git_rev, peak_rss_mib

from tinhso.accounts import service as accounts
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.config import Settings
from tinhso.db import Database, utcnow
from tinhso.infrastructure import service
from tinhso.infrastructure.models import VALUE_COLUMNS, InfraImport, VillageFact
from tinhso.migrate import upgrade
from tinhso.text import fold
from tinhso.units.models import Unit

PROVINCES, COMMUNES = 34, 3321
PASSWORD = "mat-khau-dai-so-9"
OPERATORS = ("viettel", "vnpt", "mobifone")


def register(db: Database, villages: int) -> int:
    """Insert provinces, communes and villages (valid since 2021); return a commune's id."""
    rows: list[dict[str, object]] = []
    since = date(2021, 1, 1)

    def unit(
        i: int, code: str, level: str, kind: str, name: str, parent: int | None, path: str
    ) -> None:
        rows.append(
            dict(
                id=i,
                code=code,
                level=level,
                kind=kind,
                name=name,
                name_folded=fold(name),
                parent_id=parent,
                path=path,
                valid_from=since,
                valid_to=None,
                source="bench",
            )
        )

    for p in range(1, PROVINCES + 1):
        unit(p, f"{p:02d}", "province", "tinh", f"Tỉnh Thử {p}", None, f"/{p}/")
    first_commune = PROVINCES + 1
    for c in range(COMMUNES):
        i = first_commune + c
        p = c % PROVINCES + 1
        unit(i, f"{90000 + c}", "commune", "xa", f"Xã Thử {c}", p, f"/{p}/{i}/")
    first_village = first_commune + COMMUNES
    for v in range(villages):
        i = first_village + v
        c = v % COMMUNES
        cid = first_commune + c
        p = c % PROVINCES + 1
        unit(
            i,
            f"{90000 + c}{v // COMMUNES:03d}",
            "village",
            "thon",
            f"Thôn Thử {v}",
            cid,
            f"/{p}/{cid}/{i}/",
        )
    with db.engine.begin() as conn:
        for k in range(0, len(rows), 20_000):
            conn.execute(insert(Unit), rows[k : k + 20_000])
    return first_commune


def facts(db: Database, villages: int, years: int, first_village: int) -> int:
    """Insert a fact a year per operator and village, and the commune's own count."""
    rng = random.Random(10)
    with db.engine.begin() as conn:
        conn.execute(
            insert(InfraImport),
            [
                dict(
                    id=1,
                    operator="bench",
                    filename="bench",
                    digest="0" * 64,
                    as_of=date(2026, 1, 1),
                    rows=0,
                    created=0,
                    unchanged=0,
                    actor="bench",
                    imported_at=utcnow(),
                )
            ],
        )
    n = 0
    batch: list[dict[str, object]] = []
    blank: dict[str, object] = dict.fromkeys(VALUE_COLUMNS)
    remote = [rng.random() for _ in range(villages)]
    with db.engine.begin() as conn:
        for y in range(years):
            day = date(2022 + y, 1, 1)
            progress = y / max(1, years - 1)
            for v in range(villages):
                vid = first_village + v
                r = remote[v]
                h = 40 + (v * 7) % 160
                batch.append(
                    dict(
                        blank,
                        village_id=vid,
                        operator="dia_phuong",
                        valid_from=day,
                        electricity=r < 0.985,
                        households=h,
                        population=h * 4,
                        import_id=1,
                    )
                )
                for k, op in enumerate(OPERATORS):
                    reach = (0.9, 0.75, 0.5)[k] + 0.07 * progress
                    q = 2 if r < reach else 1 if r < reach + 0.02 else 0
                    g4 = 2 if r < reach - 0.1 else 0
                    fibre = r < (0.6, 0.5, 0.2)[k] + 0.15 * progress
                    batch.append(
                        dict(
                            blank,
                            village_id=vid,
                            operator=op,
                            valid_from=day,
                            cov_2g=q,
                            cov_3g=q,
                            cov_4g=g4,
                            cov_5g=0,
                            fibre=fibre,
                            households=h,
                            households_fibre=int(h * 0.2) if fibre else 0,
                            import_id=1,
                        )
                    )
                if len(batch) >= 40_000:
                    conn.execute(insert(VillageFact), batch)
                    n += len(batch)
                    batch = []
        if batch:
            conn.execute(insert(VillageFact), batch)
            n += len(batch)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return n


def median_time(fn: object, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pg", help="a private PostgreSQL database URL (emptied first); else SQLite")
    ap.add_argument("--villages", type=int, default=100_000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tinhso-bench-infra-"))
    url = args.pg or f"sqlite:///{work / 'bench.db'}"
    if args.pg:
        db0 = Database(url)
        with db0.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db0.dispose()
    upgrade(url)
    db = Database(url)
    t0 = time.perf_counter()
    first_commune = register(db, args.villages)
    n = facts(db, args.villages, args.years, first_commune + COMMUNES)
    load_s = time.perf_counter() - t0
    print(f"register and {n:,} facts written in {load_s:.1f} s")
    t0 = time.perf_counter()
    with db.session() as s:
        states = service.rebuild(s)
    rebuild_s = time.perf_counter() - t0
    print(f"{states:,} village states worked out in {rebuild_s:.1f} s")
    day = date(2025, 12, 31)

    def nation() -> None:
        with db.session() as s:
            out = service.coverage(
                s, principal=SYSTEM_PRINCIPAL, unit_code=service.NATION, as_of=day
            )
            assert out["totals"]["villages"] == args.villages, out["totals"]["villages"]

    nation_s, nation_all = median_time(nation, args.repeat)
    with db.session() as s:
        out = service.coverage(s, principal=SYSTEM_PRINCIPAL, unit_code=service.NATION, as_of=day)
    print(out["totals"]["wording"])
    print(
        f"nation as of {day}: median {nation_s:.2f} s ({', '.join(f'{t:.2f}' for t in nation_all)})"
    )

    from fastapi.testclient import TestClient

    from tinhso.app import create_app

    with db.session() as s:
        accounts.create_user(
            s,
            principal=SYSTEM_PRINCIPAL,
            username="bench",
            role="admin",
            password=PASSWORD,
            full_name="Bench",
            scopes=[],
        )
    app = create_app(Settings(var_dir=work / "var", database_url=url, warm_up=False), db=db)
    commune_code = "90007"
    with TestClient(app, base_url="http://testserver") as client:
        import re

        token = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        form = {
            "username": "bench",
            "password": PASSWORD,
            "login_csrf": token.group(1),
            "next": "/",
        }
        r = client.post("/login", data=form, follow_redirects=False)
        assert r.status_code in (302, 303), r.text[:300]
        path = f"/infrastructure?unit={commune_code}&as_of={day.isoformat()}"
        r = client.get(path)
        assert r.status_code == 200 and "Xã Thử 7" in r.text, r.text[:500]

        def page() -> None:
            got = client.get(path)
            assert got.status_code == 200

        page_s, page_all = median_time(page, max(20, args.repeat))
    print(f"one commune's page: median {page_s * 1000:.0f} ms")
    backend = "PostgreSQL" if args.pg else "SQLite"
    body = (
        f"`python bench/infrastructure.py{' --pg …' if args.pg else ''} --villages {args.villages}` "
        f"at {git_rev()} ({backend}).\n\n"
        "| what | figure | bar |\n| --- | --- | --- |\n"
        f"| register + facts written | {args.villages:,} villages, {n:,} facts in {load_s:.0f} s | — |\n"
        f"| village states worked out from the facts (`tinhso infra rebuild-states`) | "
        f"{states:,} rows in {rebuild_s:.0f} s | — |\n"
        f"| coverage of the nation as of {day} (median of {args.repeat}) | {nation_s:.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in nation_all)}) | < 2 s: "
        f"{'met' if nation_s < 2 else f'missed by {nation_s - 2:.2f} s'} |\n"
        f"| one commune's page, GET /infrastructure?unit=… (median of {len(page_all)}) | "
        f"{page_s * 1000:.0f} ms | < 100 ms: {'met' if page_s < 0.1 else f'missed by {page_s * 1000 - 100:.0f} ms'} |\n"
        f"| peak memory of the process | {peak_rss_mib():.0f} MiB | — |\n"
    )
    print(body)
    if not args.no_record:
        append_results(f"Infrastructure register ({backend})", body)
    db.dispose()


if __name__ == "__main__":
    main()
