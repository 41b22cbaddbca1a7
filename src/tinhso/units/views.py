"""Pages of the register: the unit browser, a unit's page, village import."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tinhso.accounts.scope import ROLE_LABELS, Principal
from tinhso.db import Id
from tinhso.errors import AppError, Forbidden
from tinhso.fmt import local_today
from tinhso.units import imports, service
from tinhso.units.routes import read_upload
from tinhso.web.deps import PageUser, SessionDep, check_form_csrf
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)


def _parse_day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else local_today()
    except ValueError:
        return local_today()


@router.get("/units")
def browse(
    request: Request,
    session: SessionDep,
    current: PageUser,
    q: str = "",
    as_of: str = "",
) -> Response:
    """The register: top-level units valid on a date, or the search results for ``q``."""
    principal = current[0]
    day = _parse_day(as_of)
    if q.strip():
        total, units = service.list_units(
            session, principal=principal, query=q, as_of=day, limit=200
        )
    else:
        roots = [u for u in service.list_units(session, principal=principal, as_of=day)[1]]
        ids = {u.id for u in roots}
        units = [u for u in roots if u.parent_id is None or u.parent_id not in ids]
        total = len(units)
    context = {"units": units, "total": total, "q": q, "as_of": day}
    if request.headers.get("hx-request"):
        return render(request, "units/_results.html", context)
    return render(request, "units/index.html", context)


@router.get("/units/{unit_id}/tree")
def unit_tree(
    request: Request, unit_id: Id, session: SessionDep, current: PageUser, as_of: str = ""
) -> Response:
    """The children of a unit, as a branch of the tree (loaded when the branch opens)."""
    principal = current[0]
    day = _parse_day(as_of)
    unit = service.get_unit(session, principal=principal, unit_id=unit_id)
    kids = service.children(session, principal=principal, unit=unit, as_of=day)
    return render(request, "units/_tree.html", {"units": kids, "as_of": day})


@router.get("/units/{unit_id}")
def unit_page(request: Request, unit_id: Id, session: SessionDep, current: PageUser) -> Response:
    """A unit: where it sits, what lies below, its agencies and its lineage across 2025."""
    principal = current[0]
    unit = service.get_unit(session, principal=principal, unit_id=unit_id)
    context = {
        "unit": unit,
        "ancestors": service.ancestors(session, principal=principal, unit=unit),
        "children": service.children(session, principal=principal, unit=unit),
        "agencies": service.agencies_of(session, principal=principal, unit=unit),
        "predecessors": service.predecessors(session, principal=principal, unit=unit, hidden=True),
        "successors": service.successors(session, principal=principal, unit=unit, hidden=True),
        "totals": service.count_below(session, unit=unit),
        "can_write": principal.can("units.write") and principal.covers_unit_path(unit.path),
    }
    return render(request, "units/unit.html", context)


def _may_import(principal: Principal) -> None:
    """Refuse the village upload to a caller with no unit to change (before any file)."""
    if not principal.can_upload("villages"):
        raise Forbidden(
            f"vai trò {ROLE_LABELS.get(principal.role, principal.role)} không nhập thôn, bản: "
            "chỉ cán bộ nghiệp vụ của xã, phường, tỉnh và quản trị nhập danh sách thôn, bản"
        )


@router.get("/units-import")
def import_form(request: Request, current: PageUser) -> Response:
    """The village upload page, for those who may change a unit."""
    _may_import(current[0])
    return render(request, "units/import.html", {"report": None})


@router.post("/units-import")
async def import_upload(
    request: Request,
    session: SessionDep,
    current: PageUser,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
    partial: Annotated[bool, Form()] = False,
) -> Response:
    """Import villages from the uploaded file and show what was accepted and refused."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    _may_import(principal)
    try:
        data = await read_upload(file)
        report = await run_in_threadpool(
            imports.import_villages,
            session,
            principal=principal,
            data=data,
            filename=file.filename or "tep.csv",
            partial=partial,
        )
    except imports.ImportRefused as exc:
        session.rollback()
        return render(
            request,
            "units/import.html",
            {"report": exc.report, "filename": file.filename},
            status_code=exc.status,
        )
    except AppError as exc:
        session.rollback()
        return render(
            request,
            "units/import.html",
            {"report": None, "error": exc.detail, "errors": exc.errors, "filename": file.filename},
            status_code=exc.status,
        )
    return render(request, "units/import.html", {"report": report, "filename": file.filename})
