"""The operations centre's pages: the overview every user lands on after signing in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tinhso import tiles
from tinhso.accounts import service as accounts
from tinhso.errors import AppError
from tinhso.fmt import local_today
from tinhso.ioc import boundaries
from tinhso.ioc import service as ioc
from tinhso.reporting.completeness import reminders
from tinhso.services.periods import parse_period
from tinhso.tasks.service import due_soon
from tinhso.web.deps import LakeDep, PageUser, SessionDep, SettingsDep
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
    try:
        selected = parse_period(period or ioc.default_period())
        today = local_today()
        who = ioc.subject(
            session,
            principal,
            unit=unit,
            agency=agency,
            province_code=settings.province_code,
            day=today,
        )
    except AppError as exc:
        ctx.update(error=exc.detail, views=[], who=None, period=None)
        return render(request, "ioc/error.html", ctx, status_code=exc.status)
    views = ioc.overview(session, lake, principal, who, selected, today=today)
    choices = [
        t for t in tiles.all_tiles().values() if "commune" in t.levels or "agency" in t.levels
    ]
    rank_tile = next((t for t in choices if t.code == rank), choices[0] if choices else None)
    rankings = []
    if rank_tile is not None and who.kind in ("province", "commune"):
        for kind in ("commune", "agency"):
            r = ioc.ranking(session, lake, principal, rank_tile, who, selected, kind, today=today)
            if r is not None and (r.best or r.subject_rank or r.count < 2):
                rankings.append(r)
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
        who=who,
        period=selected,
        views=views,
        rank_choices=choices if rankings else [],
        rank_tile=rank_tile,
        rankings=rankings,
    )
    return render(request, "ioc/overview.html", ctx)
