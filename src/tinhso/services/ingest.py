"""Checking staged dossier records and writing the accepted ones to the system of record.

Writing is idempotent and never moves a dossier backwards: a record identical to the stored
one changes nothing; one older than the stored state (``as_of``) is reported as stale and
ignored; a newer one replaces the state. Each written row takes a fresh ``seq`` so that the
analytics copy follows it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Column, MetaData, Table, bindparam, select, update
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.audit import service as audit
from tinhso.duck import load_rows
from tinhso.errors import FieldError
from tinhso.services.fields import DOSSIER_FIELDS, TIMESTAMPS
from tinhso.services.models import ChangeCounter, Dossier, Procedure
from tinhso.services.staging import Staged, field_checks, typed_expr
from tinhso.textcheck import CONTROL_SQL
from tinhso.units.models import Agency, Unit

CHUNK = 5000
BULK = 20_000  # rows a batch of the direct insert
BULK_CACHE_KIB = 256 * 1024  # SQLite page cache during a large load
BULK_ROWS = 50_000  # a load of at least this many rows is a large one
MAX_REPORTED_ERRORS = 10_000
SHOWN_MAX = 100  # the longest refused value an error shows
STORED = [
    f.name
    for f in DOSSIER_FIELDS
    if f.name not in ("procedure_code", "agency_code", "commune_code")
]
WRITTEN = ["procedure_id", "agency_id", "unit_id", *STORED]


@dataclass
class IngestReport:
    """What an ingestion accepted and refused, row by row."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    refused_rows: int = 0
    errors: list[FieldError] = field(default_factory=list)
    encoding: str | None = None
    committed: bool = False

    @property
    def accepted(self) -> int:
        """Return how many records were accepted (written or already identical)."""
        return self.created + self.updated + self.unchanged + self.stale


_COUNTER = cast(Table, ChangeCounter.__table__)
# Built once, run through Core: it is called for every batch of pushed events.
_BUMP_COUNTER = (
    update(_COUNTER)
    .where(_COUNTER.c.name == bindparam("stream"))
    .values(value=_COUNTER.c.value + bindparam("count"))
    .returning(_COUNTER.c.value)
)


def next_seq(session: Session, count: int, stream: str = "dossier") -> int:
    """Reserve ``count`` change numbers; return the first. Locks the counter until commit."""
    row = session.connection().execute(_BUMP_COUNTER, {"stream": stream, "count": count}).first()
    if row is None:
        session.add(ChangeCounter(name=stream, value=count))
        session.flush()
        return 1
    return int(row[0]) - count + 1


def _references(session: Session, staged: Staged, principal: Principal) -> None:
    con = staged.con
    load_rows(
        con,
        "ref_procedure",
        [("code", "VARCHAR"), ("id", "BIGINT")],
        session.execute(select(Procedure.code, Procedure.id)),
    )
    in_scope = set(session.scalars(select(Agency.id).where(principal.agency_data_write())))
    # An existing dossier may only be replaced by someone who may write for its current agency.
    staged.allowed_agencies = None if principal.is_global else in_scope
    load_rows(
        con,
        "ref_agency",
        [("code", "VARCHAR"), ("id", "BIGINT"), ("in_scope", "BOOLEAN")],
        (
            (code, aid, aid in in_scope)
            for code, aid in session.execute(select(Agency.code, Agency.id))
        ),
    )
    load_rows(
        con,
        "ref_commune",
        [("code", "VARCHAR"), ("id", "BIGINT"), ("valid_from", "DATE"), ("valid_to", "DATE")],
        session.execute(
            select(Unit.code, Unit.id, Unit.valid_from, Unit.valid_to).where(
                Unit.level == "commune"
            )
        ),
    )


