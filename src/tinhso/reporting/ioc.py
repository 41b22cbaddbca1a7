"""The periodic reports on the operations centre: of the reports due for the period (the forms
whose period is of that kind), the share submitted, per organisation (100 or 0) and for each
province over its organisations — only once the deadline has passed (before it, "not yet" is
not a zero)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tinhso.accounts.scope import SYSTEM_PRINCIPAL, Principal
from tinhso.db import utcnow
from tinhso.fmt import vn_date
from tinhso.lake import Lake
from tinhso.reporting.completeness import completeness, due_periods
from tinhso.reporting.forms import list_forms
from tinhso.reporting.periods import parse_report_period
from tinhso.tiles import AlertFound, AlertSource, Tile, TileQuery, TileSet

FORM_TYPES = {"month": "monthly", "quarter": "quarterly", "half": "six_monthly", "year": "yearly"}


def submitted_values(q: TileQuery) -> Mapping[int, float | None]:
    """Return per organisation the share of its reports of the period submitted (in %)."""
    wanted = FORM_TYPES.get(q.period.kind)
    done: dict[int, int] = {}
    due: dict[int, int] = {}
    with q.lake.db.session() as session:
        for form in list_forms(session):
            if form.period_type != wanted:
                continue
            period = parse_report_period(q.period.code)
            if period.deadline(form.deadline_days) > utcnow():
                continue  # not due yet
            if form.open_from and period.first < parse_report_period(form.open_from).first:
                continue  # before the form was asked for: no report was due
            for row in completeness(
                session, principal=SYSTEM_PRINCIPAL, form=form, period=period
            ).rows:
                org = row.org.id if row.org.kind == "unit" else -row.org.id
                ids = [int(i) for i in row.org.unit_path.strip("/").split("/") if i]
                for o in {org, *ids[:1]}:  # the organisation and its province
                    due[o] = due.get(o, 0) + 1
                    done[o] = done.get(o, 0) + row.done
    return {o: 100 * done[o] / n for o, n in due.items() if n and (q.orgs is None or o in q.orgs)}


def submitted_drill(
    session: Session, principal: Principal, kind: str, code: str, period: Any
) -> str:
    """Return the page of the reports and who has not submitted them."""
    return "/reporting"


def _overdue(
    session: Session, lake: Lake, day: date, params: Mapping[str, Any]
) -> list[AlertFound]:
    """Each organisation that has not submitted a form's latest due period."""
    out: list[AlertFound] = []
    for form in list_forms(session):
        for period in due_periods(form, 3):  # the reminders' periods: still owed, still alerted
            for row in completeness(
                session, principal=SYSTEM_PRINCIPAL, form=form, period=period
            ).rows:
                if not row.overdue:
                    continue
                org = row.org.id if row.org.kind == "unit" else -row.org.id
                out.append(
                    AlertFound(
                        key=f"{form.code}:{period.code}:{row.org.key}",
                        org=org,
                        text=f"{row.org.name} chưa nộp {form.name} — {period.label} "
                        f"(hạn {vn_date(row.deadline)})",
                        url=f"/reporting/completeness?form={form.code}&period={period.code}",
                    )
                )
    return out


TILES = TileSet(
    domain="reporting",
    name="Báo cáo định kỳ",
    tiles=(
        Tile(
            code="reporting.submitted",
            name="Tỷ lệ báo cáo định kỳ đã nộp (các kỳ đã đến hạn)",
            group="Báo cáo định kỳ",
            measure="%",
            values=submitted_values,
            decimals=0,
            kinds=("month", "quarter", "year"),
            target=100,
            warn=90,
            drill=submitted_drill,
            order=50,
        ),
    ),
    alerts=(
        AlertSource(
            code="reporting.overdue",
            name="Báo cáo định kỳ quá hạn chưa nộp",
            find=_overdue,
        ),
    ),
)
