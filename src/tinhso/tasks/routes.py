"""JSON API of plans and tasks: reading in scope, progress with evidence, acceptance, the
summaries and targets, the status table's files, and the synchronisation with the ministry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tinhso.db import Id
from tinhso.errors import InvalidInput
from tinhso.tasks import evidence, exports, imports, service, sync, targets
from tinhso.web.deps import ApiPrincipal, LakeDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["tasks"])
MAX_UPLOAD = 20 * 1024 * 1024
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "Bị từ chối, không ghi gì: vấn đề RFC 9457 (`application/problem+json`) "
        "với danh sách `errors` nêu dòng, trường và lý do",
        "content": {"application/problem+json": {}},
    }
}
Year = Annotated[int | None, Query(ge=2000, le=2999, description="năm của kế hoạch")]
PlanCode = Annotated[str | None, Query(description="số, ký hiệu kế hoạch, ví dụ 09-KH/BCĐCĐS")]


async def _read(file: UploadFile, limit: int = MAX_UPLOAD) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"tệp lớn hơn {limit // 1024 // 1024} MB")
    return data


@router.get("/plans", summary="Kế hoạch, đề án, nghị quyết, kết luận giao nhiệm vụ")
def plans(session: SessionDep, principal: ApiPrincipal, year: Year = None) -> Any:
    """The plans whose tasks the caller may read, with their task counts."""
    return {"plans": service.plans_json(session, principal, year)}


@router.get("/tasks", summary="Nhiệm vụ trong phạm vi được xem")
def tasks(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    plan: PlanCode = None,
    year: Year = None,
    agency: Annotated[str | None, Query(description="mã cơ quan chủ trì hoặc phối hợp")] = None,
    overdue: Annotated[bool, Query(description="chỉ nhiệm vụ quá hạn")] = False,
) -> Any:
    """Tasks of a plan, a year or an agency; ``overdue`` sorts the late ones by days late."""
    if overdue:
        return {
            "tasks": service.overdue(
                session, principal=principal, calendar=lake.calendar, year=year
            )
        }
    found = service.visible_tasks(session, principal, plan=plan, year=year, agency=agency)
    return {"tasks": service.task_json(session, found, lake.calendar)}


@router.get("/tasks/summary", summary="Tổng hợp nhiệm vụ theo kế hoạch, cơ quan, tháng")
def summary(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    plan: PlanCode = None,
    year: Year = None,
) -> Any:
    """Done / in progress / not started / overdue, with the seeds' wording."""
    return service.summary(
        session, principal=principal, calendar=lake.calendar, plan=plan, year=year
    )


@router.get("/tasks/targets", summary="Chỉ tiêu của kế hoạch và mức đạt")
def plan_targets(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    plan: PlanCode = None,
    year: Year = None,
) -> Any:
    """Each target's achievement (live from the indicator engine, or entered by hand) and
    bucket (≥100%, >70%, >50%, <50%)."""
    return targets.targets(session, lake, principal=principal, plan=plan, year=year)


@router.get("/tasks/export", summary="Bảng tình hình thực hiện nhiệm vụ (XLSX, PDF, JSON)")
def export(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    format: Annotated[str, Query(pattern="^(xlsx|pdf|json)$")] = "xlsx",
    plan: PlanCode = None,
    year: Year = None,
    agency: Annotated[str | None, Query(description="mã cơ quan chủ trì hoặc phối hợp")] = None,
) -> Any:
    """The status table as a file; ``json`` is the synchronisation document (tinhso.tasks/1)."""
    if format == "json":
        return sync.export(
            session, principal=principal, calendar=lake.calendar, plan=plan, year=year
        )
    data, name = exports.export(
        session,
        principal=principal,
        calendar=lake.calendar,
        fmt=format,
        plan=plan,
        year=year,
        agency=agency,
    )
    kind = exports_type(format)
    return Response(data, media_type=kind, headers={"Content-Disposition": attachment(name)})


def exports_type(fmt: str) -> str:
    return evidence.CONTENT_TYPES["pdf" if fmt == "pdf" else "xlsx"]


def attachment(name: str) -> str:
    """Return a Content-Disposition for a download named ``name`` (RFC 6266: an ASCII
    fallback without quotes or backslashes, and the UTF-8 name)."""
    from urllib.parse import quote

    plain = "".join(c for c in name if c.isascii() and c.isprintable() and c not in '"\\')
    return f"attachment; filename=\"{plain or 'tep'}\"; filename*=UTF-8''{quote(name)}"


@router.get("/tasks/evidence/{evidence_id}", summary="Tải tệp minh chứng")
def download_evidence(
    request: Request, session: SessionDep, principal: ApiPrincipal, evidence_id: Id
) -> Response:
    """The file, as an attachment with the type found in its content (never run in the page)."""
    e, data = evidence.fetch(
        session,
        principal=principal,
        var_dir=request.app.state.settings.var_dir,
        evidence_id=evidence_id,
    )
    return evidence_response(e, data)


