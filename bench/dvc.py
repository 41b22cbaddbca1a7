"""Benchmark of public-service monitoring (issue 3).

On the same synthetic data (dossiers of the demo province, Lai Châu), in one run:
- bulk ingest through tinhso's own path (DuckDB staging and checks, then the system of record)
  from Parquet and from CSV, in rows/s;
- single-event API pushes from 4 concurrent clients, in events/s;
- full 766 recompute for a year (all units, all 19 periods) in DuckDB, time and peak memory;
- peers: the same counts written directly in pandas, and as plain SQL on PostgreSQL;
- the floor: one DuckDB scan of the same columns.

    python bench/dvc.py --sizes 1000000,10000000 [--pg postgresql+psycopg://postgres@127.0.0.1/test]

Figures are appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import GENERATE_SQL, append_results, git_rev, timed

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit import service as audit
from tinhso.db import Database
from tinhso.demo.generate import build_demo
from tinhso.lake import DERIVE_SQL, DOSSIER_COLUMNS, Lake
from tinhso.migrate import upgrade
from tinhso.services import qd766, service
from tinhso.services.catalog import load_catalog
from tinhso.services.models import Procedure
from tinhso.units.models import Agency, Unit
from tinhso.workdays import WorkCalendar

YEAR = 2025


def province(work: Path) -> Database:
    """Return a migrated SQLite database with the demo province and its procedures, no dossiers."""
    url = f"sqlite:///{work / 'bench.db'}"
    upgrade(url)
    audit.install()
    db = Database(url)
    with db.session() as s:
        build_demo(s, dossiers_per_year=0)
    return db


def generate(db: Database, n: int, out: Path, fmt: str) -> None:
    """Write n synthetic dossiers of the bench province to a Parquet or CSV file."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
    with db.session() as s:
        procs = s.execute(
            select(Procedure.code, Procedure.legal_days, Procedure.fee, Procedure.online_mode)
        ).all()
        agencies = s.execute(
            select(Agency.code, Unit.code, Unit.level).join(Unit, Unit.id == Agency.unit_id)
        ).all()
    con.execute(
        "CREATE TABLE bench_proc (idx INTEGER, code VARCHAR, legal_days DOUBLE, fee BIGINT, online BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO bench_proc VALUES (?, ?, ?, ?, ?)",
        [(i, c, max(d, 1), f, m != "none") for i, (c, d, f, m) in enumerate(procs)],
    )
    con.execute("CREATE TABLE bench_agency (idx INTEGER, code VARCHAR, commune_code VARCHAR)")
    con.executemany(
        "INSERT INTO bench_agency VALUES (?, ?, ?)",
        [(i, a, u if lvl == "commune" else None) for i, (a, u, lvl) in enumerate(agencies)],
    )
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    con.execute(GENERATE_SQL.format(year=YEAR, n=n, out=out, fmt=options))
    con.close()


def ingest(db: Database, path: Path) -> tuple[float, int]:
    """Return (seconds, rows written) for tinhso's ingestion of one file."""
    start = time.perf_counter()
    with db.session() as s:
        rep = service.ingest_file(
            s, principal=SYSTEM_PRINCIPAL, path=path, filename=path.name, source="bench"
        )
    assert rep.refused_rows == 0, rep.errors[:5]
    return time.perf_counter() - start, rep.created + rep.updated


