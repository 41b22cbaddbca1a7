"""The operations centre's pages: the overview every user lands on after signing in."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from sse_starlette.sse import EventSourceResponse

from tinhso import tiles
from tinhso.accounts import service as accounts
from tinhso.accounts.scope import Principal
from tinhso.config import Settings
from tinhso.db import Id
from tinhso.errors import AppError, FieldError, InvalidInput
from tinhso.fmt import local_today
from tinhso.ioc import alerts, boundaries, live, public, ranks
from tinhso.ioc import service as ioc
from tinhso.ioc.models import ALERT_STATES, EVENT_KINDS
from tinhso.lake import Lake
from tinhso.reporting.completeness import reminders
from tinhso.services.periods import Period, parse_period
from tinhso.tasks.service import due_soon
from tinhso.web.conditional import entity_tag, not_modified
from tinhso.web.deps import LakeDep, PageUser, SessionDep, SettingsDep, check_form_csrf
from tinhso.web.templating import render
from tinhso.workdays import WorkCalendar

router = APIRouter(include_in_schema=False)


@router.get("/")
def overview_page(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    settings: SettingsDep,
    period: str = "",
    unit: str = "",
    agency: str = "",
    rank: str = "",
    layer: str = "",
) -> Response:
    """The overview: the caller's reminders, then the headline tiles of its province, commune
    or agency for the period with trend, target and status, and the rankings."""
    principal = current[0]
    owed, followed = reminders(session, principal=principal)
    days = settings.task_reminder_days
    ctx: dict[str, object] = {
        "reminders": owed,
        "report_summaries": followed,
        "login_alerts": accounts.login_alerts(session, principal=principal),
        "tasks_due": due_soon(
            session, principal=principal, calendar=WorkCalendar.default(), within=days
        ),
        "task_reminder_days": days,
        "periods": ioc.period_choices(),
        "asked_unit": bool(unit.strip()),
        "asked_agency": bool(agency.strip()),
    }
    today = local_today()
    try:
        selected, who = ioc.resolve(
            session,
            principal,
            period=period,
            unit=unit,
            agency=agency,
            province_code=settings.province_code,
        )
    except AppError as exc:
        ctx.update(error=exc.detail, views=[], who=None, period=None)
        return render(request, "ioc/error.html", ctx, status_code=exc.status)
    ctx.update(_live(session, lake, principal, settings, who, selected, today))
    ctx["live_query"] = urlencode(
        {k: v for k, v in (("period", selected.code), ("unit", unit), ("agency", agency)) if v}
    )
    ranked = ("commune", "agency") if who.kind == "province" else ("commune",)
    choices = [t for t in tiles.all_tiles().values() if any(k in t.levels for k in ranked)]
    rank_tile = next((t for t in choices if t.code == rank), choices[0] if choices else None)
    rankings = []
    if rank_tile is not None and who.kind in ("province", "commune"):
        for kind in ("commune", "agency") if who.kind == "province" else ("commune",):
            r = ioc.ranking(session, lake, principal, rank_tile, who, selected, kind, today=today)
            if r is not None and (r.best or r.subject_rank or r.count < 2):
                rankings.append(r)
    province_row = ioc.province_of(session, who)
    ctx["standing"] = (
        ranks.standing(session, province_code=province_row.code) if province_row is not None else []
    )
    ctx["province_name"] = province_row.name if province_row is not None else ""
    maps = [t for t in tiles.all_tiles().values() if t.map and "commune" in t.levels]
    map_tile = next((t for t in maps if t.code == layer), maps[0] if maps else None)
    drawn, schematic = (0, False)
    province = ioc.province_of(session, who)
    if who.kind == "province" and province is not None and map_tile is not None:
        drawn, schematic = boundaries.coverage(session, province=province)
    ctx.update(
        map_choices=maps if drawn else [],
        map_tile=map_tile if drawn else None,
        map_schematic=schematic,
        map_period=ioc.shown_period(map_tile, selected, today) if map_tile else None,
        period=selected,
        rank_choices=choices if rankings else [],
        rank_tile=rank_tile,
        rankings=rankings,
    )
    return render(request, "ioc/overview.html", ctx)


def _live(
    session: Session,
    lake: Lake,
    principal: Principal,
    settings: Settings,
    who: ioc.Subject,
    selected: Period,
    today: date,
) -> dict[str, object]:
    """Return what the live part of the overview shows: the tiles and the subject's alerts."""
    version = ioc.data_version(lake, today)
    alerts.maybe_evaluate(lake, province_code=settings.province_code, version=version)
    views = ioc.overview(session, lake, principal, who, selected, today=today)
    held = alerts.visible(session, principal)
    if who.kind != "province":
        held = [a for a in held if a.org == who.org]
    return {
        "views": views,
        "alerts": held[:10],
        "alerts_total": len(held),
        "who": who,
        "drawn": live.token(version),
    }


