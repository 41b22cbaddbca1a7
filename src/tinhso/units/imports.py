"""Importing villages and agencies from files (CSV in any Vietnamese encoding, XLSX).

One path for the API, the page and the CLI: every row is checked against the file and the
register before anything is written, so what a file does never depends on how it arrived.
An all-or-nothing import that finds any error raises :class:`ImportRefused` with the row-level
report; the caller's transaction then rolls back, and nothing was written anyway. A partial
import writes the rows that passed and returns the report naming the refused ones.

No savepoints: a row that would fail is found before the writes start. (With the SQLite
driver's own transaction handling, a SAVEPOINT opened before any other write starts a
transaction that its RELEASE commits, which is how a refused file once left a row behind.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import AppError, FieldError, InvalidInput
from tinhso.fmt import local_today
from tinhso.tabular import read_table
from tinhso.text import fold, nfc
from tinhso.textcheck import check_text
from tinhso.units.changes import (
    AGENCY_NAME_MAX,
    CODE_MAX,
    AgencyInput,
    VillageInput,
    _check_village,
    code_not_under,
    create_agency,
    create_village,
    update_agency,
    update_unit,
    village_kind,
)
from tinhso.units.codes import AGENCY_KINDS, REFORM_DATE, agency_code_error, agency_code_under
from tinhso.units.models import Agency, Unit
from tinhso.units.service import valid_on


@dataclass
class ImportReport:
    """What an import accepted, refused (with reasons) and left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FieldError] = field(default_factory=list)
    encoding: str | None = None
    committed: bool = False


class ImportRefused(InvalidInput):
    """An all-or-nothing import found errors and wrote nothing; ``report`` names each row."""

    def __init__(self, report: ImportReport) -> None:
        report.errors.sort(key=lambda e: (e.row or 0, e.field))
        super().__init__(f"tệp có {len(report.errors)} lỗi; chưa ghi dòng nào", report.errors)
        self.report = report


def _go_on(report: ImportReport, partial: bool) -> None:
    """Raise ImportRefused when the report has errors and the import is all or nothing."""
    if report.errors and not partial:
        raise ImportRefused(report)


def _row_errors(exc: AppError, row: int) -> list[FieldError]:
    reasons = exc.errors or [FieldError("code", exc.detail)]
    return [FieldError(e.field, e.reason, row=row, value=e.value) for e in reasons]


VILLAGE_COLUMNS = {
    "code": ("mã", "mã thôn", "ma_thon", "mã thôn/bản"),
    "name": ("tên", "tên thôn", "ten_thon"),
    "type": ("loại", "loại hình", "kind"),
    "commune_code": ("mã xã", "ma_xa", "commune"),
    "valid_from": ("hiệu lực từ", "từ ngày"),
}