def ingest_pg(pg_url: str, path: Path) -> float:
    """Return the rows/s of tinhso's ingestion of one file into a fresh PostgreSQL database."""
    from sqlalchemy import create_engine, text

    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"tinhso_bench_{os.getpid()}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        db = Database(url)
        with db.session() as s:
            build_demo(s, dossiers_per_year=0)
        secs, written = ingest(db, path)
        db.dispose()
        return written / secs
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def load_lake_direct(db: Database, lake_path: Path, parquet: Path) -> Lake:
    """Return a lake holding the generated dossiers, loaded straight from the Parquet file.

    For the sizes whose ingestion into the system of record was measured before (or is not
    the point of the run): the rows get the same derived columns as a sync gives them.
    """
    lake = Lake(db, lake_path, WorkCalendar.default())
    lake.sync()  # dimensions and calendar
    src = f"""(SELECT row_number() OVER () AS id, f.code, p.id AS procedure_id, a.id AS agency_id,
        u.id AS unit_id, channel, status, CAST(submitted_at AS TIMESTAMPTZ) AS submitted_at,
        CAST(received_at AS TIMESTAMPTZ) AS received_at, CAST(appointment_at AS TIMESTAMPTZ) AS appointment_at,
        CAST(finished_at AS TIMESTAMPTZ) AS finished_at, CAST(returned_at AS TIMESTAMPTZ) AS returned_at,
        CAST(stopped_at AS TIMESTAMPTZ) AS stopped_at, supplement_count, supplement_days, f.fee,
        payment_flag, digitized_inputs, e_result, reused_components, from_data_store, vneid, synced,
        rating, complaint, 1 AS seq
        FROM read_parquet('{parquet}') f JOIN procedure p ON p.code = f.procedure_code
        JOIN agency a ON a.code = f.agency_code
        LEFT JOIN unit u ON u.code = f.commune_code AND u.level = 'commune' AND u.valid_to IS NULL)"""
    lake.con.execute("INSERT INTO dossier " + DERIVE_SQL.format(source=src))
    lake.con.execute("INSERT OR REPLACE INTO lake_state VALUES ('dossier_seq', 1)")
    return lake


def recompute_in_child(db_url: str, lake_path: Path) -> dict[str, float]:
    """Run the 766 recompute in a fresh process, to measure its own peak memory."""
    out = subprocess.run(
        [sys.executable, __file__, "--child-compute", db_url, str(lake_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def child_compute(db_url: str, lake_path: str) -> None:
    lake = Lake(Database(db_url), Path(lake_path), WorkCalendar.default())
    catalog = load_catalog()
    # First on a copy just opened (cold), then again as a running server recomputes it (warm,
    # like the floor scan, which is also timed after one run of itself).
    start = time.perf_counter()
    rows = qd766.compute(lake, catalog, YEAR)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    qd766.compute(lake, catalog, YEAR)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "cold": cold, "rows": rows, "peak_mib": _peak_mib()}))


def _peak_mib() -> float:
    """Return this process's own peak resident memory (MiB).

    Linux's ru_maxrss survives fork and exec: a child started by a parent holding 5 GB reports
    5 GB. VmHWM is the high-water mark of this process's own address space."""
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


FLOOR_SQL = """SELECT count(*), sum(channel), sum(status), count(received_at), count(appointment_at),
    count(finished_at), count(returned_at), count(stopped_at), sum(supplement_count), sum(supplement_days),
    sum(fee), sum(payment_flag), count_if(digitized_inputs), count_if(e_result), sum(reused_components),
    count_if(from_data_store), count_if(vneid), count_if(synced), sum(rating), count_if(complaint),
    count(DISTINCT agency_id), count(DISTINCT unit_id)
FROM dossier"""


def floor(lake: Lake) -> float:
    """Return the seconds of one DuckDB scan of every column the index reads."""
    con = lake.cursor()
    con.execute(FLOOR_SQL).fetchall()  # warm
    start = time.perf_counter()
    con.execute(FLOOR_SQL).fetchall()
    return time.perf_counter() - start


