"""Pages of indicators: one unit's index tree with points, ranks, change and targets."""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tinhso.accounts.scope import Principal
from tinhso.errors import AppError
from tinhso.fmt import local_today
from tinhso.indicators import explain, service
from tinhso.indicators.models import CompositeIndex
from tinhso.indicators.spec import list_indices
from tinhso.services.periods import parse_period
from tinhso.web.deps import LakeDep, PageUser, SessionDep, SettingsDep
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)


PERIOD_CODES = {
    "yearly": lambda y: [str(y)],
    "six_monthly": lambda y: [f"{y}-H{h}" for h in (2, 1)],
    "quarterly": lambda y: [f"{y}-Q{q}" for q in (4, 3, 2, 1)],
    "monthly": lambda y: [f"{y}-{m:02d}" for m in range(12, 0, -1)],
}


def _period_choices(period_type: str, today: date) -> tuple[list[tuple[str, str]], str]:
    """Return the periods an index of this type is assessed on, newest first, and the one to
    open on (the latest that has ended: an index is published once its period is over). A
    yearly index offers years only (no quarters or halves, which can never have its figures),
    none that has not begun; the one in progress says so."""
    codes = [c for y in range(today.year, today.year - 3, -1) for c in PERIOD_CODES[period_type](y)]
    periods = [p for p in (parse_period(c) for c in codes) if p.first <= today]
    choices = [(p.code, p.label + (" (đang diễn ra)" if p.last >= today else "")) for p in periods]
    ended = [p.code for p in periods if p.last < today]
    return choices, ended[0] if ended else choices[0][0]


KINDS = {"yearly": "year", "six_monthly": "half", "quarterly": "quarter", "monthly": "month"}
TYPE_WORDS = {"yearly": "năm", "six_monthly": "6 tháng", "quarterly": "quý", "monthly": "tháng"}


def _period_of(
    code: str,
    period_type: str,
    choices: list[tuple[str, str]],
    default: str,
    ctx: dict[str, object],
) -> str:
    """Return the period to show: the one asked for if the index is assessed on periods of its
    kind (an older one is added to the choices), else the default with a note saying why."""
    if not code:
        return default
    try:
        p = parse_period(code)
    except AppError:
        p = None
    if p is None or p.kind != KINDS[period_type]:
        ctx["notice"] = (
            f"Bộ chỉ số đánh giá theo {TYPE_WORDS[period_type]}: không có số liệu cho kỳ "
            f"'{code}'; trang mở kỳ gần nhất đã kết thúc."
        )
        return default
    if p.code not in {c for c, _ in choices}:
        choices.append((p.code, p.label))
    return p.code


def _default_index(indices: list[CompositeIndex], principal: Principal) -> CompositeIndex:
    """Return the index of the caller's own level: the communes' for a commune officer, the
    province's for everyone else (the province, its agencies, the whole installation)."""
    # A path of one id ("/12/") is a province; a commune's path is longer.
    paths = principal.unit_paths
    communal = not principal.is_global and paths and all(p.count("/") > 2 for p in paths)
    wanted = "commune" if communal else "province"
    return next((i for i in indices if i.level == wanted), indices[0])


@router.get("/indicators")
def indicators_page(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    settings: SettingsDep,
    index: str = "",
    period: str = "",
    unit: str = "",
) -> Response:
    """A unit's index: the tree of groups and indicators, ranks among siblings, targets."""
    principal = current[0]
    indices = list_indices(session)
    ctx: dict[str, object] = {
        "indices": indices,
        "periods": [],
        "data": None,
        "index_code": index,
        "period_code": period,
        "unit_code": unit,
    }
    if indices:
        chosen = next((i for i in indices if i.code == index), None) or _default_index(
            indices, principal
        )
        periods, default = _period_choices(chosen.period_type, local_today())
        period = _period_of(period, chosen.period_type, periods, default, ctx)
        ctx.update(index_code=chosen.code, periods=periods, period_code=period)
        try:
            data = service.page(
                session,
                lake,
                principal=principal,
                index=chosen.code,
                period=period,
                unit_code=unit or None,
                home=settings.province_code,
            )
        except AppError as exc:
            if exc.status == 404 and unit:
                raise
            ctx["error"] = exc.detail
        else:
            ctx["data"] = data
            main = [n for n in data["unit"]["nodes"] if n["depth"] == 1]
            ctx["chart_json"] = json.dumps(
                [{"name": n["name"], "points": n["points"], "max": n["max_points"]} for n in main],
                ensure_ascii=False,
            )
    return render(request, "indicators/unit.html", ctx)


@router.get("/indicators/explain")
def explain_page(
    request: Request,
    session: SessionDep,
    current: PageUser,
    lake: LakeDep,
    index: str,
    period: str,
    unit: str,
    node: str,
) -> Response:
    """What is behind one value of the DTI page: the reports and their values, or the 766
    figures and their dossiers."""
    data = explain.explain(
        session, lake, principal=current[0], index=index, period=period, unit_code=unit, node=node
    )
    return render(request, "indicators/explain.html", {"x": data})