LATER = [
    ("finished_at", "ngày xử lý xong trước ngày tiếp nhận"),
    ("returned_at", "ngày trả kết quả trước ngày tiếp nhận"),
    ("stopped_at", "ngày dừng xử lý trước ngày tiếp nhận"),
    ("appointment_at", "ngày hẹn trả trước ngày tiếp nhận"),
]
_ANY_TIME = " OR ".join(f"{c} IS NOT NULL" for c in TIMESTAMPS)
NEEDS = [
    ("received_at", "status IN (2, 4, 5, 6, 8, 9, 10)", "trạng thái này cần ngày tiếp nhận"),
    (
        "appointment_at",
        "received_at IS NOT NULL AND status NOT IN (3, 7)",
        "hồ sơ đã tiếp nhận cần ngày hẹn trả",
    ),
    ("finished_at", "status = 9", "trạng thái 9 (đã xử lý xong) cần ngày xử lý xong"),
    ("returned_at", "status = 10", "trạng thái 10 (đã trả kết quả) cần ngày trả kết quả"),
    (
        "as_of",
        f"NOT ({_ANY_TIME})",
        "cần ít nhất một mốc thời gian (ngày nộp, tiếp nhận, xử lý xong…)",
    ),
]
REFERENCES = [
    "SELECT row_no, 'procedure_code', 'mã thủ tục không có trong danh mục thủ tục', procedure_code "
    "FROM src WHERE procedure_code IS NOT NULL AND procedure_code NOT IN (SELECT code FROM ref_procedure)",
    "SELECT row_no, 'agency_code', 'mã cơ quan không có trong danh mục cơ quan', agency_code "
    "FROM src WHERE agency_code IS NOT NULL AND agency_code NOT IN (SELECT code FROM ref_agency)",
    "SELECT s.row_no, 'agency_code', 'cơ quan nằm ngoài phạm vi được phân quyền', s.agency_code "
    "FROM src s JOIN ref_agency a ON a.code = s.agency_code WHERE NOT a.in_scope",
    "SELECT row_no, 'commune_code', 'mã xã không có trong danh mục đơn vị hành chính', commune_code "
    "FROM src WHERE commune_code IS NOT NULL AND commune_code NOT IN (SELECT code FROM ref_commune)",
]
# A commune code names the commune valid on the dossier's day (its reception, else its
# submission): codes were reused on 2025-07-01, so a code of the day before may name another.
COMMUNE_ON_DAY = """
SELECT t.row_no, 'commune_code',
    'mã xã không có hiệu lực vào ngày ' || strftime(t.on_day, '%d/%m/%Y')
        || ' (ngày tiếp nhận, hoặc ngày nộp, của hồ sơ)',
    t.commune_code
FROM (SELECT row_no, commune_code, CAST(coalesce(received_at, submitted_at, as_of) AS DATE) AS on_day
      FROM typed WHERE commune_code IS NOT NULL AND NOT bad) t
WHERE t.on_day IS NOT NULL AND t.commune_code IN (SELECT code FROM ref_commune)
  AND NOT EXISTS (SELECT 1 FROM ref_commune c WHERE c.code = t.commune_code
      AND coalesce(c.valid_from, DATE '0001-01-01') <= t.on_day
      AND coalesce(c.valid_to, DATE '9999-12-31') >= t.on_day)
"""