def pandas_peer(lake: Lake) -> tuple[float, float]:
    """Return (seconds, peak MiB delta) of the dossier indicators written directly in pandas."""
    import numpy as np
    import pandas as pd

    con = lake.cursor()
    df = con.execute(
        "SELECT d.*, p.fee_bearing, p.issues_result, p.for_citizens FROM dossier d JOIN procedure p ON p.id = d.procedure_id"
    ).df()
    wd = con.execute("SELECT d, idx, working FROM workday").df()
    periods = con.execute("SELECT code, start_ts, end_ts FROM qd766_period").df()
    start = time.perf_counter()
    idx_of = pd.Series(wd["idx"].values, index=pd.to_datetime(wd["d"]).dt.date)
    by_idx = pd.Series(
        pd.to_datetime(wd.loc[wd["working"], "d"]).values, index=wd.loc[wd["working"], "idx"].values
    )
    tz = "Asia/Ho_Chi_Minh"
    rec = df["received_at"].dt.tz_convert(tz)
    end = df["finished_at"].fillna(df["returned_at"]).fillna(df["stopped_at"])
    done = df["finished_at"].fillna(df["returned_at"])
    appt = df["appointment_at"].dt.tz_convert(tz)
    a_idx = appt.dt.date.map(idx_of)
    due_day = (a_idx + np.ceil(df["supplement_days"].fillna(0))).map(by_idx)
    due = pd.to_datetime(due_day).dt.tz_localize(tz) + (appt - appt.dt.normalize())
    due = due.where(df["supplement_days"].fillna(0) > 0, appt)
    proc_days = (
        done.dt.tz_convert(tz).dt.date.map(idx_of)
        - rec.dt.date.map(idx_of)
        - df["supplement_days"].fillna(0)
    )
    counted = ~df["status"].isin([1, 3, 7]) & df["received_at"].notna()
    sub = df["submitted_at"].where(df["received_at"].isna(), df["received_at"])
    inf = pd.Timestamp.max.tz_localize("UTC")
    end_f = end.fillna(inf)
    out = []
    for _, p in periods.iterrows():
        s, e = p["start_ts"], p["end_ts"]
        touch = (sub <= e) & (end_f >= s)
        received = touch & counted & rec.between(s, e)
        processed = touch & counted & (df["received_at"] <= e)
        finished = touch & counted & done.between(s, e)
        submitted = touch & sub.between(s, e)
        judged = end_f.where(end_f < e, e)
        on_time = ~((judged > due) | (df["supplement_count"] > 1))
        frame = pd.DataFrame(
            {
                "agency_id": df["agency_id"],
                "unit_id": df["unit_id"],
                "sub": submitted,
                "sub_n": submitted & df["synced"],
                "proc": processed,
                "proc_n": processed & on_time,
                "fin": finished,
                "fin_v": proc_days.where(finished, 0),
                "rec": received,
                "rec_online": received & (df["channel"] == 2),
                "fee_d": received & df["fee_bearing"] & (df["fee"] > 0),
                "fee_n": received
                & df["fee_bearing"]
                & (df["fee"] > 0)
                & df["payment_flag"].isin([1, 2]),
                "r41_d": finished & df["issues_result"],
                "r41_n": finished & df["issues_result"] & df["e_result"],
                "r42_n": finished & df["digitized_inputs"] & df["e_result"],
                "r43_n": received & (df["reused_components"] >= 1),
                "r44_n": received & df["from_data_store"],
                "r45_d": received & df["for_citizens"],
                "r45_n": received & df["for_citizens"] & df["vneid"],
                "r54_n": processed & (df["complaint"] | (df["rating"] == -1)),
            }
        )
        for key in ("agency_id", "unit_id"):
            g = (
                frame.drop(columns=[k for k in ("agency_id", "unit_id") if k != key])
                .groupby(key)
                .sum()
            )
            g["period"] = p["code"]
            out.append(g)
        total = frame.drop(columns=["agency_id", "unit_id"]).sum()
        out.append(total.to_frame().T.assign(period=p["code"]))
    pd.concat(out)
    return time.perf_counter() - start, 0.0


def pg_peer(lake: Lake, pg_url: str, work: Path) -> float:
    """Return the seconds of the same counts as plain SQL on PostgreSQL (data loaded first)."""
    import psycopg

    conninfo = pg_url.replace("postgresql+psycopg://", "postgresql://")
    con = lake.cursor()
    files = {}
    for table, sql in {
        "b_dossier": f"SELECT {', '.join(n for n, _t in DOSSIER_COLUMNS)} FROM dossier",
        "b_procedure": "SELECT id, online_mode, fee_bearing, issues_result, for_citizens FROM procedure",
        "b_workday": "SELECT d, idx, working FROM workday",
        "b_period": "SELECT code, start_ts, end_ts FROM qd766_period",
    }.items():
        path = work / f"{table}.csv"
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT csv, HEADER false)")
        files[table] = path
    ddl = {
        "b_dossier": "id bigint, code text, procedure_id bigint, agency_id bigint, unit_id bigint, channel smallint, "
        "status smallint, submitted_at timestamptz, received_at timestamptz, appointment_at timestamptz, "
        "finished_at timestamptz, returned_at timestamptz, stopped_at timestamptz, supplement_count smallint, "
        "supplement_days double precision, fee bigint, payment_flag smallint, digitized_inputs boolean, "
        "e_result boolean, reused_components smallint, from_data_store boolean, vneid boolean, synced boolean, "
        "rating smallint, complaint boolean, seq bigint",
        "b_procedure": "id bigint, online_mode text, fee_bearing boolean, issues_result boolean, for_citizens boolean",
        "b_workday": "d date, idx integer, working boolean",
        "b_period": "code text, start_ts timestamptz, end_ts timestamptz",
    }
    with psycopg.connect(conninfo, autocommit=True) as pg:
        pg.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        for table, cols in ddl.items():
            pg.execute(f"DROP TABLE IF EXISTS {table}")
            pg.execute(f"CREATE UNLOGGED TABLE {table} ({cols})")
            with (
                pg.cursor().copy(f"COPY {table} FROM STDIN (FORMAT csv)") as cp,
                files[table].open("rb") as f,
            ):
                while chunk := f.read(1 << 20):
                    cp.write(chunk)
        pg.execute("ANALYZE")
        pg.execute("SET max_parallel_workers_per_gather = 2")
        pg.execute("SET work_mem = '512MB'")
        start = time.perf_counter()
        pg.execute(PG_SQL).fetchall()
        seconds = time.perf_counter() - start
        for table in ddl:
            pg.execute(f"DROP TABLE {table}")
    return seconds


