"""The analytics copy: a DuckDB file kept in step with the system of record.

Fact rows (dossiers) are copied by change number: each sync takes the rows whose ``seq`` is
above the watermark and upserts them, so an event pushed through the API reaches the copy in
one small transfer, not a reload. Dimension tables (procedures, agencies, units) are small and
are reloaded whenever the audit log says they changed. The working-day calendar is a table
too, so deadlines are computed in the same scan.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import tempfile
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Connection, func, select

from tinhso.audit.models import AuditHead
from tinhso.db import Database
from tinhso.duck import connect
from tinhso.errors import Busy
from tinhso.services.models import Dossier, Procedure
from tinhso.units.bridge import Lineage, UnitRow
from tinhso.units.models import Agency, Unit, UnitLineage
from tinhso.workdays import WorkCalendar

DOSSIER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "BIGINT PRIMARY KEY"),
    ("code", "VARCHAR"),
    ("procedure_id", "BIGINT"),
    ("agency_id", "BIGINT"),
    ("unit_id", "BIGINT"),
    ("channel", "TINYINT"),
    ("status", "TINYINT"),
    ("submitted_at", "TIMESTAMPTZ"),
    ("received_at", "TIMESTAMPTZ"),
    ("appointment_at", "TIMESTAMPTZ"),
    ("finished_at", "TIMESTAMPTZ"),
    ("returned_at", "TIMESTAMPTZ"),
    ("stopped_at", "TIMESTAMPTZ"),
    ("supplement_count", "SMALLINT"),
    ("supplement_days", "DOUBLE"),
    ("fee", "BIGINT"),
    ("payment_flag", "TINYINT"),
    ("digitized_inputs", "BOOLEAN"),
    ("e_result", "BOOLEAN"),
    ("reused_components", "SMALLINT"),
    ("from_data_store", "BOOLEAN"),
    ("vneid", "BOOLEAN"),
    ("synced", "BOOLEAN"),
    ("rating", "TINYINT"),
    ("complaint", "BOOLEAN"),
    ("seq", "BIGINT"),
)
# Worked out once per row when it is copied, so that the index scan needs no calendar joins.
DERIVED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("province_id", "BIGINT"),
    ("sub_at", "TIMESTAMPTZ"),
    ("end_at", "TIMESTAMPTZ"),
    ("done_at", "TIMESTAMPTZ"),
    ("due_at", "TIMESTAMPTZ"),
    ("processing_days", "DOUBLE"),
    ("counted", "BOOLEAN"),
    # Local months (year × 12 + month − 1) of the times the index buckets by: the 766 counts
    # are integer arithmetic on these, not calendar work per row. ``due_m`` is the month of the
    # first period end that falls after the due time (month of due + 1 µs).
    ("sub_m", "INTEGER"),
    ("rec_m", "INTEGER"),
    ("done_m", "INTEGER"),
    ("end_m", "INTEGER"),
    ("due_m", "INTEGER"),
)
# The shape of the copy: a file of another shape is rebuilt from the system of record.
SCHEMA_VERSION = 4  # 3: province_id is the province valid on the reception day; 4: unit_path
MONTH_SQL = "year({t}) * 12 + month({t}) - 1"
DERIVE_SQL = (
    "SELECT x.*, "
    + ", ".join(
        MONTH_SQL.format(t=t) + f" AS {n}"
        for n, t in (
            ("sub_m", "x.sub_at"),
            ("rec_m", "x.received_at"),
            ("done_m", "x.done_at"),
            ("end_m", "x.end_at"),
            ("due_m", "(x.due_at + INTERVAL 1 MICROSECOND)"),
        )
    )
    + """ FROM (
SELECT b.*,
    -- The province that received it: the one valid on its reception day, from the commune
    -- (valid then) or else the agency's province as it stood then (lineage across 2025).
    coalesce(po.province_id, CAST(split_part(trim(coalesce(cu.path, a.unit_path), '/'), '/', 1) AS BIGINT))
        AS province_id,
    coalesce(b.received_at, b.submitted_at) AS sub_at,
    coalesce(b.finished_at, b.returned_at, b.stopped_at) AS end_at,
    coalesce(b.finished_at, b.returned_at) AS done_at,
    -- The appointment moved forward by the working days the citizen spent supplementing.
    CASE WHEN coalesce(b.supplement_days, 0) > 0 AND b.appointment_at IS NOT NULL THEN
        CAST(wdue.d AS TIMESTAMPTZ) + (b.appointment_at - date_trunc('day', b.appointment_at))
    ELSE b.appointment_at END AS due_at,
    -- Working days after the reception day up to and including the end day, less supplements.
    wdone.idx - wrec.idx - coalesce(b.supplement_days, 0) AS processing_days,
    b.status NOT IN (1, 3, 7) AND b.received_at IS NOT NULL AS counted
FROM {source} b
LEFT JOIN agency a ON a.id = b.agency_id
LEFT JOIN unit cu ON cu.id = b.unit_id
LEFT JOIN province_on po
       ON po.root = CAST(split_part(trim(coalesce(cu.path, a.unit_path), '/'), '/', 1) AS BIGINT)
      AND CAST(coalesce(b.received_at, b.submitted_at) AS DATE) BETWEEN po.d_from AND po.d_to
LEFT JOIN workday wapp ON wapp.d = CAST(b.appointment_at AS DATE)
LEFT JOIN (SELECT idx, d FROM workday WHERE working) wdue
       ON wdue.idx = wapp.idx + CAST(ceil(coalesce(b.supplement_days, 0)) AS INTEGER)
LEFT JOIN workday wrec ON wrec.d = CAST(b.received_at AS DATE)
LEFT JOIN workday wdone ON wdone.d = CAST(coalesce(b.finished_at, b.returned_at) AS DATE)
) x"""
)
CALENDAR_YEARS = (2015, 2035)
# The years a time of the copy may fall in: wider than any import accepts (``TINHSO_DATE_MIN``),
# narrow enough that every month and deadline computed from it stays in range.
PLAUSIBLE_YEARS = (1900, 2199)
BATCH = 200_000
# A reader brings the copy up to date itself when this few dossier rows changed (an API push,
# a small file: well under a second); more (a large import) are copied in the background while
# readers keep reading the copy as it stood.
INLINE_ROWS = 20_000
# How long a reader waits for a short sync another request is running (then reads as it stands).
SHORT_SYNC_WAIT = 2.0
# How long a reader waits for the first copy of a new analytics file (then "busy", 503).
FIRST_SYNC_WAIT = 300.0
COPY_NOT_READY = (
    "bản sao phân tích đang được dựng lần đầu từ cơ sở dữ liệu, hãy thử lại sau ít phút"
)
log = logging.getLogger("tinhso.lake")


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _raw_csv(path: Path) -> str:
    """Return a DuckDB scan of an exported batch, every column as text."""
    columns = ", ".join(f"'{n}': 'VARCHAR'" for n, _t in DOSSIER_COLUMNS)
    return f"read_csv({_literal(path)}, header=false, columns={{{columns}}}, nullstr='')"


def _plausible(name: str, kind: str, utc: str) -> str:
    """Return the DuckDB expression of an exported text column as the copy keeps it: typed, or
    NULL when it is not a plausible value of its column (a time outside ``PLAUSIBLE_YEARS``,
    NaN or infinity, a number beyond the column's type)."""
    kind = kind.split()[0]
    value = f"nullif({name}, '')"
    if kind == "TIMESTAMPTZ":
        typed = f"TRY_CAST({value}{utc} AS TIMESTAMPTZ)"
        first, last = PLAUSIBLE_YEARS
        return (
            f"CASE WHEN {typed} >= TIMESTAMPTZ '{first}-01-01 00:00:00+00' "
            f"AND {typed} < TIMESTAMPTZ '{last + 1}-01-01 00:00:00+00' THEN {typed} END"
        )
    if kind == "BOOLEAN":
        return f"TRY_CAST(CASE {name} WHEN 't' THEN 'true' WHEN 'f' THEN 'false' ELSE {value} END AS BOOLEAN)"
    if kind == "DOUBLE":
        typed = f"TRY_CAST({value} AS DOUBLE)"
        return f"CASE WHEN isfinite({typed}) THEN {typed} END"
    return f"TRY_CAST({value} AS {kind})"


def _csv_value(v: object) -> object:
    if v is None:
        return "\\N"
    if isinstance(v, datetime):
        return v.isoformat()
    return v


# A table of the copy read from the system of record: (name, columns, query in a stable order).
Dimension = tuple[str, list[tuple[str, str]], Any]


def read_dimensions(
    conn: Connection, dimensions: Sequence[Dimension]
) -> tuple[list[tuple[str, list[tuple[str, str]], list[tuple[object, ...]]]], int]:
    """Read every dimension's rows; return them (name, columns, rows) and their fingerprint
    (a positive BIGINT): the same content reads the same, so a copy compares it with the one
    it holds before replacing anything."""
    tables = [
        (name, cols, [tuple(r) for r in conn.execute(stmt)]) for name, cols, stmt in dimensions
    ]
    digest = hashlib.sha256()
    for _name, _cols, rows in tables:
        digest.update(repr(rows).encode())
        digest.update(b"\x1e")
    return tables, int(digest.hexdigest()[:15], 16)


def lineage_dimension(table: str) -> Dimension:
    """The units' lineage as a copy holds it, under ``table``."""
    return (
        table,
        [("source_id", "BIGINT"), ("target_id", "BIGINT"), ("share", "VARCHAR")],
        select(UnitLineage.source_id, UnitLineage.target_id, UnitLineage.share).order_by(
            UnitLineage.source_id, UnitLineage.target_id
        ),
    )


# The register and the procedures as the copy holds them: (table, columns, query), ordered so
# that the same content reads the same (its fingerprint decides whether to copy again).
_DIMENSIONS: list[Dimension] = [
    (
        "procedure",
        [
            ("id", "BIGINT"),
            ("code", "VARCHAR"),
            ("name", "VARCHAR"),
            ("field", "VARCHAR"),
            ("level", "VARCHAR"),
            ("agency_id", "BIGINT"),
            ("online_mode", "VARCHAR"),
            ("fee", "BIGINT"),
            ("fee_bearing", "BOOLEAN"),
            ("issues_result", "BOOLEAN"),
            ("for_citizens", "BOOLEAN"),
            ("legal_days", "DOUBLE"),
        ],
        select(
            Procedure.id,
            Procedure.code,
            Procedure.name,
            Procedure.field,
            Procedure.level,
            Procedure.agency_id,
            Procedure.online_mode,
            Procedure.fee,
            Procedure.fee_bearing,
            Procedure.issues_result,
            Procedure.for_citizens,
            Procedure.legal_days,
        ).order_by(Procedure.id),
    ),
    (
        "agency",
        [
            ("id", "BIGINT"),
            ("code", "VARCHAR"),
            ("name", "VARCHAR"),
            ("kind", "VARCHAR"),
            ("unit_id", "BIGINT"),
            ("parent_id", "BIGINT"),
            ("path", "VARCHAR"),
            ("unit_path", "VARCHAR"),  # its unit's path, whatever the unit's level
        ],
        select(
            Agency.id,
            Agency.code,
            Agency.name,
            Agency.kind,
            Agency.unit_id,
            Agency.parent_id,
            Agency.path,
            Unit.path,
        )
        .join(Unit, Unit.id == Agency.unit_id)
        .order_by(Agency.id),
    ),
    (
        "unit",
        [
            ("id", "BIGINT"),
            ("code", "VARCHAR"),
            ("name", "VARCHAR"),
            ("level", "VARCHAR"),
            ("kind", "VARCHAR"),
            ("parent_id", "BIGINT"),
            ("path", "VARCHAR"),
            ("valid_from", "DATE"),
            ("valid_to", "DATE"),
        ],
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.level,
            Unit.kind,
            Unit.parent_id,
            Unit.path,
            Unit.valid_from,
            Unit.valid_to,
        )
        .where(Unit.level.in_(["province", "commune"]))
        .order_by(Unit.id),
    ),
    lineage_dimension("lineage"),
]