@router.get("/ioc/live")
def live_part(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    settings: SettingsDep,
    period: str = "",
    unit: str = "",
    agency: str = "",
    wall: str = "",
) -> Response:
    """The tiles and alerts of the overview again, for an open page told that data changed."""
    principal = current[0]
    today = local_today()
    try:
        selected, who = ioc.resolve(
            session,
            principal,
            period=period,
            unit=unit,
            agency=agency,
            province_code=settings.province_code,
        )
    except AppError as exc:
        return Response(exc.detail, status_code=exc.status, media_type="text/plain; charset=utf-8")
    ctx = _live(session, lake, principal, settings, who, selected, today)
    return render(request, "ioc/wall_live.html" if wall else "ioc/live.html", ctx)


@router.get("/ioc/events")
async def events(
    request: Request, current: PageUser, lake: LakeDep, settings: SettingsDep, v: str = ""
) -> Response:
    """Server-sent events: ``changed`` each time the domains' data moves (at most
    ``MAX_PER_USER`` open streams a user: another is refused with 429)."""
    state = request.app.state
    watcher = getattr(state, "ioc_watcher", None)
    if watcher is None:
        watcher = state.ioc_watcher = live.Watcher(lake, settings.province_code, state.closing)
    watcher.start()
    user = current[2].id
    if not watcher.enter(user):
        return Response(
            f"đã mở {live.MAX_PER_USER} trang theo dõi trực tiếp: đóng bớt một trang",
            status_code=429,
            media_type="text/plain; charset=utf-8",
        )
    return EventSourceResponse(live.stream(watcher, request, user, v[:16]), ping=live.PING)


@router.get("/alerts")
def alerts_page(
    request: Request, session: SessionDep, current: PageUser, state: str = ""
) -> Response:
    """The alerts of the caller's units and agencies: those that still hold, or of a state."""
    rules_error: AppError | None = None
    try:
        alerts.read_rules()
    except AppError as exc:  # said here: the overview keeps the alerts as they were
        rules_error = exc
    try:
        rows = alerts.visible(session, current[0], state=state)
    except AppError as exc:
        return render(
            request,
            "ioc/alerts.html",
            {"rows": [], "state": "", "error": exc.detail},
            status_code=exc.status,
        )
    return render(
        request,
        "ioc/alerts.html",
        {"rows": rows, "state": state, "states": ALERT_STATES, "rules_error": rules_error},
    )


