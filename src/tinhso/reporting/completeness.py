"""Completeness and timeliness (DHIS2's reporting rates): per form, organisation and period,
who was expected to report, who submitted, who did it on time; reminders for late units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.fmt import local_today
from tinhso.reporting.forms import list_forms
from tinhso.reporting.models import ReportForm, Submission
from tinhso.reporting.orgs import Org
from tinhso.reporting.periods import ReportPeriod, parse_report_period, period_containing
from tinhso.reporting.service import STATUS_LABELS, orgs_of_form, writable_orgs


@dataclass(frozen=True)
class OrgStatus:
    """One organisation's report of a period: its state and timing."""

    org: Org
    status: str
    submitted_at: datetime | None
    deadline: datetime
    return_reason: str = ""

    @property
    def done(self) -> bool:
        """Return True when the report was submitted (or approved)."""
        return self.status in ("submitted", "approved")

    @property
    def on_time(self) -> bool:
        """Return True when the report was submitted by the deadline."""
        return self.done and self.submitted_at is not None and self.submitted_at <= self.deadline

    @property
    def overdue(self) -> bool:
        """Return True when the deadline passed without a submission."""
        return not self.done and utcnow() > self.deadline

    @property
    def label(self) -> str:
        """Return the state in Vietnamese, with lateness."""
        if self.overdue:
            return "Quá hạn, chưa nộp"
        if self.done and not self.on_time:
            return STATUS_LABELS[self.status] + " (nộp muộn)"
        return STATUS_LABELS[self.status]


@dataclass
class Completeness:
    """A form's reporting rates for a period over the organisations the caller may read."""

    form: ReportForm
    period: ReportPeriod
    rows: list[OrgStatus] = field(default_factory=list)

    @property
    def expected(self) -> int:
        """Return how many organisations must report."""
        return len(self.rows)

    @property
    def submitted(self) -> int:
        """Return how many submitted (or were approved)."""
        return sum(r.done for r in self.rows)

    @property
    def on_time(self) -> int:
        """Return how many submitted by the deadline."""
        return sum(r.on_time for r in self.rows)

    @property
    def approved(self) -> int:
        """Return how many reports were approved."""
        return sum(r.status == "approved" for r in self.rows)

    @property
    def missing(self) -> list[OrgStatus]:
        """Return the organisations that have not submitted, overdue first."""
        return sorted((r for r in self.rows if not r.done), key=lambda r: not r.overdue)

    def as_dict(self) -> dict[str, object]:
        """Return the figures for JSON."""
        return {
            "form": self.form.code,
            "period": self.period.code,
            "deadline": self.period.deadline(self.form.deadline_days).isoformat(),
            "expected": self.expected,
            "submitted": self.submitted,
            "on_time": self.on_time,
            "approved": self.approved,
            "rows": [
                {
                    "kind": r.org.kind,
                    "code": r.org.code,
                    "name": r.org.name,
                    "status": r.status,
                    "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
                    "on_time": r.on_time,
                    "overdue": r.overdue,
                }
                for r in self.rows
            ],
        }


def completeness(
    session: Session,
    *,
    principal: Principal,
    form: ReportForm,
    period: ReportPeriod,
    only: Org | None = None,
) -> Completeness:
    """Return the form's completeness for the period (the caller's organisations, or one)."""
    principal.require("read")
    targets = orgs_of_form(session, principal=principal, form=form)
    if only is not None:
        targets = [o for o in targets if o.key == only.key]
    subs = {
        (f"u-{s.unit_id}" if s.unit_id else f"a-{s.agency_id}"): s
        for s in session.scalars(
            select(Submission).where(
                Submission.form_id == form.id, Submission.period == period.code
            )
        )
    }
    deadline = period.deadline(form.deadline_days)
    out = Completeness(form, period)
    for org in targets:
        sub = subs.get(org.key)
        out.rows.append(
            OrgStatus(
                org,
                sub.status if sub else "none",
                sub.submitted_at if sub else None,
                deadline,
                sub.return_reason if sub else "",
            )
        )
    return out


def due_periods(form: ReportForm, count: int = 3) -> list[ReportPeriod]:
    """Return the latest ``count`` periods whose deadline has passed, newest first."""
    out: list[ReportPeriod] = []
    p = period_containing(form.period_type, local_today())
    start = parse_report_period(form.open_from).first if form.open_from else None
    now = utcnow()
    for _ in range(count + 2):
        if start is not None and p.first < start:
            break
        if p.deadline(form.deadline_days) < now:
            out.append(p)
            if len(out) == count:
                break
        p = p.previous()
    return out


def current_period(form: ReportForm) -> ReportPeriod:
    """Return the period a unit would report now: the latest one whose end has passed."""
    p = period_containing(form.period_type, local_today())
    return p.previous()


@dataclass(frozen=True)
class Reminder:
    """A report the caller's organisation owes (or that was returned)."""

    form: ReportForm
    period: ReportPeriod
    org: Org
    status: OrgStatus


@dataclass(frozen=True)
class Summary:
    """A form's latest due period over many organisations, for those who follow them."""

    form: ReportForm
    completeness: Completeness


def reminders(
    session: Session, *, principal: Principal, max_orgs: int = 20
) -> tuple[list[Reminder], list[Summary]]:
    """Return the caller's overdue or returned reports, and for those who follow many
    organisations (province officers, leaders) each form's latest due period."""
    own: list[Reminder] = []
    summaries: list[Summary] = []
    for form in list_forms(session):
        periods = due_periods(form)
        if not periods:
            continue
        mine = writable_orgs(session, principal=principal, form=form)
        if mine and len(mine) <= max_orgs and not principal.is_global:
            for p in periods:
                for org in mine:
                    row = completeness(session, principal=principal, form=form, period=p, only=org)
                    for r in row.rows:
                        if r.overdue or r.status == "returned":
                            own.append(Reminder(form, p, org, r))
        else:
            c = completeness(session, principal=principal, form=form, period=periods[0])
            if c.expected:
                summaries.append(Summary(form, c))
    return own, summaries
