"""Pages of public services: the 766 index, rankings, late dossiers, trends; dossier upload."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import func, select

from tinhso.accounts import service as accounts
from tinhso.accounts.scope import ROLE_LABELS, Principal
from tinhso.errors import AppError, Forbidden
from tinhso.fmt import LOCAL_TZ, local_today
from tinhso.services import index as idx
from tinhso.services import qd766, service
from tinhso.services.dossiers import dossier_detail
from tinhso.services.export import rows_to_xlsx
from tinhso.services.fields import STATUS_LABELS
from tinhso.services.models import Dossier
from tinhso.services.periods import Period, parse_period
from tinhso.web.conditional import entity_tag, not_modified
from tinhso.web.deps import CatalogDep, LakeDep, PageUser, SessionDep, check_form_csrf
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)


LATE_SHOWN = 20
ONGOING = "đang diễn ra"


def _period_choices(year: int) -> list[tuple[str, str]]:
    """Return the periods of this year and the last, without those not begun yet; a period
    still running says so."""
    today = local_today()
    out = []
    for y in (year, year - 1):
        codes = (
            [str(y)] + [f"{y}-Q{q}" for q in range(1, 5)] + [f"{y}-{m:02d}" for m in range(1, 13)]
        )
        for code in codes:
            p = parse_period(code)
            if p.first > today:
                continue
            out.append((code, f"{p.label} ({ONGOING})" if p.last >= today else p.label))
    return out


def _ongoing(p: Period) -> bool:
    """Return True while the period has not ended: its figures cover only the days so far."""
    return p.last >= local_today() >= p.first


def _trend_marks(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the trend's months with their title, the running one marked, later ones empty."""
    today = local_today()
    out = []
    for item in trend:
        p = parse_period(str(item["period"]))
        mark = {**item, "title": p.label, "ongoing": p.first <= today <= p.last}
        if p.first > today:  # not begun: nothing to show, not a zero
            mark.update(score=None, on_time=None)
        out.append(mark)
    return out


def panel_tag(
    session: SessionDep, current: PageUser, catalog: CatalogDep, period: str, unit: str
) -> str:
    """Return the ETag of the 766 panel: it changes when a dossier or what the caller may see
    changes (the dossiers' change number, the audit log's head), with the hour (a dossier still
    open becomes late as time passes), the catalog and the templates."""
    principal = current[0]
    seq = session.scalar(select(func.max(Dossier.seq))) or 0
    _db, head = accounts.scope_version(session)
    hour = datetime.now(LOCAL_TZ).strftime("%Y-%m-%dT%H")
    return entity_tag(
        "qd766-panel",
        seq,
        head,
        hour,
        principal.user_id,
        principal.role,
        catalog.version,
        period,
        unit,
    )


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
        late = qd766.late_dossiers(lake, catalog, p, chosen["kind"], chosen["id"], limit=LATE_SHOWN)
        ref = idx.UnitRef(chosen["kind"], chosen["id"], chosen["code"], chosen["name"])
        trend = idx.trend(session, lake, catalog, principal=principal, ref=ref, year=p.first.year)
    trend = _trend_marks(trend)
    return {
        "period": p,
        "ongoing": _ongoing(p),
        "today": local_today(),
        "late_total": int(str(late[0]["total"])) if late else 0,
        "trend_ongoing": next((t for t in trend if t["ongoing"]), None),
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
    """The public-services page: the 766 index of a unit, rankings, late dossiers, trend.

    The panel refreshes itself every 5 s; each refresh carries the ETag it was given, and is
    answered "304 Not Modified" (no body) while nothing it shows has changed."""
    partial = bool(request.headers.get("hx-request"))
    if partial:
        # The panel's own URL names its period and unit, as the page that set it up resolved them.
        tag = panel_tag(session, current, catalog, period, unit)
        if (unchanged := not_modified(request, tag)) is not None:
            return unchanged
    ctx = _context(request, session, current, lake, catalog, period, unit)
    if not partial:
        chosen, shown = ctx["unit"], ctx["period"]
        assert isinstance(shown, Period)
        code = str(chosen["code"]) if isinstance(chosen, dict) else ""
        tag = panel_tag(session, current, catalog, shown.code, code)
    ctx["panel_etag"] = tag
    response = render(request, "services/_panel.html" if partial else "services/index.html", ctx)
    if partial:
        response.headers["ETag"] = tag
    return response


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


LATE_COLUMNS = (
    ("code", "Mã hồ sơ"),
    ("procedure_code", "Mã thủ tục"),
    ("procedure_name", "Tên thủ tục"),
    ("agency_name", "Cơ quan"),
    ("status", "Trạng thái"),
    ("received_at", "Tiếp nhận"),
    ("due_at", "Hạn"),
    ("end_at", "Kết thúc"),
    ("days_late", "Số ngày làm việc trễ"),
    ("supplement_count", "Số lần bổ sung"),
)


@router.get("/services/late.xlsx")
def late_workbook(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    catalog: CatalogDep,
    period: str,
    unit: str,
) -> Response:
    """Every late dossier of a unit in a period, as a workbook for people."""
    p = parse_period(period)
    ref = idx.resolve(session, current[0], unit, p)
    late = qd766.late_dossiers(lake, catalog, p, ref.kind, ref.id, limit=qd766.EXPLAIN_LIMIT)
    rows = [{label: d[key] for key, label in LATE_COLUMNS} for d in late]
    data = rows_to_xlsx(f"Hồ sơ trễ hạn — {ref.name} — {p.label}", rows)
    filename = f"ho-so-tre-han_{ref.code}_{p.code}.xlsx"
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/dossiers/{code}")
def dossier_page(
    request: Request, session: SessionDep, current: PageUser, lake: LakeDep, code: str
) -> Response:
    """One dossier: its procedure, agency, commune, times and events (within the caller's scope)."""
    detail = dossier_detail(session, lake, principal=current[0], code=code)
    return render(request, "services/dossier.html", detail)
