"""Plans and tasks: what a caller may read and change, progress and the acceptance of "done",
overdue in working days, and the summaries in the seeds' wording ("50 nhiệm vụ đã hoàn thành;
19 nhiệm vụ đang thực hiện và 06 nhiệm vụ chưa thực hiện").

Scope: a task is read by whoever may read its lead agency, one of its co-agencies or its plan's
department in charge (a leader of the province reads them all); its progress is reported by an
officer of the lead or of a co-agency; its completion is accepted, or refused with a reason, by
the department in charge. Every change is a row of the task's history (``task_update``) and an
audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.errors import FieldError, Forbidden, InvalidInput, NotFound
from tinhso.fmt import local_today, vn_number
from tinhso.tasks.models import (
    STATUSES,
    UPDATE_KINDS,
    Plan,
    Task,
    TaskAgency,
    TaskEvidence,
    TaskUpdate,
)
from tinhso.units import service as units
from tinhso.workdays import WorkCalendar

OPEN = ("not_started", "in_progress")


@dataclass(frozen=True)
class Reach:
    """The agencies a caller reads tasks of (None: all) and those it reports for."""

    read: set[int] | None
    write: set[int]


def reach(session: Session, principal: Principal) -> Reach:
    """Return the caller's agencies for tasks."""
    principal.require("read")
    read = (
        None
        if principal.is_global
        else {a.id for a in units.readable_agencies(session, principal=principal)}
    )
    write = (
        units.data_agency_ids(session, principal=principal)
        if principal.can("data.write") or principal.role == "admin"
        else set()
    )
    return Reach(read, write)


def co_agencies(session: Session, task_ids: Iterable[int]) -> dict[int, list[int]]:
    """Return each task's co-agencies."""
    out: dict[int, list[int]] = {}
    ids = sorted(set(task_ids))
    for i in range(0, len(ids), 500):
        for t, a in session.execute(
            select(TaskAgency.task_id, TaskAgency.agency_id).where(
                TaskAgency.task_id.in_(ids[i : i + 500])
            )
        ):
            out.setdefault(int(t), []).append(int(a))
    return out


def visible_tasks(
    session: Session,
    principal: Principal,
    *,
    plan: str | None = None,
    year: int | None = None,
    agency: str | None = None,
) -> list[Task]:
    """Return the tasks the caller may read, of a plan, a year, an agency (lead or co-agency)."""
    r = reach(session, principal)
    stmt = select(Task).join(Plan, Plan.id == Task.plan_id)
    if plan:
        stmt = stmt.where(Plan.code == plan.strip())
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    if r.read is not None:
        ids = sorted(r.read)
        co = select(TaskAgency.task_id).where(TaskAgency.agency_id.in_(ids))
        stmt = stmt.where(or_(Task.lead_id.in_(ids), Task.id.in_(co), Plan.in_charge_id.in_(ids)))
    tasks = list(session.scalars(stmt.order_by(Plan.issued, Task.code)))
    if agency:
        found = units.agencies_by_code(session, principal=principal, codes=[agency])
        if agency.strip() not in found:
            raise NotFound(f"không có cơ quan mã '{agency}' trong phạm vi được xem")
        aid = found[agency.strip()].id
        co_of = co_agencies(session, [t.id for t in tasks])
        tasks = [t for t in tasks if t.lead_id == aid or aid in co_of.get(t.id, [])]
    return tasks


def get_task(session: Session, principal: Principal, code: str) -> Task:
    """Return the task with this code if the caller may read it, else raise NotFound."""
    task = session.scalars(select(Task).where(Task.code == code.strip())).first()
    if task is None:
        raise NotFound(f"không có nhiệm vụ mã '{code.strip()}' trong phạm vi được xem")
    r = reach(session, principal)
    plan = session.get(Plan, task.plan_id)
    assert plan is not None
    if r.read is not None and not (
        {task.lead_id, plan.in_charge_id, *co_agencies(session, [task.id]).get(task.id, [])}
        & r.read
    ):
        raise NotFound(f"không có nhiệm vụ mã '{code.strip()}' trong phạm vi được xem")
    return task


def days_late(task: Task, calendar: WorkCalendar, today: date | None = None) -> int:
    """Return the working days past the deadline of an open task (0 when not late)."""
    day = today or local_today()
    if task.status not in OPEN or day <= task.deadline:
        return 0
    return max(0, calendar.working_days_between(task.deadline, day))


def _now() -> datetime:
    return utcnow()


