"""Pages of public services: the 766 index, rankings, late dossiers, trends; dossier upload."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tinhso.accounts.scope import ROLE_LABELS, Principal
from tinhso.errors import AppError, Forbidden
from tinhso.fmt import local_today
from tinhso.services import index as idx
from tinhso.services import qd766, service
from tinhso.services.fields import STATUS_LABELS
from tinhso.services.periods import parse_period
from tinhso.web.deps import CatalogDep, LakeDep, PageUser, SessionDep, check_form_csrf
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)


def _period_choices(year: int) -> list[tuple[str, str]]:
    out = []
    for y in (year, year - 1):
        out.append((str(y), f"Năm {y}"))
        out += [(f"{y}-Q{q}", f"Quý {['I', 'II', 'III', 'IV'][q - 1]}/{y}") for q in range(1, 5)]
        out += [(f"{y}-{m:02d}", f"Tháng {m}/{y}") for m in range(1, 13)]
    return out


def _default_period() -> str:
    today = local_today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _context(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    catalog: CatalogDep,
    period: str,
    unit: str,
) -> dict[str, object]:
    principal = current[0]
    try:
        p = parse_period(period or _default_period())
    except AppError:
        p = parse_period(_default_period())
    data = idx.index(session, lake, catalog, principal=principal, period=p)
    units = data["units"]
    chosen = None
    if unit:
        chosen = next((u for u in units if u["code"] == unit), None)
        if chosen is None:
            ref = idx.resolve(session, principal, unit, p)
            chosen = idx.unit_json(ref, None, catalog)
    elif units:
        chosen = units[0]
    late: list[dict[str, object]] = []
    trend: list[dict[str, object]] = []
    if chosen is not None:
        late = qd766.late_dossiers(lake, catalog, p, chosen["kind"], chosen["id"], limit=20)
        ref = idx.UnitRef(chosen["kind"], chosen["id"], chosen["code"], chosen["name"])
        trend = idx.trend(session, lake, catalog, principal=principal, ref=ref, year=p.first.year)
    return {
        "period": p,
        "periods": _period_choices(max(local_today().year, p.first.year)),
        "unit": chosen,
        "catalog": catalog,
        "agencies": [u for u in units if u["kind"] == "agency"],
        "communes": [u for u in units if u["kind"] == "commune"],
        "provinces": [u for u in units if u["kind"] == "province"],
        "late": late,
        "status_labels": STATUS_LABELS,
        "trend_json": json.dumps(trend, ensure_ascii=False),
    }


@router.get("/services")
def services_page(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    catalog: CatalogDep,
    period: str = "",
    unit: str = "",
) -> Response:
    """The public-services page: the 766 index of a unit, rankings, late dossiers, trend."""
    ctx = _context(request, session, current, lake, catalog, period, unit)
    template = (
        "services/_panel.html" if request.headers.get("hx-request") else "services/index.html"
    )
    return render(request, template, ctx)


def _may_upload(principal: Principal) -> None:
    """Refuse the upload page to a caller with nowhere to send dossiers (before any file)."""
    if not principal.can_upload("dossiers"):
        raise Forbidden(
            f"vai trò {ROLE_LABELS.get(principal.role, principal.role)} không nhập hồ sơ: "
            "chỉ cán bộ nghiệp vụ, quản trị và hệ thống kết nối của cơ quan, đơn vị nhập hồ sơ"
        )


@router.get("/services/upload")
def upload_form(request: Request, current: PageUser) -> Response:
    """The dossier upload page for those who send an agency's or unit's dossiers."""
    _may_upload(current[0])
    return render(request, "services/upload.html", {"report": None})


@router.post("/services/upload")
async def upload(
    request: Request,
    session: SessionDep,
    current: PageUser,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
    all_or_nothing: Annotated[bool, Form()] = False,
) -> Response:
    """Check and write an uploaded dossier file; show what was accepted and refused."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    _may_upload(principal)
    filename = Path(file.filename or "tep.csv").name
    try:
        with tempfile.TemporaryDirectory(prefix="tinhso-upload-") as tmp:
            path = Path(tmp) / filename
            with path.open("wb") as out:
                while chunk := await file.read(1 << 20):
                    out.write(chunk)
            rep = await run_in_threadpool(
                service.ingest_file,
                session,
                principal=principal,
                path=path,
                filename=filename,
                source="upload",
                all_or_nothing=all_or_nothing,
            )
    except AppError as exc:
        session.rollback()
        return render(
            request,
            "services/upload.html",
            {"report": None, "error": exc.detail, "errors": exc.errors, "filename": filename},
            status_code=exc.status,
        )
    if not rep.committed:
        session.rollback()
    status = 200 if rep.committed and (rep.accepted or not rep.refused_rows) else 422
    return render(
        request, "services/upload.html", {"report": rep, "filename": filename}, status_code=status
    )
