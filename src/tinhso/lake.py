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
import tempfile
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import duckdb
from sqlalchemy import Select, func, select

from tinhso.audit.models import AuditHead
from tinhso.db import Database
from tinhso.duck import connect
from tinhso.services.models import Dossier, Procedure
from tinhso.units.models import Agency, Unit
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
CALENDAR_YEARS = (2015, 2035)
BATCH = 200_000


def _csv_value(v: object) -> object:
    if v is None:
        return "\\N"
    if isinstance(v, datetime):
        return v.isoformat()
    return v


class Lake:
    """The DuckDB copy of one system of record; thread-safe for one process."""

    def __init__(self, db: Database, path: Path | None, calendar: WorkCalendar) -> None:
        self.db = db
        self.path = path
        self.calendar = calendar
        self.lock = threading.RLock()
        temp = (path.parent if path else Path(tempfile.gettempdir())) / "lake-spill"
        self.con = connect(path or ":memory:", temp_dir=temp)
        self._init_schema()

    @staticmethod
    def path_for(var_dir: Path, url: str) -> Path:
        """Return the lake file of a database under var/ (one per database URL)."""
        digest = hashlib.sha256(url.encode()).hexdigest()[:12]
        return var_dir / f"lake-{digest}.duckdb"

    def _init_schema(self) -> None:
        cols = ", ".join(f"{n} {t}" for n, t in DOSSIER_COLUMNS)
        self.con.execute(f"CREATE TABLE IF NOT EXISTS dossier ({cols}, province_id BIGINT)")
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS lake_state (key VARCHAR PRIMARY KEY, value BIGINT)"
        )
        if not self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name='workday'"
        ).fetchone()[0]:  # type: ignore[index]
            self._load_calendar()

    def _load_calendar(self) -> None:
        rows = self.calendar.index_table(*CALENDAR_YEARS)
        self._replace("workday", [("d", "DATE"), ("idx", "INTEGER"), ("working", "BOOLEAN")], rows)

    def reload_calendar(self, calendar: WorkCalendar) -> None:
        """Use a changed calendar (after the province edits its data file)."""
        with self.lock:
            self.calendar = calendar
            self._load_calendar()

    def _state(self, key: str) -> int:
        row = self.con.execute("SELECT value FROM lake_state WHERE key = ?", [key]).fetchone()
        return int(row[0]) if row else 0

    def _set_state(self, key: str, value: int) -> None:
        self.con.execute("INSERT OR REPLACE INTO lake_state VALUES (?, ?)", [key, value])

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
        with self.db.engine.connect() as conn:
            head = conn.execute(select(AuditHead.last_id).where(AuditHead.id == 1)).scalar() or 0
            if head == self._state("dims") and self._state("dims_loaded"):
                return False
            self._replace(
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
                conn.execute(
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
                    )
                ),
            )
            self._replace(
                "agency",
                [
                    ("id", "BIGINT"),
                    ("code", "VARCHAR"),
                    ("name", "VARCHAR"),
                    ("kind", "VARCHAR"),
                    ("unit_id", "BIGINT"),
                    ("parent_id", "BIGINT"),
                    ("path", "VARCHAR"),
                ],
                conn.execute(
                    select(
                        Agency.id,
                        Agency.code,
                        Agency.name,
                        Agency.kind,
                        Agency.unit_id,
                        Agency.parent_id,
                        Agency.path,
                    )
                ),
            )
            unit_stmt: Select[tuple[object, ...]] = select(
                Unit.id,
                Unit.code,
                Unit.name,
                Unit.level,
                Unit.kind,
                Unit.parent_id,
                Unit.path,
                Unit.valid_from,
                Unit.valid_to,
            ).where(Unit.level.in_(["province", "commune"]))
            self._replace(
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
                conn.execute(unit_stmt),
            )
        self._set_state("dims", int(head))
        self._set_state("dims_loaded", 1)
        # A dossier's province follows its agency's unit: recompute when agencies changed.
        self.con.execute(
            "UPDATE dossier SET province_id = m.province_id FROM ("
            "  SELECT a.id AS agency_id, CAST(split_part(trim(u.path, '/'), '/', 1) AS BIGINT) AS province_id"
            "  FROM agency a JOIN unit u ON u.id = a.unit_id) m WHERE dossier.agency_id = m.agency_id"
        )
        return True

    def sync(self) -> int:
        """Copy what changed since the last sync; return how many dossier rows were copied."""
        with self.lock:
            self._sync_dimensions()
            watermark = self._state("dossier_seq")
            names = [n for n, _t in DOSSIER_COLUMNS]
            cols = [getattr(Dossier, n) for n in names]
            copied = 0
            with self.db.engine.connect() as conn:
                top = conn.execute(select(func.max(Dossier.seq))).scalar() or 0
                if top <= watermark:
                    return 0
                while True:
                    rows = conn.execute(
                        select(*cols)
                        .where(Dossier.seq > watermark)
                        .order_by(Dossier.seq)
                        .limit(BATCH)
                    ).all()
                    if not rows:
                        break
                    self._upsert(names, rows)
                    copied += len(rows)
                    watermark = int(rows[-1][-1])
                    if len(rows) < BATCH:
                        break
            self._set_state("dossier_seq", watermark)
            return copied

    def _upsert(self, names: list[str], rows: Sequence[Sequence[object]]) -> None:
        columns = [(n, t.split()[0]) for n, t in DOSSIER_COLUMNS]
        self._replace("dossier_batch", columns, rows)
        self.con.execute(
            "INSERT OR REPLACE INTO dossier SELECT b.*, "
            "CAST(split_part(trim(u.path, '/'), '/', 1) AS BIGINT) "
            "FROM dossier_batch b LEFT JOIN agency a ON a.id = b.agency_id LEFT JOIN unit u ON u.id = a.unit_id"
        )
        self.con.execute("DROP TABLE dossier_batch")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Return a cursor on the copy for one query (hold ``lock`` while using it)."""
        return self.con.cursor()

    def close(self) -> None:
        """Close the DuckDB file."""
        with self.lock:
            self.con.close()
