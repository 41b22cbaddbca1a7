"""Shared pieces of the benchmarks: a bench province, synthetic dossiers, timing, results."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    """Return a one-line description of this machine."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}, DuckDB {duckdb.__version__}"


@contextmanager
def timed(results: dict[str, float], key: str) -> Iterator[None]:
    """Time the block into results[key] (seconds)."""
    start = time.perf_counter()
    yield
    results[key] = time.perf_counter() - start


def peak_rss_mib() -> float:
    """Return this process's peak resident memory (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def append_results(title: str, body: str) -> None:
    """Add a dated section to bench/RESULTS.md, newest first (after the file's introduction)."""
    section = f"## {title} — {date.today():%Y-%m-%d}\n\n{machine()}\n\n{body}\n"
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nEach run adds a section: machine, date, figures.\n\n" + section,
            encoding="utf-8",
        )
        return
    text = RESULTS.read_text(encoding="utf-8")
    cut = text.find("\n## ")
    cut = len(text) if cut < 0 else cut + 1
    RESULTS.write_text(text[:cut] + section + "\n" + text[cut:], encoding="utf-8")


def git_rev() -> str:
    """Return the current commit, for the record."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


GENERATE_SQL = """
COPY (
  WITH src AS (
    SELECT i,
      hash(i) AS h1, hash(i * 31 + 7) AS h2, hash(i * 131 + 3) AS h3,
      TIMESTAMPTZ '{year}-01-01 07:30:00+07' + to_seconds(CAST((hash(i * 7) % (365 * 86400)) AS BIGINT)) AS recv
    FROM range({n}) t(i)
  ),
  d AS (
    SELECT s.*, p.code AS procedure_code, p.legal_days, p.fee, p.online,
           a.code AS agency_code, a.commune_code
    FROM src s
    JOIN bench_proc p ON p.idx = s.h1 % (SELECT count(*) FROM bench_proc)
    JOIN bench_agency a ON a.idx = s.h2 % (SELECT count(*) FROM bench_agency)
  )
  SELECT 'B' || lpad(CAST(i AS VARCHAR), 10, '0') AS code, procedure_code, agency_code, commune_code,
    CASE WHEN online AND h3 % 100 < 45 THEN 2 WHEN h3 % 100 < 97 THEN 1 ELSE 3 END AS channel,
    CASE WHEN h3 % 1000 < 8 THEN 3 WHEN h3 % 1000 < 60 THEN 4 WHEN h3 % 1000 < 120 THEN 9 ELSE 10 END AS status,
    strftime(recv - INTERVAL 2 HOUR, '%Y-%m-%dT%H:%M:%S+07:00') AS submitted_at,
    strftime(recv, '%Y-%m-%dT%H:%M:%S+07:00') AS received_at,
    strftime(recv + to_days(CAST(legal_days * 1.4 AS INTEGER)), '%Y-%m-%dT%H:%M:%S+07:00') AS appointment_at,
    CASE WHEN h3 % 1000 >= 60 THEN strftime(recv + to_days(CAST(legal_days * (0.4 + (h2 % 100) / 85.0) AS INTEGER)),
         '%Y-%m-%dT%H:%M:%S+07:00') END AS finished_at,
    CASE WHEN h3 % 1000 >= 120 THEN strftime(recv + to_days(CAST(legal_days * (0.4 + (h2 % 100) / 85.0) AS INTEGER) + 1),
         '%Y-%m-%dT%H:%M:%S+07:00') END AS returned_at,
    CASE WHEN h3 % 1000 < 8 THEN strftime(recv + INTERVAL 1 HOUR, '%Y-%m-%dT%H:%M:%S+07:00') END AS stopped_at,
    CASE WHEN h1 % 100 < 7 THEN 1 WHEN h1 % 100 < 8 THEN 2 ELSE 0 END AS supplement_count,
    CASE WHEN h1 % 100 < 8 THEN 1 + h2 % 3 ELSE 0 END AS supplement_days,
    fee,
    CASE WHEN fee > 0 AND h2 % 100 < 15 THEN 1 + h1 % 2 ELSE 0 END AS payment_flag,
    h2 % 100 < 70 AS digitized_inputs, h3 % 100 < 75 AS e_result, CAST(h1 % 3 = 0 AS INTEGER) AS reused_components,
    h2 % 100 < 8 AS from_data_store, h1 % 100 < 40 AS vneid, h3 % 100 < 93 AS synced,
    CASE WHEN h1 % 1000 < 10 THEN -1 WHEN h1 % 2 = 0 THEN 1 ELSE 0 END AS rating,
    h2 % 1000 < 5 AS complaint
  FROM d ORDER BY i
) TO '{out}' ({fmt})
"""
