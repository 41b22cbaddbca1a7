"""Changing the register: villages, and agencies with their electronic codes.

Provinces and communes come from the national register and are not edited here; villages
and agencies are the province's own. Every change is scoped and audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal, subtree_of
from tinhso.errors import AppError, Conflict, FieldError, InvalidInput, NotFound
from tinhso.fmt import local_today
from tinhso.tabular import read_table
from tinhso.text import fold, nfc
from tinhso.units.codes import (
    AGENCY_KINDS,
    REFORM_DATE,
    UNIT_KINDS,
    VILLAGE_KIND_ALIASES,
    agency_code_error,
    agency_code_under,
)
from tinhso.units.models import Agency, Unit
from tinhso.units.service import valid_on


def _writable_unit(session: Session, principal: Principal, unit_id: int) -> Unit:
    unit = session.scalars(select(Unit).where(Unit.id == unit_id, principal.unit_read())).first()
    if unit is None:
        raise NotFound(f"không tìm thấy đơn vị hành chính #{unit_id}")
    principal.require("units.write")
    writable = session.scalars(
        select(Unit.id).where(Unit.id == unit_id, principal.unit_write())
    ).first()
    if writable is None:
        raise NotFound(f"đơn vị hành chính #{unit_id} nằm ngoài phạm vi được phân quyền")
    return unit


def village_kind(raw: str) -> str | None:
    """Return the village kind for a code or a Vietnamese word ("Thôn", "tổ dân phố"), or None."""
    key = raw.strip().lower()
    if key in UNIT_KINDS and UNIT_KINDS[key][0] == "village":
        return key
    return VILLAGE_KIND_ALIASES.get(nfc(key)) or VILLAGE_KIND_ALIASES.get(
        next((k for k in VILLAGE_KIND_ALIASES if fold(k) == fold(key)), "")
    )


@dataclass(frozen=True)
class VillageInput:
    """A village as submitted: the commune it belongs to, its code, name and kind."""

    commune_id: int
    code: str
    name: str
    kind: str
    valid_from: date = REFORM_DATE


def _check_village(data: VillageInput, row: int | None = None) -> list[FieldError]:
    errors = []
    if not data.code.strip():
        errors.append(FieldError("code", "mã thôn không được để trống", row=row))
    elif len(data.code) > 20:
        errors.append(FieldError("code", "mã thôn dài quá 20 ký tự", row=row, value=data.code))
    if not data.name.strip():
        errors.append(FieldError("name", "tên thôn không được để trống", row=row))
    if village_kind(data.kind) is None:
        errors.append(
            FieldError(
                "type",
                "loại không hợp lệ (thôn, bản, tổ dân phố, xóm, ấp, buôn, làng, khu phố, khóm)",
                row=row,
                value=data.kind,
            )
        )
    return errors


def create_village(session: Session, *, principal: Principal, data: VillageInput) -> Unit:
    """Return the new village under a commune in the caller's scope."""
    commune = _writable_unit(session, principal, data.commune_id)
    errors = _check_village(data)
    if commune.level != "commune":
        errors.append(FieldError("commune_id", "thôn, bản chỉ thuộc một đơn vị cấp xã"))
    if errors:
        raise InvalidInput("thông tin thôn không hợp lệ", errors)
    if session.scalars(
        select(Unit).where(Unit.parent_id == commune.id, Unit.code == data.code.strip())
    ).first():
        raise Conflict(f"mã thôn '{data.code}' đã có trong {commune.name}")
    name = nfc(data.name.strip())
    village = Unit(
        code=data.code.strip(),
        level="village",
        kind=village_kind(data.kind) or "thon",
        name=name,
        name_folded=fold(name),
        parent_id=commune.id,
        path="",
        valid_from=max(data.valid_from, commune.valid_from),
        valid_to=commune.valid_to,
        source="local",
    )
    session.add(village)
    session.flush()
    village.path = f"{commune.path}{village.id}/"
    session.flush()
    return village


def update_unit(
    session: Session,
    *,
    principal: Principal,
    unit_id: int,
    name: str | None = None,
    kind: str | None = None,
) -> Unit:
    """Return the village after renaming it or changing its kind."""
    unit = _writable_unit(session, principal, unit_id)
    if unit.level != "village":
        raise InvalidInput(
            "tỉnh và xã lấy từ danh mục quốc gia, không sửa được tại đây",
            [FieldError("level", "chỉ sửa được thôn, bản, tổ dân phố")],
        )
    errors = []
    if name is not None:
        if not name.strip():
            errors.append(FieldError("name", "tên thôn không được để trống"))
        else:
            unit.name = nfc(name.strip())
            unit.name_folded = fold(unit.name)
    if kind is not None:
        k = village_kind(kind)
        if k is None:
            errors.append(FieldError("kind", "loại không hợp lệ", value=kind))
        else:
            unit.kind = k
    if errors:
        raise InvalidInput("thông tin thôn không hợp lệ", errors)
    session.flush()
    return unit