def import_villages(
    session: Session,
    *,
    principal: Principal,
    data: bytes,
    filename: str,
    partial: bool = False,
) -> ImportReport:
    """Import villages from CSV/XLSX; return the report of what was written.

    All or nothing unless ``partial`` (raises ImportRefused naming every refused row); with
    ``partial`` the valid rows are written and the report names exactly the refused ones. A
    village already there with the same data is left unchanged.
    """
    principal.require("units.write")
    table = read_table(
        data, filename, columns=VILLAGE_COLUMNS, required=("code", "name", "type", "commune_code")
    )
    report = ImportReport(encoding=table.encoding)
    today = local_today()
    communes: dict[str, Unit | None] = {}
    seen: dict[tuple[str, str], int] = {}
    accepted: list[tuple[int, Unit, VillageInput]] = []
    for row, rec in table.rows:
        errs: list[FieldError] = []
        ccode = check_text(
            errs,
            rec["commune_code"],
            field="commune_code",
            what="mã xã",
            max_length=CODE_MAX,
            required=True,
            row=row,
        )
        commune = None
        if not errs:  # a code is looked up only once it is one the database can compare
            if ccode not in communes:
                communes[ccode] = session.scalars(
                    select(Unit).where(Unit.level == "commune", Unit.code == ccode, valid_on(today))
                ).first()
            commune = communes[ccode]
            if commune is None:
                errs.append(
                    FieldError(
                        "commune_code",
                        "mã xã không có trong danh mục hiện hành",
                        row=row,
                        value=ccode,
                    )
                )
            elif not principal.covers_unit_path(commune.path):
                errs.append(
                    FieldError(
                        "commune_code",
                        f"{commune.name} nằm ngoài phạm vi được phân quyền",
                        row=row,
                        value=ccode,
                    )
                )
        valid_from = REFORM_DATE
        if rec.get("valid_from"):
            try:
                valid_from = date.fromisoformat(rec["valid_from"][:10])
            except ValueError:
                errs.append(
                    FieldError(
                        "valid_from",
                        "ngày không hợp lệ (dùng dạng YYYY-MM-DD)",
                        row=row,
                        value=rec["valid_from"][:40],
                    )
                )
        item = VillageInput(0, nfc(rec["code"]).strip(), rec["name"], rec["type"], valid_from)
        errs += _check_village(item, row)
        key = (ccode, item.code)
        if key in seen:
            errs.append(
                FieldError("code", f"mã thôn trùng với dòng {seen[key]}", row=row, value=item.code)
            )
        else:
            seen[key] = row
        if errs or commune is None:
            report.errors += errs
            continue
        accepted.append((row, commune, item))
    _go_on(report, partial)
    for row, commune, item in accepted:
        existing = session.scalars(
            select(Unit).where(Unit.parent_id == commune.id, Unit.code == item.code)
        ).first()
        kind = village_kind(item.kind) or "thon"
        try:
            if existing is None:
                create_village(
                    session,
                    principal=principal,
                    data=VillageInput(commune.id, item.code, item.name, kind, item.valid_from),
                )
                report.created += 1
            elif existing.name == nfc(item.name).strip() and existing.kind == kind:
                report.unchanged += 1
            else:
                update_unit(
                    session, principal=principal, unit_id=existing.id, name=item.name, kind=kind
                )
                report.updated += 1
        except AppError as exc:  # refused before anything of the row was changed
            report.errors += _row_errors(exc, row)
            _go_on(report, partial)
    report.errors.sort(key=lambda e: (e.row or 0, e.field))
    report.committed = True
    return report


AGENCY_COLUMNS = {
    "code": ("mã định danh", "mã cơ quan", "ma_dinh_danh", "ma_co_quan"),
    "name": ("tên cơ quan", "tên", "ten_co_quan"),
    "kind": ("loại", "loại cơ quan", "loai"),
    "unit_code": ("mã đơn vị", "mã đơn vị hành chính", "ma_don_vi"),
    "parent_code": ("mã cơ quan cấp trên", "cấp trên", "ma_cap_tren"),
}
AGENCY_KIND_ALIASES = {
    fold(label): kind
    for kind, labels in {
        "ubnd_tinh": ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
        "so": ("Sở",),
        "ban": ("Ban",),
        "nganh": ("Cơ quan ngành dọc", "Ngành dọc"),
        "don_vi": ("Đơn vị sự nghiệp",),
        "ubnd_xa": ("UBND xã", "UBND phường", "UBND đặc khu", "UBND xã, phường, đặc khu"),
        "khac": ("Khác",),
    }.items()
    for label in labels
}


def _agency_kind(raw: str) -> str | None:
    key = raw.strip()
    if key in AGENCY_KINDS:
        return key
    return AGENCY_KIND_ALIASES.get(fold(key))


@dataclass
class _AgencyRow:
    """An agency row that passed the checks of its own fields."""

    row: int
    code: str
    name: str
    kind: str
    unit_id: int
    parent_code: str
    existing: int | None  # the id of the stored agency with this code


@dataclass
class _Stored:
    """The stored agencies, by code: id, parent code, and what the caller may do with each."""

    ids: dict[str, int]
    parent: dict[str, str]
    readable: set[int]
    writable: set[int]


def _stored_agencies(session: Session, principal: Principal) -> _Stored:
    rows = session.execute(select(Agency.id, Agency.code, Agency.parent_id)).all()
    code_of = {i: c for i, c, _p in rows}
    return _Stored(
        ids={c: i for i, c, _p in rows},
        parent={c: code_of[p] for _i, c, p in rows if p is not None and p in code_of},
        readable=set(session.scalars(select(Agency.id).where(principal.agency_read()))),
        writable=set(session.scalars(select(Agency.id).where(principal.agency_write()))),
    )


