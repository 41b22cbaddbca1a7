"""JSON API of indicators: computed index values per unit and period."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from tinhso.indicators import explain, service
from tinhso.web.answers import answers_of
from tinhso.web.deps import ApiPrincipal, LakeDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["indicators"])


@router.get(
    "/indicators/values",
    summary="Giá trị, điểm, xếp hạng của một bộ chỉ số",
    response_model=None,
)
def indicator_values(
    request: Request,
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    index: Annotated[str, Query(description="mã bộ chỉ số, ví dụ dti-province-2025")],
    period: Annotated[str, Query(description="2025, 2025-H1, 2025-Q3 hoặc 2025-07")],
    unit: Annotated[
        str | None, Query(description="mã đơn vị hoặc cơ quan: cả cây chỉ số của đơn vị đó")
    ] = None,
) -> Response:
    """Every unit the caller may see (totals, main indicators) or one unit's whole tree, with
    ranks among siblings, the change from the period before and targets."""
    principal.require("read")
    return answers_of(request).respond(
        request,
        session,
        principal.scope_key(),
        service.values_version(session, lake, index=index, period=period),
        lambda s: service.values(
            s, lake, principal=principal, index=index, period=period, unit_code=unit
        ),
    )


@router.get("/indicators/explain", summary="Số liệu sau một chỉ số của một đơn vị")
def indicator_explain(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    index: Annotated[str, Query(description="mã bộ chỉ số, ví dụ dti-province-2025")],
    period: Annotated[str, Query(description="kỳ đánh giá, ví dụ 2025")],
    unit: Annotated[str, Query(description="mã đơn vị hoặc mã định danh cơ quan")],
    indicator: Annotated[str, Query(description="mục trong cây (6.1) hoặc mã chỉ số")],
) -> dict[str, Any]:
    """The formula of one indicator of one unit, the reported values behind it (organisation,
    period, value, status, source, who, when, the report) and the 766 figures it uses, with
    the dossier lists; values of organisations outside the caller's scope are counted only."""
    return explain.explain(
        session,
        lake,
        principal=principal,
        index=index,
        period=period,
        unit_code=unit,
        node=indicator,
    )
