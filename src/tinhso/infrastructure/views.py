"""Pages of digital infrastructure: coverage of the province or a commune as of a date, white
spots (with their spreadsheet), teams and training, and the operators' file upload."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tinhso.accounts.scope import ROLE_LABELS, Principal
from tinhso.errors import AppError, Forbidden, InvalidInput
from tinhso.fmt import local_today
from tinhso.infrastructure import courses, imports, registers, service, vocab
from tinhso.infrastructure.models import QUALITY_LABELS, TECHNOLOGIES
from tinhso.infrastructure.routes import MAX_UPLOAD
from tinhso.sheets import rows_to_xlsx
from tinhso.web.deps import PageUser, SessionDep, check_form_csrf
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)


def _day(raw: str) -> tuple[date, str | None]:
    """Return the page's date (today when blank or malformed) and what to tell the user."""
    if not raw:
        return local_today(), None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return local_today(), f"ngày '{raw}' không hợp lệ; đang xem số liệu hôm nay"
    if day > local_today():
        return local_today(), "ngày ở tương lai; đang xem số liệu hôm nay"
    return day, None


def _area_code(request: Request, session: Any, principal: Principal, unit: str, day: date) -> str:
    """Return the unit to show (see :func:`_area_or_none`), or refuse a caller with no area."""
    code = _area_or_none(request, session, principal, unit, day)
    if code is None:
        raise Forbidden("tài khoản chưa được giao địa bàn nào để xem hạ tầng số")
    return code


def _area_or_none(
    request: Request, session: Any, principal: Principal, unit: str, day: date
) -> str | None:
    """Return the unit to show: the one asked for, else the caller's own (a commune officer's
    commune, a province's staff's province; for the platform's administrators, the province
    the platform serves, TINHSO_PROVINCE_CODE)."""
    if unit:
        return unit
    try:
        return service.area(session, principal, None, day).code
    except InvalidInput:
        if principal.is_global:
            code: str = request.app.state.settings.province_code
            return code
        mine = service.own_units(session, principal, day)
        return mine[0].code if mine else None


@router.get("/infrastructure")
def coverage_page(
    request: Request, session: SessionDep, current: PageUser, unit: str = "", as_of: str = ""
) -> Response:
    """Coverage of the province (by commune) or of a commune (by village) on a date."""
    principal = current[0]
    day, note = _day(as_of)
    code = _area_code(request, session, principal, unit, day)
    data = service.coverage(session, principal=principal, unit_code=code, as_of=day)
    teams = registers.teams(session, principal=principal, unit_code=code, as_of=day)
    year = date(day.year, 1, 1)
    training = courses.training(session, principal=principal, unit_code=code, first=year, last=day)
    sites = registers.sites(session, principal=principal, unit_code=code, as_of=day)
    context = {
        "today": local_today(),
        "data": data,
        "teams": teams,
        "training": training,
        "sites": sites,
        "as_of": day,
        "note": note,
        "quality": QUALITY_LABELS,
        "technologies": TECHNOLOGIES,
        "can_import": _can_import(principal),
    }
    return render(request, "infrastructure/coverage.html", context)


@router.get("/infrastructure/white-spots")
def white_spots_page(
    request: Request,
    session: SessionDep,
    current: PageUser,
    unit: str = "",
    as_of: str = "",
    kind: str = "",
) -> Response:
    """The villages without electricity, mobile coverage or fibre, by commune, on a date."""
    data, day, note, chosen = _white_spots(request, session, current[0], unit, as_of, kind)
    context = {"data": data, "as_of": day, "note": note, "kind": chosen or ""}
    return render(request, "infrastructure/white_spots.html", context)


def _white_spots(
    request: Request, session: Any, principal: Principal, unit: str, as_of: str, kind: str
) -> tuple[dict[str, Any], date, str | None, str | None]:
    """Return the white spots the page and its spreadsheet show, the date, its note and kind."""
    day, note = _day(as_of)
    code = _area_code(request, session, principal, unit, day)
    chosen = kind if kind in service.SPOT_KINDS else None
    data = service.white_spots(session, principal=principal, unit_code=code, as_of=day, kind=chosen)
    return data, day, note, chosen


def _spot_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    yes = {True: "Có", False: "Không", None: "Chưa có số liệu"}
    rows = []
    for v in data["villages"]:
        best = max((q for q in v["mobile"].values() if q is not None), default=None)
        rows.append(
            {
                "Xã": v["commune"]["name"] if v["commune"] else "",
                "Mã thôn": v["code"],
                "Thôn, bản, tổ dân phố": v["name"],
                "Thuộc loại": "; ".join(service.SPOT_KINDS[k] for k in v["kinds"]),
                "Điện lưới": yes[v["electricity"]],
                "Sóng di động": "Chưa có số liệu" if best is None else QUALITY_LABELS[best],
                "Cáp quang": yes[v["fibre"]],
                "Số hộ": v["households"],
                "Số hộ có cáp quang": v["households_fibre"],
                "Nguồn số liệu": ", ".join(vocab.operator_name(s) for s in v["sources"]),
            }
        )
    return rows


