"""Public-service operations: the procedure catalogue, dossier ingestion, events, reads.

Every function takes the caller's principal; dossiers are scoped by their receiving agency
(and commune) through the principal's clauses.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Table, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tinhso.accounts import service as accounts
from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.errors import AppError, Conflict, FieldError, InvalidInput, NotFound
from tinhso.fmt import vn_date, vn_number
from tinhso.services import ingest
from tinhso.services.fields import FEE_MAX, date_window
from tinhso.services.models import Dossier, DossierEvent, Procedure
from tinhso.services.staging import stage_file, stage_records
from tinhso.tabular import read_table
from tinhso.text import nfc
from tinhso.textcheck import check_text
from tinhso.units.models import Agency, Unit
from tinhso.workdays import WorkCalendar

MAX_BATCH = 5000
NOTE_MAX = 2000  # the longest note of an event


def dossier_read(principal: Principal) -> ColumnElement[bool]:
    """Return the clause on Dossier for what the caller may read: its agencies' or its units'."""
    if principal.is_global:
        return Dossier.id.is_not(None)
    return or_(
        Dossier.agency_id.in_(select(Agency.id).where(principal.agency_read())),
        Dossier.unit_id.in_(select(Unit.id).where(principal.unit_data_read())),
    )


def ingest_file(
    session: Session,
    *,
    principal: Principal,
    path: Path,
    filename: str,
    source: str = "file",
    all_or_nothing: bool = False,
) -> ingest.IngestReport:
    """Check a file of dossier records and write the accepted ones; return the report."""
    principal.require("read")
    if not (principal.can("data.write") or principal.role == "admin"):
        principal.require("data.write")
    with tempfile.TemporaryDirectory(prefix="tinhso-ingest-") as work:
        staged = stage_file(path, filename, Path(work))
        try:
            ingest.check(session, staged, principal)
            return ingest.write(session, staged, source=source, all_or_nothing=all_or_nothing)
        finally:
            staged.close()


def ingest_records(
    session: Session,
    *,
    principal: Principal,
    records: Sequence[dict[str, Any]],
    source: str = "api",
) -> ingest.IngestReport:
    """Check an API batch of dossier records and write the accepted ones; return the report."""
    if not (principal.can("data.write") or principal.role == "admin"):
        principal.require("data.write")
    if not records:
        raise InvalidInput("lô dữ liệu rỗng", [FieldError("items", "cần ít nhất một hồ sơ")])
    if len(records) > MAX_BATCH:
        raise InvalidInput(
            f"một lô tối đa {MAX_BATCH} hồ sơ", [FieldError("items", f"có {len(records)} hồ sơ")]
        )
    with tempfile.TemporaryDirectory(prefix="tinhso-batch-") as work:
        staged = stage_records(records, Path(work))
        try:
            ingest.check(session, staged, principal)
            return ingest.write(session, staged, source=source)
        finally:
            staged.close()


def get_dossier(session: Session, *, principal: Principal, code: str) -> Dossier:
    """Return the dossier with this code, or raise NotFound (missing or out of scope)."""
    dossier = session.scalars(
        select(Dossier).where(Dossier.code == code, dossier_read(principal))
    ).first()
    if dossier is None:
        raise NotFound(f"không tìm thấy hồ sơ '{code}'")
    return dossier


def dossier_events(session: Session, dossier: Dossier) -> list[DossierEvent]:
    """Return the dossier's events in time order."""
    stmt = select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
    return list(session.scalars(stmt.order_by(DossierEvent.ts, DossierEvent.id)))


@dataclass(frozen=True)
class EventInput:
    """One status change as a system sends it."""

    event_id: str
    ts: datetime
    status: int
    note: str = ""


STATUS_TIMES = {
    1: "submitted_at",
    2: "received_at",
    9: "finished_at",
    10: "returned_at",
    8: "stopped_at",
    3: "stopped_at",
}


# Statuses that only a received dossier can reach (3 and 7 end a dossier before reception).
AFTER_RECEPTION = frozenset({4, 5, 6, 8, 9, 10})


