"""Pages of indicators: one unit's index tree with points, ranks, change and targets."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tinhso.errors import AppError
from tinhso.fmt import local_today
from tinhso.indicators import service
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
    ctx: dict[str, object] = {
        "indices": indices,
        "periods": _period_choices(local_today().year),
        "data": None,
        "index_code": index,
        "period_code": period or str(local_today().year),
        "unit_code": unit,
    }
    if indices:
        code = index or indices[0].code
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
