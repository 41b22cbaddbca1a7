"""Writing and reading reported values: save, submit, approve, return — one path for the page,
the Excel upload and the API.

A write is all or nothing: every value of every organisation and period is checked first
(scope, assignment, period open and not locked, type, the form's rules) and any error stops
the whole write with the list of refused values. Each written value takes a change number
(``seq``) from the ``data_value`` counter so that the analytics copy follows it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tinhso.accounts.scope import ROLE_LABELS, Principal
from tinhso.audit import service as audit
from tinhso.db import utcnow
from tinhso.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from tinhso.fmt import local_today
from tinhso.reporting import orgs
from tinhso.reporting.forms import ElementSpec, form_elements, form_rules
from tinhso.reporting.models import (
    DataValue,
    DataValueHistory,
    FormAssignment,
    FormElement,
    PeriodClosure,
    ReportForm,
    Submission,
)
from tinhso.reporting.orgs import Org
from tinhso.reporting.parsing import BadValue, Parsed, clean_text, parse_value
from tinhso.reporting.periods import ReportPeriod, label_of, parse_report_period
from tinhso.reporting.validation import Issue, check_values
from tinhso.services.ingest import next_seq

CONCURRENT_WRITE = (
    "số liệu của báo cáo vừa được người khác ghi cùng lúc; hãy tải lại trang và thử lại"
)
SOURCE_LABELS = {
    "form": "nhập trên trang",
    "excel": "tệp Excel",
    "api": "API",
    "computed": "tính toán",
    "demo": "dữ liệu mẫu",
}
STATUS_LABELS = {
    "none": "Chưa nhập",
    "draft": "Đang nhập",
    "submitted": "Đã nộp",
    "approved": "Đã duyệt",
    "returned": "Bị trả lại",
}


@dataclass
class Entry:
    """One value sent for an element: raw as typed, where it came from (cell, item)."""

    code: str
    raw: object
    comment: str | None = None
    percent_format: bool = False
    in_percent: bool = False
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None


@dataclass
class OrgReport:
    """The values sent for one organisation and period."""

    org: Org
    period: ReportPeriod
    entries: list[Entry] = field(default_factory=list)
    sheet: str | None = None
    row: int | None = None


@dataclass
class WriteResult:
    """What a write did; warnings are kept and shown, they do not stop it."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    submitted: int = 0
    warnings: list[FieldError] = field(default_factory=list)


def _where(rep: OrgReport, entry: Entry | None, code: str | None) -> dict[str, Any]:
    if entry is not None:
        return {"sheet": entry.sheet, "cell": entry.cell, "row": entry.row}
    return {"sheet": rep.sheet, "row": rep.row}


def _org_clause(model: Any, org: Org) -> Any:
    if org.kind == "unit":
        return and_(model.unit_id == org.id, model.agency_id.is_(None))
    return and_(model.agency_id == org.id, model.unit_id.is_(None))


def submission(session: Session, form: ReportForm, org: Org, period: str) -> Submission | None:
    """Return the organisation's submission of the form for the period, if any."""
    return session.scalars(
        select(Submission).where(
            Submission.form_id == form.id, Submission.period == period, _org_clause(Submission, org)
        )
    ).first()


def stored_values(
    session: Session, elements: Sequence[ElementSpec], org: Org, period: str
) -> dict[str, DataValue]:
    """Return the stored values of the elements for the organisation and period, by code."""
    by_id = {e.id: e.code for e in elements}
    rows = session.scalars(
        select(DataValue).where(
            DataValue.element_id.in_(list(by_id)),
            DataValue.period == period,
            _org_clause(DataValue, org),
        )
    )
    return {by_id[v.element_id]: v for v in rows}


def previous_values(
    session: Session, elements: Sequence[ElementSpec], org: Org, period: ReportPeriod
) -> dict[str, float | None]:
    """Return the last period's submitted or approved numbers, by code (for change warnings)."""
    prev = stored_values(session, elements, org, period.previous().code)
    return {c: v.value_num for c, v in prev.items() if v.status in ("submitted", "approved")}


