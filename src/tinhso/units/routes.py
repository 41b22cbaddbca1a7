"""JSON API of the administrative register: /api/v1/units and /api/v1/agencies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.db import Id, Offset
from tinhso.errors import InvalidInput
from tinhso.units import changes, imports, service
from tinhso.units.codes import REFORM_DATE
from tinhso.units.schemas import (
    AgencyCreate,
    AgencyPage,
    AgencyPublic,
    AgencyUpdate,
    FieldErrorPublic,
    ImportResult,
    Lineage,
    LineagePublic,
    MappingPublic,
    MapResult,
    UnitPage,
    UnitPublic,
    UnitUpdate,
    VillageCreate,
)
from tinhso.web.answers import answers_of
from tinhso.web.deps import ApiPrincipal, SessionDep

router = APIRouter(prefix="/api/v1", tags=["units"])
Level = Literal["province", "district", "commune", "village"]
MAX_UPLOAD = 20 * 1024 * 1024


@router.get("/units", response_model=UnitPage, summary="Danh sách đơn vị hành chính")
def list_units(
    request: Request,
    session: SessionDep,
    principal: ApiPrincipal,
    level: Level | None = None,
    parent_id: Id | None = None,
    as_of: date | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Offset = 0,
) -> Response:
    """Units in the caller's scope, by level, parent, date and name (diacritics optional)."""

    def build(s: Session) -> object:
        total, units = service.list_units(
            s,
            principal=principal,
            level=level,
            parent_id=parent_id,
            as_of=as_of,
            query=q,
            limit=limit,
            offset=offset,
        )
        page = UnitPage(total=total, items=[UnitPublic.model_validate(u) for u in units])
        return page.model_dump(mode="json")

    return _register_answer(request, session, principal, build)


def _register_answer(
    request: Request, session: Session, principal: Principal, build: Callable[[Session], object]
) -> Response:
    """Answer from the register, kept while it and the scopes stay as they are."""
    version = service.register_version(session)
    return answers_of(request).respond(request, session, principal.scope_key(), version, build)


@router.get("/units/{unit_id}", response_model=UnitPublic, summary="Một đơn vị hành chính")
def get_unit(
    request: Request, unit_id: Id, session: SessionDep, principal: ApiPrincipal
) -> Response:
    """One unit."""

    def build(s: Session) -> object:
        unit = service.get_unit(s, principal=principal, unit_id=unit_id)
        return UnitPublic.model_validate(unit).model_dump(mode="json")

    return _register_answer(request, session, principal, build)


@router.get(
    "/units/{unit_id}/children", response_model=list[UnitPublic], summary="Đơn vị trực thuộc"
)
def unit_children(
    request: Request,
    unit_id: Id,
    session: SessionDep,
    principal: ApiPrincipal,
    as_of: date | None = None,
) -> Response:
    """The unit's direct children."""

    def build(s: Session) -> object:
        unit = service.get_unit(s, principal=principal, unit_id=unit_id)
        kids = service.children(s, principal=principal, unit=unit, as_of=as_of)
        return [UnitPublic.model_validate(u).model_dump(mode="json") for u in kids]

    return _register_answer(request, session, principal, build)


@router.get(
    "/units/{unit_id}/ancestors", response_model=list[UnitPublic], summary="Đơn vị cấp trên"
)
def unit_ancestors(unit_id: Id, session: SessionDep, principal: ApiPrincipal) -> list[UnitPublic]:
    """The unit's ancestors, root first."""
    unit = service.get_unit(session, principal=principal, unit_id=unit_id)
    return [
        UnitPublic.model_validate(u)
        for u in service.ancestors(session, principal=principal, unit=unit)
    ]


@router.get(
    "/units/{unit_id}/subtree", response_model=list[UnitPublic], summary="Toàn bộ đơn vị bên dưới"
)
def unit_subtree(
    unit_id: Id, session: SessionDep, principal: ApiPrincipal, level: Level | None = None
) -> list[UnitPublic]:
    """The unit and everything below it."""
    unit = service.get_unit(session, principal=principal, unit_id=unit_id)
    units = service.subtree(session, principal=principal, unit=unit, level=level)
    return [UnitPublic.model_validate(u) for u in units]


