"""JSON API of the shared reporting system: forms, data values, submissions, completeness,
Excel templates and uploads, the report to the ministry."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import FieldError, InvalidInput
from tinhso.reporting import orgs, service, workbook
from tinhso.reporting.batch import write_batch
from tinhso.reporting.completeness import completeness
from tinhso.reporting.forms import form_elements, form_rules, get_form, list_forms
from tinhso.reporting.models import ReportForm
from tinhso.reporting.parsing import NUMBER_TYPES, display
from tinhso.reporting.periods import ReportPeriod, parse_report_period
from tinhso.reporting.schemas import (
    DataValueBatch,
    FormDetail,
    FormElementOut,
    FormRuleOut,
    FormSummary,
    ReportValues,
    SubmissionAction,
    SubmissionOut,
    ValueOut,
    WriteOut,
    warnings_out,
)
from tinhso.units.routes import read_upload
from tinhso.web.answers import answers_of
from tinhso.web.deps import ApiPrincipal, SessionDep

router = APIRouter(prefix="/api/v1", tags=["reporting"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _write_out(res: service.WriteResult) -> WriteOut:
    return WriteOut(
        created=res.created,
        updated=res.updated,
        unchanged=res.unchanged,
        submitted=res.submitted,
        warnings=warnings_out(res.warnings),
    )


def _org(
    session: SessionDep,
    principal: ApiPrincipal,
    unit: str | None,
    agency: str | None,
    period: ReportPeriod,
    form: ReportForm,
) -> orgs.Org:
    if (unit is None) == (agency is None):
        raise InvalidInput(
            "cần chọn một đơn vị", [FieldError("unit", "ghi đúng một trong hai: unit hoặc agency")]
        )
    return orgs.resolve(
        session, principal, unit_code=unit, agency_code=agency, on=period.last, form=form
    )


@router.get(
    "/reporting/forms", response_model=list[FormSummary], summary="Danh mục biểu mẫu báo cáo"
)
def forms(request: Request, session: SessionDep, principal: ApiPrincipal) -> Response:
    """Every report form (the province's public catalogue of forms)."""
    principal.require("read")
    return _kept(
        request,
        session,
        principal,
        lambda s: [FormSummary.model_validate(f).model_dump(mode="json") for f in list_forms(s)],
    )


@router.get("/reporting/forms/{code}", response_model=FormDetail, summary="Một biểu mẫu báo cáo")
def form_detail(code: str, session: SessionDep, principal: ApiPrincipal) -> FormDetail:
    """A form with its elements in order, its rules and how many organisations report it."""
    principal.require("read")
    form = get_form(session, code)
    return FormDetail(
        **FormSummary.model_validate(form).model_dump(),
        description=form.description,
        elements=[FormElementOut(**e.__dict__) for e in form_elements(session, form)],
        rules=[
            FormRuleOut(left=r.left, op=r.op, right=r.right, severity=r.severity, message=r.message)
            for r in form_rules(session, form)
        ],
        assigned=len(service.orgs_of_form(session, principal=principal, form=form)),
    )


@router.post("/datavalues", response_model=WriteOut, summary="Gửi số liệu báo cáo")
def post_values(body: DataValueBatch, session: SessionDep, principal: ApiPrincipal) -> WriteOut:
    """Values of one form (all or nothing, idempotent); refused items named by position."""
    return _write_out(write_batch(session, principal=principal, batch=body))


@router.get("/datavalues", response_model=ReportValues, summary="Số liệu của một đơn vị, một kỳ")
def get_values(
    request: Request,
    session: SessionDep,
    principal: ApiPrincipal,
    form: str,
    period: str,
    unit: str | None = None,
    agency: str | None = None,
) -> Response:
    """An organisation's stored values of a form for a period, with who, when and source."""
    return _kept(
        request,
        session,
        principal,
        lambda s: _values(s, principal, form, period, unit, agency).model_dump(mode="json"),
    )


def _kept(
    request: Request, session: Session, principal: Principal, build: Callable[[Session], object]
) -> Response:
    """Answer from the kept answers while the reports and the register stay as they are."""
    version = service.answers_version(session)
    return answers_of(request).respond(request, session, principal.scope_key(), version, build)


def _values(
    session: Session,
    principal: Principal,
    form: str,
    period: str,
    unit: str | None,
    agency: str | None,
) -> ReportValues:
    f = get_form(session, form)
    p = parse_report_period(period)
    org = _org(session, principal, unit, agency, p, f)
    elements, stored, sub = service.read_values(
        session, principal=principal, form=f, org=org, period=p
    )
    values = []
    for e in elements:
        v = stored.get(e.code)
        if v is None:
            continue
        value: float | str | None = (
            v.value_num
            if e.value_type in NUMBER_TYPES
            else (
                display(e.value_type, v.value_num, v.value_text)
                if e.value_type == "boolean"
                else v.value_text
            )
        )
        values.append(
            ValueOut(
                element=e.code,
                name=e.name,
                value=value,
                comment=v.comment,
                status=v.status,
                source=v.source,
                updated_at=v.updated_at,
                updated_by=v.updated_by,
                seq=v.seq,
            )
        )
    return ReportValues(
        form=f.code,
        period=p.code,
        org_kind=org.kind,
        org_code=org.code,
        org_name=org.name,
        status=sub.status if sub else "none",
        submitted_at=sub.submitted_at if sub else None,
        approved_at=sub.approved_at if sub else None,
        return_reason=sub.return_reason if sub else "",
        values=values,
    )


@router.post(
    "/reporting/submissions",
    response_model=SubmissionOut,
    summary="Nộp, duyệt hoặc trả lại báo cáo",
)
def post_submission(
    body: SubmissionAction, session: SessionDep, principal: ApiPrincipal
) -> SubmissionOut:
    """Submit a report as it stands, approve it (locks its values) or return it with a reason."""
    f = get_form(session, body.form)
    p = parse_report_period(body.period)
    org = _org(session, principal, body.unit, body.agency, p, f)
    sub = service.act(
        session,
        principal=principal,
        form=f,
        org=org,
        period=p,
        action=body.action,
        reason=body.reason,
    )
    return SubmissionOut(
        form=f.code,
        period=p.code,
        org_code=org.code,
        status=sub.status,
        submitted_at=sub.submitted_at,
        approved_at=sub.approved_at,
        returned_at=sub.returned_at,
        return_reason=sub.return_reason,
    )


@router.get("/reporting/completeness", summary="Tình hình nộp báo cáo")
def get_completeness(
    request: Request,
    session: SessionDep,
    principal: ApiPrincipal,
    form: str,
    period: str,
    unit: str | None = None,
    agency: str | None = None,
) -> Response:
    """Expected, submitted, on time and approved reports, and each organisation's state."""

    def build(s: Session) -> object:
        f = get_form(s, form)
        p = parse_report_period(period)
        only = _org(s, principal, unit, agency, p, f) if unit or agency else None
        return completeness(s, principal=principal, form=f, period=p, only=only).as_dict()

    return _kept(request, session, principal, build)


@router.get("/reporting/template", summary="Tải mẫu Excel")
def get_template(
    session: SessionDep,
    principal: ApiPrincipal,
    form: str,
    period: str,
    unit: Annotated[list[str] | None, Query()] = None,
    agency: Annotated[list[str] | None, Query()] = None,
) -> StreamingResponse:
    """An XLSX template, one sheet per organisation (the ones named, else every one the caller
    reports for), filled with what is stored."""
    f = get_form(session, form)
    p = parse_report_period(period)
    if p.type != f.period_type:  # a monthly form has no template for a quarter
        raise InvalidInput(
            f"biểu {f.code} không có mẫu cho {p.in_text}",
            [FieldError("period", service.period_problem(session, f, p) or "", value=period)],
        )
    targets = [orgs.resolve(session, principal, unit_code=u, on=p.last, form=f) for u in unit or []]
    targets += [orgs.resolve(session, principal, agency_code=a, form=f) for a in agency or []]
    if not targets:
        targets = service.writable_orgs(session, principal=principal, form=f)
    if not targets:
        raise InvalidInput("không có đơn vị nào để tạo mẫu", [FieldError("unit", "chọn đơn vị")])
    data = workbook.build_template(session, principal=principal, form=f, period=p, targets=targets)
    name = (
        f"{f.code}_{p.code}.xlsx"
        if len(targets) > 1
        else f"{f.code}_{p.code}_{targets[0].code}.xlsx"
    )
    return StreamingResponse(
        io.BytesIO(data),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/reporting/upload", response_model=WriteOut, summary="Tải lên mẫu Excel đã điền")
async def upload(
    session: SessionDep,
    principal: ApiPrincipal,
    form: str,
    period: str,
    file: Annotated[UploadFile, File()],
    submit: bool = False,
) -> WriteOut:
    """A filled template (all or nothing); refused cells named by sheet, cell and reason."""
    data = await read_upload(file)

    def run() -> WriteOut:
        return _write_out(
            workbook.import_workbook(
                session,
                principal=principal,
                form=get_form(session, form),
                period=parse_report_period(period),
                data=data,
                filename=file.filename or "mau.xlsx",
                submit=submit,
            )
        )

    return await run_in_threadpool(run)


@router.get("/reporting/report", summary="Báo cáo gửi Bộ (XLSX, PDF)")
def ministry_report(
    session: SessionDep,
    principal: ApiPrincipal,
    form: str,
    period: str,
    format: Literal["xlsx", "pdf"] = "xlsx",
    unit: Annotated[str | None, Query(description="mã tỉnh; mặc định: tỉnh của biểu")] = None,
) -> StreamingResponse:
    """The periodic report of a form to the ministry, with the province's header, from the
    template in catalog/reports/."""
    from tinhso.reporting import report

    f = get_form(session, form)
    p = parse_report_period(period)
    province = orgs.resolve(
        session, principal, unit_code=unit or report.province_code(session, f), on=p.last
    )
    doc = report.build_document(session, principal=principal, form=f, period=p, province=province)
    if format == "pdf":
        from tinhso.reporting.pdf import to_pdf

        data, media = to_pdf(doc), "application/pdf"
    else:
        data, media = report.to_xlsx(doc), XLSX
    return StreamingResponse(
        io.BytesIO(data),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{doc.file_name}.{format}"'},
    )