def period_problem(session: Session, form: ReportForm, period: ReportPeriod) -> str | None:
    """Return why the period is not open for entry, or None when it is."""
    if period.type != form.period_type:
        return (
            f"biểu {form.code} báo cáo theo kỳ {_type_word(form.period_type)}, "
            f"không theo {period.in_text}"
        )
    if form.open_from and period.first < parse_report_period(form.open_from).first:
        return f"biểu {form.code} nhận số liệu từ {label_of(form.open_from)}"
    if period.first > local_today():
        return f"{period.in_text} chưa bắt đầu"
    if form.expiry_days and local_today() > period.last + timedelta(days=form.expiry_days):
        return (
            f"{period.in_text} đã hết hạn nhập số liệu "
            f"({form.expiry_days} ngày sau khi kết thúc kỳ)"
        )
    closed = session.scalars(
        select(PeriodClosure).where(
            PeriodClosure.form_id == form.id, PeriodClosure.period == period.code
        )
    ).first()
    if closed is not None:
        return f"{period.in_text} của biểu {form.code} đã khóa sổ" + (
            f" ({closed.reason})" if closed.reason else ""
        )
    return None


def _type_word(period_type: str) -> str:
    return {
        "weekly": "tuần",
        "monthly": "tháng",
        "quarterly": "quý",
        "six_monthly": "6 tháng",
        "yearly": "năm",
    }[period_type]


def assigned(session: Session, form: ReportForm, org: Org) -> bool:
    """Return True when the organisation must report the form."""
    return (
        session.scalars(
            select(FormAssignment.id).where(
                FormAssignment.form_id == form.id, _org_clause(FormAssignment, org)
            )
        ).first()
        is not None
    )


def locked_elsewhere(session: Session, form: ReportForm, org: Org, period: str) -> dict[int, str]:
    """Return the form's elements whose values another form approved for the organisation and
    period, with that form's code: a value belongs to its element, not to a form, and stays
    locked wherever it appears."""
    mine = select(FormElement.element_id).where(FormElement.form_id == form.id)
    rows = session.execute(
        select(FormElement.element_id, ReportForm.code)
        .join(Submission, Submission.form_id == FormElement.form_id)
        .join(ReportForm, ReportForm.id == Submission.form_id)
        .where(
            Submission.form_id != form.id,
            Submission.status == "approved",
            Submission.period == period,
            _org_clause(Submission, org),
            FormElement.element_id.in_(mine),
        )
    )
    return {e: c for e, c in rows}


def _org_errors(
    session: Session, principal: Principal, form: ReportForm, rep: OrgReport
) -> list[FieldError]:
    where: dict[str, Any] = {"sheet": rep.sheet, "row": rep.row}
    if not orgs.writable(session, principal, rep.org):
        return [FieldError("unit", f"{rep.org.name} nằm ngoài phạm vi được phân quyền", **where)]
    if not assigned(session, form, rep.org):
        return [
            FieldError("unit", f"{rep.org.name} không được giao báo cáo biểu {form.code}", **where)
        ]
    problem = period_problem(session, form, rep.period)
    if problem:
        return [FieldError("period", problem, **where)]
    sub = submission(session, form, rep.org, rep.period.code)
    if sub is not None and sub.status == "approved":
        return [
            FieldError(
                "period",
                f"báo cáo {rep.period.in_text} của {rep.org.name} đã được duyệt; dữ liệu bị khóa",
                **where,
            )
        ]
    return []


