"""Checking staged dossier records and writing the accepted ones to the system of record.

Writing is idempotent and never moves a dossier backwards: a record identical to the stored
one changes nothing; one older than the stored state (``as_of``) is reported as stale and
ignored; a newer one replaces the state. Each written row takes a fresh ``seq`` so that the
analytics copy follows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.audit import service as audit
from tinhso.duck import load_rows
from tinhso.errors import FieldError
from tinhso.services.fields import DOSSIER_FIELDS, TIMESTAMPS
from tinhso.services.models import ChangeCounter, Dossier, Procedure
from tinhso.services.staging import Staged, field_checks, typed_expr
from tinhso.units.models import Agency, Unit

CHUNK = 5000
MAX_REPORTED_ERRORS = 10_000
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


def next_seq(session: Session, count: int, stream: str = "dossier") -> int:
    """Reserve ``count`` change numbers; return the first. Locks the counter until commit."""
    row = session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.name == stream)
        .values(value=ChangeCounter.value + count)
        .returning(ChangeCounter.value)
    ).first()
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


def check(session: Session, staged: Staged, principal: Principal) -> None:
    """Create DuckDB tables ``errors`` (row_no, field, reason, value) and ``accepted`` (typed)."""
    con = staged.con
    _references(session, staged, principal)
    typed = ", ".join(f"{typed_expr(f)} AS {f.name}" for f in DOSSIER_FIELDS)
    con.execute(
        f"CREATE TABLE typed AS SELECT row_no, {typed}, "
        "md5(concat_ws('|', "
        + ", ".join(f"coalesce({f.name}, '')" for f in DOSSIER_FIELDS)
        + ")) AS h FROM src"
    )
    parts = []
    for f in DOSSIER_FIELDS:
        for cond, reason in field_checks(f):
            parts.append(
                f"SELECT row_no, '{f.name}' AS field, '{reason}' AS reason, {f.name} AS value "
                f"FROM src WHERE {cond}"
            )
    later = [
        ("finished_at", "ngày xử lý xong trước ngày tiếp nhận"),
        ("returned_at", "ngày trả kết quả trước ngày tiếp nhận"),
        ("stopped_at", "ngày dừng xử lý trước ngày tiếp nhận"),
        ("appointment_at", "ngày hẹn trả trước ngày tiếp nhận"),
    ]
    for col, reason in later:
        parts.append(
            f"SELECT row_no, '{col}', '{reason}', CAST({col} AS VARCHAR) FROM typed "
            f"WHERE {col} < received_at"
        )
    needs = [
        ("received_at", "status IN (2, 4, 5, 6, 8, 9, 10)", "trạng thái này cần ngày tiếp nhận"),
        (
            "appointment_at",
            "received_at IS NOT NULL AND status NOT IN (3, 7)",
            "hồ sơ đã tiếp nhận cần ngày hẹn trả",
        ),
        ("finished_at", "status = 9", "trạng thái 9 (đã xử lý xong) cần ngày xử lý xong"),
        ("returned_at", "status = 10", "trạng thái 10 (đã trả kết quả) cần ngày trả kết quả"),
    ]
    for col, when, reason in needs:
        parts.append(
            f"SELECT row_no, '{col}', '{reason}', CAST(status AS VARCHAR) FROM typed "
            f"WHERE {when} AND {col} IS NULL"
        )
    parts += [
        "SELECT row_no, 'procedure_code', 'mã thủ tục không có trong danh mục thủ tục', procedure_code "
        "FROM src WHERE procedure_code IS NOT NULL AND procedure_code NOT IN (SELECT code FROM ref_procedure)",
        "SELECT row_no, 'agency_code', 'mã cơ quan không có trong danh mục cơ quan', agency_code "
        "FROM src WHERE agency_code IS NOT NULL AND agency_code NOT IN (SELECT code FROM ref_agency)",
        "SELECT s.row_no, 'agency_code', 'cơ quan nằm ngoài phạm vi được phân quyền', s.agency_code "
        "FROM src s JOIN ref_agency a ON a.code = s.agency_code WHERE NOT a.in_scope",
        "SELECT row_no, 'commune_code', 'mã xã không có trong danh mục đơn vị hành chính', commune_code "
        "FROM src WHERE commune_code IS NOT NULL AND commune_code NOT IN (SELECT code FROM ref_commune)",
        # The same code twice with different data: the first occurrence stands, the others are refused.
        "SELECT row_no, 'code', 'mã hồ sơ trùng với dòng ' || first_row || ' nhưng dữ liệu khác', code "
        "FROM (SELECT row_no, code, h, min(row_no) OVER (PARTITION BY code) AS first_row, "
        "first_value(h) OVER (PARTITION BY code ORDER BY row_no) AS first_h FROM typed "
        "WHERE code IS NOT NULL) WHERE h <> first_h",
    ]
    con.execute("CREATE TABLE errors AS " + " UNION ALL ".join(parts))
    ts_cols = ", ".join(f"t.{c}" for c in TIMESTAMPS if c != "as_of")
    con.execute(
        f"""
        CREATE TABLE accepted AS
        WITH ok AS (
            SELECT t.* FROM typed t
            WHERE t.row_no NOT IN (SELECT row_no FROM errors)
            QUALIFY row_number() OVER (PARTITION BY t.code ORDER BY t.row_no) = 1
        )
        SELECT ok.row_no, ok.code, p.id AS procedure_id, a.id AS agency_id,
            (SELECT arg_max(c.id, (c.valid_from <= coalesce(ok.received_at, ok.submitted_at, ok.as_of)::DATE
                 AND coalesce(c.valid_to, DATE '9999-12-31')
                     >= coalesce(ok.received_at, ok.submitted_at, ok.as_of)::DATE, c.valid_from))
             FROM ref_commune c WHERE c.code = ok.commune_code) AS unit_id,
            {", ".join(f"ok.{c}" for c in STORED if c not in ("code", "as_of"))},
            coalesce(ok.as_of, greatest({ts_cols.replace("t.", "ok.")})) AS as_of
        FROM ok JOIN ref_procedure p ON p.code = ok.procedure_code JOIN ref_agency a ON a.code = ok.agency_code
        """
    )


_DEFAULTS: dict[str, Any] = {
    "supplement_count": 0,
    "supplement_days": 0.0,
    "fee": 0,
    "payment_flag": 0,
    "digitized_inputs": False,
    "e_result": False,
    "reused_components": 0,
    "from_data_store": False,
    "vneid": False,
    "synced": False,
    "complaint": False,
}


def _utc(value: Any) -> Any:
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) else value


def _accepted_rows(staged: Staged) -> Any:
    cols = ", ".join(
        f"timezone('UTC', {c}) AS {c}" if c in TIMESTAMPS else c
        for c in ["code", *WRITTEN[:3], *STORED[1:]]
    )
    cur = staged.con.execute(f"SELECT {cols} FROM accepted ORDER BY row_no")
    names = ["code", *WRITTEN[:3], *STORED[1:]]
    while batch := cur.fetchmany(CHUNK):
        yield [
            {
                n: (_DEFAULTS[n] if v is None and n in _DEFAULTS else _utc(v))
                for n, v in zip(names, row, strict=True)
            }
            for row in batch
        ]


def write(
    session: Session, staged: Staged, *, source: str, all_or_nothing: bool = False
) -> IngestReport:
    """Write the accepted records; return the report (errors capped at 10,000 listed)."""
    report = IngestReport(total=staged.total, encoding=staged.encoding)
    con = staged.con
    report.refused_rows = int(
        con.execute("SELECT count(DISTINCT row_no) FROM errors").fetchone()[0]
    )  # type: ignore[index]
    for row_no, fld, reason, value in con.execute(
        f"SELECT row_no, field, reason, value FROM errors ORDER BY row_no, field LIMIT {MAX_REPORTED_ERRORS}"
    ).fetchall():
        report.errors.append(FieldError(fld, reason, row=int(row_no), value=value))
    duplicates = int(
        con.execute(  # identical repeats of a code within the upload
            "SELECT count(*) FROM typed WHERE row_no NOT IN (SELECT row_no FROM errors)"
        ).fetchone()[0]
    ) - int(con.execute("SELECT count(*) FROM accepted").fetchone()[0])  # type: ignore[index]
    report.unchanged += duplicates
    if report.refused_rows and all_or_nothing:
        return report
    for rows in _accepted_rows(staged):
        _write_chunk(session, rows, source, report)
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


def _write_chunk(
    session: Session, rows: list[dict[str, Any]], source: str, report: IngestReport
) -> None:
    codes = [r["code"] for r in rows]
    cols = [getattr(Dossier, c) for c in ["id", *WRITTEN]]
    existing = {r.code: r for r in session.execute(select(*cols).where(Dossier.code.in_(codes)))}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for r in rows:
        old = existing.get(r["code"])
        if old is None:
            inserts.append(r)
        elif r["as_of"] < old.as_of:
            report.stale += 1
        elif all(_same(getattr(old, c), r[c]) for c in WRITTEN):
            report.unchanged += 1
        else:
            updates.append({**r, "b_id": old.id})
    todo = len(inserts) + len(updates)
    if not todo:
        return
    seq = next_seq(session, todo)
    for r in inserts + updates:
        r["seq"], r["source"] = seq, source
        seq += 1
    if inserts:
        session.execute(Dossier.__table__.insert(), inserts)
        report.created += len(inserts)
    if updates:
        names = [*WRITTEN, "seq", "source"]
        stmt = (
            Dossier.__table__.update()
            .where(Dossier.__table__.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in names})
        )
        params = [{"b_id": u["b_id"], **{f"b_{c}": u[c] for c in names}} for u in updates]
        session.connection().execute(stmt, params)
        report.updated += len(updates)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    if isinstance(a, date) and isinstance(b, date):
        return a == b
    return bool(a == b)