def check(session: Session, staged: Staged, principal: Principal) -> None:
    """Create DuckDB tables ``errors`` (row_no, field, reason, value) and ``accepted`` (typed).

    Records are read once: one pass types every field and flags the rows that fail any field,
    date or status check; only the flagged rows (usually none) are read again to name each
    failure. References are checked with anti-joins, repeated codes only when there are any.
    """
    con = staged.con
    _references(session, staged, principal)
    typed = ", ".join(f"{typed_expr(f)} AS t_{f.name}" for f in DOSSIER_FIELDS)
    fails = [cond for f in DOSSIER_FIELDS for cond, _r in field_checks(f, typed=f"t_{f.name}")]
    fails += [f"t_{c} < t_received_at" for c, _r in LATER]
    fails += [f"({_typed_names(when)}) AND t_{col} IS NULL" for col, when, _r in NEEDS]
    con.execute(
        "CREATE TABLE typed AS SELECT row_no, "
        + ", ".join(f"t_{f.name} AS {f.name}" for f in DOSSIER_FIELDS)
        + f", coalesce({' OR '.join(f'({c})' for c in fails)}, FALSE) AS bad "
        f"FROM (SELECT src.*, {typed} FROM src)"
    )
    con.execute(
        "CREATE TEMP TABLE flagged AS SELECT * FROM src WHERE row_no IN (SELECT row_no FROM typed WHERE bad)"
    )
    parts = []
    for f in DOSSIER_FIELDS:
        for cond, reason in field_checks(f):
            parts.append(
                f"SELECT row_no, '{f.name}' AS field, {reason} AS reason, {_shown(f.name)} AS value "
                f"FROM flagged WHERE {cond}"
            )
    for col, reason in LATER:
        parts.append(
            f"SELECT row_no, '{col}', '{reason}', CAST({col} AS VARCHAR) FROM typed "
            f"WHERE bad AND {col} < received_at"
        )
    for col, when, reason in NEEDS:
        parts.append(
            f"SELECT row_no, '{col}', '{reason}', CAST(status AS VARCHAR) FROM typed "
            f"WHERE bad AND {when} AND {col} IS NULL"
        )
    parts += [*REFERENCES, COMMUNE_ON_DAY]
    if _scalar(con, "SELECT count(code) - count(DISTINCT code) FROM typed"):
        # The same code twice with different data: the first occurrence stands, the others
        # are refused. Only repeated codes are hashed.
        con.execute(
            "CREATE TEMP TABLE repeated AS SELECT s.row_no, s.code, md5(concat_ws('|', "
            + ", ".join(f"coalesce(s.{f.name}, '')" for f in DOSSIER_FIELDS)
            + ")) AS h FROM src s WHERE s.code IN "
            "(SELECT code FROM src WHERE code IS NOT NULL GROUP BY code HAVING count(*) > 1)"
        )
        parts.append(
            "SELECT row_no, 'code', 'mã hồ sơ trùng với dòng ' || first_row || ' nhưng dữ liệu khác', code "
            "FROM (SELECT row_no, code, h, min(row_no) OVER (PARTITION BY code) AS first_row, "
            "first_value(h) OVER (PARTITION BY code ORDER BY row_no) AS first_h FROM repeated) "
            "WHERE h <> first_h"
        )
        first_only = "QUALIFY row_number() OVER (PARTITION BY t.code ORDER BY t.row_no) = 1"
    else:
        first_only = ""
    con.execute("CREATE TABLE errors AS " + " UNION ALL ".join(parts))
    ts_cols = ", ".join(f"ok.{c}" for c in TIMESTAMPS if c != "as_of")
    con.execute(
        f"""
        CREATE TABLE accepted AS
        WITH ok AS (
            SELECT t.*, coalesce(t.received_at, t.submitted_at, t.as_of)::DATE AS on_day
            FROM typed t
            WHERE t.row_no NOT IN (SELECT row_no FROM errors)
            {first_only}
        ),
        -- A commune code names the commune valid on the reception day (codes are reused
        -- across the 2025 reform); resolved once per code and day, not once per record.
        commune AS (
            SELECT k.commune_code, k.on_day,
                arg_max(c.id, (c.valid_from <= k.on_day
                    AND coalesce(c.valid_to, DATE '9999-12-31') >= k.on_day, c.valid_from)) AS unit_id
            FROM (SELECT DISTINCT commune_code, on_day FROM ok WHERE commune_code IS NOT NULL) k
            JOIN ref_commune c ON c.code = k.commune_code
            GROUP BY ALL
        )
        SELECT ok.row_no, ok.code, p.id AS procedure_id, a.id AS agency_id, cm.unit_id,
            {", ".join(f"ok.{c}" for c in STORED if c not in ("code", "as_of"))},
            coalesce(ok.as_of, greatest({ts_cols})) AS as_of
        FROM ok JOIN ref_procedure p ON p.code = ok.procedure_code JOIN ref_agency a ON a.code = ok.agency_code
        LEFT JOIN commune cm ON cm.commune_code = ok.commune_code AND cm.on_day = ok.on_day
        """
    )