def validate(
    session: Session,
    *,
    principal: Principal,
    form: ReportForm,
    reports: list[OrgReport],
    submitting: bool,
) -> tuple[list[FieldError], list[FieldError], dict[int, dict[str, Parsed]]]:
    """Return (errors, warnings, parsed values by report index) of the reports."""
    elements = form_elements(session, form)
    rules = form_rules(session, form)
    by_code = {e.code: e for e in elements}
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    parsed_all: dict[int, dict[str, Parsed]] = {}
    seen: set[tuple[str, str]] = set()
    for i, rep in enumerate(reports):
        if (rep.org.key, rep.period.code) in seen:
            errors.append(
                FieldError(
                    "unit",
                    f"{rep.org.name} {rep.period.in_text} có hai lần trong cùng lần gửi",
                    sheet=rep.sheet,
                    row=rep.row,
                )
            )
            continue
        seen.add((rep.org.key, rep.period.code))
        org_errors = _org_errors(session, principal, form, rep)
        if org_errors:
            errors += org_errors
            continue
        stored = stored_values(session, elements, rep.org, rep.period.code)
        values = {c: Parsed(v.value_num, v.value_text) for c, v in stored.items()}
        locked = (
            locked_elsewhere(session, form, rep.org, rep.period.code)
            if any(v.status == "approved" for v in stored.values())
            else {}
        )
        located: dict[str, Entry] = {}
        unreadable: set[str] = set()
        for entry in rep.entries:
            spec = by_code.get(entry.code)
            if spec is None:
                errors.append(
                    FieldError(
                        entry.code or "element",
                        f"chỉ tiêu '{entry.code}' không thuộc biểu {form.code}",
                        **_where(rep, entry, None),
                    )
                )
                continue
            where = {**_where(rep, entry, None), "label": spec.name}
            if entry.code in located:
                errors.append(FieldError(entry.code, "chỉ tiêu có hai giá trị", **where))
                continue
            located[entry.code] = entry
            if entry.comment:
                try:
                    entry.comment = clean_text(entry.comment, "ghi chú")  # written as checked
                except BadValue as exc:
                    errors.append(FieldError(entry.code, str(exc), **where))
                    unreadable.add(entry.code)
            try:
                values[entry.code] = parse_value(
                    spec.value_type,
                    entry.raw,
                    percent_format=entry.percent_format,
                    in_percent=entry.in_percent,
                )
            except BadValue as exc:
                errors.append(
                    FieldError(
                        entry.code,
                        str(exc),
                        value=None if entry.raw is None else str(entry.raw)[:100],
                        **where,
                    )
                )
                values.pop(entry.code, None)
                unreadable.add(entry.code)
                continue
            old = stored.get(entry.code)
            if spec.id in locked and old is not None:
                new = values[entry.code]
                comment = old.comment if entry.comment is None else entry.comment
                if (new.num, new.text, comment) != (old.value_num, old.value_text, old.comment):
                    errors.append(
                        FieldError(
                            entry.code,
                            f"giá trị đã được duyệt trong biểu {locked[spec.id]}; dữ liệu bị khóa",
                            **where,
                        )
                    )
                    unreadable.add(entry.code)
        parsed_all[i] = values
        previous = previous_values(session, elements, rep.org, rep.period)
        # A submitted report stays submitted when saved (write_values), so it is checked as one.
        sub = submission(session, form, rep.org, rep.period.code)
        complete = submitting or (sub is not None and sub.status == "submitted")
        for issue in check_values(elements, rules, values, previous, submitting=complete):
            if issue.code in unreadable:
                continue  # one reason per value: it could not be read
            fe = _issue_error(rep, issue, located.get(issue.code or ""), by_code)
            (warnings if issue.severity == "warning" else errors).append(fe)
    return errors, warnings, parsed_all


def _issue_error(
    rep: OrgReport, issue: Issue, entry: Entry | None, by_code: dict[str, ElementSpec]
) -> FieldError:
    """Return a rule's issue as an error naming the element by its name (a person does not
    know "XA_TO_CNS_TONG") and where it was entered."""
    spec = by_code.get(issue.code or "")
    return FieldError(
        issue.code or "report",
        issue.reason,
        label=spec.name if spec is not None else None,
        **_where(rep, entry, issue.code),
    )