def _check_agency_row(
    session: Session,
    principal: Principal,
    row: int,
    rec: dict[str, str],
    stored: _Stored,
    units: dict[str, Unit | None],
    today: date,
) -> tuple[_AgencyRow | None, list[FieldError]]:
    """Return the row checked on its own (fields, unit, scope), or the reasons it is refused."""
    errs: list[FieldError] = []
    code = check_text(
        errs, rec["code"], field="code", what="mã định danh", max_length=CODE_MAX, row=row
    )
    if not errs and (err := agency_code_error(code)) is not None:
        errs.append(FieldError("code", err, row=row, value=code))
    name = check_text(
        errs,
        rec["name"],
        field="name",
        what="tên cơ quan",
        max_length=AGENCY_NAME_MAX,
        required=True,
        row=row,
    )
    kind = _agency_kind(rec["kind"])
    if kind is None:
        errs.append(
            FieldError(
                "kind",
                f"loại cơ quan phải là một trong: {', '.join(AGENCY_KINDS.values())}",
                row=row,
                value=rec["kind"][:40],
            )
        )
    n = len(errs)
    unit_code = check_text(
        errs,
        rec["unit_code"],
        field="unit_code",
        what="mã đơn vị",
        max_length=CODE_MAX,
        required=True,
        row=row,
    )
    unit = None
    if len(errs) == n:
        if unit_code not in units:
            units[unit_code] = session.scalars(
                select(Unit).where(
                    Unit.code == unit_code,
                    Unit.level.in_(["province", "commune", "village"]),
                    valid_on(today),
                )
            ).first()
        unit = units[unit_code]
        if unit is None:
            errs.append(
                FieldError(
                    "unit_code",
                    "mã đơn vị không có trong danh mục hiện hành",
                    row=row,
                    value=unit_code,
                )
            )
        elif not principal.covers_unit_path(unit.path):
            errs.append(
                FieldError(
                    "unit_code",
                    f"{unit.name} nằm ngoài phạm vi được phân quyền",
                    row=row,
                    value=unit_code,
                )
            )
    n = len(errs)
    parent_code = check_text(
        errs,
        rec.get("parent_code"),
        field="parent_code",
        what="mã cơ quan cấp trên",
        max_length=CODE_MAX,
        row=row,
    )
    if parent_code and len(errs) == n:
        if (err := agency_code_error(parent_code)) is not None:
            errs.append(FieldError("parent_code", err, row=row, value=parent_code))
        elif parent_code == code:
            errs.append(
                FieldError(
                    "parent_code",
                    "cơ quan không thể là cấp trên của chính nó",
                    row=row,
                    value=parent_code,
                )
            )
    existing = stored.ids.get(code)
    if existing is not None and existing not in stored.writable:
        errs.append(
            FieldError(
                "code",
                f"mã định danh '{code}' đã được dùng cho một cơ quan nằm ngoài phạm vi "
                "được phân quyền",
                row=row,
                value=code,
            )
        )
    if errs or unit is None or kind is None:
        return None, errs
    return _AgencyRow(row, code, name, kind, unit.id, parent_code, existing), []


def _parent_problem(
    r: _AgencyRow, rows: dict[str, _AgencyRow], refused: dict[str, int], stored: _Stored
) -> str | None:
    """Return why the row's parent cannot be used, or None (no parent, or a usable one)."""
    p = r.parent_code
    if not p:
        return None
    if p not in rows:
        if p in refused:
            return f"cơ quan cấp trên '{p}' ở dòng {refused[p]} bị từ chối nên dòng này cũng không được ghi"
        if stored.ids.get(p) not in stored.readable:
            return "mã cơ quan cấp trên không có trong tệp, trong danh mục hoặc nằm ngoài phạm vi"
    if not agency_code_under(r.code, p):
        return code_not_under(r.code, p)
    return None


def _cycle_of(code: str, rows: dict[str, _AgencyRow], stored: _Stored) -> list[str]:
    """Return the codes of the loop ``code`` is in, following the parents the import would
    leave (its rows' parents, else the stored ones), or [] when there is none."""
    chain = [code]
    current = code
    while True:
        current = rows[current].parent_code if current in rows else stored.parent.get(current, "")
        if not current or current in chain[1:]:
            return []
        if current == code:
            return chain
        chain.append(current)


