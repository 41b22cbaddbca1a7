"""Pages of the shared reporting system: forms, data entry with checks as you type, approval,
who has not reported, the Excel round-trip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from tinhso.accounts.models import User, WebSession
from tinhso.accounts.scope import ROLE_LABELS, Principal
from tinhso.errors import AppError, FieldError, Forbidden, InvalidInput
from tinhso.reporting import orgs, service, workbook
from tinhso.reporting.completeness import completeness, current_period, due_periods
from tinhso.reporting.forms import form_elements, get_form, list_forms
from tinhso.reporting.models import ReportForm
from tinhso.reporting.parsing import display
from tinhso.reporting.periods import PERIOD_TYPE_LABELS, ReportPeriod, parse_report_period
from tinhso.reporting.service import SOURCE_LABELS, STATUS_LABELS, Entry, OrgReport
from tinhso.units.routes import read_upload
from tinhso.web.deps import PageUser, SessionDep, check_form_csrf
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)


def _period_choices(form: ReportForm, count: int = 14) -> list[ReportPeriod]:
    p = current_period(form)
    out = [p.next(), p]
    while len(out) < count:
        p = p.previous()
        if form.open_from and p.first < parse_report_period(form.open_from).first:
            break
        out.append(p)
    return out


@router.get("/reporting")
def index(request: Request, session: SessionDep, current: PageUser) -> Response:
    """The forms, and for each the caller's organisations with their latest report's state."""
    principal = current[0]
    rows = []
    for form in list_forms(session):
        period = current_period(form)
        mine = service.writable_orgs(session, principal=principal, form=form)
        c = completeness(session, principal=principal, form=form, period=period)
        states = {r.org.key: r for r in c.rows}
        rows.append(
            {
                "form": form,
                "period": period,
                "completeness": c,
                "mine": [(o, states.get(o.key)) for o in mine[:30]],
                "more": max(0, len(mine) - 30),
            }
        )
    return render(
        request, "reporting/index.html", {"rows": rows, "PERIOD_TYPES": PERIOD_TYPE_LABELS}
    )


def _entry_context(
    session: SessionDep,
    principal: Principal,
    form: ReportForm,
    period: ReportPeriod,
    org: orgs.Org,
    typed: dict[str, str] | None = None,
) -> dict[str, Any]:
    elements, stored, sub = service.read_values(
        session, principal=principal, form=form, org=org, period=period
    )
    users = {
        u.id: u.full_name or u.username
        for u in session.scalars(
            select(User).where(User.id.in_({v.updated_by for v in stored.values() if v.updated_by}))
        )
    }
    writable = orgs.writable(session, principal, org)
    problem = service.period_problem(session, form, period)
    locked = sub is not None and sub.status == "approved"
    rows = []
    for e in elements:
        v = stored.get(e.code)
        shown = display(e.value_type, v.value_num, v.value_text) if v else ""
        rows.append(
            {
                "e": e,
                "value": (typed or {}).get(f"v_{e.code}", shown),
                "comment": (typed or {}).get(f"c_{e.code}", v.comment if v else ""),
                "stored": v,
                "who": users.get(v.updated_by or 0, "hệ thống") if v else "",
            }
        )
    return {
        "form": form,
        "period": period,
        "org": org,
        "rows": rows,
        "sub": sub,
        "status": STATUS_LABELS[sub.status if sub else "none"],
        "editable": writable and not locked and problem is None,
        "problem": problem,
        "locked": locked,
        "can_approve": orgs.may_approve(session, principal, form, org)
        and sub is not None
        and sub.status in ("submitted", "approved"),
        "deadline": period.deadline(form.deadline_days),
        "periods": _period_choices(form),
        "SOURCE_LABELS": SOURCE_LABELS,
        "messages": {},
    }


def _load(
    session: SessionDep, principal: Principal, form_code: str, period_code: str, org_key: str
) -> tuple[ReportForm, ReportPeriod, orgs.Org]:
    form = get_form(session, form_code)
    period = parse_report_period(period_code)
    org = orgs.resolve(session, principal, key=org_key, form=form)
    return form, period, org


@router.get("/reporting/entry/{form_code}/{period_code}/{org_key}")
def entry(
    request: Request,
    session: SessionDep,
    current: PageUser,
    form_code: str,
    period_code: str,
    org_key: str,
) -> Response:
    """The data-entry page of one organisation's report for a period."""
    form, period, org = _load(session, current[0], form_code, period_code, org_key)
    return render(
        request, "reporting/entry.html", _entry_context(session, current[0], form, period, org)
    )


