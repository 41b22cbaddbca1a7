"""The tasks' counts as a family for the indicator engine (``tasks.done`` …): per lead agency
(the engine's organisation minus its id) and for the province of the plan, over the plans of
the period's year, with each task's status as it stands (a task of the year finished later
counts as done: the plan's year is what is counted, as the seeds report it).

The plans' targets per bucket (``tasks.targets_dat`` …) are the province's only (a target
belongs to the plan, not to an agency). A target measured by an indicator takes the engine's
live value, so the version of these figures holds what those indices are worked out from; an
index that itself uses the target figures is never computed for a target (it would compute
itself): such a target has no value here."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import SYSTEM_PRINCIPAL, Principal
from tinhso.audit import service as audit
from tinhso.figures import Drill, FigureFamily, FigureValues
from tinhso.indicators import service as indicators
from tinhso.lake import Lake
from tinhso.tasks.models import Plan, PlanTarget, Task, TaskUpdate
from tinhso.tasks.service import days_late
from tinhso.tasks.targets import TARGET_FIGURES, evaluate, indices_of
from tinhso.units import service as units

PREFIX = "tasks"
FIGURES = {
    "total": "Số nhiệm vụ của kế hoạch năm",
    "done": "Số nhiệm vụ đã hoàn thành",
    "in_progress": "Số nhiệm vụ đang thực hiện",
    "not_started": "Số nhiệm vụ chưa thực hiện",
    "cancelled": "Số nhiệm vụ dừng, hủy",
    "overdue": "Số nhiệm vụ quá hạn (chưa hoàn thành, đã qua thời hạn tính theo ngày làm việc)",
}
TARGETS = {
    "targets_total": "Số chỉ tiêu của kế hoạch năm",
    "targets_dat": "Số chỉ tiêu đã hoàn thành và vượt (≥100%)",
    "targets_tren_70": "Số chỉ tiêu hoàn thành trên 70%",
    "targets_tren_50": "Số chỉ tiêu đạt trên 50%",
    "targets_duoi_50": "Số chỉ tiêu thực hiện được dưới 50%",
    "targets_unknown": "Số chỉ tiêu chưa có số liệu để đánh giá",
}


def figures() -> dict[str, str]:
    """Return every task figure with its name."""
    return {f"{PREFIX}.{k}": v for k, v in (FIGURES | TARGETS).items()}


def _target_counts(session: Session, lake: Lake, year: int) -> dict[int, dict[str, float | None]]:
    """Return per province the year's targets per bucket (0 where none falls in one)."""
    plans = list(session.scalars(select(Plan).where(Plan.year == year)))
    out: dict[int, dict[str, float | None]] = {}
    for plan, item in evaluate(session, lake, SYSTEM_PRINCIPAL, plans):
        vals = out.setdefault(plan.unit_id, {f"{PREFIX}.{k}": 0.0 for k in TARGETS})
        key = f"{PREFIX}.targets_{item['bucket'] or 'unknown'}"
        for k in (f"{PREFIX}.targets_total", key):
            vals[k] = (vals[k] or 0) + 1
    return out


def fetch(lake: Lake, period: Any, day: date, refs: tuple[str, ...]) -> FigureValues:
    """Return the counts per lead agency and per province for the plans of the period's year;
    an organisation with no task of that year has none (not 0)."""
    from tinhso.fmt import local_today

    as_of = min(period.last, day, local_today())
    out: dict[int, dict[str, float | None]] = {}
    with lake.db.session() as session:
        if any(r.startswith(TARGET_FIGURES) for r in refs):
            out.update(_target_counts(session, lake, period.first.year))
        rows = session.execute(
            select(Task, Plan.unit_id)
            .join(Plan, Plan.id == Task.plan_id)
            .where(Plan.year == period.first.year)
        ).all()
        for task, province in rows:
            for org in (-task.lead_id, int(province)):
                vals = out.setdefault(org, {})
                for k in FIGURES:
                    vals.setdefault(f"{PREFIX}.{k}", 0.0)
                vals[f"{PREFIX}.total"] = (vals[f"{PREFIX}.total"] or 0) + 1
                key = f"{PREFIX}.{task.status}"
                vals[key] = (vals[key] or 0) + 1
                if days_late(task, lake.calendar, as_of):
                    vals[f"{PREFIX}.overdue"] = (vals[f"{PREFIX}.overdue"] or 0) + 1
        # A plan is kept under today's province; a day before the 2025 reform reads the
        # province of the time, the one of the same code (the reform kept the provinces' codes).
        moved = _provinces_on(session, [o for o in out if o > 0], day)
    return FigureValues(
        {moved.get(org, org): {r: vals.get(r) for r in refs} for org, vals in out.items()}
    )


