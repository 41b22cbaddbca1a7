"""Pages of plans and tasks: the tasks of an agency or a year with the summary, a task with its
history, its progress form (evidence files) and the department's review, the leader's overdue
list, the status table's files, and the evidence downloads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from tinhso.db import Id
from tinhso.errors import AppError, InvalidInput
from tinhso.tasks import evidence, exports, service, targets
from tinhso.tasks.models import STATUSES, Plan
from tinhso.tasks.routes import attachment, evidence_response, exports_type
from tinhso.web.deps import LakeDep, PageUser, SessionDep, check_form_csrf
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)


def _year(raw: str) -> int | None:
    if not raw.strip():
        return None
    try:
        year = int(raw)
    except ValueError:
        raise InvalidInput(f"năm '{raw}' không hợp lệ") from None
    if not 2000 <= year <= 2999:
        raise InvalidInput(f"năm '{raw}' không hợp lệ")
    return year


@router.get("/tasks")
def tasks_page(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    year: str = "",
    plan: str = "",
    agency: str = "",
) -> Response:
    """The tasks in scope (of a year, a plan, an agency) with the summary and the targets."""
    principal = current[0]
    y = _year(year)
    found = service.visible_tasks(
        session, principal, plan=plan or None, year=y, agency=agency or None
    )
    rows = service.task_json(session, found, lake.calendar)
    summary = service.summary(
        session,
        principal=principal,
        calendar=lake.calendar,
        plan=plan or None,
        year=y,
        agency=agency or None,
    )
    goals = targets.targets(session, lake, principal=principal, plan=plan or None, year=y)
    context = {
        "rows": rows,
        "summary": summary,
        "wording": summary["wording"],
        "plans": service.plans_json(session, principal),
        "targets": goals,
        "year": y,
        "plan": plan,
        "agency": agency,
    }
    return render(request, "tasks/list.html", context)


@router.get("/tasks/overdue")
def overdue_page(
    request: Request, session: SessionDep, current: PageUser, lake: LakeDep, year: str = ""
) -> Response:
    """The open tasks past their deadline, the most working days late first."""
    rows = service.overdue(session, principal=current[0], calendar=lake.calendar, year=_year(year))
    return render(request, "tasks/overdue.html", {"rows": rows, "year": _year(year)})


def _export(
    session: Any, current: Any, lake: Any, fmt: str, year: str, plan: str, agency: str
) -> Response:
    data, name = exports.export(
        session,
        principal=current[0],
        calendar=lake.calendar,
        fmt=fmt,
        plan=plan or None,
        year=_year(year),
        agency=agency or None,
    )
    return Response(
        data, media_type=exports_type(fmt), headers={"Content-Disposition": attachment(name)}
    )


@router.get("/tasks/export.{fmt}")
def export_file(
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    fmt: Annotated[str, PathParam(pattern="^(xlsx|pdf)$")],
    year: str = "",
    plan: str = "",
    agency: str = "",
) -> Response:
    """The status table as a workbook or as a PDF with the province's header."""
    return _export(session, current, lake, fmt, year, plan, agency)


@router.get("/tasks/evidence/{evidence_id}")
def evidence_page(
    request: Request, session: SessionDep, current: PageUser, evidence_id: Id
) -> Response:
    """An evidence file, as an attachment (only to those who may read its task)."""
    e, data = evidence.fetch(
        session,
        principal=current[0],
        var_dir=request.app.state.settings.var_dir,
        evidence_id=evidence_id,
    )
    return evidence_response(e, data)


def _task_context(
    session: Any, principal: Any, lake: Any, code: str, **extra: Any
) -> dict[str, Any]:
    task = service.get_task(session, principal, code)
    plan = session.get(Plan, task.plan_id)
    r = service.reach(session, principal)
    co = set(service.co_agencies(session, [task.id]).get(task.id, []))
    may_update = bool(({task.lead_id} | co) & r.write)
    may_review = plan is not None and plan.in_charge_id in r.write
    return {
        "task": service.task_json(session, [task], lake.calendar)[0],
        "history": service.history(session, task),
        "may_update": may_update and task.status in service.OPEN,
        "may_review": may_review and task.awaiting_review,
        "statuses": STATUSES,
        "allowed": evidence.ALLOWED,
        **extra,
    }


@router.get("/tasks/{code}")
def task_page(
    request: Request, session: SessionDep, current: PageUser, lake: LakeDep, code: str
) -> Response:
    """A task: its definition, its history with evidence, and the forms the caller may use."""
    done = request.query_params.get("done", "")
    context = _task_context(session, current[0], lake, code, message=done)
    return render(request, "tasks/task.html", context)


@router.post("/tasks/{code}/progress")
async def progress_form(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    code: str,
    percent: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    complete: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """Record progress (and evidence): all or nothing, each problem named on the page."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    try:
        try:
            value = int(percent.strip().rstrip("%"))
        except ValueError:
            raise InvalidInput(f"tiến độ '{percent}' phải là số từ 0 đến 100") from None
        blobs = []
        for f in files or []:
            if not f.filename:
                continue
            data = await f.read(evidence.MAX_BYTES + 1)
            evidence.check(f.filename, data)
            blobs.append((f.filename, data))

        def write() -> None:
            up = service.report_progress(
                session,
                principal=principal,
                code=code,
                percent=value,
                text=text,
                complete=bool(complete),
            )
            task = service.get_task(session, principal, code)
            for name, data in blobs:
                evidence.attach(
                    session,
                    principal=principal,
                    var_dir=request.app.state.settings.var_dir,
                    task=task,
                    update_id=up.id,
                    filename=name,
                    data=data,
                )

        await run_in_threadpool(write)
    except AppError as exc:
        await run_in_threadpool(session.rollback)
        context = await run_in_threadpool(
            _task_context,
            session,
            principal,
            lake,
            code,
            error=exc.detail,
            errors=exc.errors,
            form={"percent": percent, "text": text, "complete": bool(complete)},
        )
        return render(request, "tasks/task.html", context, status_code=exc.status)
    return RedirectResponse(f"/tasks/{code}?done=progress", status_code=303)


@router.post("/tasks/{code}/review")
def review_form(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    code: str,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The department in charge accepts the completion or sends it back with a reason."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    try:
        service.review(
            session, principal=principal, code=code, accept=decision == "accept", reason=reason
        )
    except AppError as exc:
        session.rollback()
        context = _task_context(session, principal, lake, code, error=exc.detail, errors=exc.errors)
        return render(request, "tasks/task.html", context, status_code=exc.status)
    return RedirectResponse(f"/tasks/{code}?done={decision or 'refuse'}", status_code=303)