def _shown(column: str) -> str:
    """Return the value an error echoes: not a megabyte of text, not the characters refused."""
    return (
        f"CASE WHEN length({column}) > {SHOWN_MAX} OR regexp_matches({column}, '{CONTROL_SQL}') "
        f"THEN NULL ELSE {column} END"
    )


def _typed_names(condition: str) -> str:
    """Return a condition on the typed columns (``t_`` names) of the typing pass."""
    return re.sub(r"\b(" + "|".join(f.name for f in DOSSIER_FIELDS) + r")\b", r"t_\1", condition)


_DEFAULTS: dict[str, str] = {
    "supplement_count": "0",
    "supplement_days": "0",
    "fee": "0",
    "payment_flag": "0",
    "digitized_inputs": "FALSE",
    "e_result": "FALSE",
    "reused_components": "0",
    "from_data_store": "FALSE",
    "vneid": "FALSE",
    "synced": "FALSE",
    "complaint": "FALSE",
}
STAGE = "dossier_stage"
COLUMNS = [*WRITTEN, "seq", "source"]


def _stage_select(base: int, source: str, dialect: str) -> str:
    """Return the DuckDB query giving the stage rows, values already in the target's storage form.

    Timestamps leave as UTC text: SQLite keeps SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff" (the
    form TZDateTime reads back); for PostgreSQL they stay timestamps, which DuckDB's CSV writer
    prints with their offset (the connection set to UTC while it writes: see ``_fill_stage``).
    """
    cols = []
    for c in COLUMNS:
        if c == "seq":
            cols.append(f"{base} - 1 + row_number() OVER (ORDER BY row_no) AS seq")
        elif c == "source":
            cols.append(f"'{source}' AS source")
        elif c in TIMESTAMPS and dialect != "postgresql":
            cols.append(f"strftime(timezone('UTC', {c}), '%Y-%m-%d %H:%M:%S.%f') AS {c}")
        elif c in _DEFAULTS:
            cols.append(f"coalesce({c}, {_DEFAULTS[c]}) AS {c}")
        else:
            cols.append(c)
    return f"SELECT {', '.join(cols)} FROM accepted ORDER BY row_no"


def _fill_stage(
    session: Session, staged: Staged, base: int, source: str, work: Path, only: str = ""
) -> int:
    """Copy the accepted rows (those matching ``only``, a condition on the stage columns) into a
    temporary table of the system of record; return the count."""
    conn = session.connection()
    dialect = conn.dialect.name
    stage = Table(
        STAGE,
        MetaData(),
        *[Column(c.name, c.type) for c in Dossier.__table__.columns if c.name in COLUMNS],
        prefixes=["TEMPORARY"],
    )
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
    stage.create(conn)
    query = _stage_select(base, source, dialect)
    if only:
        query = f"SELECT * FROM ({query}) AS accepted WHERE {only} ORDER BY seq"
    if dialect == "postgresql":
        _copy_to_postgresql(conn, staged, query, STAGE, work)
        conn.exec_driver_sql(f"ANALYZE {STAGE}")  # a temporary table has no statistics
    else:
        insert = (
            f"INSERT INTO {STAGE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
        )
        cur = staged.con.execute(query)
        while batch := cur.fetchmany(CHUNK * 4):
            conn.exec_driver_sql(insert, batch)
    row = conn.exec_driver_sql(f"SELECT count(*) FROM {STAGE}").fetchone()
    return int(row[0]) if row else 0


def _copy_to_postgresql(conn: Any, staged: Staged, query: str, table: str, work: Path) -> None:
    """Copy the rows of a DuckDB query (the stage columns) into a PostgreSQL table, as CSV."""
    path = work / "stage.csv"
    zone = staged.con.execute("SELECT current_setting('TimeZone')").fetchone()
    staged.con.execute("SET TimeZone = 'UTC'")
    try:
        staged.con.execute(f"COPY ({query}) TO '{path}' (FORMAT csv, HEADER false)")
    finally:
        staged.con.execute(f"SET TimeZone = '{zone[0] if zone else 'UTC'}'")
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT csv)") as cp,
        path.open("rb") as f,
    ):
        while chunk := f.read(1 << 20):
            cp.write(chunk)
    path.unlink()


