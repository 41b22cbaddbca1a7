"""Report forms as data: ``catalog/forms/*.yaml`` read, checked and written to the database.

A form file names its data elements (by the catalog's codes) in sections, the period type,
the deadline, who must report (unit levels, agency kinds or explicit codes, within a
province), the department in charge (``in_charge``: the agency the reports go to, whose
officers read and approve them) and its rules. Elements the catalog has not defined yet may be defined in the
form file itself (``elements:``); :func:`ensure_elements` creates those, and leaves the
catalog's own definitions alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import FieldError, InvalidInput, NotFound
from tinhso.indicators.models import AGGREGATIONS, VALUE_TYPES, DataElement
from tinhso.reporting.models import (
    PERIOD_TYPES,
    FormAssignment,
    FormElement,
    FormRule,
    ReportForm,
)
from tinhso.reporting.periods import parse_report_period
from tinhso.services.catalog import CATALOG_DIR
from tinhso.text import nfc
from tinhso.textcheck import text_problem
from tinhso.units.models import Agency, Unit

FORMS_DIR = CATALOG_DIR / "forms"
RULE_OPS = ("<=", ">=", "<", ">", "==")
_TERM = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass
class LoadReport:
    """What loading form files did."""

    forms: list[str] = field(default_factory=list)
    elements_created: int = 0
    assignments: int = 0


def rule_terms(expr: str) -> list[str]:
    """Return the element codes summed by a rule side ("A + B" → ["A", "B"])."""
    return [t.strip() for t in expr.split("+") if t.strip()]


def _err(path: str, field_name: str, reason: str) -> FieldError:
    return FieldError(field=field_name, reason=reason, sheet=path)


def _check(doc: Any, name: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(doc, dict):
        return [_err(name, "tệp", "phải là một đối tượng YAML")]
    for key in ("code", "name", "period_type", "sections"):
        if not doc.get(key):
            errors.append(_err(name, key, "thiếu trường bắt buộc"))
    if doc.get("period_type") and doc["period_type"] not in PERIOD_TYPES:
        errors.append(_err(name, "period_type", f"phải là một trong {', '.join(PERIOD_TYPES)}"))
    if doc.get("open_from"):
        try:
            parse_report_period(str(doc["open_from"]))
        except InvalidInput:
            errors.append(_err(name, "open_from", "kỳ không hợp lệ"))
    codes: list[str] = []
    for s in doc.get("sections") or []:
        for e in (s or {}).get("elements") or []:
            code = e.get("code") if isinstance(e, dict) else e
            if not code:
                errors.append(_err(name, "sections", "chỉ tiêu thiếu mã"))
            elif code in codes:
                errors.append(_err(name, str(code), "chỉ tiêu lặp lại trong biểu"))
            else:
                codes.append(str(code))
    for d in doc.get("elements") or []:
        if d.get("value_type", "number") not in VALUE_TYPES:
            errors.append(_err(name, str(d.get("code")), "kiểu giá trị không hợp lệ"))
        if d.get("aggregation", "sum") not in AGGREGATIONS:
            errors.append(_err(name, str(d.get("code")), "cách tổng hợp không hợp lệ"))
    for i, r in enumerate(doc.get("rules") or [], start=1):
        if r.get("op") not in RULE_OPS:
            errors.append(_err(name, f"rules[{i}].op", f"phải là một trong {' '.join(RULE_OPS)}"))
        for side in ("left", "right"):
            for term in rule_terms(str(r.get(side, ""))):
                if term not in codes and not _is_number(term):
                    errors.append(
                        _err(name, f"rules[{i}].{side}", f"'{term}' không phải chỉ tiêu của biểu")
                    )
    return errors


def _is_number(term: str) -> bool:
    try:
        float(term)
    except ValueError:
        return False
    return True


def read_form_files(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Return (file name, definition) of each file; raise InvalidInput naming every problem."""
    out: list[tuple[str, dict[str, Any]]] = []
    errors: list[FieldError] = []
    for path in paths:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            errors.append(_err(path.name, "tệp", f"YAML không hợp lệ: {exc}"))
            continue
        errors += _check(doc, path.name)
        out.append((path.name, doc))
    if errors:
        raise InvalidInput("tệp biểu mẫu không hợp lệ", errors)
    return out


