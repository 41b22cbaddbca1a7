"""Data values and the catalog's dimensions in the analytics copy, and the roll-up bridge.

The engine reads the services' ``Lake`` (one DuckDB file) through its connection and lock and
keeps tables of its own, prefixed ``ind_``: ``ind_value`` follows ``data_value`` by change
number (the ``data_value_seq`` watermark in ``lake_state``), as the dossiers do; the small
dimension tables (units at every level, lineage, agencies, data elements) are reloaded when the
audit log head moves. Nothing in ``lake.py`` changes for it.

The **bridge** says which organisation each reported value counts for: a unit counts for itself
and its ancestors; a unit no longer valid on the reference date counts, through the lineage,
for the units it became (and their ancestors), so data reported on old communes in 2025-H1
shows on the new ones; an agency counts for itself and its unit. Each (source, target) pair is
kept once, so a commune split between two new communes of one province counts once for the
province. Organisations are numbered ``unit id`` and ``-agency id``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
from sqlalchemy import Connection, func, select

from tinhso.audit.models import AuditHead
from tinhso.duck import load_rows
from tinhso.indicators.models import DataElement
from tinhso.lake import Dimension, Lake, lineage_dimension, read_dimensions, source_marks
from tinhso.reporting.models import DataValue
from tinhso.units.bridge import UnitRow, bridge_rows
from tinhso.units.models import Agency, Unit

VALUE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "BIGINT"),
    ("element_id", "BIGINT"),
    ("org", "BIGINT"),
    ("period", "VARCHAR"),
    ("period_start", "DATE"),
    ("period_end", "DATE"),
    ("value_num", "DOUBLE"),
    ("status", "VARCHAR"),
    ("seq", "BIGINT"),
)
# A value for a longer period wins over the sum of its parts (a yearly figure over monthly ones).
PTYPE_SQL = """CASE WHEN length(period) = 4 THEN 5 WHEN period LIKE '%-H%' THEN 4
    WHEN period LIKE '%-Q%' THEN 3 WHEN period LIKE '%-W%' THEN 1 ELSE 2 END"""
BATCH = 500_000
DIMS_VERSION = 2  # raised when a dimension table gains a column: older copies reload them
# Per element, organisation, calendar year and period type: what a yearly read needs, kept in
# step with ``ind_value`` so that a year is read from ~1/12 of the rows.
YEAR_SQL = """
SELECT element_id, org, CAST(year(period_start) AS INTEGER) AS year, ptype,
    sum(value_num) AS s, count(*) AS c, max(value_num) AS mx,
    arg_max(value_num, period_end) AS lst,
    max(value_num) FILTER (WHERE period = CAST(year(period_start) AS VARCHAR)) AS own
FROM ind_value v
WHERE status IN ('submitted', 'approved') AND value_num IS NOT NULL
  AND year(period_start) = year(period_end) {and_where}
GROUP BY element_id, org, year(period_start), ptype
"""


_READY: weakref.WeakSet[Lake] = weakref.WeakSet()


def init(lake: Lake) -> None:
    """Create the engine's tables in the copy if they are missing."""
    if lake in _READY:
        return
    cols = ", ".join(f"{n} {t}" for n, t in VALUE_COLUMNS)
    with lake.lock:
        con = lake.cursor()
        con.execute(
            f"CREATE TABLE IF NOT EXISTS ind_value ({cols}, ptype TINYINT, PRIMARY KEY (id))"
        )
        if not state(lake, "ind_year_built"):
            rebuild_years(lake)
    _READY.add(lake)


def rebuild_years(lake: Lake) -> None:
    """Work out the yearly table again from every value (after a bulk load)."""
    con = lake.cursor()
    con.execute("CREATE OR REPLACE TABLE ind_year AS " + YEAR_SQL.format(and_where=""))
    _set_state(lake, "ind_year_built", 1)


