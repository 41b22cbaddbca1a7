"""JSON API of public services: procedures, dossiers, events and the 766 index."""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from tinhso.errors import InvalidInput, NotFound
from tinhso.fmt import vn_number
from tinhso.services import index as idx
from tinhso.services import qd766, service
from tinhso.services.export import rows_to_xlsx
from tinhso.services.ingest import IngestReport
from tinhso.services.intake import Caller
from tinhso.services.periods import parse_period
from tinhso.services.schemas import (
    DossierBatch,
    DossierPublic,
    EventCreate,
    EventPublic,
    EventResult,
    FieldErrorOut,
    IngestResult,
    ProcedurePublic,
)
from tinhso.services.warmup import warm_up as warm_up  # the start-up hook (web/warmup.py)
from tinhso.units.routes import read_upload
from tinhso.web.answers import answers_of
from tinhso.web.deps import (
    BEARER,
    ApiPrincipal,
    CatalogDep,
    LakeDep,
    SessionDep,
    bearer_secret,
    client_ip,
    get_intake,
    principal_of_request,
)
from tinhso.web.problems import problem

router = APIRouter(prefix="/api/v1", tags=["services"])
MAX_FILE = 2 * 1024**3


def report_json(rep: IngestReport) -> IngestResult:
    """Return the ingestion report in the API's shape."""
    return IngestResult(
        committed=rep.committed,
        total=rep.total,
        created=rep.created,
        updated=rep.updated,
        unchanged=rep.unchanged,
        stale=rep.stale,
        refused=rep.refused_rows,
        encoding=rep.encoding,
        errors=[FieldErrorOut(**e.as_dict()) for e in rep.errors],
    )


def _respond(rep: IngestReport, response: Response) -> Any:
    """The report of an ingestion; one that wrote nothing is an RFC 9457 problem (422) that
    carries the same report fields, the row-level ``errors`` among them."""
    body = report_json(rep)
    if rep.committed and not (rep.refused_rows and not rep.accepted):
        return body
    refused = body.refused or len(body.errors)
    detail = (
        f"không ghi dòng nào: {vn_number(refused)} dòng bị từ chối, nêu trong errors"
        if refused
        else "không ghi dòng nào"
    )
    return problem(422, detail, extra=body.model_dump(mode="json"))


@router.get(
    "/procedures", response_model=list[ProcedurePublic], summary="Danh mục thủ tục hành chính"
)
def list_procedures(session: SessionDep, principal: ApiPrincipal) -> list[ProcedurePublic]:
    """The procedure catalogue."""
    return [
        ProcedurePublic.model_validate(p)
        for p in service.list_procedures(session, principal=principal)
    ]


@router.post("/procedures:import", response_model=IngestResult, summary="Nhập danh mục thủ tục")
async def import_procedures(
    session: SessionDep,
    principal: ApiPrincipal,
    response: Response,
    file: Annotated[UploadFile, File()],
) -> Any:
    """The procedure catalogue from CSV/XLSX (all or nothing)."""
    data = await read_upload(file)
    rep = await run_in_threadpool(
        service.import_procedures,
        session,
        principal=principal,
        data=data,
        filename=file.filename or "x.csv",
    )
    if not rep.committed:
        session.rollback()
    return _respond(rep, response)


@router.post("/dossiers:batch", response_model=IngestResult, summary="Gửi lô hồ sơ")
def push_batch(
    body: DossierBatch, session: SessionDep, principal: ApiPrincipal, response: Response
) -> Any:
    """Dossier records (up to 5,000): idempotent, refused rows named by position, field, reason."""
    rep = service.ingest_records(session, principal=principal, records=body.items)
    return _respond(rep, response)