def write_values(
    session: Session,
    *,
    principal: Principal,
    form: ReportForm,
    reports: list[OrgReport],
    source: str,
    submit: bool = False,
) -> WriteResult:
    """Check and write the reports (all or nothing); submit them when ``submit``.

    Raises InvalidInput naming every refused value (sheet, cell or item, reason).
    """
    if not (principal.can("data.write") or principal.role == "admin"):
        principal.require("data.write")
    errors, warnings, parsed = validate(
        session, principal=principal, form=form, reports=reports, submitting=submit
    )
    if errors:
        raise InvalidInput(f"có {len(errors)} giá trị không hợp lệ; chưa ghi giá trị nào", errors)
    result = WriteResult(warnings=warnings)
    elements = form_elements(session, form)
    by_code = {e.code: e for e in elements}
    now = utcnow()
    user = principal.user_id
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    touched: list[tuple[OrgReport, Submission | None, int]] = []
    for i, rep in enumerate(reports):
        before = len(inserts) + len(updates)
        sub = submission(session, form, rep.org, rep.period.code)
        status = (
            "submitted" if submit or (sub is not None and sub.status == "submitted") else "draft"
        )
        stored = stored_values(session, elements, rep.org, rep.period.code)
        sent = {e.code: e for e in rep.entries}
        for code, value in parsed[i].items():
            old = stored.get(code)
            entry = sent.get(code)
            comment = (
                entry.comment
                if entry is not None and entry.comment is not None
                else (old.comment if old else "")
            )
            if old is None:
                if code not in sent or (value.blank and not comment):
                    continue
                inserts.append(
                    {
                        "element_id": by_code[code].id,
                        "unit_id": rep.org.unit_id,
                        "agency_id": rep.org.agency_id,
                        "period": rep.period.code,
                        "period_start": rep.period.first,
                        "period_end": rep.period.last,
                        "value_num": value.num,
                        "value_text": value.text,
                        "comment": comment,
                        "source": source,
                        "status": status,
                        "updated_by": user,
                        "updated_at": now,
                    }
                )
                continue
            if old.status == "approved":
                # Approved on another form (this one's lock was checked): left as it is.
                result.unchanged += 1
                continue
            same_value = (old.value_num, old.value_text, old.comment) == (
                value.num,
                value.text,
                comment,
            )
            if same_value and old.status == status:
                result.unchanged += 1
                continue
            history.append(_history_row(old, now, user))
            change = {"id": old.id, "status": status, "updated_by": user, "updated_at": now}
            if not same_value:
                change.update(
                    value_num=value.num, value_text=value.text, comment=comment, source=source
                )
            updates.append(change)
        touched.append((rep, sub, len(inserts) + len(updates) - before))
    _write(session, inserts, updates, history)
    if inserts or updates:
        _refuse_if_approved_meanwhile(session, form, reports)
    result.created, result.updated = len(inserts), len(updates)
    for rep, sub, changed in touched:
        if not changed and not (submit and (sub is None or sub.status != "submitted")):
            continue
        if sub is None:
            sub = Submission(
                form_id=form.id,
                unit_id=rep.org.unit_id,
                agency_id=rep.org.agency_id,
                period=rep.period.code,
            )
            session.add(sub)
        sub.saved_at = now
        if submit and sub.status != "submitted":
            sub.status = "submitted"
            sub.submitted_at = now
            sub.submitted_by = user
            result.submitted += 1
        elif sub.status not in ("submitted",):
            sub.status = "draft"
    try:
        session.flush()
    except IntegrityError as exc:
        # Another writer created the report's submission between our checks and our write.
        raise Conflict(CONCURRENT_WRITE) from exc
    if not (result.created or result.updated or result.submitted):
        return result
    audit.record(
        session,
        action="submit" if submit else "save",
        entity="data_value",
        entity_id=form.code,
        after={
            "source": source,
            "reports": [f"{r.org.code}/{r.period.code}" for r in reports][:200],
            "created": result.created,
            "updated": result.updated,
        },
    )
    return result