def impossible_time(
    dossier: Any, event: EventInput, received: datetime | None
) -> InvalidInput | None:
    """Return why an event's time cannot be (before the dossier's reception ``received``, or a
    reception after it was finished or returned), or None. The rule of imported records."""
    if event.status in AFTER_RECEPTION and received is not None and event.ts < received:
        reason = f"thời điểm trước ngày tiếp nhận hồ sơ ({vn_date(received, with_time=True)})"
    elif event.status == 2 and (
        ended := min((t for t in (dossier.finished_at, dossier.returned_at) if t), default=None)
    ):
        if event.ts <= ended:
            return None
        reason = f"ngày tiếp nhận sau ngày hồ sơ đã xử lý xong ({vn_date(ended, with_time=True)})"
    else:
        return None
    return InvalidInput(
        "sự kiện không hợp lệ", [FieldError("ts", reason, value=event.ts.isoformat())]
    )


def derive(dossier: Any, events: Sequence[Any], calendar: WorkCalendar) -> dict[str, Any]:
    """Return the dossier fields implied by its events, merged with what its snapshots said.

    ``dossier`` and ``events`` are anything with their tables' columns as attributes (ORM
    objects, rows, records).

    Order-independent, so events arriving late or out of order give the same state and never
    move the dossier backwards: the status is that of the latest event (or snapshot), each
    timestamp the earliest report of it, supplement counts and days the largest seen.
    """
    out: dict[str, Any] = {}
    ordered = sorted(events, key=lambda e: (e.ts, e.id or 0))
    # A stored state time that cannot be read (None: see db.TZDateTime) is older than any event.
    if ordered and (dossier.as_of is None or ordered[-1].ts >= dossier.as_of):
        out["status"], out["as_of"] = ordered[-1].status, ordered[-1].ts
    for status, column in STATUS_TIMES.items():
        first = next((e.ts for e in ordered if e.status == status), None)
        current = getattr(dossier, column)
        if first is not None and (current is None or first < current):
            out[column] = first
    supplements = [i for i, e in enumerate(ordered) if e.status == 5]
    if len(supplements) > dossier.supplement_count:
        out["supplement_count"] = len(supplements)
    days = 0.0
    for i in supplements:
        resumed = next((e.ts for e in ordered[i + 1 :] if e.status != 5), None)
        if resumed is not None:
            days += calendar.working_days_between(ordered[i].ts, resumed)
    if days > dossier.supplement_days:
        out["supplement_days"] = days
    return out


def checked_event(event: EventInput) -> EventInput:
    """Return the event with its id trimmed, or raise InvalidInput naming every bad field."""
    event = EventInput(event.event_id.strip(), event.ts, event.status, event.note)
    errors = []
    if event.status not in range(1, 11):
        errors.append(FieldError("status", "phải là một trong 1–10", value=str(event.status)))
    if event.ts.tzinfo is None:
        errors.append(
            FieldError("ts", "thời điểm phải kèm múi giờ, ví dụ 2025-07-01T08:00:00+07:00")
        )
    elif not (window := date_window()).holds(event.ts):
        errors.append(FieldError("ts", window.reason, value=event.ts.isoformat()))
    if not event.event_id:
        errors.append(FieldError("event_id", "bắt buộc phải có"))
    else:
        check_text(errors, event.event_id, field="event_id", what="mã sự kiện", max_length=80)
    check_text(
        errors, event.note, field="note", what="ghi chú", max_length=NOTE_MAX, multiline=True
    )
    if errors:
        raise InvalidInput("sự kiện không hợp lệ", errors)
    return event


_DOSSIER = cast(Table, Dossier.__table__)
_EVENT = cast(Table, DossierEvent.__table__)
_EVENT_KEY = ["dossier_id", "event_id"]
# Prepared once: SQLAlchemy then reuses their compiled form, whatever the batch size.
_NEW_EVENTS = {
    name: insert(_EVENT)
    .on_conflict_do_nothing(index_elements=_EVENT_KEY)
    .returning(_EVENT.c.dossier_id, _EVENT.c.event_id)
    for name, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}