def _record(
    session: Session,
    task: Task,
    principal: Principal,
    kind: str,
    *,
    agency_id: int | None = None,
    text: str = "",
    at: datetime | None = None,
) -> TaskUpdate:
    u = TaskUpdate(
        task_id=task.id,
        kind=kind,
        at=at or _now(),
        actor=principal.username,
        agency_id=agency_id,
        percent=task.percent,
        status=task.status,
        text=text,
    )
    session.add(u)
    task.updated_at = u.at
    session.flush()
    return u


def report_progress(
    session: Session,
    *,
    principal: Principal,
    code: str,
    percent: int,
    text: str = "",
    complete: bool = False,
) -> TaskUpdate:
    """Record the lead's or a co-agency's progress (``complete``: asks the department in
    charge to accept the task as done, which needs 100%)."""
    task = get_task(session, principal, code)
    r = reach(session, principal)
    mine = ({task.lead_id} | set(co_agencies(session, [task.id]).get(task.id, []))) & r.write
    if not mine:
        raise Forbidden("chỉ cơ quan chủ trì hoặc phối hợp được cập nhật tiến độ nhiệm vụ này")
    errors: list[FieldError] = []
    if task.status not in OPEN:
        raise InvalidInput(
            f"nhiệm vụ '{task.code}' đã {STATUSES[task.status].lower()}; không cập nhật tiến độ"
        )
    if task.awaiting_review and not complete:
        errors.append(
            FieldError("percent", "nhiệm vụ đang chờ duyệt hoàn thành; chờ cơ quan theo dõi duyệt")
        )
    if not 0 <= percent <= 100:
        errors.append(FieldError("percent", "tiến độ phải từ 0 đến 100%", value=str(percent)))
    elif percent < task.percent and not text.strip():
        errors.append(
            FieldError(
                "text",
                f"tiến độ giảm từ {task.percent}% xuống {percent}%: phải ghi lý do",
                value=str(percent),
            )
        )
    if complete and task.lead_id not in r.write:
        errors.append(FieldError("complete", "chỉ cơ quan chủ trì báo cáo hoàn thành nhiệm vụ"))
    if complete and percent != 100:
        errors.append(FieldError("percent", "báo cáo hoàn thành phải là 100%", value=str(percent)))
    if len(text) > 4000:
        errors.append(FieldError("text", "dài quá 4.000 ký tự"))
    if errors:
        raise InvalidInput("cập nhật tiến độ không hợp lệ", errors)
    task.percent = percent
    if task.status == "not_started" and (percent > 0 or complete or text.strip()):
        task.status = "in_progress"
    task.awaiting_review = complete
    agency = task.lead_id if task.lead_id in mine else (min(mine) if mine else None)
    return _record(
        session,
        task,
        principal,
        "completion" if complete else "progress",
        agency_id=agency,
        text=text.strip(),
    )


def review(
    session: Session, *, principal: Principal, code: str, accept: bool, reason: str = ""
) -> TaskUpdate:
    """Accept a completion as done, or refuse it with a reason (the department in charge)."""
    task = get_task(session, principal, code)
    plan = session.get(Plan, task.plan_id)
    assert plan is not None
    r = reach(session, principal)
    if plan.in_charge_id not in r.write:
        raise Forbidden("chỉ cơ quan theo dõi kế hoạch được duyệt hoàn thành nhiệm vụ")
    if not task.awaiting_review:
        raise InvalidInput(f"nhiệm vụ '{task.code}' không có báo cáo hoàn thành chờ duyệt")
    if not accept and not reason.strip():
        raise InvalidInput("trả lại phải ghi lý do", [FieldError("reason", "không được để trống")])
    task.awaiting_review = False
    if accept:
        task.status, task.percent, task.finished = "done", 100, local_today()
    return _record(
        session,
        task,
        principal,
        "accepted" if accept else "refused",
        agency_id=plan.in_charge_id,
        text=reason.strip(),
    )


def cancel(session: Session, *, principal: Principal, code: str, reason: str) -> TaskUpdate:
    """Stop a task (dừng/hủy), with a reason: the department in charge."""
    task = get_task(session, principal, code)
    plan = session.get(Plan, task.plan_id)
    assert plan is not None
    if plan.in_charge_id not in reach(session, principal).write:
        raise Forbidden("chỉ cơ quan theo dõi kế hoạch được dừng, hủy nhiệm vụ")
    if not reason.strip():
        raise InvalidInput(
            "dừng, hủy phải ghi lý do", [FieldError("reason", "không được để trống")]
        )
    if task.status not in OPEN:
        raise InvalidInput(f"nhiệm vụ '{task.code}' đã {STATUSES[task.status].lower()}")
    task.status, task.awaiting_review = "cancelled", False
    return _record(
        session, task, principal, "status", agency_id=plan.in_charge_id, text=reason.strip()
    )