@router.post("/dossiers:import", response_model=IngestResult, summary="Nhập hồ sơ từ tệp")
async def import_dossiers(
    session: SessionDep,
    principal: ApiPrincipal,
    response: Response,
    file: Annotated[UploadFile, File()],
    all_or_nothing: bool = False,
) -> Any:
    """Dossier records from CSV/XLSX/NDJSON/Parquet, streamed to disk and checked in DuckDB."""
    with tempfile.TemporaryDirectory(prefix="tinhso-upload-") as tmp:
        path = Path(tmp) / Path(file.filename or "upload.csv").name
        size = 0
        with path.open("wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > MAX_FILE:
                    raise InvalidInput(
                        "tệp lớn hơn 2 GB; hãy chia nhỏ hoặc dùng lệnh tinhso services import"
                    )
                out.write(chunk)
        rep = await run_in_threadpool(
            service.ingest_file,
            session,
            principal=principal,
            path=path,
            filename=path.name,
            source="upload",
            all_or_nothing=all_or_nothing,
        )
    if not rep.committed:
        session.rollback()
    return _respond(rep, response)


def _dossier_json(session: SessionDep, dossier: Any) -> DossierPublic:
    out = DossierPublic.model_validate(dossier)
    out.events = [EventPublic.model_validate(e) for e in service.dossier_events(session, dossier)]
    return out


@router.get("/dossiers/{code}", response_model=DossierPublic, summary="Một hồ sơ và các sự kiện")
def get_dossier(code: str, session: SessionDep, principal: ApiPrincipal) -> DossierPublic:
    """A dossier's state and its events."""
    return _dossier_json(session, service.get_dossier(session, principal=principal, code=code))


@router.post(
    "/dossiers/{code}/events",
    response_model=EventResult,
    status_code=201,
    summary="Gửi sự kiện hồ sơ",
    dependencies=[Depends(BEARER)],
)
async def push_event(
    code: str, body: EventCreate, request: Request, response: Response
) -> EventResult:
    """A status change: idempotent by event id; never moves the dossier backwards.

    Recorded by the event intake (group commit): the answer comes once the event is committed.
    """
    event = service.checked_event(
        service.EventInput(body.event_id, body.ts, body.status, body.note)
    )
    secret = bearer_secret(request)
    if secret is not None:
        caller = Caller(secret=secret, ip=client_ip(request))
    else:  # a signed-in browser: its session and CSRF token are checked here
        caller = Caller(principal=await run_in_threadpool(principal_of_request, request))
    new, result = await asyncio.wrap_future(get_intake(request).submit(caller, code, event))
    if not new:
        response.status_code = 200
    return result


@router.get(
    "/indices/qd766",
    summary="Chỉ số 766 theo kỳ và đơn vị",
    response_model=None,
)
def qd766_index(
    request: Request,
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    catalog: CatalogDep,
    period: Annotated[str, Query(description="2025-07, 2025-Q3, 2025-H2 hoặc 2025")],
    unit: Annotated[
        str | None, Query(description="mã tỉnh, mã xã hoặc mã định danh cơ quan")
    ] = None,
) -> Response:
    """Scores by group and indicator with numerators, denominators and ranks."""
    principal.require("read")
    p = parse_period(period)
    return answers_of(request).respond(
        request,
        session,
        principal.scope_key(),
        idx.version(session, lake, catalog, p),
        lambda s: idx.index(s, lake, catalog, principal=principal, period=p, unit_code=unit),
    )


@router.get("/indices/qd766/explain", summary="Danh sách hồ sơ sau một chỉ số")
def qd766_explain(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    catalog: CatalogDep,
    period: str,
    unit: str,
    indicator: str,
    part: Literal["numerator", "denominator"] = "denominator",
    format: Literal["json", "xlsx"] = "json",
) -> Any:
    """The dossiers (or procedures) counted in an indicator's numerator or denominator."""
    p = parse_period(period)
    ref = idx.resolve(session, principal, unit, p)
    try:
        rows = qd766.explain(lake, catalog, p, ref.kind, ref.id, indicator, part)
    except KeyError as exc:
        raise NotFound(f"chỉ số '{indicator}' không có danh sách hồ sơ") from exc
    if format == "json":
        return {
            "period": p.code,
            "unit": ref.code,
            "indicator": indicator,
            "part": part,
            "rows": rows,
        }
    ind = catalog.indicator(indicator)
    title = f"Chỉ số {ind.id} — {ind.name} — {'tử số' if part == 'numerator' else 'mẫu số'} — {ref.name} — {p.label}"
    data = rows_to_xlsx(title, rows)
    filename = f"qd766_{ind.id}_{part}_{ref.code}_{p.code}.xlsx".replace("/", "-")
    return StreamingResponse(
        io.BytesIO(data),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