def _typed(data: Any, form: ReportForm, session: SessionDep) -> tuple[dict[str, str], list[Entry]]:
    typed: dict[str, str] = {}
    entries: list[Entry] = []
    for e in form_elements(session, form):
        raw = str(data.get(f"v_{e.code}", "") or "")
        comment = str(data.get(f"c_{e.code}", "") or "")
        typed[f"v_{e.code}"], typed[f"c_{e.code}"] = raw, comment
        if f"v_{e.code}" in data:
            entries.append(Entry(e.code, raw, comment=comment))
    return typed, entries


def _messages(
    errors: list[FieldError], warnings: list[FieldError]
) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for kind, items in (("error", errors), ("warning", warnings)):
        for e in items:
            out.setdefault(e.field, []).append((kind, e.reason))
    return out


Current = tuple[Principal, WebSession, User]
Keys = tuple[str, str, str]  # form, period, organisation


async def _off_loop(
    handler: Callable[[Request, Session, Current, Keys, FormData], Response],
    request: Request,
    session: Session,
    current: Current,
    keys: Keys,
) -> Response:
    """Read the posted form on the event loop, then run the handler (database work) off it."""
    data = await request.form()
    return await run_in_threadpool(handler, request, session, current, keys, data)


@router.post("/reporting/entry/{form_code}/{period_code}/{org_key}/check")
async def check(
    request: Request,
    session: SessionDep,
    current: PageUser,
    form_code: str,
    period_code: str,
    org_key: str,
) -> Response:
    """Check the values as typed (HTMX): the same rules as saving, nothing written."""
    return await _off_loop(_check, request, session, current, (form_code, period_code, org_key))


def _check(
    request: Request, session: Session, current: Current, keys: Keys, data: FormData
) -> Response:
    principal, web, _user = current
    form_code, period_code, org_key = keys
    check_form_csrf(web, str(data.get("csrf_token", "")))
    form, period, org = _load(session, principal, form_code, period_code, org_key)
    _typed_values, entries = _typed(data, form, session)
    errors, warnings, _parsed = service.validate(
        session,
        principal=principal,
        form=form,
        reports=[OrgReport(org, period, entries)],
        submitting=False,
    )
    session.rollback()
    codes = [e.code for e in form_elements(session, form)]
    return render(
        request,
        "reporting/_checks.html",
        {
            "messages": _messages(errors, warnings),
            "codes": codes,
            "errors": errors,
            "warnings": warnings,
        },
    )


@router.post("/reporting/entry/{form_code}/{period_code}/{org_key}")
async def act(
    request: Request,
    session: SessionDep,
    current: PageUser,
    form_code: str,
    period_code: str,
    org_key: str,
) -> Response:
    """Save a draft, submit, approve or return (with a reason) the report."""
    return await _off_loop(_act, request, session, current, (form_code, period_code, org_key))


def _act(
    request: Request, session: Session, current: Current, keys: Keys, data: FormData
) -> Response:
    principal, web, _user = current
    form_code, period_code, org_key = keys
    check_form_csrf(web, str(data.get("csrf_token", "")))
    action = str(data.get("action", "save"))
    form, period, org = _load(session, principal, form_code, period_code, org_key)
    typed, entries = _typed(data, form, session)
    notice, warnings = "", []
    try:
        if action in ("save", "submit"):
            res = service.write_values(
                session,
                principal=principal,
                form=form,
                reports=[OrgReport(org, period, entries)],
                source="form",
                submit=action == "submit",
            )
            warnings = res.warnings
            notice = "Đã nộp báo cáo." if action == "submit" else "Đã lưu nháp."
            typed = {}
        else:
            service.act(
                session,
                principal=principal,
                form=form,
                org=org,
                period=period,
                action=action,
                reason=str(data.get("reason", "")),
            )
            notice = (
                "Đã duyệt báo cáo; số liệu đã được khóa."
                if action == "approve"
                else "Đã trả lại báo cáo."
            )
    except AppError as exc:
        session.rollback()
        ctx = _entry_context(
            session, principal, form, period, org, typed if action in ("save", "submit") else None
        )
        ctx.update(error=exc.detail, errors=exc.errors, messages=_messages(exc.errors, []))
        return render(request, "reporting/entry.html", ctx, status_code=exc.status)
    session.flush()
    ctx = _entry_context(session, principal, form, period, org)
    ctx.update(notice=notice, warnings=warnings, messages=_messages([], warnings))
    return render(request, "reporting/entry.html", ctx)


