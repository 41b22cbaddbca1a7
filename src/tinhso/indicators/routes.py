"""JSON API of indicators: computed index values per unit and period."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tinhso.indicators import service
from tinhso.web.deps import ApiPrincipal, LakeDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["indicators"])


@router.get("/indicators/values", summary="Giá trị, điểm, xếp hạng của một bộ chỉ số")
def indicator_values(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    index: Annotated[str, Query(description="mã bộ chỉ số, ví dụ dti-province-2025")],
    period: Annotated[str, Query(description="2025, 2025-H1, 2025-Q3 hoặc 2025-07")],
    unit: Annotated[
        str | None, Query(description="mã đơn vị hoặc cơ quan: cả cây chỉ số của đơn vị đó")
    ] = None,
) -> dict[str, Any]:
    """Every unit the caller may see (totals, main indicators) or one unit's whole tree, with
    ranks among siblings, the change from the period before and targets."""
    return service.values(
        session, lake, principal=principal, index=index, period=period, unit_code=unit
    )
