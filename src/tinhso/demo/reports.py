"""The demo province's periodic reports: the catalog's forms with a year of submitted data,
written through the real write path; some units late and some missing, on purpose, so that the
completeness page and the home-page reminders have something to show.

Each report is written by whoever would have entered it (the demo's officer of that commune or
department, else the generator, source "demo"), then given the times it would have had: entered
and submitted before or after its deadline, approved a few days later by the officer of the
form's department in charge (Sở Khoa học và Công nghệ)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tinhso.accounts import service as accounts
from tinhso.accounts.models import User, UserScope
from tinhso.accounts.scope import SYSTEM_PRINCIPAL, Principal
from tinhso.db import utcnow
from tinhso.demo.dti import FORMS as DTI_FORMS
from tinhso.demo.dti import load_catalogs
from tinhso.fmt import LOCAL_TZ
from tinhso.reporting import orgs, service
from tinhso.reporting.completeness import due_periods
from tinhso.reporting.forms import form_files, get_form, load_forms
from tinhso.reporting.models import (
    DataValue,
    DataValueHistory,
    FormElement,
    ReportForm,
    Submission,
)
from tinhso.reporting.orgs import Org
from tinhso.reporting.periods import ReportPeriod
from tinhso.reporting.service import Entry, OrgReport
from tinhso.units.models import Unit

LATE_COMMUNE = "03388"  # the demo commune officer's own commune is late, so the reminder shows


@dataclass
class ReportsDemo:
    """What the demo reports created."""

    forms: int = 0
    reports: int = 0
    missing: int = 0


def _commune_values(rng: random.Random, base: dict[str, float], month: int) -> dict[str, object]:
    teams = int(base["teams"])
    active = max(0, teams - rng.randint(0, 2))
    villages = int(base["villages"])
    received = int(
        base["received"] * (0.85 + 0.3 * rng.random()) * (1.25 if month in (3, 9) else 1)
    )
    online = int(received * min(0.95, base["online"] + 0.02 * month / 12 + 0.05 * rng.random()))
    return {
        "XA_TO_CNS_TONG": teams,
        "XA_TO_CNS_HOAT_DONG": active,
        "XA_THON_TONG": villages,
        "XA_THON_CAP_QUANG": min(villages, int(base["fibre"]) + month // 4),
        "XA_THON_4G": min(villages, int(base["g4"]) + month // 3),
        "XA_HS_TIEP_NHAN": received,
        "XA_HS_TRUC_TUYEN": online,
        "XA_TL_THANH_TOAN_TT": f"{round(100 * base['pay'] + 1.5 * month * rng.random(), 1)}%",
        "XA_BCD_KIEN_TOAN": "Có" if base["committee"] else "Không",
        "XA_KHO_KHAN": rng.choice(
            ["", "Thiếu thiết bị đầu cuối ở bản vùng cao", "Sóng di động yếu ở một số bản", ""]
        ),
    }


def _agency_values(rng: random.Random, base: dict[str, float], quarter: int) -> dict[str, object]:
    systems = int(base["systems"])
    return {
        "SO_HTTT_TONG": systems,
        "SO_HTTT_CAP_DO": min(systems, int(base["approved"]) + quarter // 2),
        "SO_TL_VB_DIEN_TU": f"{min(100.0, round(base['edoc'] + quarter * rng.random(), 1))}%",
        "SO_NGAY_KH_CDS": "15/02/2026" if quarter > 4 else "20/02/2025",
    }


def _where(stmt: Any, model: Any, org: Org) -> Any:
    return stmt.where(model.unit_id == org.id if org.kind == "unit" else model.agency_id == org.id)


def _when(period: ReportPeriod, days: float) -> datetime:
    """Return the instant ``days`` after the period's last day at 9:00, never in the future."""
    when = datetime.combine(period.last, time(9), LOCAL_TZ) + timedelta(days=days)
    return min(when.astimezone(UTC), utcnow() - timedelta(hours=1))


def _backdate(
    session: Session,
    form: ReportForm,
    org: Org,
    period: ReportPeriod,
    entered: datetime,
    approved: datetime | None = None,
) -> None:
    """Give the report the times it would have had: values entered and the report submitted
    at ``entered``, approved (when it was) at ``approved``."""
    subs = _where(update(Submission), Submission, org).where(
        Submission.form_id == form.id, Submission.period == period.code
    )
    session.execute(subs.values(submitted_at=entered, saved_at=entered))
    elements = select(FormElement.element_id).where(FormElement.form_id == form.id)
    values = _where(select(DataValue.id), DataValue, org).where(
        DataValue.period == period.code, DataValue.element_id.in_(elements)
    )
    ids = list(session.scalars(values))
    session.execute(update(DataValue).where(DataValue.id.in_(ids)).values(updated_at=entered))
    history = update(DataValueHistory).where(DataValueHistory.value_id.in_(ids))
    session.execute(history.values(updated_at=entered))
    if approved is not None:
        session.execute(subs.values(approved_at=approved))
        session.execute(history.values(replaced_at=approved))
    session.expire_all()