# Whether an accepted row's code is stored already; its negation picks the new ones. EXISTS,
# not IN: the two are exact complements even if a NULL ever got into the list.
STORED_CODE = "EXISTS (SELECT 1 FROM stored_code s WHERE s.code = accepted.code)"


def _copy_new_postgresql(
    session: Session, staged: Staged, base: int, source: str, work: Path
) -> int:
    """Copy the accepted rows whose code is new straight into the dossiers; return how many.

    Only while the table is held for the load (``_bulk_load`` dropped its indexes, which locks
    it): the stored codes read here cannot change before the copy. The rows whose code is
    stored are left to the merge.
    """
    conn = session.connection()
    load_rows(
        staged.con,
        "stored_code",
        [("code", "VARCHAR")],
        conn.exec_driver_sql("SELECT code FROM dossier"),
    )
    new = f"NOT ({STORED_CODE})"
    count = _scalar(staged.con, f"SELECT count(*) FROM accepted WHERE {new}")
    if count:
        query = (
            f"SELECT * FROM ({_stage_select(base, source, 'postgresql')}) AS accepted WHERE {new}"
        )
        _copy_to_postgresql(conn, staged, query, "dossier", work)
    return count


def _refuse_foreign(session: Session, staged: Staged, report: IngestReport) -> int:
    """Drop from the stage the rows that would replace a dossier of an agency outside the
    caller's scope; report them as refused; return how many."""
    if staged.allowed_agencies is None:
        return 0
    conn = session.connection()
    allowed = ", ".join(str(int(a)) for a in sorted(staged.allowed_agencies)) or "NULL"
    foreign = [
        code
        for (code,) in conn.exec_driver_sql(
            f"SELECT s.code FROM {STAGE} s JOIN dossier d ON d.id = s.existing_id "
            f"WHERE d.agency_id NOT IN ({allowed})"
        )
    ]
    if not foreign:
        return 0
    rows = dict(
        staged.con.execute(
            "SELECT code, row_no FROM accepted WHERE list_contains(?, code)", [foreign]
        ).fetchall()
    )
    for code in foreign:
        report.errors.append(
            FieldError(
                "code",
                "hồ sơ đã có, thuộc cơ quan nằm ngoài phạm vi được phân quyền",
                row=int(rows.get(code, 0)) or None,
                value=str(code),
            )
        )
    for i in range(0, len(foreign), 500):
        chunk = foreign[i : i + 500]
        conn.exec_driver_sql(
            f"DELETE FROM {STAGE} WHERE code IN ({', '.join('?' * 1 for _ in chunk)})"
            if conn.dialect.name == "sqlite"
            else f"DELETE FROM {STAGE} WHERE code = ANY(%(codes)s)",
            tuple(chunk) if conn.dialect.name == "sqlite" else {"codes": chunk},
        )
    report.refused_rows += len(foreign)
    return len(foreign)


def _merge(session: Session, staged: Staged, report: IngestReport) -> int:
    """Merge the stage into the dossiers with set-based SQL: insert new, update newer, count the
    rest; return how many rows were refused for scope."""
    conn = session.connection()
    same = "IS NOT DISTINCT FROM" if conn.dialect.name == "postgresql" else "IS"
    conn.exec_driver_sql(f"ALTER TABLE {STAGE} ADD COLUMN existing_id BIGINT")
    conn.exec_driver_sql(
        f"UPDATE {STAGE} SET existing_id = (SELECT d.id FROM dossier d WHERE d.code = {STAGE}.code)"
    )
    refused = _refuse_foreign(session, staged, report)
    cols = ", ".join(COLUMNS)
    created = conn.exec_driver_sql(
        f"INSERT INTO dossier ({cols}) SELECT {cols} FROM {STAGE} WHERE existing_id IS NULL"
    ).rowcount
    stale = conn.exec_driver_sql(
        f"SELECT count(*) FROM {STAGE} s JOIN dossier d ON d.id = s.existing_id WHERE s.as_of < d.as_of"
    ).scalar()
    differs = " OR ".join(f"NOT (s.{c} {same} d.{c})" for c in WRITTEN)
    updated = conn.exec_driver_sql(
        f"UPDATE dossier SET ({cols}) = (SELECT {', '.join('s.' + c for c in COLUMNS)} FROM {STAGE} s "
        f"WHERE s.existing_id = dossier.id) WHERE id IN (SELECT s.existing_id FROM {STAGE} s "
        f"JOIN dossier d ON d.id = s.existing_id WHERE s.as_of > d.as_of OR (s.as_of = d.as_of AND ({differs})))"
    ).rowcount
    conn.exec_driver_sql(f"DROP TABLE {STAGE}")
    report.created += max(created, 0)
    report.updated += max(updated, 0)
    report.stale += int(stale or 0)
    return refused


