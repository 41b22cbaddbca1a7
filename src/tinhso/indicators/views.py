"""Pages of indicators: one unit's index tree with points, ranks, change and targets."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tinhso.accounts.scope import Principal
from tinhso.errors import AppError
from tinhso.fmt import local_today
from tinhso.indicators import service
from tinhso.indicators.models import CompositeIndex
from tinhso.indicators.spec import list_indices
from tinhso.web.deps import LakeDep, PageUser, SessionDep
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)


def _period_choices(year: int) -> list[tuple[str, str]]:
    out = []
    for y in (year, year - 1, year - 2):
        out.append((str(y), f"Năm {y}"))
        out += [(f"{y}-H{h}", f"6 tháng {'đầu' if h == 1 else 'cuối'} năm {y}") for h in (1, 2)]
        out += [(f"{y}-Q{q}", f"Quý {['I', 'II', 'III', 'IV'][q - 1]}/{y}") for q in range(1, 5)]
    return out


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
    index: str = "",
    period: str = "",
    unit: str = "",
) -> Response:
    """A unit's index: the tree of groups and indicators, ranks among siblings, targets."""
    principal = current[0]
    indices = list_indices(session)
    # An index is published for a year that has ended: the page opens on last year's.
    ctx: dict[str, object] = {
        "indices": indices,
        "periods": _period_choices(local_today().year),
        "data": None,
        "index_code": index,
        "period_code": period or str(local_today().year - 1),
        "unit_code": unit,
    }
    if indices:
        code = index or _default_index(indices, principal).code
        ctx["index_code"] = code
        try:
            data = service.page(
                session,
                lake,
                principal=principal,
                index=code,
                period=str(ctx["period_code"]),
                unit_code=unit or None,
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