PG_SQL = """
WITH wd AS (SELECT idx, d FROM b_workday WHERE working),
base AS (
  SELECT d.*, p.fee_bearing, p.issues_result, p.for_citizens,
    coalesce(d.finished_at, d.returned_at, d.stopped_at) AS end_at,
    coalesce(d.finished_at, d.returned_at) AS done_at,
    CASE WHEN d.supplement_days > 0 THEN wdue.d + (d.appointment_at - date_trunc('day', d.appointment_at))
         ELSE d.appointment_at END AS due_at,
    wdone.idx - wrec.idx - d.supplement_days AS processing_days,
    d.status NOT IN (1, 3, 7) AND d.received_at IS NOT NULL AS counted
  FROM b_dossier d JOIN b_procedure p ON p.id = d.procedure_id
  LEFT JOIN b_workday wapp ON wapp.d = d.appointment_at::date
  LEFT JOIN wd wdue ON wdue.idx = wapp.idx + ceil(d.supplement_days)::int
  LEFT JOIN b_workday wrec ON wrec.d = d.received_at::date
  LEFT JOIN b_workday wdone ON wdone.d = coalesce(d.finished_at, d.returned_at)::date
),
pairs AS (
  SELECT b.*, P.code AS period,
    coalesce(b.received_at, b.submitted_at) BETWEEN P.start_ts AND P.end_ts AS in_submitted,
    b.counted AND b.received_at BETWEEN P.start_ts AND P.end_ts AS in_received,
    b.counted AND b.received_at <= P.end_ts AS in_processed,
    b.counted AND b.done_at BETWEEN P.start_ts AND P.end_ts AS in_finished,
    NOT (least(coalesce(b.end_at, 'infinity'::timestamptz), P.end_ts) > b.due_at OR b.supplement_count > 1) AS on_time
  FROM base b JOIN b_period P ON coalesce(b.received_at, b.submitted_at) <= P.end_ts
   AND coalesce(b.end_at, 'infinity'::timestamptz) >= P.start_ts
)
SELECT period, agency_id, unit_id,
  count(*) FILTER (WHERE in_submitted) AS s_d, count(*) FILTER (WHERE in_submitted AND synced) AS s_n,
  count(*) FILTER (WHERE in_processed) AS p_d, count(*) FILTER (WHERE in_processed AND on_time) AS p_n,
  count(*) FILTER (WHERE in_finished) AS f_d, sum(processing_days) FILTER (WHERE in_finished) AS f_v,
  count(*) FILTER (WHERE in_received) AS r_d, count(*) FILTER (WHERE in_received AND channel = 2) AS r_on,
  count(*) FILTER (WHERE in_received AND fee_bearing AND fee > 0) AS fee_d,
  count(*) FILTER (WHERE in_received AND fee_bearing AND fee > 0 AND payment_flag IN (1, 2)) AS fee_n,
  count(*) FILTER (WHERE in_finished AND issues_result) AS r41_d,
  count(*) FILTER (WHERE in_finished AND issues_result AND e_result) AS r41_n,
  count(*) FILTER (WHERE in_finished AND digitized_inputs AND e_result) AS r42_n,
  count(*) FILTER (WHERE in_received AND reused_components >= 1) AS r43_n,
  count(*) FILTER (WHERE in_received AND from_data_store) AS r44_n,
  count(*) FILTER (WHERE in_received AND for_citizens) AS r45_d,
  count(*) FILTER (WHERE in_received AND for_citizens AND vneid) AS r45_n,
  count(*) FILTER (WHERE in_processed AND (complaint OR rating = -1)) AS r54_n
FROM pairs
GROUP BY GROUPING SETS ((period, agency_id), (period, unit_id), (period))
"""