def history(session: Session, task: Task) -> list[dict[str, Any]]:
    """Return a task's history, oldest first, with the evidence of each step."""
    files: dict[int | None, list[TaskEvidence]] = {}
    for e in session.scalars(select(TaskEvidence).where(TaskEvidence.task_id == task.id)):
        files.setdefault(e.update_id, []).append(e)
    names = units.agencies_by_id(
        session,
        [
            a
            for a in session.scalars(
                select(TaskUpdate.agency_id).where(TaskUpdate.task_id == task.id)
            )
            if a
        ],
    )
    return [
        {
            "at": u.at.isoformat(),
            "kind": u.kind,
            "label": UPDATE_KINDS.get(u.kind, u.kind),
            "actor": u.actor,
            "agency": names[u.agency_id].name if u.agency_id in names else None,
            "percent": u.percent,
            "status": u.status,
            "text": u.text,
            "evidence": [evidence_json(e) for e in files.get(u.id, [])],
        }
        for u in session.scalars(
            select(TaskUpdate).where(TaskUpdate.task_id == task.id).order_by(TaskUpdate.id)
        )
    ]


def evidence_json(e: TaskEvidence) -> dict[str, Any]:
    return {
        "id": e.id,
        "filename": e.filename,
        "kind": e.kind,
        "size": e.size,
        "sha256": e.sha256,
        "uploaded_by": e.uploaded_by,
        "at": e.at.isoformat(),
        "url": f"/api/v1/tasks/evidence/{e.id}",
    }