def _upsert_batch(con: duckdb.DuckDBPyConnection) -> None:
    """Upsert ``ind_value_batch`` and refresh the yearly rows of every key it touches."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE ind_year_keys AS
        SELECT DISTINCT element_id, org, CAST(year(period_start) AS INTEGER) AS year FROM (
            SELECT element_id, org, period_start FROM ind_value_batch
            UNION ALL
            SELECT v.element_id, v.org, v.period_start FROM ind_value v
            JOIN ind_value_batch b ON b.id = v.id)"""
    )
    con.execute(f"INSERT OR REPLACE INTO ind_value SELECT *, {PTYPE_SQL} FROM ind_value_batch")
    con.execute(
        """DELETE FROM ind_year y USING ind_year_keys k
        WHERE y.element_id = k.element_id AND y.org = k.org AND y.year = k.year"""
    )
    keys = """AND period_start >= (SELECT make_date(min(year), 1, 1) FROM ind_year_keys)
        AND period_start <= (SELECT make_date(max(year), 12, 31) FROM ind_year_keys)
        AND EXISTS (SELECT 1 FROM ind_year_keys k WHERE k.element_id = v.element_id
                    AND k.org = v.org AND k.year = year(v.period_start))"""
    con.execute("INSERT INTO ind_year " + YEAR_SQL.format(and_where=keys))
    con.execute("DROP TABLE ind_value_batch")


def state(lake: Lake, key: str) -> int:
    """Return a watermark of the copy (0 when unset)."""
    row = lake.cursor().execute("SELECT value FROM lake_state WHERE key = ?", [key]).fetchone()
    return int(row[0]) if row else 0


def states(lake: Lake) -> dict[str, int]:
    """Return every watermark of the copy in one read."""
    return lake.states()


def _set_state(lake: Lake, key: str, value: int) -> None:
    lake.set_state(key, value)


def _behind(lake: Lake, conn: Connection | None = None) -> bool:
    """Return True when data values or dimensions changed since the copy's last sync (read
    without the copy's lock: most reads find nothing to do; on ``conn`` if given)."""
    head, top = source_marks(lake.db, conn, func.max(DataValue.seq))
    st = states(lake)
    return (
        head != st.get("ind_dims", 0)
        or st.get("ind_dims_loaded") != DIMS_VERSION
        or top > st.get("data_value_seq", 0)
    )


def sync(lake: Lake, conn: Connection | None = None) -> int:
    """Copy the data values and dimensions that changed; return how many values were copied
    (``conn``: the caller's connection to look for changes with, else one of the pool's)."""
    init(lake)
    if not _behind(lake, conn):
        return 0
    with lake.lock:
        _sync_dimensions(lake)
        watermark = state(lake, "data_value_seq")
        copied = 0
        with lake.db.engine.connect() as conn:
            top = conn.execute(select(func.max(DataValue.seq))).scalar() or 0
            while watermark < top:
                rows = conn.execute(
                    select(
                        DataValue.id,
                        DataValue.element_id,
                        func.coalesce(DataValue.unit_id, -DataValue.agency_id),
                        DataValue.period,
                        DataValue.period_start,
                        DataValue.period_end,
                        DataValue.value_num,
                        DataValue.status,
                        DataValue.seq,
                    )
                    .where(DataValue.seq > watermark)
                    .order_by(DataValue.seq)
                    .limit(BATCH)
                ).all()
                if not rows:
                    break
                con = lake.cursor()
                load_rows(con, "ind_value_batch", VALUE_COLUMNS, rows)
                _upsert_batch(con)
                copied += len(rows)
                watermark = int(rows[-1][-1])
        if copied:
            _set_state(lake, "data_value_seq", watermark)
        return copied


_DIMENSIONS: list[Dimension] = [
    (
        "ind_unit",
        [
            ("id", "BIGINT"),
            ("code", "VARCHAR"),
            ("name", "VARCHAR"),
            ("level", "VARCHAR"),
            ("parent_id", "BIGINT"),
            ("valid_from", "DATE"),
            ("valid_to", "DATE"),
        ],
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.level,
            Unit.parent_id,
            Unit.valid_from,
            Unit.valid_to,
        ).order_by(Unit.id),
    ),
    lineage_dimension("ind_lineage"),
    (
        "ind_agency",
        [
            ("id", "BIGINT"),
            ("code", "VARCHAR"),
            ("name", "VARCHAR"),
            ("unit_id", "BIGINT"),
            ("parent_id", "BIGINT"),
        ],
        select(Agency.id, Agency.code, Agency.name, Agency.unit_id, Agency.parent_id).order_by(
            Agency.id
        ),
    ),
    (
        "ind_element",
        [("id", "BIGINT"), ("code", "VARCHAR"), ("aggregation", "VARCHAR")],
        select(DataElement.id, DataElement.code, DataElement.aggregation).order_by(DataElement.id),
    ),
]


