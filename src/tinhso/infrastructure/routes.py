"""JSON API of the infrastructure registers: imports, coverage and white spots as of a date."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from tinhso.errors import InvalidInput
from tinhso.infrastructure import imports, service
from tinhso.web.deps import ApiPrincipal, SessionDep

router = APIRouter(prefix="/api/v1", tags=["infrastructure"])
MAX_UPLOAD = 20 * 1024 * 1024
REFUSED = {
    422: {
        "description": "Tệp bị từ chối, không ghi dòng nào: vấn đề RFC 9457 "
        "(`application/problem+json`) với danh sách `errors` nêu dòng, cột và lý do",
        "content": {"application/problem+json": {}},
    }
}
AsOf = Annotated[date | None, Query(description="ngày (mặc định: hôm nay), dạng 2025-12-31")]
UnitCode = Annotated[
    str | None, Query(description="mã tỉnh hoặc mã xã (mặc định: tỉnh của người gọi)")
]


@router.get(
    "/infrastructure/coverage",
    summary="Hạ tầng số của tỉnh (theo xã) hoặc của xã (theo thôn) tại một ngày",
)
def coverage(
    session: SessionDep, principal: ApiPrincipal, unit: UnitCode = None, as_of: AsOf = None
) -> Any:
    """Counts of villages with electricity, mobile coverage, mobile broadband, fibre, and
    households with fibre, with a line per commune (province) or per village (commune)."""
    return service.coverage(session, principal=principal, unit_code=unit, as_of=as_of)


@router.get(
    "/infrastructure/white-spots", summary="Thôn chưa có điện, sóng di động, cáp quang tại một ngày"
)
def white_spots(
    session: SessionDep,
    principal: ApiPrincipal,
    unit: UnitCode = None,
    as_of: AsOf = None,
    kind: Annotated[
        str | None, Query(description="một loại: " + ", ".join(service.SPOT_KINDS))
    ] = None,
) -> Any:
    """The villages in each kind of white spot (vùng trắng, vùng lõm …) and their counts."""
    return service.white_spots(session, principal=principal, unit_code=unit, as_of=as_of, kind=kind)


@router.post(
    "/infrastructure/imports",
    summary="Nhập tệp số liệu phủ sóng của một doanh nghiệp (CSV/XLSX)",
    responses=REFUSED,  # type: ignore[arg-type]
)
async def import_coverage(
    session: SessionDep,
    principal: ApiPrincipal,
    file: Annotated[UploadFile, File()],
    operator: Annotated[str, Form(description="Viettel, VNPT, MobiFone… hoặc dia_phuong")],
    as_of: Annotated[date | None, Form(description="ngày số liệu của tệp")] = None,
) -> Any:
    """All or nothing: a refused file is a 422 problem naming each row, field and reason."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(f"tệp lớn hơn {MAX_UPLOAD // 1024 // 1024} MB")
    report = await run_in_threadpool(
        imports.import_file,
        session,
        principal=principal,
        operator=operator,
        data=data,
        filename=file.filename or "upload.csv",
        as_of=as_of,
    )
    return report.as_dict()