def _settle_parents(
    rows: dict[str, _AgencyRow], refused: dict[str, int], stored: _Stored
) -> list[FieldError]:
    """Refuse, until nothing changes, the rows whose parent is missing, refused, not above them
    by code, or in a loop with them; return the reasons (``rows`` and ``refused`` updated)."""
    errors: list[FieldError] = []

    def refuse(r: _AgencyRow, reason: str) -> None:
        errors.append(FieldError("parent_code", reason, row=r.row, value=r.parent_code))
        refused[r.code] = r.row
        del rows[r.code]

    changed = True
    while changed:
        changed = False
        for r in list(rows.values()):
            if r.code not in rows:
                continue  # refused with its loop
            if (reason := _parent_problem(r, rows, refused, stored)) is not None:
                refuse(r, reason)
                changed = True
            elif loop := _cycle_of(r.code, rows, stored):
                for member in loop:
                    if member in rows:
                        refuse(rows[member], "cơ quan cấp trên tạo thành vòng lặp")
                changed = True
    return errors


def _parents_first(rows: dict[str, _AgencyRow]) -> list[_AgencyRow]:
    """Return the rows ordered so that a parent in the file comes before its children."""

    def depth(r: _AgencyRow) -> int:
        d, p = 0, r.parent_code
        while p in rows:
            d, p = d + 1, rows[p].parent_code
        return d

    return sorted(rows.values(), key=lambda r: (depth(r), r.row))


def import_agencies(
    session: Session, *, principal: Principal, data: bytes, filename: str, partial: bool = False
) -> ImportReport:
    """Import agencies from CSV/XLSX; return the report of what was written.

    A parent may come before or after its children in the file: rows are written parents
    first. All or nothing unless ``partial`` (raises ImportRefused naming every refused row);
    with ``partial`` a row whose parent row is refused is refused too. An agency already
    there with the same data is left unchanged.
    """
    if not principal.can("units.write"):
        principal.require("agencies.write")
    table = read_table(
        data, filename, columns=AGENCY_COLUMNS, required=("code", "name", "kind", "unit_code")
    )
    report = ImportReport(encoding=table.encoding)
    today = local_today()
    stored = _stored_agencies(session, principal)
    units: dict[str, Unit | None] = {}
    rows: dict[str, _AgencyRow] = {}
    refused: dict[str, int] = {}  # code → row, for the children of a refused row
    for row, rec in table.rows:
        checked, errs = _check_agency_row(session, principal, row, rec, stored, units, today)
        code = nfc(rec["code"]).strip()
        if checked is not None and code in rows:
            errs = [
                FieldError(
                    "code", f"mã định danh trùng với dòng {rows[code].row}", row=row, value=code
                )
            ]
        if errs or checked is None:
            report.errors += errs
            if code not in rows:
                refused.setdefault(code, row)
            continue
        rows[code] = checked
    report.errors += _settle_parents(rows, refused, stored)
    _go_on(report, partial)
    ids = dict(stored.ids)
    for r in _parents_first(rows):
        if r.parent_code and r.parent_code not in ids:  # its parent's row was refused above
            report.errors.append(
                FieldError(
                    "parent_code",
                    f"cơ quan cấp trên '{r.parent_code}' không được ghi nên dòng này cũng không",
                    row=r.row,
                    value=r.parent_code,
                )
            )
            continue
        parent_id = ids[r.parent_code] if r.parent_code else None
        item = AgencyInput(r.code, r.name, r.kind, r.unit_id, parent_id)
        try:
            if r.existing is None:
                ids[r.code] = create_agency(session, principal=principal, data=item).id
                report.created += 1
                continue
            agency = session.get(Agency, r.existing)
            assert agency is not None
            if (agency.name, agency.kind, agency.unit_id, agency.parent_id) == (
                r.name,
                r.kind,
                r.unit_id,
                parent_id,
            ):
                report.unchanged += 1
            else:
                update_agency(session, principal=principal, agency_id=r.existing, data=item)
                report.updated += 1
        except AppError as exc:  # refused before anything of the row was changed
            report.errors += _row_errors(exc, r.row)
            _go_on(report, partial)
    report.errors.sort(key=lambda e: (e.row or 0, e.field))
    report.committed = True
    return report