def _sync_dimensions(lake: Lake) -> None:
    """Copy the register and the data elements when the audit log moved and what is read of
    them changed (by fingerprint): most audited changes (a token, a submission, an import's
    record) leave them as they were, and the computations are keyed on ``ind_dims_fp``."""
    with lake.db.engine.connect() as conn:
        head = conn.execute(select(AuditHead.last_id).where(AuditHead.id == 1)).scalar() or 0
        if head == state(lake, "ind_dims") and state(lake, "ind_dims_loaded") == DIMS_VERSION:
            return
        tables, fp = read_dimensions(conn, _DIMENSIONS)
    if state(lake, "ind_dims_loaded") == DIMS_VERSION and fp == state(lake, "ind_dims_fp"):
        _set_state(lake, "ind_dims", int(head))  # moved for something not held here
        return
    con = lake.cursor()
    for name, cols, rows in tables:
        load_rows(con, name, cols, rows)
    _set_state(lake, "ind_dims", int(head))
    _set_state(lake, "ind_dims_fp", fp)
    _set_state(lake, "ind_dims_loaded", DIMS_VERSION)
    _set_state(lake, "ind_bridge_day", 0)  # the bridge follows the units


def ensure_bridge(lake: Lake, day: date) -> None:
    """Build the bridge for the reference date unless the one in the copy is for it."""
    stamp = day.toordinal()
    if state(lake, "ind_bridge_day") == stamp:
        return
    con = lake.cursor()
    units = [
        UnitRow(*r)
        for r in con.execute(
            "SELECT id, level, parent_id, valid_from, valid_to FROM ind_unit"
        ).fetchall()
    ]
    lineage = con.execute("SELECT source_id, target_id, share FROM ind_lineage").fetchall()
    agencies = con.execute("SELECT id, unit_id FROM ind_agency").fetchall()
    rows = bridge_rows(units, lineage, agencies, day)
    load_rows(
        con,
        "ind_bridge",
        [("src", "BIGINT"), ("tgt", "BIGINT"), ("own", "BOOLEAN"), ("part", "BOOLEAN")],
        rows,
    )
    _set_state(lake, "ind_bridge_day", stamp)


def load_values(lake: Lake, rows: Sequence[Sequence[object]]) -> None:
    """Put value rows (VALUE_COLUMNS) straight into the copy: for benchmarks and tests."""
    init(lake)
    con = lake.cursor()
    load_rows(con, "ind_value_batch", VALUE_COLUMNS, rows)
    _upsert_batch(con)


def parquet_import(lake: Lake, path: Path) -> None:
    """Append a Parquet file of value rows (VALUE_COLUMNS) to the copy: for benchmarks."""
    init(lake)
    lake.cursor().execute(
        f"INSERT INTO ind_value SELECT *, {PTYPE_SQL} FROM read_parquet(?)", [str(path)]
    )
    rebuild_years(lake)


def load_rows_orgs(con: duckdb.DuckDBPyConnection, orgs: Sequence[int]) -> None:
    """Fill ``ind_orgs`` with the organisations a computation reports on."""
    load_rows(con, "ind_orgs", [("org", "BIGINT")], [(o,) for o in orgs])


def load_external(
    con: duckdb.DuckDBPyConnection,
    columns: Sequence[tuple[str, str]],
    refs: Sequence[str],
    values: dict[int, dict[str, float | None]],
) -> None:
    """Fill ``ind_ext`` with other domains' figures: one row per organisation, a column per ref."""
    rows = [[org, *(vals.get(r) for r in refs)] for org, vals in values.items()]
    load_rows(con, "ind_ext", [("org", "BIGINT"), *columns], rows)