@router.get("/alerts/{alert_id}")
def alert_page(
    request: Request, session: SessionDep, current: PageUser, alert_id: Id, done: str = ""
) -> Response:
    """One alert: what it says, where it leads, its history, and the form to take it in hand."""
    try:
        row = alerts.get(session, current[0], alert_id)
    except AppError as exc:
        return render(
            request, "ioc/alert.html", {"alert": None, "error": exc.detail}, status_code=exc.status
        )
    return render(
        request,
        "ioc/alert.html",
        {"alert": row, "steps": alerts.history(session, row), "done": done, "labels": EVENT_KINDS},
    )


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_form(
    request: Request,
    session: SessionDep,
    current: PageUser,
    alert_id: Id,
    comment: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Take an alert in hand with a comment; a refusal is named on the alert's page."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    try:
        alerts.acknowledge(session, principal, alert_id, comment)
    except AppError as exc:
        row = None
        with contextlib.suppress(AppError):
            row = alerts.get(session, principal, alert_id)
        ctx = {
            "alert": row,
            "steps": alerts.history(session, row) if row else [],
            "error": exc.detail,
            "comment": comment,
            "labels": EVENT_KINDS,
        }
        return render(request, "ioc/alert.html", ctx, status_code=exc.status)
    return RedirectResponse(f"/alerts/{alert_id}?done=1", status_code=303)


@router.get("/cong-khai")
def public_page(
    request: Request,
    session: SessionDep,
    lake: LakeDep,
    settings: SettingsDep,
    period: str = "",
) -> Response:
    """The figures the province publishes, without signing in; 304 while they hold."""
    try:
        selected = parse_period(period) if period else public.last_complete()
        if selected.code not in {p.code for p in public.choices()}:
            raise InvalidInput(
                f"trang công khai đăng các kỳ đã kết thúc của năm nay và năm trước, không có kỳ "
                f"'{selected.code}'",
                [FieldError("period", "chọn một kỳ trong danh sách", value=selected.code)],
            )
        version = ioc.data_version(lake)
        tag = entity_tag("cong-khai", selected.code, live.token(version))
        unchanged = not_modified(request, tag)
        if unchanged is not None:
            return unchanged
        who, views = public.figures(
            session, lake, province_code=settings.province_code, period=selected
        )
    except AppError as exc:
        return render(
            request,
            "ioc/public.html",
            {"error": exc.detail, "views": [], "periods": public.choices()},
            status_code=exc.status,
        )
    response = render(
        request,
        "ioc/public.html",
        {
            "who": who,
            "views": views,
            "period": selected,
            "periods": public.choices(),
            "title": public.read_public().title,
        },
    )
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@router.get("/ioc/wall")
def wall_page(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    settings: SettingsDep,
    unit: str = "",
    seconds: Annotated[int, Query(ge=8, le=300)] = 20,
) -> Response:
    """The operations room's large screen: dark, large type, rotating between the tiles, the
    map, the rankings and the alerts every ``seconds``, kept live by the event stream; nothing
    to click. It reloads itself every six hours (wall.js: whatever a browser keeps, it starts afresh)."""
    principal = current[0]
    today = local_today()
    try:
        selected, who = ioc.resolve(
            session, principal, period="", unit=unit, province_code=settings.province_code
        )
    except AppError as exc:
        ctx0: dict[str, object] = {"error": exc.detail, "views": [], "who": None, "period": None}
        return render(request, "ioc/error.html", ctx0, status_code=exc.status)
    ctx: dict[str, object] = dict(_live(session, lake, principal, settings, who, selected, today))
    ctx["live_query"] = urlencode(
        {k: v for k, v in (("period", selected.code), ("unit", unit), ("wall", "1")) if v}
    )
    ctx["period"] = selected
    ctx["seconds"] = seconds
    rank_tile = next(
        (t for t in tiles.all_tiles().values() if "commune" in t.levels and t.map), None
    )
    ctx["rankings"] = (
        [
            r
            for r in [
                ioc.ranking(
                    session, lake, principal, rank_tile, who, selected, "commune", today=today
                )
            ]
            if r is not None and r.best
        ]
        if rank_tile is not None and who.kind == "province"
        else []
    )
    province = ioc.province_of(session, who)
    drawn = (
        boundaries.coverage(session, province=province)[0]
        if province is not None and who.kind == "province"
        else 0
    )
    ctx["map_tile"] = rank_tile if drawn else None
    ctx["map_period"] = ioc.shown_period(rank_tile, selected, today) if rank_tile else None
    return render(request, "ioc/wall.html", ctx)