def _refuse_if_approved_meanwhile(
    session: Session, form: ReportForm, reports: list[OrgReport]
) -> None:
    """Raise Conflict when one of the reports was approved after its checks.

    The change counter taken by the write stays locked until commit, and approving takes it
    too, so an approval committed since the checks is visible now.
    """
    rows = session.execute(
        select(Submission.unit_id, Submission.agency_id, Submission.period).where(
            Submission.form_id == form.id,
            Submission.status == "approved",
            Submission.period.in_(sorted({r.period.code for r in reports})),
        )
    )
    approved = {(f"u-{u}" if u else f"a-{a}", p) for u, a, p in rows}
    for rep in reports:
        if (rep.org.key, rep.period.code) in approved:
            raise Conflict(
                f"báo cáo {rep.period.in_text} của {rep.org.name} vừa được duyệt; "
                "dữ liệu bị khóa, chưa ghi giá trị nào"
            )


def _history_row(old: DataValue, now: Any, user: int | None) -> dict[str, Any]:
    return {
        "value_id": old.id,
        "seq": old.seq,
        "value_num": old.value_num,
        "value_text": old.value_text,
        "comment": old.comment,
        "source": old.source,
        "status": old.status,
        "updated_by": old.updated_by,
        "updated_at": old.updated_at,
        "replaced_at": now,
        "replaced_by": user,
    }


def _write(
    session: Session,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    history: list[dict[str, Any]],
) -> None:
    n = len(inserts) + len(updates)
    if not n:
        return
    first = next_seq(session, n, stream="data_value")
    for k, row in enumerate([*inserts, *updates]):
        row["seq"] = first + k
    if history:
        session.execute(insert(DataValueHistory), history)
    try:
        if inserts:
            session.execute(insert(DataValue), inserts)
        if updates:
            session.execute(update(DataValue), updates)
    except IntegrityError as exc:
        # Another writer stored the same values between our checks and our write.
        raise Conflict(CONCURRENT_WRITE) from exc
    session.expire_all()


def _set_status(
    session: Session, form: ReportForm, org: Org, period: str, status: str, user: int | None
) -> int:
    elements = form_elements(session, form)
    stored = stored_values(session, elements, org, period)
    now = utcnow()
    locked = locked_elsewhere(session, form, org, period)
    changed = [v for v in stored.values() if v.status != status and v.element_id not in locked]
    history = [_history_row(v, now, user) for v in changed]
    updates = [{"id": v.id, "status": status} for v in changed]
    _write(session, [], updates, history)
    return len(updates)