def evidence_response(e: Any, data: bytes) -> Response:
    """The file as an attachment with the type found in its content (never shown inline)."""
    return Response(
        data,
        media_type=evidence.CONTENT_TYPES[e.kind],
        headers={
            "Content-Disposition": attachment(e.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.get("/tasks/{code}/progress", summary="Lịch sử tiến độ của một nhiệm vụ")
def progress_history(session: SessionDep, principal: ApiPrincipal, lake: LakeDep, code: str) -> Any:
    """Every step: progress, completion asked, accepted or refused, with evidence."""
    task = service.get_task(session, principal, code)
    return {
        "task": service.task_json(session, [task], lake.calendar)[0],
        "history": service.history(session, task),
    }


@router.post(
    "/tasks/{code}/progress",
    summary="Cập nhật tiến độ (kèm tệp minh chứng) hoặc báo cáo hoàn thành",
    responses=REFUSED,
)
async def report_progress(
    request: Request,
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    code: str,
    percent: Annotated[int, Form(description="tiến độ, 0–100")],
    text: Annotated[str, Form(description="nội dung; bắt buộc khi tiến độ giảm")] = "",
    complete: Annotated[bool, Form(description="báo cáo hoàn thành, chờ duyệt")] = False,
    files: Annotated[list[UploadFile] | None, File(description="tệp minh chứng")] = None,
) -> Any:
    """The lead's or a co-agency's update; every file checked first (all or nothing)."""
    blobs = [(f.filename or "tep", await _read(f, evidence.MAX_BYTES)) for f in files or []]
    for name, data in blobs:
        evidence.check(name, data)

    def write() -> Any:
        update = service.report_progress(
            session, principal=principal, code=code, percent=percent, text=text, complete=complete
        )
        task = service.get_task(session, principal, code)
        for name, data in blobs:
            evidence.attach(
                session,
                principal=principal,
                var_dir=request.app.state.settings.var_dir,
                task=task,
                update_id=update.id,
                filename=name,
                data=data,
            )
        return service.task_json(session, [task], lake.calendar)[0]

    return await run_in_threadpool(write)


@router.post(
    "/tasks/{code}/review",
    summary="Duyệt hoặc trả lại báo cáo hoàn thành",
    responses=REFUSED,
)
def review(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    code: str,
    accept: Annotated[bool, Form(description="true: duyệt hoàn thành; false: trả lại")],
    reason: Annotated[str, Form(description="lý do (bắt buộc khi trả lại)")] = "",
) -> Any:
    """The department in charge accepts the completion, or refuses it with a reason."""
    service.review(session, principal=principal, code=code, accept=accept, reason=reason)
    return service.task_json(session, [service.get_task(session, principal, code)], lake.calendar)[
        0
    ]


@router.post("/tasks:import", summary="Nhập danh sách nhiệm vụ (XLSX/CSV)", responses=REFUSED)
async def import_tasks(
    session: SessionDep, principal: ApiPrincipal, file: Annotated[UploadFile, File()]
) -> Any:
    """All or nothing: a refused file is a 422 problem naming each row, column and reason."""
    return await _import(imports.import_tasks, session, principal, file)


async def _import(importer: Any, session: Any, principal: Any, file: UploadFile) -> Any:
    data = await _read(file)
    rep = await run_in_threadpool(
        importer, session, principal=principal, data=data, filename=file.filename or "tep.xlsx"
    )
    return rep.as_dict()


@router.post(
    "/tasks/targets:import", summary="Nhập chỉ tiêu của kế hoạch (XLSX/CSV)", responses=REFUSED
)
async def import_targets(
    session: SessionDep, principal: ApiPrincipal, file: Annotated[UploadFile, File()]
) -> Any:
    """All or nothing, as the task list."""
    return await _import(imports.import_targets, session, principal, file)


@router.post(
    "/tasks/sync:import", summary="Nhập tệp đồng bộ từ hệ thống của Bộ (JSON)", responses=REFUSED
)
async def import_sync(
    session: SessionDep, principal: ApiPrincipal, file: Annotated[UploadFile, File()]
) -> Any:
    """By task code, idempotent; an older record never overwrites a newer one."""
    data = await _read(file)
    return await run_in_threadpool(sync.import_sync, session, principal=principal, data=data)


@router.post("/tasks/{code}/cancel", summary="Dừng, hủy nhiệm vụ (kèm lý do)", responses=REFUSED)
def cancel(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    code: str,
    reason: Annotated[str, Form(description="lý do dừng, hủy")] = "",
) -> Any:
    """The department in charge stops a task, saying why."""
    service.cancel(session, principal=principal, code=code, reason=reason)
    return service.task_json(session, [service.get_task(session, principal, code)], lake.calendar)[
        0
    ]


@router.post(
    "/tasks/targets:achieved",
    summary="Nhập kết quả của chỉ tiêu không gắn chỉ số",
    responses=REFUSED,
)
def target_achieved(
    session: SessionDep,
    principal: ApiPrincipal,
    plan: Annotated[str, Form(description="số, ký hiệu kế hoạch")],
    code: Annotated[str, Form(description="mã chỉ tiêu")],
    value: Annotated[float, Form(description="kết quả đạt được")],
) -> Any:
    """The department in charge records what a target achieved (who and when are kept)."""
    t = targets.enter_achieved(session, principal=principal, plan=plan, code=code, value=value)
    return {
        "code": t.code,
        "achieved": t.achieved,
        "by": t.achieved_by,
        "at": t.achieved_at.isoformat() if t.achieved_at else None,
    }
