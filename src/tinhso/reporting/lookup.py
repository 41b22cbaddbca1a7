"""What other domains read of reporting: who reports to a department, and the details of
stored values behind a figure (kept apart from ``service.py``, the write path)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.models import User
from tinhso.accounts.scope import Principal
from tinhso.reporting import orgs
from tinhso.reporting.models import DataValue, FormAssignment, FormElement, ReportForm


def overseen_orgs(session: Session, *, principal: Principal) -> tuple[set[int], set[int]]:
    """Return the (unit ids, agency ids) that report to the caller's department: assigned a
    form whose department in charge the caller speaks for (their figures are readable to it)."""
    return orgs.overseen(session, principal)


@dataclass(frozen=True)
class ValueInfo:
    """Who entered a stored value, how and when, and the report (form) it was entered on."""

    source: str
    author: str
    updated_at: datetime
    comment: str
    form: str | None  # a form that has the element and is assigned to the organisation


def value_details(session: Session, ids: list[int]) -> dict[int, ValueInfo]:
    """Return the details of stored values by id, for a page that lists the values behind a
    figure (the caller was allowed to see the organisations; nothing is scoped here)."""
    out: dict[int, ValueInfo] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = session.execute(
            select(DataValue, User.full_name, User.username)
            .outerjoin(User, User.id == DataValue.updated_by)
            .where(DataValue.id.in_(chunk))
        ).all()
        keys = {(v.element_id, v.unit_id, v.agency_id) for v, _n, _u in rows}
        forms: dict[tuple[int, int | None, int | None], str] = {}
        if keys:
            q = (
                select(
                    FormElement.element_id,
                    FormAssignment.unit_id,
                    FormAssignment.agency_id,
                    ReportForm.code,
                )
                .join(FormAssignment, FormAssignment.form_id == FormElement.form_id)
                .join(ReportForm, ReportForm.id == FormElement.form_id)
                .where(FormElement.element_id.in_({k[0] for k in keys}))
                .order_by(ReportForm.code)
            )
            for e, u, a, code in session.execute(q):
                forms.setdefault((e, u, a), code)
        for v, full_name, username in rows:
            out[v.id] = ValueInfo(
                v.source,
                full_name or username or "hệ thống",
                v.updated_at,
                v.comment,
                forms.get((v.element_id, v.unit_id, v.agency_id)),
            )
    return out