_TAKEN_EVENTS = select(_EVENT.c.dossier_id, _EVENT.c.event_id, _EVENT.c.ts, _EVENT.c.status).where(
    _EVENT.c.dossier_id.in_(bindparam("ids", expanding=True)),
    _EVENT.c.event_id.in_(bindparam("event_ids", expanding=True)),
)
_EVENTS_OF = (
    select(_EVENT)
    .where(_EVENT.c.dossier_id.in_(bindparam("ids", expanding=True)))
    .order_by(_EVENT.c.dossier_id, _EVENT.c.ts, _EVENT.c.id)
)
_MOVE_DOSSIER = update(_DOSSIER).where(_DOSSIER.c.id == bindparam("_id"))
_DERIVED = (*STATUS_TIMES.values(), "status", "as_of", "supplement_count", "supplement_days")


# The dossiers with the given codes (``codes``), locked: two batches touching one dossier
# derive its state one after the other; in id order, so that concurrent writers cannot deadlock.
_DOSSIERS_BY_CODE = (
    select(_DOSSIER)
    .where(_DOSSIER.c.code.in_(bindparam("codes", expanding=True)))
    .order_by(_DOSSIER.c.id)
    .with_for_update()
)
_WRITABLE_AGENCIES: dict[tuple[str, int, Principal], frozenset[int] | None] = {}


def _writable_agencies(session: Session, principal: Principal) -> frozenset[int] | None:
    """Return the agencies whose dossiers the caller may send events for (None: every one).

    Remembered per database, audit-log head and principal: moving or adding an agency, like
    changing a scope, moves the head, so the set is never older than the data it comes from.
    """
    key = (*accounts.scope_version(session), principal)
    if key in _WRITABLE_AGENCIES:
        return _WRITABLE_AGENCIES[key]
    if len(_WRITABLE_AGENCIES) >= 1024:
        _WRITABLE_AGENCIES.clear()
    found = _WRITABLE_AGENCIES[key] = (
        None
        if principal.is_global and (principal.can("data.write") or principal.role == "admin")
        else frozenset(session.scalars(select(Agency.id).where(principal.agency_data_write())))
    )
    return found


@dataclass(frozen=True)
class EventPush:
    """One event to record for a dossier, on behalf of a caller (the event already checked)."""

    principal: Principal
    code: str
    event: EventInput


@dataclass
class PushedEvents:
    """What :func:`push_events` did: per push, in order, its dossier (current state, a record
    with the dossier's columns as attributes) and whether its event was new, or the error that
    refuses it alone; and the events of every dossier found, in time order."""

    outcomes: list[tuple[SimpleNamespace, bool] | AppError]
    events: dict[int, list[Row[Any]]]


def _impossible_times(
    live: list[int], found: list[Any], pushes: Sequence[EventPush]
) -> dict[int, InvalidInput]:
    """Return the pushes (by position) whose time cannot be, each with its refusal.

    The reception a batch itself reports counts with the stored one, so that a reception and a
    later step sent together are judged as if sent one after the other. An event already stored
    is a repeat, not a refusal: the caller checks that before refusing."""
    reception: dict[int, datetime] = {}
    for i, dossier in zip(live, found, strict=True):
        event = pushes[i].event
        if event.status == 2 and (dossier.id not in reception or event.ts < reception[dossier.id]):
            reception[dossier.id] = event.ts
    out: dict[int, InvalidInput] = {}
    for i, dossier in zip(live, found, strict=True):
        times = [t for t in (dossier.received_at, reception.get(dossier.id)) if t is not None]
        refused = impossible_time(dossier, pushes[i].event, min(times, default=None))
        if refused is not None:
            out[i] = refused
    return out


