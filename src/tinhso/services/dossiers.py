"""What the dossier page shows: a dossier with the names of its procedure, agency and commune,
its timing as the 766 judges it, and its events (all within the caller's scope)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.fmt import LOCAL_TZ
from tinhso.lake import Lake
from tinhso.services import service
from tinhso.services.fields import CHANNEL_LABELS, STATUS_LABELS
from tinhso.services.models import Procedure
from tinhso.units.models import Agency, Unit

PAYMENT_LABELS = {
    0: "Không",
    1: "Qua Cổng Dịch vụ công quốc gia",
    2: "Qua cổng thanh toán của tỉnh",
}
RATING_LABELS = {-1: "Không hài lòng", 0: "Bình thường", 1: "Hài lòng"}


def _timing(lake: Lake, dossier_id: int) -> dict[str, Any]:
    """Return the due time, end time and processing working days the analytics copy derived."""
    lake.sync()
    with lake.lock:
        row = (
            lake.cursor()
            .execute(
                "SELECT due_at, end_at, processing_days, counted FROM dossier WHERE id = ?",
                [dossier_id],
            )
            .fetchone()
        )
    if row is None:
        return {}
    due, end, days, counted = row
    late = None
    if counted and due is not None:
        late = (end or datetime.now(LOCAL_TZ)) > due
    return {"due_at": due, "end_at": end, "processing_days": days, "late": late}


def dossier_detail(
    session: Session, lake: Lake, *, principal: Principal, code: str
) -> dict[str, Any]:
    """Return the dossier page's content, or raise NotFound (missing or out of scope)."""
    dossier = service.get_dossier(session, principal=principal, code=code)
    procedure = session.get(Procedure, dossier.procedure_id)
    agency = session.execute(
        select(Agency.code, Agency.name).where(Agency.id == dossier.agency_id)
    ).first()
    commune = (
        session.execute(select(Unit.code, Unit.name).where(Unit.id == dossier.unit_id)).first()
        if dossier.unit_id
        else None
    )
    return {
        "dossier": dossier,
        "procedure": procedure,
        "agency": agency,
        "commune": commune,
        "events": service.dossier_events(session, dossier),
        "timing": _timing(lake, dossier.id),
        "channel_labels": CHANNEL_LABELS,
        "status_labels": STATUS_LABELS,
        "payment_labels": PAYMENT_LABELS,
        "rating_labels": RATING_LABELS,
    }