def _links(links: list[service.LineageLink]) -> list[LineagePublic]:
    return [
        LineagePublic(
            unit=UnitPublic.model_validate(link.unit),
            share=link.share,
            resolution=link.resolution,
            resolution_date=link.resolution_date,
        )
        for link in links
    ]


@router.get(
    "/units/{unit_id}/lineage",
    response_model=Lineage,
    summary="Nguồn gốc và kế thừa qua sắp xếp 2025",
)
def unit_lineage(unit_id: Id, session: SessionDep, principal: ApiPrincipal) -> Lineage:
    """The units that formed this one and the units it was merged into."""
    unit = service.get_unit(session, principal=principal, unit_id=unit_id)
    return Lineage(
        unit=UnitPublic.model_validate(unit),
        predecessors=_links(service.predecessors(session, principal=principal, unit=unit)),
        successors=_links(service.successors(session, principal=principal, unit=unit)),
    )


@router.get(
    "/units/{unit_id}/map", response_model=MapResult, summary="Đơn vị tương ứng tại một ngày khác"
)
def map_unit(unit_id: Id, to: date, session: SessionDep, principal: ApiPrincipal) -> MapResult:
    """The unit's counterpart(s) valid on ``to``: forward through mergers, backward to sources."""
    unit = service.get_unit(session, principal=principal, unit_id=unit_id)
    mapped = service.map_unit(session, principal=principal, unit=unit, to=to)
    return MapResult(
        unit=UnitPublic.model_validate(unit),
        to=to,
        counterparts=[
            MappingPublic(unit=UnitPublic.model_validate(m.unit), share=m.share) for m in mapped
        ],
    )


@router.post(
    "/units", response_model=UnitPublic, status_code=201, summary="Thêm thôn, bản, tổ dân phố"
)
def create_village(body: VillageCreate, session: SessionDep, principal: ApiPrincipal) -> UnitPublic:
    """A new village under a commune in the caller's scope."""
    village = changes.create_village(
        session,
        principal=principal,
        data=changes.VillageInput(
            body.commune_id, body.code, body.name, body.kind, body.valid_from or REFORM_DATE
        ),
    )
    return UnitPublic.model_validate(village)


@router.patch("/units/{unit_id}", response_model=UnitPublic, summary="Sửa thôn, bản, tổ dân phố")
def update_unit(
    unit_id: Id, body: UnitUpdate, session: SessionDep, principal: ApiPrincipal
) -> UnitPublic:
    """Rename a village or change its kind."""
    unit = changes.update_unit(
        session, principal=principal, unit_id=unit_id, name=body.name, kind=body.kind
    )
    return UnitPublic.model_validate(unit)


@router.delete("/units/{unit_id}", status_code=204, summary="Xóa thôn, bản, tổ dân phố")
def delete_unit(unit_id: Id, session: SessionDep, principal: ApiPrincipal) -> Response:
    """Delete a village nothing refers to."""
    changes.delete_unit(session, principal=principal, unit_id=unit_id)
    return Response(status_code=204)