def push_events(
    session: Session, pushes: Sequence[EventPush], calendar: WorkCalendar
) -> PushedEvents:
    """Record many events in the session's transaction, set by set.

    Idempotent: the same event id with the same content changes nothing; the same id with
    other content is a conflict; a dossier outside the caller's scope is not found. Events
    arriving late or out of order never move a dossier backwards (:func:`derive`).

    A handful of statements whatever the number of events: the dossiers (locked, in id order
    so that concurrent writers cannot deadlock), one insert that skips event ids already
    taken, a look at those taken ids, the events of the dossiers, and one update of the
    dossiers whose state moved. Two events of one dossier in a batch derive it once, from both.
    """
    conn = session.connection()
    outcomes: list[tuple[SimpleNamespace, bool] | AppError | None] = [None] * len(pushes)
    dossiers: dict[str, SimpleNamespace] = {}
    by_principal: dict[int, list[int]] = {}
    for i, push in enumerate(pushes):
        by_principal.setdefault(id(push.principal), []).append(i)
    for indexes in by_principal.values():
        allowed = _writable_agencies(session, pushes[indexes[0]].principal)
        found = {
            r.code: SimpleNamespace(**r._mapping)
            for r in conn.execute(
                _DOSSIERS_BY_CODE, {"codes": sorted({pushes[i].code for i in indexes})}
            )
            if allowed is None or r.agency_id in allowed
        }
        for i in indexes:
            dossier = found.get(pushes[i].code)
            if dossier is None:
                outcomes[i] = NotFound(
                    f"không tìm thấy hồ sơ '{pushes[i].code}' trong phạm vi được gửi dữ liệu"
                )
            else:
                dossiers[pushes[i].code] = dossier
    live = [i for i, o in enumerate(outcomes) if o is None]
    keys = [(dossiers[pushes[i].code].id, pushes[i].event.event_id) for i in live]
    impossible = _impossible_times(live, [dossiers[pushes[i].code] for i in live], pushes)
    inserted: set[tuple[int, str]] = set()
    if len(impossible) < len(live):
        now = utcnow()
        # Insert first, look only at the keys already taken: new events (the usual case) cost
        # one statement, and two writers racing with the same event id cannot both write it.
        rows = [
            {
                "dossier_id": key[0],
                "event_id": key[1],
                "ts": pushes[i].event.ts,
                "status": pushes[i].event.status,
                "note": nfc(pushes[i].event.note),
                "received_at": now,
            }
            for i, key in zip(live, keys, strict=True)
            if i not in impossible
        ]
        inserted = {
            (r.dossier_id, r.event_id) for r in conn.execute(_NEW_EVENTS[conn.dialect.name], rows)
        }
    taken = [key for key in keys if key not in inserted]
    stored: dict[tuple[int, str], tuple[datetime, int]] = {}
    if taken:
        stored = {
            (r.dossier_id, r.event_id): (r.ts, r.status)
            for r in conn.execute(
                _TAKEN_EVENTS,
                {"ids": sorted({k[0] for k in taken}), "event_ids": sorted({k[1] for k in taken})},
            )
        }
    touched: dict[int, SimpleNamespace] = {}
    first_of: dict[tuple[int, str], EventInput] = {}
    for i, key in zip(live, keys, strict=True):
        dossier, event = dossiers[pushes[i].code], pushes[i].event
        if key in inserted and key not in first_of:
            first_of[key] = event
            outcomes[i] = (dossier, True)
            touched[dossier.id] = dossier
            continue
        if i in impossible and key not in stored and key not in first_of:
            outcomes[i] = impossible[i]
            continue
        # Taken before, or by an earlier push of this batch: a repeat if the content agrees.
        same = stored.get(key) or (first_of[key].ts, first_of[key].status)
        if same == (event.ts, event.status):
            outcomes[i] = (dossier, False)
        else:
            outcomes[i] = Conflict(f"sự kiện '{event.event_id}' đã nhận với nội dung khác")
    events: dict[int, list[Row[Any]]] = {}
    if dossiers:
        for e in conn.execute(_EVENTS_OF, {"ids": sorted({d.id for d in dossiers.values()})}):
            events.setdefault(e.dossier_id, []).append(e)
    moved = []
    for dossier in touched.values():
        changes = derive(dossier, events.get(dossier.id, []), calendar)
        changed = {k: v for k, v in changes.items() if getattr(dossier, k) != v}
        if changed:
            for k, v in changed.items():
                setattr(dossier, k, v)
            moved.append(dossier)
    if moved:
        first_seq = ingest.next_seq(session, len(moved))
        for n, dossier in enumerate(moved):
            dossier.seq, dossier.source = first_seq + n, "event"
        conn.execute(
            _MOVE_DOSSIER,
            [
                {"_id": d.id, "seq": d.seq, "source": d.source}
                | {c: getattr(d, c) for c in _DERIVED}
                for d in moved
            ],
        )
    return PushedEvents([o for o in outcomes if o is not None], events)