def act(
    session: Session,
    *,
    principal: Principal,
    form: ReportForm,
    org: Org,
    period: ReportPeriod,
    action: str,
    reason: str = "",
) -> Submission:
    """Approve or return a submitted report (approvers), or submit it as it stands (reporters).

    Approving locks the values; returning (with a reason) unlocks them as drafts.
    """
    sub = submission(session, form, org, period.code)
    if action == "submit":
        write_values(
            session,
            principal=principal,
            form=form,
            reports=[OrgReport(org, period)],
            source="form",
            submit=True,
        )
        found = submission(session, form, org, period.code)
        assert found is not None
        return found
    if principal.role not in ("admin", "officer"):
        # ``org`` was resolved within the caller's read scope: the role is what refuses.
        raise Forbidden(
            f"vai trò {ROLE_LABELS.get(principal.role, principal.role)} không duyệt báo cáo"
        )
    if not orgs.may_approve(session, principal, form, org):
        if orgs.writable(session, principal, org):
            raise Forbidden(
                "đơn vị không tự duyệt báo cáo của mình; cấp trên hoặc cán bộ tỉnh duyệt"
            )
        raise NotFound(f"không tìm thấy báo cáo của đơn vị '{org.code}'")
    if sub is None or sub.status in ("draft", "returned"):
        raise Conflict(f"báo cáo {period.in_text} của {org.name} chưa được nộp")
    now = utcnow()
    if action == "approve":
        if sub.status == "approved":
            raise Conflict(f"báo cáo {period.in_text} của {org.name} đã được duyệt")
        sub.status, sub.approved_at, sub.approved_by = "approved", now, principal.user_id
        _set_status(session, form, org, period.code, "approved", principal.user_id)
    elif action == "return":
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput(
                "cần ghi lý do trả lại", [FieldError("reason", "không được để trống")]
            )
        try:
            reason = clean_text(reason, "lý do")
        except BadValue as exc:
            raise InvalidInput(
                "lý do trả lại không hợp lệ", [FieldError("reason", str(exc))]
            ) from None
        sub.status, sub.returned_at, sub.returned_by = "returned", now, principal.user_id
        sub.return_reason = reason
        sub.approved_at = sub.approved_by = None
        _set_status(session, form, org, period.code, "draft", principal.user_id)
    else:
        raise InvalidInput(
            f"thao tác '{action}' không hợp lệ",
            [FieldError("action", "submit, approve hoặc return")],
        )
    session.flush()
    return sub


def answers_version(session: Session) -> tuple[object, ...]:
    """Return what the reporting answers (forms, values, completeness) are worked out from:
    the audit log's head (forms, assignments, submissions, scopes, the register), the last
    change number of the data values (not audited row by row), and the hour (a report due
    today is late from tomorrow); kept answers are current while this is."""
    top = session.execute(select(func.max(DataValue.seq))).scalar() or 0
    return (audit.head(session), int(top), int(time.time() // 3600))


def read_values(
    session: Session, *, principal: Principal, form: ReportForm, org: Org, period: ReportPeriod
) -> tuple[list[ElementSpec], dict[str, DataValue], Submission | None]:
    """Return the form's elements, the organisation's stored values and its submission.

    ``org`` was resolved within the caller's read scope (``orgs.resolve``).
    """
    principal.require("read")
    elements = form_elements(session, form)
    return (
        elements,
        stored_values(session, elements, org, period.code),
        submission(session, form, org, period.code),
    )


def orgs_of_form(session: Session, *, principal: Principal, form: ReportForm) -> list[Org]:
    """Return the organisations assigned the form that the caller may read (all of them for
    the form's department in charge), by name."""
    rows = session.execute(
        select(FormAssignment.unit_id, FormAssignment.agency_id).where(
            FormAssignment.form_id == form.id
        )
    ).all()
    unit_ids = [u for u, _ in rows if u is not None]
    agency_ids = [a for _, a in rows if a is not None]
    units = orgs.readable(session, principal, "unit", unit_ids, form)
    agencies = orgs.readable(session, principal, "agency", agency_ids, form)
    from tinhso.text import sort_key

    return sorted(units, key=lambda o: sort_key(o.name)) + sorted(
        agencies, key=lambda o: sort_key(o.name)
    )


def writable_orgs(session: Session, *, principal: Principal, form: ReportForm) -> list[Org]:
    """Return the assigned organisations whose reports the caller may enter."""
    if not (principal.can("data.write") or principal.role == "admin"):
        return []
    targets = orgs_of_form(session, principal=principal, form=form)
    agencies = {o.id for o in targets if o.kind == "agency"}
    if agencies:
        from tinhso.units.models import Agency

        agencies = set(
            session.scalars(
                select(Agency.id).where(Agency.id.in_(agencies), principal.agency_data_write())
            )
        )
    return [
        o
        for o in targets
        if (o.id in agencies if o.kind == "agency" else principal.covers_unit_path(o.path))
    ]