def _people(session: Session) -> dict[tuple[str, int], Principal]:
    """Return the demo's officers by the organisation their scope is rooted at
    (("unit", id) or ("agency", id)): they enter their organisation's reports themselves."""
    out: dict[tuple[str, int], Principal] = {}
    rows = session.execute(
        select(User, UserScope)
        .join(UserScope, UserScope.user_id == User.id)
        .where(User.role == "officer", User.is_active.is_(True))
        .order_by(User.id)
    )
    for user, scope in rows:
        key = ("unit", scope.unit_id) if scope.unit_id else ("agency", scope.agency_id or 0)
        if key not in out:
            out[key] = accounts.principal_for(session, user)
    return out


def _fill(
    session: Session,
    rng: random.Random,
    form: ReportForm,
    targets: list[Org],
    periods: list[ReportPeriod],
    values_of: object,
    out: ReportsDemo,
) -> None:
    bases = {o.key: _base(rng, o) for o in targets}
    people = _people(session)
    # The department in charge approves what is sent to it (its own report: the province).
    approver = (
        people.get(("agency", form.in_charge_id), SYSTEM_PRINCIPAL)
        if form.in_charge_id
        else SYSTEM_PRINCIPAL
    )
    # A form with few reporting units (the province's own figures) has nobody missing or late.
    n = len(targets)
    missing = set(rng.sample([o.key for o in targets], k=max(1, n // 10) if n > 2 else 0))
    late = set(rng.sample([o.key for o in targets], k=max(1, n // 8) if n > 2 else 0))
    for age, period in enumerate(reversed(periods)):  # oldest first
        newest = age >= len(periods) - 2
        reports: list[tuple[Org, float]] = []
        for o in targets:
            if newest and (o.key in missing or o.code == LATE_COMMUNE):
                out.missing += 1
                continue
            days = rng.uniform(0, form.deadline_days)
            if o.key in late:
                days = form.deadline_days + rng.uniform(1, 12)
            reports.append((o, days))
        # Who entered each report: its own officer where the demo has one (on the page or
        # in Excel), the demo generator for the others (source "demo", no author).
        by_author: dict[str, tuple[Principal, str, list[OrgReport]]] = {}
        for o, _days in reports:
            entries = [Entry(c, v) for c, v in values_of(rng, bases[o.key], age + 1).items()]  # type: ignore[operator]
            author = people.get((o.kind, o.id))
            key = author.username if author else ""
            if key not in by_author:
                source = rng.choice(["form", "excel"]) if author else "demo"
                by_author[key] = (author or SYSTEM_PRINCIPAL, source, [])
            by_author[key][2].append(OrgReport(o, period, entries))
        for principal, source, batch in by_author.values():
            service.write_values(
                session, principal=principal, form=form, reports=batch, source=source, submit=True
            )
        latest = age == len(periods) - 1
        for k, (o, days) in enumerate(reports):
            entered = _when(period, days)
            # The department reviews within days; of the latest period, some still wait (a
            # third at least, whatever the draws: the review page always has work to show).
            review = entered + timedelta(days=rng.uniform(1, 8))
            waits = review > utcnow() - timedelta(hours=2) or (
                latest and (rng.random() < 0.3 or k % 3 == 0)
            )
            approved = None if waits else review
            if approved is not None:
                who = approver
                if not orgs.may_approve(session, who, form, o):
                    who = SYSTEM_PRINCIPAL  # the department's own report: approved above it
                service.act(
                    session, principal=who, form=form, org=o, period=period, action="approve"
                )
            _backdate(session, form, o, period, entered, approved)
        out.reports += len(reports)


def _base(rng: random.Random, org: Org) -> dict[str, float]:
    villages = rng.randint(6, 14)
    return {
        "teams": villages,
        "villages": villages,
        "fibre": rng.randint(1, villages // 2),
        "g4": rng.randint(villages // 2, villages - 1),
        "received": rng.randint(80, 600),
        "online": rng.uniform(0.3, 0.7),
        "pay": rng.uniform(0.05, 0.25),
        "committee": rng.random() < 0.9,
        "systems": rng.randint(3, 12),
        "approved": rng.randint(1, 3),
        "edoc": rng.uniform(80, 95),
    }


def build_reports(session: Session, *, province: Unit, seed: int = 2025) -> ReportsDemo:
    """Load the catalog's forms and fill a year of reports (idempotent: skipped once done)."""
    out = ReportsDemo()
    # The DTI forms report data elements of the indicator catalogs: those are loaded first.
    load_catalogs(session)
    rep = load_forms(session, principal=SYSTEM_PRINCIPAL, paths=form_files())
    out.forms = len(rep.forms)
    rng = random.Random(seed)
    for code, count, values_of in (
        ("BC-CDS-XA-THANG", 12, _commune_values),
        ("BC-CDS-SO-QUY", 4, _agency_values),
        *DTI_FORMS,
    ):
        form = get_form(session, code)
        if session.scalars(select(Submission.id).where(Submission.form_id == form.id)).first():
            continue
        targets = [
            o
            for o in service.orgs_of_form(session, principal=SYSTEM_PRINCIPAL, form=form)
            if o.unit_path.startswith(province.path)
        ]
        _fill(session, rng, form, targets, due_periods(form, count), values_of, out)
    return out