PROCEDURE_COLUMNS = {
    "code": ("mã thủ tục", "ma_thu_tuc", "ma_tthc"),
    "name": ("tên thủ tục", "ten_thu_tuc"),
    "field": ("lĩnh vực", "linh_vuc"),
    "level": ("cấp thực hiện", "cap"),
    "agency_code": ("mã cơ quan", "ma_co_quan"),
    "online_mode": ("mức độ dvc", "dvctt", "hình thức trực tuyến"),
    "fee": ("phí", "lệ phí", "phi_le_phi"),
    "issues_result": ("có kết quả", "co_ket_qua"),
    "result_kind": ("loại kết quả",),
    "legal_days": ("thời hạn giải quyết", "so_ngay"),
    "for_citizens": ("công dân", "cong_dan"),
    "for_businesses": ("doanh nghiệp", "doanh_nghiep"),
    "published_on": ("ngày công bố", "ngay_cong_bo"),
}
ONLINE_ALIASES = {
    "full": "full",
    "toàn trình": "full",
    "toan trinh": "full",
    "4": "full",
    "partial": "partial",
    "một phần": "partial",
    "mot phan": "partial",
    "3": "partial",
    "none": "none",
    "không": "none",
    "khong": "none",
    "": "none",
    "2": "none",
    "1": "none",
}
LEVEL_ALIASES = {
    "province": "province",
    "tỉnh": "province",
    "tinh": "province",
    "commune": "commune",
    "xã": "commune",
    "xa": "commune",
    "both": "both",
    "tỉnh, xã": "both",
}


def _bool(raw: str) -> bool | None:
    v = raw.strip().lower()
    if v in ("1", "true", "có", "co", "x", "yes"):
        return True
    if v in ("0", "false", "không", "khong", "no", ""):
        return False
    return None


# No procedure's time limit comes near ten years of days; more is a typing or export error.
LEGAL_DAYS_MAX = 3650


def _catalog_number(
    errors: list[FieldError],
    raw: str | None,
    *,
    field: str,
    row: int,
    maximum: float,
    whole: bool = False,
) -> float:
    """Return a fee (whole đồng, "50.000") or a time limit ("2,5") of the catalogue; append to
    ``errors`` why it is not a plausible one (NaN, infinite, negative, beyond ``maximum``)."""
    what = "phí, lệ phí" if field == "fee" else "thời hạn giải quyết"
    text = (raw or "").strip() or "0"
    if whole:
        text = text.replace(".", "")
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value, problem = math.nan, f"{what} phải là số"
    else:
        problem = ""
    if problem:
        pass  # not a number at all: said already
    elif not math.isfinite(value):
        problem = f"{what} phải là một số hữu hạn (không nhận NaN hay Infinity)"
    elif whole and not value.is_integer():
        problem = f"{what} phải là số nguyên (đồng)"
    elif value < 0:
        problem = f"{what} không được nhỏ hơn 0"
    elif value > maximum:
        problem = f"{what} không được lớn hơn {vn_number(maximum)}"
    if problem:
        errors.append(FieldError(field, problem, row=row, value=None if len(text) > 40 else raw))
        return 0
    return int(value) if whole else value