def _insert_new_sqlite(session: Session, staged: Staged, base: int, source: str) -> int:
    """Insert the accepted rows whose code is new straight into the dossiers; return how many.

    No stage, no merge: for a load of new records (the bulk case) each row is bound once and
    written once. A code already stored is skipped here and merged afterwards.
    """
    conn = session.connection()
    insert = (
        f"INSERT INTO dossier ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)}) "
        "ON CONFLICT (code) DO NOTHING"
    )
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = staged.con.execute(_stage_select(base, source, "sqlite"))
    written = 0
    # The next batch is fetched from DuckDB while SQLite writes the last one (both release
    # the interpreter lock in their own C code), so the two overlap on two cores.
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(cur.fetchmany, BULK)
        while batch := pending.result():
            pending = pool.submit(cur.fetchmany, BULK)
            written += max(raw.executemany(insert, batch).rowcount, 0)
    return written


def _insert_new_postgresql(session: Session, staged_rows: int) -> int:
    """Insert the staged rows whose code is new; drop them from the stage; return how many."""
    conn = session.connection()
    cols = ", ".join(COLUMNS)
    written = conn.exec_driver_sql(
        f"INSERT INTO dossier ({cols}) SELECT {cols} FROM {STAGE} ON CONFLICT (code) DO NOTHING"
    ).rowcount
    if written == staged_rows:  # all new: nothing left to merge
        conn.exec_driver_sql(f"DROP TABLE {STAGE}")
    elif written:
        conn.exec_driver_sql(
            f"DELETE FROM {STAGE} s USING dossier d WHERE d.seq = s.seq AND d.code = s.code"
        )
    return max(written, 0)


def write(
    session: Session, staged: Staged, *, source: str, all_or_nothing: bool = False
) -> IngestReport:
    """Write the accepted records; return the report (errors capped at 10,000 listed)."""
    report = IngestReport(total=staged.total, encoding=staged.encoding)
    con = staged.con
    report.refused_rows = _scalar(con, "SELECT count(DISTINCT row_no) FROM errors")
    for row_no, fld, reason, value in con.execute(
        "SELECT row_no, field, reason, value FROM errors ORDER BY row_no, field "
        f"LIMIT {MAX_REPORTED_ERRORS}"
    ).fetchall():
        report.errors.append(FieldError(fld, reason, row=int(row_no), value=value))
    accepted = _scalar(con, "SELECT count(*) FROM accepted")
    kept = _scalar(
        con, "SELECT count(*) FROM typed WHERE row_no NOT IN (SELECT row_no FROM errors)"
    )
    report.unchanged += kept - accepted  # identical repeats of a code within the upload
    if report.refused_rows and all_or_nothing:
        return report
    if accepted:
        conn = session.connection()
        with tempfile.TemporaryDirectory(prefix="tinhso-stage-") as work:
            with _bulk_load(session, accepted) as held:
                # After the table lock a large load takes, as an event push takes the dossiers'
                # rows before the counter: one order, so the two cannot deadlock.
                base = next_seq(session, accepted)
                # New codes are written straight away; the rest (codes already stored) are
                # staged for the merge: ``stored`` says which they are.
                stored = ""
                if conn.dialect.name == "sqlite":
                    created = _insert_new_sqlite(session, staged, base, source)
                    if created < accepted:
                        _mark_inserted(session, staged, base, accepted)
                        stored = "seq NOT IN (SELECT seq FROM inserted_seq)"
                elif held:
                    created = _copy_new_postgresql(session, staged, base, source, Path(work))
                    stored = STORED_CODE
                else:
                    staged_rows = _fill_stage(session, staged, base, source, Path(work))
                    created = _insert_new_postgresql(session, staged_rows)
                if stored and created < accepted:
                    _fill_stage(session, staged, base, source, Path(work), only=stored)
            report.created += created
            rest = accepted - created
            if rest:
                before = report.created + report.updated + report.stale
                refused = _merge(session, staged, report)
                report.unchanged += (
                    rest - refused - (report.created + report.updated + report.stale - before)
                )
                if refused and all_or_nothing:
                    return report
    if report.created or report.updated:
        audit.record(
            session,
            action="import",
            entity="dossier",
            entity_id=source,
            after={
                "total": report.total,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "stale": report.stale,
                "refused": report.refused_rows,
            },
        )
    report.committed = True
    return report


