"""Helpers for in-process DuckDB: a configured connection, and moving Python rows in quickly."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

LOCAL_TZ = "Asia/Ho_Chi_Minh"


def connect(
    path: str | Path = ":memory:", *, temp_dir: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """Return a DuckDB connection in local time, bounded in memory, spilling under ``temp_dir``."""
    con = duckdb.connect(str(path))
    # GLOBAL: cursors are connections of their own and must see local time too.
    con.execute(f"SET GLOBAL TimeZone = '{LOCAL_TZ}'")
    # Never reach out for extensions: the data centre is air-gapped (DESIGN.md, decision 3).
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute(f"SET memory_limit = '{os.environ.get('TINHSO_DUCKDB_MEMORY', '2GB')}'")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{temp_dir}'")
    return con


def load_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[object]],
) -> int:
    """Create ``table`` (columns: name, DuckDB type) and fill it with rows; return the count.

    Rows go through a temporary CSV file, which DuckDB reads in one vectorised pass: far
    faster than row-by-row inserts, and no pandas or Arrow needed.
    """
    cols = ", ".join(f'"{n}" {t}' for n, t in columns)
    con.execute(f'CREATE OR REPLACE TABLE "{table}" ({cols})')
    count = 0
    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", encoding="utf-8", newline="", delete=False
    ) as f:
        writer = csv.writer(f)
        for row in rows:
            writer.writerow(["\\N" if v is None else v for v in row])
            count += 1
        name = f.name
    try:
        if count:
            types = "{" + ", ".join(f"'{n}': '{t}'" for n, t in columns) + "}"
            con.execute(
                f"""INSERT INTO "{table}" SELECT * FROM read_csv(?, header=false, columns={types},
                    nullstr='\\N', quote='"', escape='"')""",
                [name],
            )
    finally:
        os.unlink(name)
    return count