def task_json(
    session: Session,
    tasks: list[Task],
    calendar: WorkCalendar,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Return tasks as the API gives them."""
    day = today or local_today()
    plans = {
        p.id: p
        for p in session.scalars(select(Plan).where(Plan.id.in_({t.plan_id for t in tasks})))
    }
    co = co_agencies(session, [t.id for t in tasks])
    agencies = units.agencies_by_id(
        session, [t.lead_id for t in tasks] + [a for xs in co.values() for a in xs]
    )
    parent_ids = sorted({t.parent_id for t in tasks if t.parent_id})
    parents = (
        {
            i: c
            for i, c in session.execute(select(Task.id, Task.code).where(Task.id.in_(parent_ids)))
        }
        if parent_ids
        else {}
    )
    out = []
    for t in tasks:
        late = days_late(t, calendar, day)
        out.append(
            {
                "code": t.code,
                "title": t.title,
                "description": t.description,
                "plan": plans[t.plan_id].code,
                "lead": {"code": agencies[t.lead_id].code, "name": agencies[t.lead_id].name},
                "co_agencies": [
                    {"code": agencies[a].code, "name": agencies[a].name} for a in co.get(t.id, [])
                ],
                "starts": t.starts.isoformat(),
                "deadline": t.deadline.isoformat(),
                "output": t.output,
                "indicator": t.indicator or None,
                "status": t.status,
                "status_label": STATUSES[t.status],
                "percent": t.percent,
                "awaiting_review": t.awaiting_review,
                "finished": t.finished.isoformat() if t.finished else None,
                "overdue": late > 0,
                "days_late": late,
                "parent": parents.get(t.parent_id) if t.parent_id else None,
                "updated_at": t.updated_at.isoformat(),
            }
        )
    return out


def two(n: int) -> str:
    """Return a count the way the seeds write it: 06, 19, 1.046."""
    return f"{n:02d}" if 0 < n < 10 else vn_number(n)


def counts(tasks: list[Task], calendar: WorkCalendar, today: date | None = None) -> dict[str, int]:
    """Return done / in progress / not started / cancelled / overdue (of the open) counts."""
    out = {k: 0 for k in (*STATUSES, "overdue", "awaiting_review", "total")}
    for t in tasks:
        out[t.status] += 1
        out["total"] += 1
        out["overdue"] += days_late(t, calendar, today) > 0
        out["awaiting_review"] += t.awaiting_review
    return out


def wording(c: dict[str, int]) -> str:
    """Return the counts in the seed's sentence."""
    if not c["total"]:
        return "chưa có nhiệm vụ"
    parts = [
        f"{two(c['done'])} nhiệm vụ đã hoàn thành",
        f"{two(c['in_progress'])} nhiệm vụ đang thực hiện",
        f"{two(c['not_started'])} nhiệm vụ chưa thực hiện",
    ]
    text = f"{two(c['total'])} nhiệm vụ; " + "; ".join(parts[:-1]) + " và " + parts[-1]
    if c["cancelled"]:
        text += f"; {two(c['cancelled'])} nhiệm vụ dừng, hủy"
    if c["overdue"]:
        text += f" ({two(c['overdue'])} nhiệm vụ quá hạn)"
    return text


def summary(
    session: Session,
    *,
    principal: Principal,
    calendar: WorkCalendar,
    plan: str | None = None,
    year: int | None = None,
    agency: str | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Return the counts for the whole selection, per plan, per lead agency and per month of
    deadline, each with the seed's wording."""
    tasks = visible_tasks(session, principal, plan=plan, year=year, agency=agency)
    plans = {
        p.id: p
        for p in session.scalars(select(Plan).where(Plan.id.in_({t.plan_id for t in tasks})))
    }
    agencies = units.agencies_by_id(session, [t.lead_id for t in tasks])

    def block(ts: list[Task]) -> dict[str, Any]:
        c = counts(ts, calendar, today)
        return {**c, "wording": wording(c)}

    by_plan: dict[int, list[Task]] = {}
    by_agency: dict[int, list[Task]] = {}
    by_month: dict[str, list[Task]] = {}
    for t in tasks:
        by_plan.setdefault(t.plan_id, []).append(t)
        by_agency.setdefault(t.lead_id, []).append(t)
        by_month.setdefault(f"{t.deadline:%Y-%m}", []).append(t)
    return {
        "plan": plan,
        "year": year,
        "as_of": (today or local_today()).isoformat(),
        **block(tasks),
        "plans": [
            {
                "code": plans[pid].code,
                "title": plans[pid].title,
                "issued": plans[pid].issued.isoformat(),
                **block(ts),
            }
            for pid, ts in sorted(by_plan.items(), key=lambda x: plans[x[0]].issued)
        ],
        "agencies": [
            {"code": agencies[aid].code, "name": agencies[aid].name, **block(ts)}
            for aid, ts in sorted(by_agency.items(), key=lambda x: agencies[x[0]].name)
        ],
        "months": [{"month": m, **block(ts)} for m, ts in sorted(by_month.items())],
    }


def overdue(
    session: Session,
    *,
    principal: Principal,
    calendar: WorkCalendar,
    year: int | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Return the open tasks past their deadline, the latest first (most working days late)."""
    tasks = [
        t for t in visible_tasks(session, principal, year=year) if days_late(t, calendar, today)
    ]
    rows = task_json(session, tasks, calendar, today)
    return sorted(rows, key=lambda r: (-r["days_late"], r["code"]))


def due_soon(
    session: Session,
    *,
    principal: Principal,
    calendar: WorkCalendar,
    within: int,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Return the open tasks the caller's agencies lead whose deadline is within ``within``
    working days (the home page's reminders)."""
    day = today or local_today()
    mine = reach(session, principal).write
    if not mine:
        return []
    tasks = [
        t
        for t in session.scalars(
            select(Task).where(Task.lead_id.in_(sorted(mine)), Task.status.in_(OPEN))
        )
        if day <= t.deadline and calendar.working_days_between(day, t.deadline) <= within
    ]
    return sorted(task_json(session, tasks, calendar, day), key=lambda r: r["deadline"])


def plan_unit(session: Session, task: Task) -> int:
    """Return the province of a task's plan."""
    plan = session.get(Plan, task.plan_id)
    assert plan is not None
    return plan.unit_id


def plans_json(
    session: Session, principal: Principal, year: int | None = None
) -> list[dict[str, Any]]:
    """Return the plans whose tasks the caller may read (or that its agencies are in charge
    of), with their counts."""
    r = reach(session, principal)
    tasks = visible_tasks(session, principal, year=year)
    with_tasks = {t.plan_id for t in tasks}
    stmt = select(Plan)
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    plans = [
        p
        for p in session.scalars(stmt.order_by(Plan.issued))
        if r.read is None or p.id in with_tasks or p.in_charge_id in r.read
    ]
    charge = units.agencies_by_id(session, [p.in_charge_id for p in plans])
    from tinhso.tasks.models import PLAN_KINDS

    return [
        {
            "code": p.code,
            "kind": p.kind,
            "kind_label": PLAN_KINDS.get(p.kind, p.kind),
            "title": p.title,
            "issued": p.issued.isoformat(),
            "issuer": p.issuer,
            "year": p.year,
            "in_charge": {"code": charge[p.in_charge_id].code, "name": charge[p.in_charge_id].name},
            "tasks": sum(1 for t in tasks if t.plan_id == p.id),
        }
        for p in plans
    ]