async def _push_clients(
    port: int, token: str, codes: list[str], seconds: float, clients: int
) -> list[int]:
    """Push events one by one over `clients` keep-alive HTTP/1.1 connections until `seconds`
    pass; return how many each client had accepted (201 or 200, anything else fails the run).

    Requests are written and responses read on raw sockets: a general-purpose client (httpx)
    costs about 1 ms of CPU a request, which on two cores would measure the client."""
    stop = time.monotonic() + seconds
    counts = [0] * clients

    async def one(k: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = (
            "Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: {n}\r\n\r\n"
        )
        i = k
        try:
            while time.monotonic() < stop and i < len(codes):
                body = json.dumps(
                    {"event_id": f"bench-{k}-{i}", "ts": "2025-12-30T10:00:00+07:00", "status": 10}
                ).encode()
                writer.write(
                    f"POST /api/v1/dossiers/{codes[i]}/events HTTP/1.1\r\n".encode()
                    + head.format(token=token, n=len(body)).encode()
                    + body
                )
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                payload = await reader.readexactly(length)
                assert status in (200, 201), payload[:500]
                counts[k] += 1
                i += clients
        finally:
            writer.close()

    await asyncio.gather(*(one(k) for k in range(clients)))
    return counts


def api_pushes(
    db_url: str, var: Path, codes: list[str], seconds: float = 20.0, clients: int = 4
) -> tuple[float, int]:
    """Return (events/s, events) pushed one by one through the API by concurrent clients."""
    import httpx

    from tinhso.accounts import service as accounts
    from tinhso.accounts.models import User

    db = Database(db_url)
    with db.session() as s:
        user = s.query(User).filter(User.username == "motcua").one()
        _t, token = accounts.issue_token(
            s, principal=SYSTEM_PRINCIPAL, user_id=user.id, name="bench"
        )
    db.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = os.environ | {"TINHSO_DATABASE_URL": db_url, "TINHSO_VAR_DIR": str(var)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tinhso.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        start = time.monotonic()
        counts = asyncio.run(_push_clients(port, token, codes, seconds, clients))
        elapsed = time.monotonic() - start
        return sum(counts) / elapsed, sum(counts)
    finally:
        server.terminate()
        server.wait(10)


def run(
    sizes: list[int],
    pg_url: str | None,
    keep: Path | None,
    heavy_max: int,
    direct_above: int,
    record: bool = True,
) -> None:
    work = keep or Path(tempfile.mkdtemp(prefix="tinhso-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[str] = []
    notes: list[str] = []
    for n in sizes:
        r: dict[str, float] = {}
        sub = work / f"n{n}"
        parquet, csv = sub / "dossiers.parquet", sub / "dossiers.csv"
        heavy = n <= heavy_max
        direct = n > direct_above
        # With --keep, files generated by an earlier run of the same size are used again (the
        # generator is deterministic); everything else starts afresh.
        reuse = keep is not None and parquet.exists() and (csv.exists() or not heavy or direct)
        for old in sub.glob("*") if sub.exists() else []:
            if not (reuse and old in (parquet, csv)):
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        sub.mkdir(parents=True, exist_ok=True)
        db = province(sub)
        r["gen"] = 0.0
        if not reuse:
            with timed(r, "gen"):
                generate(db, n, parquet, "parquet")
                if heavy and not direct:
                    generate(db, n, csv, "csv")
        r["ingest_csv"] = r["ingest_parquet"] = r["ingest_pg"] = r["api"] = float("nan")
        pushed = 0
        lake_path = sub / "lake.duckdb"
        if direct:
            with timed(r, "lake_sync"):
                load_lake_direct(db, lake_path, parquet).close()
        else:
            secs, _written = ingest(db, parquet)
            r["ingest_parquet"] = n / secs
            if pg_url:
                r["ingest_pg"] = ingest_pg(pg_url, parquet)
        if heavy and not direct:
            # The same rows again from CSV into a fresh database: the CSV path's own rate.
            (sub / "csvdb").mkdir()
            db2 = province(sub / "csvdb")
            secs_csv, _ = ingest(db2, csv)
            r["ingest_csv"] = n / secs_csv
            db2.dispose()
        lake = Lake(db, lake_path, WorkCalendar.default())
        if not direct:
            with timed(r, "lake_sync"):
                lake.sync()
        catalog = load_catalog()
        qd766.compute(lake, catalog, YEAR)  # builds the period table for the peers, warms the file
        lake.close()
        child = recompute_in_child(db.url, lake_path)
        r["compute"], r["compute_peak"] = child["seconds"], child["peak_mib"]
        r["compute_cold"] = child["cold"]
        lake = Lake(db, lake_path, WorkCalendar.default())
        r["floor"] = floor(lake)
        r["pandas"] = pandas_peer(lake)[0] if heavy else float("nan")
        r["pg"] = pg_peer(lake, pg_url, sub) if pg_url else float("nan")
        lake.close()
        if not direct:
            with db.engine.connect() as conn:
                codes = [
                    c
                    for (c,) in conn.exec_driver_sql(
                        "SELECT code FROM dossier WHERE status = 4 AND received_at < '"
                        f"{YEAR}-12-29' LIMIT 200000"
                    )
                ]
            r["api"], pushed = api_pushes(db.url, sub / "var", codes)
        db.dispose()
        rows.append(
            f"| {n:,} | {r['ingest_parquet']:,.0f} | {r['ingest_csv']:,.0f} | {r['ingest_pg']:,.0f} | "
            f"{r['lake_sync']:.1f} | "
            f"{r['compute']:.2f} | {r['compute_peak']:,.0f} | {r['floor']:.2f} | {r['pandas']:.2f} | "
            f"{r['pg']:.2f} | {r['api']:,.0f} |"
        )
        notes.append(
            f"- {n:,}: pandas/tinhso {r['pandas'] / r['compute']:.1f}×, PostgreSQL/tinhso "
            f"{r['pg'] / r['compute']:.1f}×, tinhso/floor {r['compute'] / r['floor']:.1f}×; "
            f"recompute on a copy just opened {r['compute_cold']:.2f} s; "
            f"{pushed:,} events pushed; generation {r['gen']:.0f} s."
        )
        print(rows[-1], flush=True)
        print(notes[-1], flush=True)
        if keep is None:
            shutil.rmtree(sub, ignore_errors=True)
    body = (
        f"Commit {git_rev()}. `python bench/dvc.py --sizes {','.join(map(str, sizes))}`\n\n"
        "| dossiers | ingest Parquet → SQLite (rows/s) | ingest CSV → SQLite (rows/s) "
        "| ingest Parquet → PostgreSQL (rows/s) | lake sync (s) | 766 recompute, year, warm (s) "
        "| recompute peak RSS (MiB) | DuckDB floor scan (s) | pandas peer (s) | PostgreSQL peer (s) "
        "| API events/s (4 clients) |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\n"
        + "\n".join(notes)
        + "\n"
    )
    if record:
        append_results("Public services: ingestion and the 766 index (bench/dvc.py)", body)
    else:
        print(body)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--pg", default=os.environ.get("TINHSO_TEST_PG_URL"))
    parser.add_argument("--keep", type=Path, help="keep the generated data in this folder")
    parser.add_argument(
        "--heavy-max",
        type=int,
        default=2_000_000,
        help="above this size, skip the CSV ingest and the pandas peer (minutes each)",
    )
    parser.add_argument(
        "--direct-above",
        type=int,
        default=20_000_000,
        help="above this size, load the lake straight from the Parquet file: no ingestion, "
        "no API pushes (recompute, floor and peers only)",
    )
    parser.add_argument("--no-record", action="store_true", help="print, do not add to RESULTS.md")
    parser.add_argument("--child-compute", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_compute:
        child_compute(*args.child_compute)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    if min(sizes) <= args.heavy_max:
        try:
            import pandas  # noqa: F401  (the pandas peer, at the end of each size: check now)
        except ImportError:
            sys.exit("the pandas peer needs pandas: make bench, or pip install -e '.[bench]'")
    run(
        sizes,
        args.pg,
        args.keep,
        args.heavy_max,
        args.direct_above,
        record=not args.no_record,
    )


if __name__ == "__main__":
    main()
