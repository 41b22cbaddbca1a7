"""Changing the register: villages, and agencies with their electronic codes.

Provinces and communes come from the national register and are not edited here; villages
and agencies are the province's own. Every change is scoped and audited. File imports of
villages and agencies are in ``imports.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal, subtree_of
from tinhso.errors import Conflict, FieldError, InvalidInput, NotFound
from tinhso.text import fold, nfc
from tinhso.textcheck import check_text
from tinhso.units.codes import (
    AGENCY_KINDS,
    REFORM_DATE,
    UNIT_KINDS,
    VILLAGE_KIND_ALIASES,
    agency_code_error,
    agency_code_under,
)
from tinhso.units.models import Agency, Unit


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


CODE_MAX = 20  # unit.code and agency.code
UNIT_NAME_MAX = 200
AGENCY_NAME_MAX = 250


def _check_village(data: VillageInput, row: int | None = None) -> list[FieldError]:
    errors: list[FieldError] = []
    check_text(
        errors, data.code, field="code", what="mã thôn", max_length=CODE_MAX, required=True, row=row
    )
    check_text(
        errors,
        data.name,
        field="name",
        what="tên thôn",
        max_length=UNIT_NAME_MAX,
        required=True,
        row=row,
    )
    if village_kind(data.kind) is None:
        errors.append(
            FieldError(
                "type",
                "loại không hợp lệ (thôn, bản, tổ dân phố, xóm, ấp, buôn, làng, khu phố, khóm)",
                row=row,
                value=data.kind[:40],
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
    code, name = nfc(data.code).strip(), nfc(data.name).strip()
    if session.scalars(select(Unit).where(Unit.parent_id == commune.id, Unit.code == code)).first():
        raise Conflict(f"mã thôn '{code}' đã có trong {commune.name}")
    village = Unit(
        code=code,
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
    errors: list[FieldError] = []
    new_name = None
    if name is not None:
        new_name = check_text(
            errors, name, field="name", what="tên thôn", max_length=UNIT_NAME_MAX, required=True
        )
    k = village_kind(kind) if kind is not None else None
    if kind is not None and k is None:
        errors.append(FieldError("kind", "loại không hợp lệ", value=kind[:40]))
    if errors:
        raise InvalidInput("thông tin thôn không hợp lệ", errors)
    if new_name is not None:
        unit.name = new_name
        unit.name_folded = fold(new_name)
    if k is not None:
        unit.kind = k
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
    code = check_text(errors, data.code, field="code", what="mã định danh", max_length=CODE_MAX)
    if not errors and (err := agency_code_error(code)) is not None:
        errors.append(FieldError("code", err, value=code))
    check_text(
        errors,
        data.name,
        field="name",
        what="tên cơ quan",
        max_length=AGENCY_NAME_MAX,
        required=True,
    )
    if data.kind not in AGENCY_KINDS:
        errors.append(
            FieldError(
                "kind",
                f"loại cơ quan phải là một trong: {', '.join(AGENCY_KINDS)}",
                value=data.kind[:40],
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
        elif not errors and not agency_code_under(code, parent.code):
            errors.append(FieldError("code", code_not_under(code, parent.code), value=code))
        elif agency_id is not None and f"/{agency_id}/" in parent.path:
            errors.append(
                FieldError("parent_id", "cơ quan cấp trên không được là cơ quan cấp dưới của nó")
            )
    if errors:
        raise InvalidInput("thông tin cơ quan không hợp lệ", errors)
    clash = session.scalars(select(Agency).where(Agency.code == code)).first()
    if clash is not None and clash.id != agency_id:
        raise Conflict(f"mã định danh '{code}' đã được dùng cho {clash.name}")
    return unit, parent


def code_not_under(code: str, parent_code: str) -> str:
    """Return the reason an agency's code does not sit under its parent's (QCVN 102)."""
    return f"mã '{code}' không thuộc mã của cơ quan cấp trên '{parent_code}'"


def create_agency(session: Session, *, principal: Principal, data: AgencyInput) -> Agency:
    """Return the new agency, attached to a unit in the caller's scope."""
    if not principal.can("units.write"):
        principal.require("agencies.write")
    unit, parent = _check_agency(session, principal, data)
    name = nfc(data.name).strip()
    agency = Agency(
        code=nfc(data.code).strip(),
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
    agency.code, agency.kind, agency.unit_id = nfc(data.code).strip(), data.kind, unit.id
    agency.name = nfc(data.name).strip()
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
