"""JSON API of the infrastructure registers: imports, coverage and white spots as of a date."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from tinhso.errors import InvalidInput
from tinhso.infrastructure import courses, imports, registers, service
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


async def _read(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(f"tệp lớn hơn {MAX_UPLOAD // 1024 // 1024} MB")
    return data


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
    data = await _read(file)
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


@router.get(
    "/infrastructure/teams",
    summary="Tổ công nghệ số cộng đồng, tổ chỉ đạo: đã thành lập / phải thành lập",
)
def teams(
    session: SessionDep, principal: ApiPrincipal, unit: UnitCode = None, as_of: AsOf = None
) -> Any:
    """Teams per level on a day, with their members (phone numbers only for admins and
    officers of the area)."""
    return registers.teams(session, principal=principal, unit_code=unit, as_of=as_of)


@router.get("/infrastructure/training", summary="Lớp tập huấn, bồi dưỡng và số người tham gia")
def training(
    session: SessionDep,
    principal: ApiPrincipal,
    date_from: Annotated[date, Query(alias="from", description="từ ngày")],
    date_to: Annotated[date, Query(alias="to", description="đến ngày")],
    unit: UnitCode = None,
) -> Any:
    """The courses of the area (held in it, or attended by its people) that ended between
    ``from`` and ``to``, with its people counted."""
    if date_to < date_from:
        raise InvalidInput("ngày kết thúc trước ngày bắt đầu")
    return courses.training(
        session, principal=principal, unit_code=unit, first=date_from, last=date_to
    )


@router.get(
    "/infrastructure/sites", summary="Trạm BTS, điểm Wi-Fi công cộng đang hoạt động tại một ngày"
)
def sites(
    session: SessionDep, principal: ApiPrincipal, unit: UnitCode = None, as_of: AsOf = None
) -> Any:
    """Sites in service on a day, counted per kind, technology and operator."""
    return registers.sites(session, principal=principal, unit_code=unit, as_of=as_of)


@router.get("/infrastructure/it-staff", summary="Cán bộ chuyên trách CNTT, ATTT của các cơ quan")
def it_staff(session: SessionDep, principal: ApiPrincipal, as_of: AsOf = None) -> Any:
    """Each agency the caller may read with its specialised IT and security staff on a day."""
    return registers.it_staff(session, principal=principal, as_of=as_of)


def _register_route(kind: str, importer: Any, label: str) -> None:
    async def route(
        session: SessionDep, principal: ApiPrincipal, file: Annotated[UploadFile, File()]
    ) -> Any:
        data = await _read(file)
        report = await run_in_threadpool(
            importer,
            session,
            principal=principal,
            data=data,
            filename=file.filename or "upload.csv",
        )
        return report.as_dict()

    route.__doc__ = f"Nhập {label}: ghi tất cả hoặc không ghi gì (422 nêu từng dòng)."
    router.add_api_route(
        f"/infrastructure/{kind}:import",
        route,
        methods=["POST"],
        summary=f"Nhập {label} (CSV/XLSX)",
        responses=REFUSED,  # type: ignore[arg-type]
        name=f"import_{kind.replace('-', '_')}",
    )


for _kind, _importer, _label in (
    ("sites", registers.import_sites, "trạm BTS, điểm Wi-Fi công cộng"),
    ("teams", registers.import_teams, "tổ công nghệ số cộng đồng, tổ chỉ đạo"),
    ("members", registers.import_members, "thành viên các tổ"),
    ("courses", courses.import_courses, "lớp tập huấn, bồi dưỡng"),
    ("participants", courses.import_participants, "danh sách người tham gia các lớp"),
    ("it-staff", registers.import_it_staff, "cán bộ chuyên trách CNTT, ATTT của các cơ quan"),
    ("activities", registers.import_activities, "hoạt động của các tổ công nghệ số cộng đồng"),
):
    _register_route(_kind, _importer, _label)