def source_marks(db: Database, conn: Connection | None, top: Any) -> tuple[int, int]:
    """Return the audit log's head and ``top`` (a scalar aggregate, the last change number of
    a table) in one round trip, on ``conn`` or on a connection of the pool."""
    query = select(
        select(AuditHead.last_id).where(AuditHead.id == 1).scalar_subquery(),
        select(top).scalar_subquery(),
    )
    if conn is None:
        with db.engine.connect() as own:
            row = own.execute(query).one()
    else:
        row = conn.execute(query).one()
    return int(row[0] or 0), int(row[1] or 0)


class Lake:
    """The DuckDB copy of one system of record; thread-safe for one process.

    Two locks. ``lock`` is held by whoever works on the derived tables (the 766 counts, the
    indicator values): those computations share tables and run one at a time. ``sync_lock``
    is held by the one sync copying changes from the system of record; it writes in a single
    DuckDB transaction on the copy's own connection (``con``), so the computations, on cursors
    of their own, keep reading the copy as it stood until the sync commits, and a reader never
    waits for a large import's sync (see :meth:`refresh`).
    """

    def __init__(self, db: Database, path: Path | None, calendar: WorkCalendar) -> None:
        self.db = db
        self.path = path
        self.calendar = calendar
        self.lock = threading.RLock()
        self._states_generation = 0
        self._states_memo: tuple[int, dict[str, int]] | None = None
        self.sync_lock = threading.Lock()
        # Set while a sync too large for a reader runs in the background.
        self.syncing_in_background = threading.Event()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        temp = (path.parent if path else Path(tempfile.gettempdir())) / "lake-spill"
        self.con = connect(path or ":memory:", temp_dir=temp)
        self._init_schema()
        # Set once the copy holds the register and the dossiers (a first sync committed): until
        # then there is nothing to read, and a reader waits for the first copy, however large.
        self.built = threading.Event()
        if self._state("dims_loaded"):
            self.built.set()
        # The fingerprint of the units and lineage (``units_digest``), kept at hand: the 766
        # bridges are keyed by it on every read.
        self.units_fp = self._state("units_fp")

    @staticmethod
    def path_for(var_dir: Path, url: str) -> Path:
        """Return the lake file of a database under var/ (one per database URL)."""
        digest = hashlib.sha256(url.encode()).hexdigest()[:12]
        return var_dir / f"lake-{digest}.duckdb"

    def _init_schema(self) -> None:
        cols = ", ".join(f"{n} {t}" for n, t in DOSSIER_COLUMNS)
        derived = ", ".join(f"{n} {t}" for n, t in DERIVED_COLUMNS)
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS lake_state (key VARCHAR PRIMARY KEY, value BIGINT)"
        )
        if self._state("schema") != SCHEMA_VERSION:
            # A copy of an older shape: start again (it is a copy; the watermark goes back to 0).
            self.con.execute("DROP TABLE IF EXISTS dossier")
            self.con.execute("DELETE FROM lake_state")
            self.states_changed()
            self._set_state("schema", SCHEMA_VERSION)
        self.con.execute(f"CREATE TABLE IF NOT EXISTS dossier ({cols}, {derived})")
        # The calendar is part of every deadline: when the province edits its data file, the
        # copy's working days and every derived due time are worked out again.
        if self._state("calendar") != self._calendar_digest():
            self._load_calendar()
            if self._state("dims_loaded"):  # a new copy has nothing to re-derive yet
                self._rederive()
            self.con.execute("DELETE FROM lake_state WHERE key LIKE 'qd766_%'")  # counts are stale
            self._set_state("calendar", self._calendar_digest())

    def _calendar_digest(self) -> int:
        rows = self.calendar.index_table(*CALENDAR_YEARS)
        return int(hashlib.sha256(repr(rows).encode()).hexdigest()[:15], 16)

    def _load_calendar(self) -> None:
        rows = self.calendar.index_table(*CALENDAR_YEARS)
        self._replace("workday", [("d", "DATE"), ("idx", "INTEGER"), ("working", "BOOLEAN")], rows)

    def state(self, key: str) -> int:
        """Return a number kept in the copy's state table (0 when unset; hold ``lock``)."""
        row = self.cursor().execute("SELECT value FROM lake_state WHERE key = ?", [key]).fetchone()
        return int(row[0]) if row else 0

    def states(self) -> dict[str, int]:
        """Return every number of the copy's state table, as last committed (no lock needed).

        Read from memory while no write to the table was reported (:meth:`states_changed`):
        every request works out the version of its figures from these, and a DuckDB query
        per request was a third of a cached answer's cost."""
        generation = self._states_generation  # before the read: a write meanwhile voids it
        memo = self._states_memo
        if memo is not None and memo[0] == generation:
            return dict(memo[1])
        rows = self.cursor().execute("SELECT key, value FROM lake_state").fetchall()
        found = {str(k): int(v) for k, v in rows}
        self._states_memo = (generation, found)
        return dict(found)

    def states_changed(self) -> None:
        """Say that the state table was written (or a transaction writing it ended)."""
        self._states_generation += 1

    def set_state(self, key: str, value: int) -> None:
        """Keep a number in the copy's state table (hold ``lock``)."""
        self.cursor().execute("INSERT OR REPLACE INTO lake_state VALUES (?, ?)", [key, value])
        self.states_changed()

    def _state(self, key: str) -> int:
        row = self.con.execute("SELECT value FROM lake_state WHERE key = ?", [key]).fetchone()
        return int(row[0]) if row else 0

    def _set_state(self, key: str, value: int) -> None:
        self.con.execute("INSERT OR REPLACE INTO lake_state VALUES (?, ?)", [key, value])
        self.states_changed()

    def _replace(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[object]]
    ) -> int:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".csv", newline="", encoding="utf-8", delete=False
        ) as f:
            writer = csv.writer(f)
            count = 0
            for row in rows:
                writer.writerow([_csv_value(v) for v in row])
                count += 1
            name = f.name
        try:
            types = "{" + ", ".join(f"'{n}': '{t.split()[0]}'" for n, t in columns) + "}"
            cols = ", ".join(f"{n} {t}" for n, t in columns)
            self.con.execute(f"CREATE OR REPLACE TABLE {table} ({cols})")
            if count:
                self.con.execute(
                    f"INSERT INTO {table} SELECT * FROM read_csv(?, header=false, columns={types}, nullstr='\\N')",
                    [name],
                )
        finally:
            Path(name).unlink()
        return count

    def _sync_dimensions(self) -> bool:
        """Copy the register and the procedures when the audit log moved and what the copy
        reads of them changed: the head moves for every audited change (a token, a form, an
        import's record), and re-deriving every dossier row for one of those took seconds of
        every reader's time during an import. What was read is compared by its fingerprint."""
        with self.db.engine.connect() as conn:
            head = conn.execute(select(AuditHead.last_id).where(AuditHead.id == 1)).scalar() or 0
            if head == self._state("dims") and self._state("dims_loaded"):
                return False
            tables, fp = read_dimensions(conn, _DIMENSIONS)
        if self._state("dims_loaded") and fp == self._state("dims_fp"):
            self._set_state("dims", int(head))  # moved for something the copy does not hold
            return False
        for name, cols, rows in tables:
            self._replace(name, cols, rows)
        self._load_province_epochs()
        self._set_state("units_fp", self.units_digest(self.con))
        self._set_state("dims", int(head))
        self._set_state("dims_fp", fp)
        self._set_state("dims_loaded", 1)
        # A dossier's province follows its agency's unit: work it out again when agencies changed.
        self._rederive()
        return True

    def lineage(self, con: duckdb.DuckDBPyConnection | None = None) -> Lineage:
        """Return the provinces' and communes' lineage as the copy holds it (hold ``lock``;
        ``con``: as a transaction on that connection sees it)."""
        con = con or self.con.cursor()
        units = [
            UnitRow(*r)
            for r in con.execute(
                "SELECT id, level, parent_id, valid_from, valid_to, code FROM unit"
            ).fetchall()
        ]
        return Lineage(
            units, con.execute("SELECT source_id, target_id, share FROM lineage").fetchall()
        )

    def _load_province_epochs(self) -> None:
        # Which province stood, on each day, for a province of another time: an agency is
        # attached to today's province, its dossiers of 2025-H1 belong to the one valid then.
        lin = self.lineage(self.con)
        rows = [
            (pid, start, end, who)
            for pid, spans in lin.epochs("province").items()
            for start, end, who in spans
        ]
        self._replace(
            "province_on",
            [("root", "BIGINT"), ("d_from", "DATE"), ("d_to", "DATE"), ("province_id", "BIGINT")],
            rows,
        )

    def units_digest(self, con: duckdb.DuckDBPyConnection | None = None) -> int:
        """Return a fingerprint of the units and lineage in the copy (hold ``lock``): what the
        bridges built from them depend on, which moves far less often than the audit log."""
        row = (
            (con or self.con.cursor())
            .execute(
                """SELECT (SELECT count(*) || ':' || coalesce(sum(hash(id, code, level, parent_id,
                          valid_from, valid_to)), 0) FROM unit)
                || '/' || (SELECT count(*) || ':' || coalesce(sum(hash(source_id, target_id, share)), 0)
                          FROM lineage)"""
            )
            .fetchone()
        )
        return int(hashlib.sha256(str(row).encode()).hexdigest()[:15], 16)

    def _rederive(self) -> None:
        base = ", ".join(n for n, _t in DOSSIER_COLUMNS)
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE rederived AS "
            + DERIVE_SQL.format(source=f"(SELECT {base} FROM dossier)")
        )
        self.con.execute("DELETE FROM dossier")
        self.con.execute("INSERT INTO dossier SELECT * FROM rederived")
        self.con.execute("DROP TABLE rederived")

    def sync(self) -> int:
        """Copy what changed since the last sync, waiting for one already running; return how
        many dossier rows were copied."""
        with self.sync_lock:
            return self._sync()

    def refresh(self, conn: Connection | None = None) -> None:
        """Bring the copy up to date for a reader, without making it wait for a long sync
        (``conn``: the reader's own connection, to look at the system of record with — a
        request already holds one; else one of the pool's).

        A few changed rows are copied at once (the reader then sees what was just written);
        a sync another reader runs is waited for a short, bounded time; many changed rows (a
        large import) are copied in the background while readers read the copy as it stands.
        """
        if not self.sync_lock.acquire(blocking=False):
            if not self.built.is_set():
                # A new copy (first start, or its file deleted): nothing to read until the first
                # sync commits, so wait for it — bounded, then "busy" rather than a failure.
                if not self.built.wait(FIRST_SYNC_WAIT):
                    raise Busy(COPY_NOT_READY)
            elif not self.syncing_in_background.is_set() and self.sync_lock.acquire(
                timeout=SHORT_SYNC_WAIT
            ):
                self.sync_lock.release()
            return
        handed_over = False
        try:
            pending = self._pending(conn)
            if pending == 0:
                return
            if pending <= INLINE_ROWS or not self.built.is_set():
                self._sync()
                return
            self.syncing_in_background.set()
            thread = threading.Thread(
                target=self._sync_behind, name="tinhso-lake-sync", daemon=True
            )
            thread.start()
            handed_over = True  # the thread releases the lock
        finally:
            if not handed_over:
                self.sync_lock.release()

    def _sync_behind(self) -> None:
        try:
            while self._pending():  # an import still running adds more meanwhile
                self._sync()
        except Exception:  # the next reader tries again; the copy stays as it was
            log.exception("background sync of the analytics copy failed")
        finally:
            self.syncing_in_background.clear()
            self.sync_lock.release()

    def _pending(self, conn: Connection | None = None) -> int:
        """Return how many dossier rows the copy lacks, or (when the dimensions changed, which
        re-derives every row) the rows it holds; 0 when it is up to date (hold ``sync_lock``).
        ``conn``: a connection of the caller's to read the system of record with."""
        head, top = source_marks(self.db, conn, func.max(Dossier.seq))
        state = self.states()
        pending = max(0, int(top) - state.get("dossier_seq", 0))
        if head != state.get("dims") or not state.get("dims_loaded"):
            row = self.cursor().execute("SELECT count(*) FROM dossier").fetchone()
            pending += 1 + (int(row[0]) if row else 0)
        return pending

    def _sync(self) -> int:
        """Copy what changed in one transaction of the copy's connection (hold ``sync_lock``)."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            copied = self._copy()
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self.states_changed()
        self.units_fp = self._state("units_fp")
        if self._state("dims_loaded"):
            self.built.set()
        return copied

    def _copy(self) -> int:
        self._sync_dimensions()
        watermark = self._state("dossier_seq")
        copied = 0
        with self.db.engine.connect() as conn:
            top = conn.execute(select(func.max(Dossier.seq))).scalar() or 0
            if top <= watermark:
                return 0
            with tempfile.TemporaryDirectory(prefix="tinhso-lake-") as work:
                while watermark < top:
                    path = Path(work) / "batch.csv"
                    count, last = self._export(conn, watermark, path)
                    if not count:
                        break
                    self._upsert(path, conn.dialect.name)
                    copied += count
                    watermark = last
        self._set_state("dossier_seq", watermark)
        return copied

    def _export(self, conn: Connection, after: int, path: Path) -> tuple[int, int]:
        """Write the next batch of changed dossiers to CSV; return (rows, last seq)."""
        names = ", ".join(n for n, _t in DOSSIER_COLUMNS)
        query = f"SELECT {names} FROM dossier WHERE seq > {int(after)} ORDER BY seq LIMIT {BATCH}"
        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            assert raw is not None
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as cp,
                path.open("wb") as f,
            ):
                for chunk in cp:
                    f.write(chunk)
        else:
            result = conn.exec_driver_sql(query)
            with path.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerows(result)
        stats = self.con.execute(
            f"SELECT count(*), max(CAST(seq AS BIGINT)) FROM {_raw_csv(path)}"
        ).fetchone()
        return (int(stats[0]), int(stats[1] or after)) if stats else (0, after)

    def _upsert(self, path: Path, dialect: str) -> None:
        # SQLite keeps UTC timestamps as text without a zone; PostgreSQL writes "+00".
        utc = "" if dialect == "postgresql" else " || '+00'"
        cols = ", ".join(f"{_plausible(n, t, utc)} AS {n}" for n, t in DOSSIER_COLUMNS)
        # A value the system of record holds but the copy cannot (stored before the checks of
        # every import path, or written straight into the table) is left out, not a failure of
        # every figure: the rows count without it, and the operator is told how many.
        dropped = " OR ".join(
            f"(nullif({n}, '') IS NOT NULL AND {_plausible(n, t, utc)} IS NULL)"
            for n, t in DOSSIER_COLUMNS
        )
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE dossier_batch AS SELECT {cols}, {dropped} AS _dropped "
            f"FROM {_raw_csv(path)}"
        )
        row = self.con.execute(
            "SELECT count(*) FILTER (WHERE _dropped), count(*) FILTER (WHERE id IS NULL OR seq IS NULL)"
            " FROM dossier_batch"
        ).fetchone()
        if row and row[0]:
            log.warning(
                "analytics copy: %d dossier rows hold values out of range (a time outside %d–%d, "
                "NaN, infinity or a count beyond its column); those values are left out",
                row[0],
                *PLAUSIBLE_YEARS,
            )
        self.con.execute("DELETE FROM dossier_batch WHERE id IS NULL OR seq IS NULL")
        self.con.execute("ALTER TABLE dossier_batch DROP COLUMN _dropped")
        self.con.execute(
            "INSERT OR REPLACE INTO dossier " + DERIVE_SQL.format(source="dossier_batch")
        )
        self.con.execute("DROP TABLE dossier_batch")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Return a cursor on the copy for one query (hold ``lock`` while using it)."""
        return self.con.cursor()

    def close(self) -> None:
        """Close the DuckDB file (after a sync running in the background)."""
        with self.sync_lock, self.lock:
            self.con.close()