def ensure_elements(session: Session, definitions: list[dict[str, Any]], form_code: str) -> int:
    """Create the data elements defined in a form file that the catalog has not; return how
    many were created. Existing elements of a catalog are left as they are; those the form
    files created (they belong to no catalog) follow their definition, so that a form file
    that makes a count an ``integer`` makes its values whole numbers from then on.

    The created elements belong to no catalog (``catalog`` is empty), so that a catalog file may
    later define them (``tinhso catalog load`` refuses to redefine a code another catalog owns);
    their description says which form created them.
    """
    have = {e.code: e for e in session.scalars(select(DataElement))}
    created = 0
    for d in definitions:
        fields = {
            "name": nfc(d.get("name", d["code"])),
            "value_type": d.get("value_type", "number"),
            "unit": nfc(d.get("unit", "")),
            "aggregation": d.get("aggregation", "sum"),
        }
        found = have.get(d["code"])
        if found is not None:
            if not found.catalog:
                for key, value in fields.items():
                    if getattr(found, key) != value:
                        setattr(found, key, value)
            continue
        element = DataElement(
            code=d["code"],
            description=nfc(d.get("description", "") or f"Tạo từ biểu mẫu {form_code}"),
            catalog="",
            **fields,
        )
        session.add(element)
        have[d["code"]] = element
        created += 1
    session.flush()
    return created


def _assigned(session: Session, spec: dict[str, Any]) -> tuple[set[int], set[int]]:
    units: set[int] = set()
    agencies: set[int] = set()
    today = select(Unit).where(Unit.valid_to.is_(None))
    province = spec.get("province")
    root: Unit | None = None
    if province:
        root = session.scalars(
            today.where(Unit.level == "province", Unit.code == str(province))
        ).first()
        if root is None:
            raise InvalidInput(f"không có tỉnh mã {province}")
    levels = spec.get("unit_levels") or []
    if levels:
        stmt = select(Unit.id).where(Unit.valid_to.is_(None), Unit.level.in_(levels))
        if root is not None:
            stmt = stmt.where(Unit.path.like(root.path + "%"))
        units |= set(session.scalars(stmt))
    for code in spec.get("units") or []:
        uid = session.scalars(
            select(Unit.id).where(Unit.valid_to.is_(None), Unit.code == str(code))
        ).first()
        if uid is None:
            raise InvalidInput(f"không có đơn vị mã {code} đang hiệu lực")
        units.add(uid)
    kinds = spec.get("agency_kinds") or []
    if kinds:
        stmt2 = select(Agency.id).where(Agency.kind.in_(kinds))
        if root is not None:
            stmt2 = stmt2.where(
                Agency.unit_id.in_(select(Unit.id).where(Unit.path.like(root.path + "%")))
            )
        agencies |= set(session.scalars(stmt2))
    for code in spec.get("agencies") or []:
        aid = session.scalars(select(Agency.id).where(Agency.code == str(code))).first()
        if aid is None:
            raise InvalidInput(f"không có cơ quan mã định danh {code}")
        agencies.add(aid)
    return units, agencies


def _in_charge(session: Session, name: str, code: Any) -> int | None:
    """Return the id of the department in charge named by its electronic code (or None)."""
    if code in (None, ""):
        return None
    aid = session.scalars(select(Agency.id).where(Agency.code == str(code).strip())).first()
    if aid is None:
        raise InvalidInput(
            "cơ quan chủ trì của biểu chưa có",
            [_err(name, "in_charge", f"không có cơ quan mã định danh {code}")],
        )
    return aid