@router.get("/reporting/completeness")
def completeness_page(
    request: Request, session: SessionDep, current: PageUser, form: str = "", period: str = ""
) -> Response:
    """Who has not reported: a form's expected, submitted and on-time reports for a period."""
    principal = current[0]
    forms = list_forms(session)
    if not forms:
        return render(request, "reporting/completeness.html", {"forms": [], "c": None})
    chosen = next((f for f in forms if f.code == form), None) or _most_missing(
        session, principal, forms
    )
    try:
        p = parse_report_period(period) if period else None
    except InvalidInput:
        p = None
    if p is None or p.type != chosen.period_type:
        due = due_periods(chosen, 1)
        p = due[0] if due else current_period(chosen)
    c = completeness(session, principal=principal, form=chosen, period=p)
    return render(
        request,
        "reporting/completeness.html",
        {"forms": forms, "form": chosen, "c": c, "periods": _period_choices(chosen)},
    )


def _most_missing(session: SessionDep, principal: Principal, forms: list[ReportForm]) -> ReportForm:
    """Return the form with the most organisations that have not reported its latest due period."""

    def missing(f: ReportForm) -> int:
        due = due_periods(f, 1)
        if not due:
            return 0
        return len(completeness(session, principal=principal, form=f, period=due[0]).missing)

    return max(forms, key=missing)


def _excel_context(
    session: Session, principal: Principal, form_code: str, period_code: str
) -> dict[str, Any]:
    """Return the Excel page's one selection: the forms the caller reports (each with its own
    periods), the chosen form and period, and the organisations its template holds."""
    if not principal.can_upload("reports"):
        raise Forbidden(
            f"vai trò {ROLE_LABELS.get(principal.role, principal.role)} không nộp báo cáo: "
            "xem tình hình nộp ở trang Theo dõi đơn vị chưa báo cáo"
        )
    mine = [
        (f, service.writable_orgs(session, principal=principal, form=f))
        for f in list_forms(session)
    ]
    mine = [(f, targets) for f, targets in mine if targets]
    chosen = next(((f, t) for f, t in mine if f.code == form_code), mine[0] if mine else None)
    if chosen is None:
        return {"forms": [], "form": None, "periods": [], "period": None, "targets": []}
    form, targets = chosen
    periods = _period_choices(form)
    period = next((p for p in periods if p.code == period_code), periods[1])
    return {
        "forms": [f for f, _ in mine],
        "form": form,
        "periods": periods,
        "period": period,
        "targets": targets,
        "PERIOD_TYPES": PERIOD_TYPE_LABELS,
    }


@router.get("/reporting/excel")
def excel_page(
    request: Request, session: SessionDep, current: PageUser, form: str = "", period: str = ""
) -> Response:
    """Choose a form and a period (the periods are the form's own), download its template and
    upload it back: both steps use the one selection."""
    ctx = _excel_context(session, current[0], form, period)
    return render(request, "reporting/excel.html", ctx)


@router.post("/reporting/excel")
async def excel_upload(
    request: Request,
    session: SessionDep,
    current: PageUser,
    file: Annotated[UploadFile, File()],
    form: Annotated[str, Form()],
    period: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    submit: Annotated[bool, Form()] = False,
) -> Response:
    """Check and write a filled template of the selected form and period; list every refused
    cell."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    ctx = _excel_context(session, principal, form, period)
    ctx["filename"] = file.filename or "mau.xlsx"
    try:
        f = get_form(session, form)
        p = parse_report_period(period)
        ctx.update(form=f, period=p, periods=_period_choices(f))
        data = await read_upload(file)
        res = await run_in_threadpool(
            workbook.import_workbook,
            session,
            principal=principal,
            form=f,
            period=p,
            data=data,
            filename=ctx["filename"],
            submit=submit,
        )
    except AppError as exc:
        session.rollback()
        ctx.update(error=exc.detail, errors=exc.errors)
        return render(request, "reporting/excel.html", ctx, status_code=exc.status)
    ctx["result"] = res
    return render(request, "reporting/excel.html", ctx)