@router.get("/infrastructure/white-spots.xlsx")
def white_spots_xlsx(
    request: Request,
    session: SessionDep,
    current: PageUser,
    unit: str = "",
    as_of: str = "",
    kind: str = "",
) -> Response:
    """The white-spot list as a spreadsheet, the same rows as the page."""
    data, day, _note, chosen = _white_spots(request, session, current[0], unit, as_of, kind)
    what = service.SPOT_KINDS[chosen] if chosen else "Thôn chưa có hạ tầng"
    title = f"{what} — {data['unit']['name']} — ngày {day:%d/%m/%Y}"
    body = rows_to_xlsx(
        title,
        _spot_rows(data),
        "Vùng trắng, vùng lõm",
        widths={"Thuộc loại": 48, "Thôn, bản, tổ dân phố": 30, "Xã": 26},
    )
    filename = f"vung-trang_{data['unit']['code']}_{day.isoformat()}.xlsx"
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _can_import(principal: Principal) -> bool:
    return (principal.can("data.write") or principal.role == "admin") and (
        principal.is_global or bool(principal.unit_paths)
    )


def _may_import(principal: Principal) -> None:
    if not _can_import(principal):
        raise Forbidden(
            f"vai trò {ROLE_LABELS.get(principal.role, principal.role)} không nhập số liệu hạ tầng "
            "số: chỉ cán bộ nghiệp vụ có địa bàn và quản trị nhập tệp của doanh nghiệp"
        )


IMPORT_KINDS = {
    "coverage": "Số liệu phủ sóng, cáp quang, điện lưới của các thôn",
    "sites": "Trạm BTS, điểm Wi-Fi công cộng",
    "teams": "Tổ công nghệ số cộng đồng, tổ chỉ đạo",
    "members": "Thành viên các tổ",
    "activities": "Hoạt động của các tổ",
    "courses": "Lớp tập huấn, bồi dưỡng",
    "participants": "Danh sách người tham gia các lớp",
    "it_staff": "Cán bộ chuyên trách CNTT, ATTT của các cơ quan",
}


def _import_context(**extra: Any) -> dict[str, Any]:
    operators = {code: name for code, (name, _s) in vocab.OPERATORS.items()}
    return {"kinds": IMPORT_KINDS, "operators": operators, "today": local_today(), **extra}


@router.get("/infrastructure/import")
def import_form(request: Request, current: PageUser) -> Response:
    """The upload page for operators' and communes' files."""
    _may_import(current[0])
    return render(request, "infrastructure/import.html", _import_context())


@router.post("/infrastructure/import")
async def import_upload(
    request: Request,
    session: SessionDep,
    current: PageUser,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "coverage",
    operator: Annotated[str, Form()] = "",
    as_of: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Import the uploaded file: all or nothing, each refused row named on the page."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    _may_import(principal)
    shown = {"kind": kind, "operator": operator, "as_of": as_of, "filename": file.filename}
    try:
        data = await file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise InvalidInput(f"tệp lớn hơn {MAX_UPLOAD // 1024 // 1024} MB")
        name = file.filename or "tep.csv"
        if kind == "coverage":
            day = None
            if as_of:
                try:
                    day = date.fromisoformat(as_of)
                except ValueError:
                    raise InvalidInput(f"ngày số liệu '{as_of}' không hợp lệ") from None
            rep: Any = await run_in_threadpool(
                imports.import_file,
                session,
                principal=principal,
                operator=operator,
                data=data,
                filename=name,
                as_of=day,
            )
        elif kind in IMPORT_KINDS:
            importer = {
                "sites": registers.import_sites,
                "teams": registers.import_teams,
                "members": registers.import_members,
                "activities": registers.import_activities,
                "courses": courses.import_courses,
                "participants": courses.import_participants,
                "it_staff": registers.import_it_staff,
            }[kind]
            extra = {"operator": operator or None} if kind == "sites" else {}
            rep = await run_in_threadpool(
                importer, session, principal=principal, data=data, filename=name, **extra
            )
        else:
            raise InvalidInput(f"loại tệp '{kind}' không hợp lệ")
    except AppError as exc:
        await run_in_threadpool(session.rollback)  # a round trip: not on the event loop
        context = _import_context(error=exc.detail, errors=exc.errors, **shown)
        return render(request, "infrastructure/import.html", context, status_code=exc.status)
    return render(
        request, "infrastructure/import.html", _import_context(report=rep.as_dict(), **shown)
    )
