"""The organisations that report (units and agencies), resolved within the caller's scope, and
who may approve their reports.

Besides its own scope, an officer of a form's department in charge (``ReportForm.in_charge_id``,
e.g. Sở Khoa học và Công nghệ for the communes' monthly report) reads the reports of every
organisation assigned the form, and approves or returns them: the units report to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import NotFound
from tinhso.reporting.models import FormAssignment, ReportForm
from tinhso.textcheck import text_problem
from tinhso.units.models import Agency, Unit
from tinhso.units.service import valid_on

CODE_MAX = 20  # the length of unit.code and agency.code


@dataclass(frozen=True)
class Org:
    """A reporting organisation: a unit or an agency, with what pages and checks need."""

    kind: str  # "unit" or "agency"
    id: int
    code: str
    name: str
    path: str
    unit_path: str
    level: str = ""

    @property
    def key(self) -> str:
        """Return the organisation's key in URLs and workbooks: "u-12" or "a-5"."""
        return f"{self.kind[0]}-{self.id}"

    @property
    def unit_id(self) -> int | None:
        """Return the id to store in ``unit_id`` (None for an agency)."""
        return self.id if self.kind == "unit" else None

    @property
    def agency_id(self) -> int | None:
        """Return the id to store in ``agency_id`` (None for a unit)."""
        return self.id if self.kind == "agency" else None


def _unit(u: Unit) -> Org:
    return Org("unit", u.id, u.code, u.name, u.path, u.path, u.level)


def _agency(a: Agency, unit_path: str) -> Org:
    return Org("agency", a.id, a.code, a.name, a.path, unit_path, a.kind)


def in_charge(session: Session, principal: Principal, form: ReportForm | None) -> bool:
    """Return True when the caller speaks for the form's department in charge: an officer or
    administrator whose scope holds that agency (or the whole installation)."""
    if form is None or form.in_charge_id is None or principal.role not in ("admin", "officer"):
        return False
    if principal.is_global:
        return True
    path = session.scalar(select(Agency.path).where(Agency.id == form.in_charge_id))
    return path is not None and any(path.startswith(p) for p in principal.agency_paths)


def _assigned(form: ReportForm, column: Any) -> Any:
    """Return the ids (unit_id or agency_id column of the assignments) assigned the form."""
    return select(column).where(FormAssignment.form_id == form.id, column.is_not(None))


def unit_clause(
    session: Session, principal: Principal, form: ReportForm | None = None
) -> ColumnElement[bool]:
    """Return the clause on Unit whose reports the caller may read (for one form, when given:
    the department in charge reads every organisation assigned it)."""
    own = principal.unit_data_read()
    if form is None or principal.is_global or not in_charge(session, principal, form):
        return own
    return or_(own, Unit.id.in_(_assigned(form, FormAssignment.unit_id)))


def agency_clause(
    session: Session, principal: Principal, form: ReportForm | None = None
) -> ColumnElement[bool]:
    """Return the clause on Agency whose reports the caller may read (see ``unit_clause``)."""
    own = principal.agency_read()
    if form is None or principal.is_global or not in_charge(session, principal, form):
        return own
    return or_(own, Agency.id.in_(_assigned(form, FormAssignment.agency_id)))


def readable(
    session: Session,
    principal: Principal,
    kind: str,
    ids: list[int],
    form: ReportForm | None = None,
) -> list[Org]:
    """Return the organisations of ``ids`` that the caller may read figures of (of ``form``'s
    reports, when given)."""
    if not ids:
        return []
    if kind == "unit":
        clause = unit_clause(session, principal, form)
        units = session.scalars(select(Unit).where(Unit.id.in_(ids), clause))
        return [_unit(u) for u in units]
    rows = session.execute(
        select(Agency, Unit.path)
        .join(Unit, Unit.id == Agency.unit_id)
        .where(Agency.id.in_(ids), agency_clause(session, principal, form))
    )
    return [_agency(a, p) for a, p in rows]


def overseen(session: Session, principal: Principal) -> tuple[set[int], set[int]]:
    """Return the (unit ids, agency ids) assigned the forms whose department in charge the
    caller speaks for: the organisations that report to it."""
    if (
        principal.is_global
        or not principal.agency_paths
        or principal.role
        not in (
            "admin",
            "officer",
        )
    ):
        return set(), set()
    forms = session.scalars(select(ReportForm).where(ReportForm.in_charge_id.is_not(None)))
    ids = [f.id for f in forms if in_charge(session, principal, f)]
    if not ids:
        return set(), set()
    rows = session.execute(
        select(FormAssignment.unit_id, FormAssignment.agency_id).where(
            FormAssignment.form_id.in_(ids)
        )
    ).all()
    return {u for u, _ in rows if u is not None}, {a for _, a in rows if a is not None}