def _mark_inserted(session: Session, staged: Staged, base: int, count: int) -> None:
    """Load into DuckDB the change numbers of the rows the direct insert wrote."""
    conn = session.connection()
    load_rows(
        staged.con,
        "inserted_seq",
        [("seq", "BIGINT")],
        conn.exec_driver_sql(
            f"SELECT seq FROM dossier WHERE seq >= {int(base)} AND seq < {int(base + count)}"
        ),
    )


@contextmanager
def _bulk_load(session: Session, rows: int) -> Iterator[bool]:
    """Prepare the system of record for a large load, all inside the transaction.

    When the load is larger than the table, the secondary indexes are dropped and created again
    afterwards: building an index once from sorted data is several times cheaper than maintaining
    it row by row. The unique index on the code stays: it is what finds the codes already stored.
    SQLite also gets a larger page cache, PostgreSQL more memory for the builds. On failure the
    transaction is rolled back, and the dropped indexes come back with it. On PostgreSQL the
    dropping locks the table until the commit: readers of the dossiers wait for a load larger
    than the table (see the operator guide). Yields whether the table is so held."""
    if rows < BULK_ROWS:
        yield False
        return
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        saved = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    else:
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{BULK_CACHE_KIB // 1024}MB'")
    stored = conn.exec_driver_sql("SELECT count(*) FROM dossier").scalar() or 0
    rebuild: list[str] = []
    if rows > stored:
        if sqlite:
            _begin_sqlite(conn)
        rebuild = _drop_secondary(conn)
    try:
        yield bool(rebuild)
        for sql in rebuild:
            conn.exec_driver_sql(sql)
    finally:
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(saved or -2000)}")


def _begin_sqlite(conn: Any) -> None:
    """Open the SQLite transaction now, if no write opened it yet.

    Python's sqlite3 module opens a transaction only before an INSERT, UPDATE or DELETE: a
    DROP INDEX run before any of them is committed on its own, and a failed load would roll
    its rows back but leave the indexes dropped."""
    if not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


_SECONDARY = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'dossier' "
    "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
    "postgresql": "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
    "JOIN pg_class c ON c.oid = x.indexrelid "
    "WHERE x.indrelid = 'dossier'::regclass AND NOT x.indisunique",
}


def _drop_secondary(conn: Any) -> list[str]:
    """Drop the dossiers' non-unique indexes; return the statements that create them again.

    The foreign keys stay: on PostgreSQL dropping one locks the table it points to (agencies,
    units, procedures) against every reader until the commit, which would stop the whole
    platform for the length of the load, not only the readers of dossiers."""
    indexes = [(str(n), str(d)) for n, d in conn.exec_driver_sql(_SECONDARY[conn.dialect.name])]
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in indexes]


def _scalar(con: Any, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
