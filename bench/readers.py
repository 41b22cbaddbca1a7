"""Benchmark of concurrent readers of the JSON API while a large dossier import runs (issue 9).

A real server (``tinhso serve`` in a subprocess) on the demo database (``tinhso units load &&
tinhso demo`` in a private var directory, SQLite or a private PostgreSQL database) is read by N
concurrent clients (httpx, asynchronous, each sending its next request as soon as the previous
one is answered: a closed loop without think time, the harshest form of "N readers") cycling
through the main JSON endpoints — the 766 index (province, commune, agency; a year and a
quarter), the DTI values, units, reports — with a bearer token. Meanwhile another process runs
``tinhso services import`` of a generated file of ``--import-rows`` dossiers (500,000 by
default). Every answer is timed; an error is any answer other than 200 (a 503 included) or no
answer within 60 s.

    python bench/readers.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/tinhso_bench_readers]
        [--work /tmp/bench-readers] [--readers 50] [--seconds 60] [--import-rows 500000]
        [--no-import] [--no-record]

The work directory keeps the demo database between runs (built on the first run). Figures are
appended to bench/RESULTS.md unless ``--no-record``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import append_results, git_rev
from bench.dvc import generate

from tinhso.db import Database
from tinhso.units.models import Agency, Unit

ROOT = Path(__file__).resolve().parents[1]
TINHSO = str(Path(sys.executable).with_name("tinhso"))


def _env(work: Path, url: str | None) -> dict[str, str]:
    env = dict(os.environ, TINHSO_VAR_DIR=str(work), TINHSO_WARM_UP="1")
    if url:
        env["TINHSO_DATABASE_URL"] = url
    else:
        env.pop("TINHSO_DATABASE_URL", None)
    return env


def _run(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([TINHSO, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"tinhso {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def prepare(work: Path, url: str | None) -> tuple[dict[str, str], str]:
    """Build the demo database once in ``work``; return its environment and database URL."""
    work.mkdir(parents=True, exist_ok=True)
    env = _env(work, url)
    db_url = url or f"sqlite:///{work / 'tinhso.db'}"
    if not (work / ".demo-built").exists():
        _run(env, "db", "upgrade")
        _run(env, "units", "load")
        _run(env, "demo")
        (work / ".demo-built").touch()
    return env, db_url


def targets(db_url: str) -> list[str]:
    """Return the URLs the readers cycle through (codes of the demo province)."""
    db = Database(db_url)
    with db.session() as s:
        province_id = s.scalar(
            select(Unit.id).where(
                Unit.code == "12", Unit.level == "province", Unit.valid_to.is_(None)
            )
        )
        communes = list(
            s.scalars(
                select(Unit.code)
                .where(
                    Unit.level == "commune",
                    Unit.path.like(f"/{province_id}/%"),
                    Unit.valid_to.is_(None),
                )
                .order_by(Unit.code)
                .limit(3)
            )
        )
        agencies = list(s.scalars(select(Agency.code).order_by(Agency.code).limit(2)))
    db.dispose()
    urls = [
        "/api/v1/indices/qd766?period=2026",
        "/api/v1/indices/qd766?period=2026&unit=12",
        "/api/v1/indices/qd766?period=2026-Q3",
        f"/api/v1/indices/qd766?period=2026&unit={communes[0]}",
        f"/api/v1/indices/qd766?period=2025&unit={communes[1]}",
        f"/api/v1/indices/qd766?period=2026&unit={agencies[0]}",
        "/api/v1/indicators/values?index=dti-province-2025&period=2025",
        "/api/v1/indicators/values?index=dti-province-2025&period=2025&unit=12",
        "/api/v1/indicators/values?index=dti-commune-2025&period=2025",
        f"/api/v1/indicators/values?index=dti-commune-2025&period=2025&unit={communes[2]}",
        "/api/v1/units?level=commune&limit=50",
        f"/api/v1/units/{province_id}",
        f"/api/v1/units/{province_id}/children",
        "/api/v1/units?q=doan%20ket",
        "/api/v1/reporting/forms",
        "/api/v1/reporting/completeness?form=BC-CDS-XA-THANG&period=2026-09",
        f"/api/v1/datavalues?form=BC-CDS-XA-THANG&period=2026-09&unit={communes[0]}",
    ]
    return urls


def fresh(path: Path, prefix: str) -> None:
    """Give the generated dossiers codes of their own (a new import, not an update)."""
    import duckdb

    tmp = path.with_suffix(".tmp.parquet")
    duckdb.execute(
        f"COPY (SELECT ? || code AS code, * EXCLUDE (code) FROM read_parquet(?)) TO '{tmp}' "
        "(FORMAT parquet, COMPRESSION zstd)",
        [prefix, str(path)],
    )
    tmp.replace(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start ``tinhso serve`` and wait until it answers."""
    proc = subprocess.Popen(
        [TINHSO, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        proc.kill()
        raise SystemExit(f"the server did not start; see {log}")
    return proc


async def load(
    base: str, token: str, urls: list[str], readers: int, seconds: float, stop: asyncio.Event
) -> list[tuple[str, int, float]]:
    """Run ``readers`` closed-loop clients for ``seconds`` (or until ``stop``); return
    (url, status, seconds) of every request (status 0: no answer within 60 s)."""
    out: list[tuple[str, int, float]] = []
    limits = httpx.Limits(max_connections=readers, max_keepalive_connections=readers)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=60
    ) as client:
        end = time.monotonic() + seconds

        async def reader(k: int) -> None:
            i = k
            while time.monotonic() < end and not stop.is_set():
                url = urls[i % len(urls)]
                i += 1
                began = time.perf_counter()
                try:
                    status = (await client.get(url)).status_code
                except httpx.HTTPError:
                    status = 0
                out.append((url, status, time.perf_counter() - began))

        await asyncio.gather(*(reader(k) for k in range(readers)))
    return out


WRK_SCRIPT = """
local urls = {%s}
local headers = {%s}
local i = 0
statuses = {}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) i = math.random(#urls) end
function request()
  i = i %% #urls + 1
  return wrk.format("GET", urls[i], headers)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for st, n in pairs(t:get("statuses")) do all[st] = (all[st] or 0) + n end
  end
  local parts = {}
  for st, n in pairs(all) do table.insert(parts, string.format('"%%d": %%d', st, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "micros": %%d, "p50": %%d, "p95": %%d, "p99": %%d, "max": %%d, ' ..
    '"socket_errors": %%d, "statuses": {%%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout,
    table.concat(parts, ", ")))
end
"""


def load_wrk(
    base: str,
    token: str,
    urls: list[str],
    readers: int,
    seconds: float,
    work: Path,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``readers`` closed-loop connections of wrk (C; its own cost is a small share of a
    core, where 50 Python clients took most of one) for ``seconds``; return its summary. Each
    request carries the bearer ``token``, gzip, and ``headers`` (a session cookie)."""
    script = work / "readers.lua"
    quoted = ", ".join(json.dumps(u) for u in urls)
    sent = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip", **(headers or {})}
    table = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in sent.items())
    script.write_text(WRK_SCRIPT % (quoted, table), encoding="utf-8")
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{readers}",
            f"-d{int(seconds)}s",
            "--timeout",
            "60s",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    return dict(json.loads(line[4:]))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def run(args: argparse.Namespace) -> tuple[str, str]:
    label = "PostgreSQL" if args.pg else "SQLite"
    work = Path(args.work) / ("pg" if args.pg else "sqlite")
    env, db_url = prepare(work, args.pg)
    urls = targets(db_url)
    token = _run(env, "users", "token", "admin", "--name", f"bench-{time.time():.0f}").strip()
    port = free_port()
    server = start_server(env, port, work / "server.log")
    importer: subprocess.Popen[bytes] | None = None
    import_s = 0.0
    try:
        # One round on an idle server first: the figures every reader asks for, computed once.
        asyncio.run(load(f"http://127.0.0.1:{port}", token, urls, len(urls), 0.1, asyncio.Event()))
        if args.import_rows:
            # Fresh codes each run, so that the import writes new rows (500 k inserts).
            batch = work / f"import-{args.import_rows}.parquet"
            generate(Database(db_url), args.import_rows, batch, "parquet")
            fresh(batch, f"R{time.time():.0f}")
            began = time.perf_counter()
            importer = subprocess.Popen(
                [TINHSO, "services", "import", str(batch)],
                env=env,
                cwd=ROOT,
                stdout=(work / "import.log").open("wb"),
                stderr=subprocess.STDOUT,
            )

        async def measured() -> list[tuple[str, int, float]]:
            stop = asyncio.Event()
            task = asyncio.create_task(
                load(f"http://127.0.0.1:{port}", token, urls, args.readers, args.seconds, stop)
            )
            await task
            return task.result()

        base = f"http://127.0.0.1:{port}"
        if args.client == "wrk":
            summary = load_wrk(base, token, urls, args.readers, args.seconds, work)
        else:
            results = asyncio.run(measured())
        if importer is not None:
            rc = importer.wait()
            import_s = time.perf_counter() - began
            if rc:
                print((work / "import.log").read_text(errors="replace")[-2000:])
    finally:
        server.terminate()
        server.wait(30)
        if importer is not None and importer.poll() is None:
            importer.kill()
    if args.client == "wrk":
        statuses = Counter({int(k): v for k, v in summary["statuses"].items()})
        if summary["socket_errors"]:
            statuses[0] += summary["socket_errors"]
        errors = sum(n for st, n in statuses.items() if st != 200)
        total = summary["requests"]
        seconds = summary["micros"] / 1e6
        p50, p95, p99, top = (summary[k] / 1000 for k in ("p50", "p95", "p99", "max"))
        detail = [f"- {label} (wrk): answers {dict(sorted(statuses.items()))}"]
    else:
        lat = [s for _u, st, s in results if st == 200]
        statuses = Counter(st for _u, st, _s in results)
        errors = sum(n for st, n in statuses.items() if st != 200)
        per_url: dict[str, list[float]] = defaultdict(list)
        for u, st, s in results:
            if st == 200:
                per_url[u].append(s)
        total, seconds = len(results), args.seconds
        p50, p95, p99 = (pct(lat, q) * 1000 for q in (0.5, 0.95, 0.99))
        top = max(lat or [0]) * 1000
        detail = [f"- {label} (httpx): answers {dict(sorted(statuses.items()))}; slowest (p95 ms):"]
        worst = sorted(per_url.items(), key=lambda kv: -pct(kv[1], 0.95))[:5]
        detail += [
            f"  `{u}` {pct(v, 0.95) * 1000:.0f} (median {statistics.median(v) * 1000:.0f}, "
            f"n={len(v)})"
            for u, v in worst
        ]
    row = (
        f"| {label} | {git_rev()} | {args.readers} | {args.import_rows:,} | {import_s:.0f} | "
        f"{total:,} | {total / seconds:.0f} | {errors} | {p50:.0f} | {p95:.0f} | {p99:.0f} | "
        f"{top:.0f} |"
    )
    print(row)
    print("\n".join(detail))
    return row, "\n".join(detail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a private PostgreSQL database URL (else SQLite)")
    parser.add_argument("--work", default="/tmp/bench-readers")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--import-rows", type=int, default=500_000)
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument(
        "--client",
        choices=("wrk", "httpx"),
        default="wrk" if shutil.which("wrk") else "httpx",
        help="wrk (Debian's package; light) or httpx (Python; per-URL figures, but its own cost "
        "takes most of a core at 200 requests a second)",
    )
    args = parser.parse_args()
    if args.no_import:
        args.import_rows = 0
    row, detail = run(args)
    if not args.no_record:
        head = (
            "| database | commit | readers | import rows | import (s) | requests | req/s | errors | "
            "p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
        )
        append_results(
            "Concurrent readers during an import (bench/readers.py)",
            f"Commit {git_rev()}. `{' '.join(sys.argv)}`\n\n{head}\n{row}\n\n{detail}",
        )


if __name__ == "__main__":
    main()