def writable(session: Session, principal: Principal, org: Org) -> bool:
    """Return True when the caller may enter and submit this organisation's reports."""
    if not (principal.can("data.write") or principal.role == "admin"):
        return False
    if org.kind == "unit":
        return principal.covers_unit_path(org.path)
    found = session.scalars(
        select(Agency.id).where(Agency.id == org.id, principal.agency_data_write())
    ).first()
    return found is not None


def is_assigned(session: Session, form: ReportForm, org: Org) -> bool:
    """Return True when the organisation is assigned the form."""
    column = FormAssignment.unit_id if org.kind == "unit" else FormAssignment.agency_id
    found = session.scalars(
        select(FormAssignment.id).where(FormAssignment.form_id == form.id, column == org.id)
    ).first()
    return found is not None


def may_approve(session: Session, principal: Principal, form: ReportForm, org: Org) -> bool:
    """Return True when the caller may approve or return the organisation's report of the form:
    an approver above it (``can_approve``), or an officer of the form's department in charge
    for an organisation assigned the form — never for a report the caller enters itself."""
    if can_approve(principal, org):
        return True
    return (
        in_charge(session, principal, form)
        and is_assigned(session, form, org)
        and not writable(session, principal, org)
    )


def can_approve(principal: Principal, org: Org) -> bool:
    """Return True when the caller may approve or return this organisation's reports by its
    place in the hierarchy (whatever the form).

    An approver is an officer or administrator above the organisation: the whole province
    (a global scope, or a scope rooted at the province), the unit's parent or any ancestor,
    or for an agency its parent agency. Nobody approves their own report.
    """
    if principal.role not in ("admin", "officer"):
        return False
    if principal.is_global:
        return True
    if org.kind == "unit":
        return any(org.path.startswith(p) and org.path != p for p in principal.unit_paths)
    if any(org.path.startswith(p) and org.path != p for p in principal.agency_paths):
        return True
    # Province officers approve the province's departments.
    return any(org.unit_path.startswith(p) and p.count("/") == 2 for p in principal.unit_paths)


def resolve(
    session: Session,
    principal: Principal,
    *,
    key: str | None = None,
    unit_code: str | None = None,
    agency_code: str | None = None,
    on: date | None = None,
    form: ReportForm | None = None,
) -> Org:
    """Return the organisation named by key, unit code or agency code, if the caller may read
    its figures; else NotFound (missing and out of scope are not told apart).

    A unit code names the unit that bore it ``on`` that day (the period's last day): codes
    are reused across the 2025 reform, so a 2024 report goes to the commune of 2024. Without a
    day, or when no unit bore the code then, the current unit (else the latest) is taken.
    With ``form``, the organisations that report the form to the caller's department are
    readable too."""
    for code, what in ((unit_code, "mã đơn vị"), (agency_code, "mã định danh cơ quan")):
        # Looked up only once the database can compare it (PostgreSQL refuses a NUL).
        if code and (problem := text_problem(code, what=what, max_length=CODE_MAX)):
            raise NotFound(f"không tìm thấy đơn vị báo cáo: {problem}")
    if key:
        kind, _, raw = key.partition("-")
        if kind in ("u", "a") and raw.isdigit():
            kind_name = "unit" if kind == "u" else "agency"
            found = readable(session, principal, kind_name, [int(raw)], form)
            if found:
                return found[0]
        raise NotFound(f"không tìm thấy đơn vị báo cáo '{key}'")
    if unit_code:
        order: list[ColumnElement[Any]] = [Unit.valid_to.is_not(None), Unit.valid_from.desc()]
        stmt = select(Unit).where(Unit.code == unit_code)
        may = unit_clause(session, principal, form)
        if on is None:
            stmt = stmt.where(may)
        else:
            # The unit that bore the code that day, whoever asks; then whether they may read it
            # (not another unit of the same code that happens to be in their scope).
            order.insert(0, case((valid_on(on), 0), else_=1))
        u = session.scalars(stmt.order_by(*order).limit(1)).first()
        if u is not None and on is not None:
            may_read = select(Unit.id).where(Unit.id == u.id, may)
            u = u if session.scalars(may_read).first() is not None else None
        if u is None or u.level == "district":
            raise NotFound(f"không tìm thấy đơn vị mã '{unit_code}'")
        return _unit(u)
    if agency_code:
        row = session.execute(
            select(Agency, Unit.path)
            .join(Unit, Unit.id == Agency.unit_id)
            .where(Agency.code == agency_code, agency_clause(session, principal, form))
        ).first()
        if row is None:
            raise NotFound(f"không tìm thấy cơ quan mã định danh '{agency_code}'")
        return _agency(row[0], row[1])
    raise NotFound("chưa chọn đơn vị báo cáo")