def _provinces_on(session: Session, ids: list[int], day: date) -> dict[int, int]:
    """Return, for each province not valid on ``day``, the one of its code that is."""
    out: dict[int, int] = {}
    for uid, u in units.units_by_id(session, ids).items():
        if units.is_valid_on(u, day):
            continue
        then = [
            x for x in units.units_with_code(session, code=u.code, on=day) if x.level == u.level
        ]
        if then:
            out[uid] = then[0].id
    return out


_SEEN: dict[int, tuple[Any, ...]] = {}
_BUSY = threading.local()


def _version_on(conn: Connection) -> tuple[Any, ...]:
    return (
        tuple(conn.execute(select(func.count(TaskUpdate.id), func.max(TaskUpdate.id))).one())
        + tuple(conn.execute(select(func.count(Task.id), func.max(Task.updated_at))).one())
        + tuple(
            conn.execute(
                select(
                    func.count(PlanTarget.id),
                    func.max(PlanTarget.id),
                    func.max(PlanTarget.achieved_at),
                    func.sum(PlanTarget.planned),
                    func.sum(PlanTarget.achieved),
                )
            ).one()
        )
        + indicators.plan_targets_version(conn)
        # Every change of a plan, a task or a target (and the catalog's) is audited: the head
        # moves with edits that keep the counts and sums (a code, a year, a direction).
        + tuple(conn.execute(audit.HEAD_QUERY).one())
    )


_USED: dict[tuple[int, int], tuple[tuple[Any, ...], list[str]]] = {}


def _live_keys(lake: Lake, year: int) -> tuple[object, ...]:
    """Return what the indices measuring the year's targets are worked out from (which indices
    those are is kept while the tasks and the catalog's targets hold)."""
    seen = _SEEN[id(lake)]
    with lake.db.session() as session:
        held = _USED.get((id(lake), year))
        if held is None or held[0] != seen:
            plans = list(session.scalars(select(Plan).where(Plan.year == year)))
            held = (seen, sorted(indices_of(session, plans)))
            _USED[(id(lake), year)] = held
        return tuple(
            (index, indicators.live_key(session, lake, index=index, period=str(year), skip=PREFIX))
            for index in held[1]
        )


def refresh(lake: Lake, conn: Connection | None) -> None:
    """Read what the tasks hold (two cheap queries) for ``version``."""
    if conn is None:
        with lake.db.engine.connect() as own:
            _SEEN[id(lake)] = _version_on(own)
    else:
        _SEEN[id(lake)] = _version_on(conn)


def version(lake: Lake, period: Any, day: date) -> Hashable:
    """Return what the tasks held when last read, and the day (overdue moves with it)."""
    from tinhso.fmt import local_today

    if id(lake) not in _SEEN:
        refresh(lake, None)
    live: tuple[object, ...] = ()
    if not getattr(_BUSY, "on", False):  # an index measuring a target that uses tasks.*
        _BUSY.on = True
        try:
            live = _live_keys(lake, period.first.year)
        finally:
            _BUSY.on = False
    return (_SEEN[id(lake)], min(period.last, day, local_today()), live)


def drill(
    session: Session, principal: Principal, ref: str, kind: str, code: str, period: Any
) -> Drill:
    """Return the tasks page of the agency (or of the year) behind a figure; the targets of the
    year's plans behind a target figure."""
    year = period.first.year
    if ref.startswith(TARGET_FIGURES):
        return Drill(
            page=f"/tasks?year={year}#targets",
            records=f"/api/v1/tasks/targets?year={year}",
            page_label="Xem chỉ tiêu của kế hoạch và mức đạt",
        )
    q = f"year={year}" + (f"&agency={code}" if kind == "agency" else "")
    return Drill(
        page=f"/tasks?{q}",
        records=f"/api/v1/tasks?{q}",
        page_label="Xem danh sách nhiệm vụ",
        records_file=f"/tasks/export.xlsx?{q}",
        records_label="Tải bảng tình hình thực hiện nhiệm vụ (Excel)",
    )


FAMILY = FigureFamily(
    prefix=PREFIX,
    name="sổ theo dõi nhiệm vụ (kế hoạch của Ban Chỉ đạo)",
    figures=figures,
    fetch=fetch,
    version=version,
    refresh=refresh,
    drill=drill,
)