async def read_upload(file: UploadFile) -> bytes:
    """Return an upload's bytes, refusing one larger than the limit."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(f"tệp lớn hơn {MAX_UPLOAD // 1024 // 1024} MB")
    return data


Importer = Callable[..., imports.ImportReport]
REFUSED = {
    422: {
        "description": "Tệp bị từ chối, không ghi dòng nào: vấn đề RFC 9457 "
        "(`application/problem+json`) với danh sách `errors` nêu dòng, cột và lý do",
        "content": {"application/problem+json": {}},
    }
}


async def _import(
    importer: Importer,
    session: SessionDep,
    principal: ApiPrincipal,
    file: UploadFile,
    partial: bool,
) -> ImportResult:
    """Run an import and answer with its report; a refused file is a 422 problem naming each
    row (raised by the importer, so the request's transaction rolls back)."""
    data = await read_upload(file)
    report = await run_in_threadpool(
        importer,
        session,
        principal=principal,
        data=data,
        filename=file.filename or "upload.csv",
        partial=partial,
    )
    return ImportResult(
        committed=report.committed,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        encoding=report.encoding,
        errors=[FieldErrorPublic(**e.as_dict()) for e in report.errors],
    )


@router.post(
    "/units:import",
    response_model=ImportResult,
    summary="Nhập thôn, bản từ CSV/XLSX",
    responses=REFUSED,  # type: ignore[arg-type]
)
async def import_villages(
    session: SessionDep,
    principal: ApiPrincipal,
    file: Annotated[UploadFile, File()],
    partial: bool = False,
) -> ImportResult:
    """Villages from a CSV/XLSX file: all or nothing, or (``partial``) the valid rows only."""
    return await _import(imports.import_villages, session, principal, file, partial)


@router.post(
    "/agencies:import",
    response_model=ImportResult,
    summary="Nhập cơ quan từ CSV/XLSX",
    tags=["agencies"],
    responses=REFUSED,  # type: ignore[arg-type]
)
async def import_agencies(
    session: SessionDep,
    principal: ApiPrincipal,
    file: Annotated[UploadFile, File()],
    partial: bool = False,
) -> ImportResult:
    """Agencies with their QCVN 102 codes: all or nothing, or (``partial``) the valid rows only."""
    return await _import(imports.import_agencies, session, principal, file, partial)


@router.get("/agencies", response_model=AgencyPage, summary="Danh sách cơ quan", tags=["agencies"])
def list_agencies(
    session: SessionDep,
    principal: ApiPrincipal,
    unit_id: Id | None = None,
    parent_id: Id | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Offset = 0,
) -> AgencyPage:
    """Agencies in the caller's scope."""
    total, items = service.list_agencies(
        session,
        principal=principal,
        unit_id=unit_id,
        parent_id=parent_id,
        query=q,
        limit=limit,
        offset=offset,
    )
    return AgencyPage(total=total, items=[AgencyPublic.model_validate(a) for a in items])


@router.get(
    "/agencies/{agency_id}", response_model=AgencyPublic, summary="Một cơ quan", tags=["agencies"]
)
def get_agency(agency_id: Id, session: SessionDep, principal: ApiPrincipal) -> AgencyPublic:
    """One agency."""
    return AgencyPublic.model_validate(
        service.get_agency(session, principal=principal, agency_id=agency_id)
    )


def _agency_input(body: AgencyCreate | AgencyUpdate) -> changes.AgencyInput:
    return changes.AgencyInput(body.code, body.name, body.kind, body.unit_id, body.parent_id)


@router.post(
    "/agencies",
    response_model=AgencyPublic,
    status_code=201,
    summary="Thêm cơ quan",
    tags=["agencies"],
)
def create_agency(body: AgencyCreate, session: SessionDep, principal: ApiPrincipal) -> AgencyPublic:
    """A new agency with a valid QCVN 102 code, in the caller's scope."""
    agency = changes.create_agency(session, principal=principal, data=_agency_input(body))
    return AgencyPublic.model_validate(agency)


@router.put(
    "/agencies/{agency_id}", response_model=AgencyPublic, summary="Sửa cơ quan", tags=["agencies"]
)
def update_agency(
    agency_id: Id, body: AgencyUpdate, session: SessionDep, principal: ApiPrincipal
) -> AgencyPublic:
    """Replace an agency's fields."""
    agency = changes.update_agency(
        session, principal=principal, agency_id=agency_id, data=_agency_input(body)
    )
    return AgencyPublic.model_validate(agency)


@router.delete("/agencies/{agency_id}", status_code=204, summary="Xóa cơ quan", tags=["agencies"])
def delete_agency(agency_id: Id, session: SessionDep, principal: ApiPrincipal) -> Response:
    """Delete an agency with no subordinate agencies."""
    changes.delete_agency(session, principal=principal, agency_id=agency_id)
    return Response(status_code=204)