def load_forms(session: Session, *, principal: Principal, paths: list[Path]) -> LoadReport:
    """Write the forms of ``paths`` (created or replaced by code); return what was done.

    Replacing a form keeps its data values (they belong to elements, organisations and
    periods, not to the form) and its submissions.
    """
    principal.require("users.manage")
    rep = LoadReport()
    for name, doc in read_form_files(paths):
        digest = hashlib.sha256(
            json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        in_charge = _in_charge(session, name, doc.get("in_charge"))  # before anything is written
        rep.elements_created += ensure_elements(session, doc.get("elements") or [], doc["code"])
        codes = [
            str(e.get("code") if isinstance(e, dict) else e)
            for s in doc["sections"]
            for e in s.get("elements") or []
        ]
        by_code: dict[str, int] = {
            c: i
            for c, i in session.execute(
                select(DataElement.code, DataElement.id).where(DataElement.code.in_(codes))
            )
        }
        missing = [c for c in codes if c not in by_code]
        if missing:
            raise InvalidInput(
                f"biểu {doc['code']} dùng chỉ tiêu chưa có trong danh mục",
                [
                    _err(name, c, "chưa có trong danh mục chỉ tiêu (tinhso catalog load)")
                    for c in missing
                ],
            )
        form = session.scalars(select(ReportForm).where(ReportForm.code == doc["code"])).first()
        if form is None:
            form = ReportForm(code=doc["code"])
            session.add(form)
        form.name = nfc(str(doc["name"]))
        form.description = nfc(str(doc.get("description", "")))
        form.period_type = doc["period_type"]
        form.deadline_days = int(doc.get("deadline_days", 0))
        form.open_from = str(doc.get("open_from", ""))
        form.expiry_days = int(doc.get("expiry_days", 0))
        form.max_change_pct = doc.get("max_change_pct")
        form.version = str(doc.get("version", ""))
        form.digest = digest
        form.source = name
        session.flush()
        for model in (FormElement, FormRule, FormAssignment):
            session.execute(delete(model).where(model.form_id == form.id))
        position = 0
        for s in doc["sections"]:
            for e in s.get("elements") or []:
                spec = e if isinstance(e, dict) else {"code": e}
                position += 1
                session.add(
                    FormElement(
                        form_id=form.id,
                        element_id=by_code[str(spec["code"])],
                        position=position,
                        section=nfc(str(s.get("name", ""))),
                        required=bool(spec.get("required", False)),
                        max_change_pct=spec.get("max_change_pct"),
                    )
                )
        for i, r in enumerate(doc.get("rules") or [], start=1):
            session.add(
                FormRule(
                    form_id=form.id,
                    position=i,
                    left=str(r["left"]),
                    op=r["op"],
                    right=str(r["right"]),
                    severity=r.get("severity", "error"),
                    message=nfc(str(r.get("message", ""))),
                )
            )
        form.in_charge_id = in_charge
        units, agencies = _assigned(session, doc.get("assign") or {})
        session.add_all(FormAssignment(form_id=form.id, unit_id=u) for u in sorted(units))
        session.add_all(FormAssignment(form_id=form.id, agency_id=a) for a in sorted(agencies))
        rep.assignments += len(units) + len(agencies)
        rep.forms.append(form.code)
        session.flush()
    return rep


def form_files(paths: list[Path] | None = None) -> list[Path]:
    """Return the form files to load: the ones given (files or folders), else the catalog's."""
    out: list[Path] = []
    for p in paths or [FORMS_DIR]:
        out += sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    return out


def get_form(session: Session, code: str) -> ReportForm:
    """Return the form with this code, or raise NotFound."""
    if problem := text_problem(code, what="mã biểu", max_length=60):  # report_form.code
        raise NotFound(f"không có biểu mẫu: {problem}")
    form = session.scalars(select(ReportForm).where(ReportForm.code == code)).first()
    if form is None:
        raise NotFound(f"không có biểu mẫu '{code}'")
    return form


@dataclass(frozen=True)
class ElementSpec:
    """A form's element as validation and pages need it."""

    id: int
    code: str
    name: str
    value_type: str
    unit: str
    section: str
    required: bool
    max_change_pct: float | None


def form_elements(session: Session, form: ReportForm) -> list[ElementSpec]:
    """Return the form's elements in order."""
    rows = session.execute(
        select(FormElement, DataElement)
        .join(DataElement, DataElement.id == FormElement.element_id)
        .where(FormElement.form_id == form.id)
        .order_by(FormElement.position)
    )
    return [
        ElementSpec(
            d.id,
            d.code,
            d.name,
            d.value_type,
            d.unit,
            fe.section,
            fe.required,
            fe.max_change_pct if fe.max_change_pct is not None else form.max_change_pct,
        )
        for fe, d in rows
    ]


def form_rules(session: Session, form: ReportForm) -> list[FormRule]:
    """Return the form's rules in order."""
    return list(
        session.scalars(
            select(FormRule).where(FormRule.form_id == form.id).order_by(FormRule.position)
        )
    )


def list_forms(session: Session) -> list[ReportForm]:
    """Return every form, by code (the forms are the province's public catalogue)."""
    return list(session.scalars(select(ReportForm).order_by(ReportForm.code)))


def close_period(
    session: Session,
    *,
    principal: Principal,
    form: ReportForm,
    period: str,
    reason: str = "",
    reopen: bool = False,
) -> bool:
    """Close a period of the form to data entry (or reopen it); return True if it changed."""
    from tinhso.db import utcnow
    from tinhso.reporting.models import PeriodClosure

    principal.require("users.manage")
    p = parse_report_period(period)
    if p.type != form.period_type:
        raise InvalidInput(f"biểu {form.code} không có kỳ {p.code}")
    if problem := text_problem(nfc(reason).strip(), what="lý do", max_length=4000, multiline=True):
        raise InvalidInput("lý do khóa sổ không hợp lệ", [FieldError("reason", problem)])
    row = session.scalars(
        select(PeriodClosure).where(
            PeriodClosure.form_id == form.id, PeriodClosure.period == p.code
        )
    ).first()
    if reopen:
        if row is None:
            return False
        session.delete(row)
    else:
        if row is not None:
            return False
        session.add(
            PeriodClosure(
                form_id=form.id, period=p.code, closed_at=utcnow(), reason=nfc(reason).strip()
            )
        )
    session.flush()
    return True