def _refuse_if_referenced(
    session: Session, *, unit_id: int | None = None, agency_id: int | None = None
) -> None:
    """Raise Conflict when users' scopes, procedures or dossiers still refer to the record."""
    from tinhso.accounts.models import UserScope
    from tinhso.services.models import Dossier, Procedure

    checks: list[tuple[Any, str]] = []
    if unit_id is not None:
        checks += [
            (select(UserScope.id).where(UserScope.unit_id == unit_id), "phạm vi của người dùng"),
            (select(Dossier.id).where(Dossier.unit_id == unit_id), "hồ sơ"),
        ]
    if agency_id is not None:
        checks += [
            (
                select(UserScope.id).where(UserScope.agency_id == agency_id),
                "phạm vi của người dùng",
            ),
            (select(Procedure.id).where(Procedure.agency_id == agency_id), "thủ tục hành chính"),
            (select(Dossier.id).where(Dossier.agency_id == agency_id), "hồ sơ"),
        ]
    for stmt, what in checks:
        if session.scalars(stmt.limit(1)).first() is not None:
            raise Conflict(f"còn {what} gắn với đơn vị, cơ quan này; không xóa được")


def delete_unit(session: Session, *, principal: Principal, unit_id: int) -> None:
    """Delete a village that nothing refers to."""
    unit = _writable_unit(session, principal, unit_id)
    if unit.level != "village":
        raise InvalidInput(
            "chỉ xóa được thôn, bản, tổ dân phố", [FieldError("level", "không xóa được đơn vị này")]
        )
    if session.scalars(select(Agency.id).where(Agency.unit_id == unit.id)).first():
        raise Conflict("thôn đang có cơ quan gắn với nó, không xóa được")
    _refuse_if_referenced(session, unit_id=unit.id)
    session.delete(unit)
    session.flush()