def import_procedures(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> ingest.IngestReport:
    """Import the procedure catalogue (all or nothing); return the report."""
    if principal.role != "admin":
        principal.require("agencies.write")
    table = read_table(data, filename, columns=PROCEDURE_COLUMNS, required=("code", "name"))
    report = ingest.IngestReport(total=len(table.rows), encoding=table.encoding)
    # A procedure changes every unit's score: only its own agency's administrators (or the
    # administrators of the whole installation) may create or change it.
    agencies = {
        c: i
        for c, i in session.execute(select(Agency.code, Agency.id).where(principal.agency_write()))
    }
    parsed: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row, rec in table.rows:
        errs: list[FieldError] = []
        item: dict[str, Any] = {
            "code": check_text(
                errs, rec["code"], field="code", what="mã thủ tục", max_length=40, row=row
            ),
            "name": check_text(
                errs, rec["name"], field="name", what="tên thủ tục", max_length=500, row=row
            ),
            "field": check_text(
                errs, rec.get("field"), field="field", what="lĩnh vực", max_length=200, row=row
            ),
        }
        if rec["code"] in seen:
            errs.append(
                FieldError("code", f"mã thủ tục trùng với dòng {seen[rec['code']]}", row=row)
            )
        seen.setdefault(rec["code"], row)
        if not rec["name"]:
            errs.append(FieldError("name", "tên thủ tục không được để trống", row=row))
        mode = ONLINE_ALIASES.get(rec.get("online_mode", "").strip().lower())
        if mode is None:
            errs.append(
                FieldError(
                    "online_mode",
                    "phải là toàn trình, một phần hoặc không",
                    row=row,
                    value=rec.get("online_mode"),
                )
            )
        item["online_mode"] = mode
        level = LEVEL_ALIASES.get(rec.get("level", "tỉnh").strip().lower() or "tỉnh")
        if level is None:
            errs.append(
                FieldError(
                    "level", "phải là tỉnh, xã hoặc tỉnh, xã", row=row, value=rec.get("level")
                )
            )
        item["level"] = level
        code = rec.get("agency_code", "")
        item["agency_id"] = agencies.get(code) if code else None
        if code and item["agency_id"] is None:
            errs.append(
                FieldError(
                    "agency_code", "mã cơ quan không có hoặc ngoài phạm vi", row=row, value=code
                )
            )
        for key, default in (
            ("issues_result", True),
            ("for_citizens", True),
            ("for_businesses", False),
        ):
            raw = rec.get(key)
            value = default if raw is None or raw == "" else _bool(raw)
            if value is None:
                errs.append(FieldError(key, "phải là có/không (1/0)", row=row, value=raw))
            item[key] = value
        item["fee"] = _catalog_number(
            errs, rec.get("fee"), field="fee", row=row, whole=True, maximum=FEE_MAX
        )
        item["legal_days"] = _catalog_number(
            errs, rec.get("legal_days"), field="legal_days", row=row, maximum=LEGAL_DAYS_MAX
        )
        item["fee_bearing"] = bool(item.get("fee"))
        item["result_kind"] = check_text(
            errs,
            rec.get("result_kind"),
            field="result_kind",
            what="loại kết quả",
            max_length=100,
            row=row,
        )
        published = rec.get("published_on")
        item["published_on"] = None
        if published:
            try:
                item["published_on"] = datetime.fromisoformat(published[:10]).date()
            except ValueError:
                errs.append(
                    FieldError(
                        "published_on", "ngày không hợp lệ (YYYY-MM-DD)", row=row, value=published
                    )
                )
        if not principal.is_global and not errs:
            existing = session.scalars(
                select(Procedure).where(Procedure.code == item["code"])
            ).first()
            owner_ok = item["agency_id"] is not None and (
                existing is None or existing.agency_id in agencies.values()
            )
            if not owner_ok:
                errs.append(
                    FieldError(
                        "agency_code",
                        "chỉ quản trị toàn hệ thống hoặc cơ quan chủ quản được sửa thủ tục này",
                        row=row,
                        value=code,
                    )
                )
        report.errors += errs
        if not errs:
            parsed.append(item)
    if report.errors:
        report.refused_rows = len({e.row for e in report.errors})
        return report
    for item in parsed:
        proc = session.scalars(select(Procedure).where(Procedure.code == item["code"])).first()
        if proc is None:
            session.add(Procedure(**item))
            report.created += 1
        elif any(getattr(proc, k) != v for k, v in item.items()):
            for k, v in item.items():
                setattr(proc, k, v)
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    report.committed = True
    return report


def list_procedures(session: Session, *, principal: Principal) -> list[Procedure]:
    """Return the procedure catalogue (public information) in code order."""
    principal.require("read")
    return list(session.scalars(select(Procedure).order_by(Procedure.code)))