@dataclass
class ImportReport:
    """What an import accepted, refused (with reasons) and left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FieldError] = field(default_factory=list)
    encoding: str | None = None
    committed: bool = False


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
    """Import villages from CSV/XLSX; return the report.

    All or nothing unless ``partial``: then the valid rows are written and the report names
    exactly the refused ones. A village already there with the same data is left unchanged.
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
        row_errors: list[FieldError] = []
        ccode = rec["commune_code"]
        if ccode not in communes:
            communes[ccode] = session.scalars(
                select(Unit).where(Unit.level == "commune", Unit.code == ccode, valid_on(today))
            ).first()
        commune = communes[ccode]
        if commune is None:
            row_errors.append(
                FieldError(
                    "commune_code", "mã xã không có trong danh mục hiện hành", row=row, value=ccode
                )
            )
        elif not principal.covers_unit_path(commune.path):
            row_errors.append(
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
                row_errors.append(
                    FieldError(
                        "valid_from",
                        "ngày không hợp lệ (dùng dạng YYYY-MM-DD)",
                        row=row,
                        value=rec["valid_from"],
                    )
                )
        item = VillageInput(0, rec["code"], rec["name"], rec["type"], valid_from)
        row_errors += _check_village(item, row)
        key = (ccode, rec["code"])
        if key in seen:
            row_errors.append(
                FieldError(
                    "code", f"mã thôn trùng với dòng {seen[key]}", row=row, value=rec["code"]
                )
            )
        else:
            seen[key] = row
        if row_errors or commune is None:
            report.errors += row_errors
            continue
        accepted.append((row, commune, item))
    if report.errors and not partial:
        return report
    for _row, commune, item in accepted:
        existing = session.scalars(
            select(Unit).where(Unit.parent_id == commune.id, Unit.code == item.code)
        ).first()
        kind = village_kind(item.kind) or "thon"
        if existing is None:
            create_village(
                session,
                principal=principal,
                data=VillageInput(commune.id, item.code, item.name, kind, item.valid_from),
            )
            report.created += 1
        elif existing.name == nfc(item.name) and existing.kind == kind:
            report.unchanged += 1
        else:
            update_unit(
                session, principal=principal, unit_id=existing.id, name=item.name, kind=kind
            )
            report.updated += 1
    report.committed = True
    return report


@dataclass(frozen=True)
class AgencyInput:
    """An agency as submitted."""

    code: str
    name: str
    kind: str
    unit_id: int
    parent_id: int | None = None


def _check_agency(
    session: Session, principal: Principal, data: AgencyInput, agency_id: int | None = None
) -> tuple[Unit, Agency | None]:
    errors: list[FieldError] = []
    if (err := agency_code_error(data.code.strip())) is not None:
        errors.append(FieldError("code", err, value=data.code))
    if not data.name.strip():
        errors.append(FieldError("name", "tên cơ quan không được để trống"))
    if data.kind not in AGENCY_KINDS:
        errors.append(
            FieldError(
                "kind",
                f"loại cơ quan phải là một trong: {', '.join(AGENCY_KINDS)}",
                value=data.kind,
            )
        )
    unit = session.scalars(
        select(Unit).where(Unit.id == data.unit_id, principal.unit_write())
    ).first()
    if unit is None:
        raise NotFound(
            f"đơn vị hành chính #{data.unit_id} không có hoặc nằm ngoài phạm vi được phân quyền"
        )
    parent = None
    if data.parent_id is not None:
        parent = session.scalars(
            select(Agency).where(Agency.id == data.parent_id, principal.agency_read())
        ).first()
        if parent is None:
            raise NotFound(f"cơ quan cấp trên #{data.parent_id} không có hoặc nằm ngoài phạm vi")
        if parent.id == agency_id:
            errors.append(FieldError("parent_id", "cơ quan không thể là cấp trên của chính nó"))
        elif not errors and not agency_code_under(data.code.strip(), parent.code):
            errors.append(
                FieldError(
                    "code",
                    f"mã '{data.code}' không thuộc mã của cơ quan cấp trên '{parent.code}'",
                    value=data.code,
                )
            )
        elif agency_id is not None and f"/{agency_id}/" in parent.path:
            errors.append(
                FieldError("parent_id", "cơ quan cấp trên không được là cơ quan cấp dưới của nó")
            )
    if errors:
        raise InvalidInput("thông tin cơ quan không hợp lệ", errors)
    clash = session.scalars(select(Agency).where(Agency.code == data.code.strip())).first()
    if clash is not None and clash.id != agency_id:
        raise Conflict(f"mã định danh '{data.code}' đã được dùng cho {clash.name}")
    return unit, parent


def create_agency(session: Session, *, principal: Principal, data: AgencyInput) -> Agency:
    """Return the new agency, attached to a unit in the caller's scope."""
    if not principal.can("units.write"):
        principal.require("agencies.write")
    unit, parent = _check_agency(session, principal, data)
    name = nfc(data.name.strip())
    agency = Agency(
        code=data.code.strip(),
        name=name,
        name_folded=fold(name),
        kind=data.kind,
        unit_id=unit.id,
        parent_id=parent.id if parent else None,
        path="",
    )
    session.add(agency)
    session.flush()
    agency.path = f"{parent.path if parent else '/'}{agency.id}/"
    session.flush()
    return agency


def get_writable_agency(session: Session, principal: Principal, agency_id: int) -> Agency:
    """Return an agency the caller may change, or raise NotFound."""
    agency = session.scalars(
        select(Agency).where(Agency.id == agency_id, principal.agency_read())
    ).first()
    if agency is None:
        raise NotFound(f"không tìm thấy cơ quan #{agency_id}")
    writable = session.scalars(
        select(Agency).where(Agency.id == agency_id, principal.agency_write())
    ).first()
    if writable is None:
        raise NotFound(f"cơ quan #{agency_id} nằm ngoài phạm vi được phân quyền")
    return agency


def update_agency(
    session: Session, *, principal: Principal, agency_id: int, data: AgencyInput
) -> Agency:
    """Return the agency after the change, its subtree's paths kept in step."""
    agency = get_writable_agency(session, principal, agency_id)
    unit, parent = _check_agency(session, principal, data, agency_id=agency.id)
    old_path = agency.path
    agency.code, agency.kind, agency.unit_id = data.code.strip(), data.kind, unit.id
    agency.name = nfc(data.name.strip())
    agency.name_folded = fold(agency.name)
    agency.parent_id = parent.id if parent else None
    agency.path = f"{parent.path if parent else '/'}{agency.id}/"
    if agency.path != old_path:
        for child in session.scalars(
            select(Agency).where(subtree_of(Agency.path, old_path), Agency.id != agency.id)
        ):
            child.path = agency.path + child.path[len(old_path) :]
    session.flush()
    return agency


def delete_agency(session: Session, *, principal: Principal, agency_id: int) -> None:
    """Delete an agency that has no subordinate agencies."""
    agency = get_writable_agency(session, principal, agency_id)
    if session.scalars(select(Agency.id).where(Agency.parent_id == agency.id)).first():
        raise Conflict("cơ quan còn cơ quan cấp dưới, không xóa được")
    _refuse_if_referenced(session, agency_id=agency.id)
    session.delete(agency)
    session.flush()


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


def import_agencies(
    session: Session, *, principal: Principal, data: bytes, filename: str, partial: bool = False
) -> ImportReport:
    """Import agencies from CSV/XLSX; return the report.

    Parents may come before or after their children in the file. All or nothing unless
    ``partial``; an agency already there with the same data is left unchanged.
    """
    if not principal.can("units.write"):
        principal.require("agencies.write")
    table = read_table(
        data, filename, columns=AGENCY_COLUMNS, required=("code", "name", "kind", "unit_code")
    )
    report = ImportReport(encoding=table.encoding)
    today = local_today()
    rows: dict[str, tuple[int, dict[str, str]]] = {}
    unit_of: dict[str, int] = {}  # agency code → the unit found for it in the first pass
    for row, rec in table.rows:
        errs: list[FieldError] = []
        code = rec["code"]
        if (err := agency_code_error(code)) is not None:
            errs.append(FieldError("code", err, row=row, value=code))
        elif code in rows:
            errs.append(
                FieldError(
                    "code", f"mã định danh trùng với dòng {rows[code][0]}", row=row, value=code
                )
            )
        if not rec["name"]:
            errs.append(FieldError("name", "tên cơ quan không được để trống", row=row))
        if _agency_kind(rec["kind"]) is None:
            errs.append(
                FieldError(
                    "kind",
                    f"loại cơ quan phải là một trong: {', '.join(AGENCY_KINDS.values())}",
                    row=row,
                    value=rec["kind"],
                )
            )
        unit = session.scalars(
            select(Unit).where(
                Unit.code == rec["unit_code"],
                Unit.level.in_(["province", "commune", "village"]),
                valid_on(today),
            )
        ).first()
        if unit is None:
            errs.append(
                FieldError(
                    "unit_code",
                    "mã đơn vị không có trong danh mục hiện hành",
                    row=row,
                    value=rec["unit_code"],
                )
            )
        elif not principal.covers_unit_path(unit.path):
            errs.append(
                FieldError(
                    "unit_code",
                    f"{unit.name} nằm ngoài phạm vi được phân quyền",
                    row=row,
                    value=rec["unit_code"],
                )
            )
        if errs:
            report.errors += errs
        else:
            rows[code] = (row, rec)
            assert unit is not None
            unit_of[code] = unit.id
    # Parents first: a file may list a department before the UBND it belongs to.
    ordered: list[tuple[int, dict[str, str]]] = []
    placed: set[str] = set()
    pending = dict(rows)
    while pending:
        ready = [
            c
            for c, (_r, rec) in pending.items()
            if not rec.get("parent_code") or rec["parent_code"] not in pending
        ]
        if not ready:
            for c, (row, _rec) in sorted(pending.items(), key=lambda kv: kv[1][0]):
                report.errors.append(
                    FieldError(
                        "parent_code", "cơ quan cấp trên tạo thành vòng lặp", row=row, value=c
                    )
                )
            break
        for c in sorted(ready, key=lambda c: pending[c][0]):
            ordered.append(pending.pop(c))
            placed.add(c)
    if report.errors and not partial:
        report.errors.sort(key=lambda e: (e.row or 0, e.field))
        return report
    for row, rec in ordered:
        parent_id = None
        if rec.get("parent_code"):
            parent = session.scalars(
                select(Agency).where(Agency.code == rec["parent_code"], principal.agency_read())
            ).first()
            if parent is None:
                report.errors.append(
                    FieldError(
                        "parent_code",
                        "mã cơ quan cấp trên không có hoặc ngoài phạm vi",
                        row=row,
                        value=rec["parent_code"],
                    )
                )
                continue
            parent_id = parent.id
        item = AgencyInput(
            rec["code"],
            rec["name"],
            _agency_kind(rec["kind"]) or "khac",
            unit_of[rec["code"]],
            parent_id,
        )
        existing = session.scalars(select(Agency).where(Agency.code == item.code)).first()
        try:
            with session.begin_nested():
                if existing is None:
                    create_agency(session, principal=principal, data=item)
                    report.created += 1
                elif (existing.name, existing.kind, existing.unit_id, existing.parent_id) == (
                    nfc(item.name),
                    item.kind,
                    item.unit_id,
                    item.parent_id,
                ):
                    report.unchanged += 1
                else:
                    update_agency(session, principal=principal, agency_id=existing.id, data=item)
                    report.updated += 1
        except AppError as exc:
            reasons = exc.errors or [FieldError("code", exc.detail)]
            report.errors += [
                FieldError(e.field, e.reason, row=row, value=e.value) for e in reasons
            ]
    report.errors.sort(key=lambda e: (e.row or 0, e.field))
    if report.errors and not partial:
        return report
    report.committed = True
    return report
