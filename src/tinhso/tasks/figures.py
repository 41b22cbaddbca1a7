"""The tasks' counts as a family for the indicator engine (``tasks.done`` …): per lead agency
(the engine's organisation minus its id) and for the province of the plan, over the plans of
the period's year, with each task's status as it stands (a task of the year finished later
counts as done: the plan's year is what is counted, as the seeds report it)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.figures import Drill, FigureFamily, FigureValues
from tinhso.lake import Lake
from tinhso.tasks.models import Plan, Task, TaskUpdate
from tinhso.tasks.service import days_late

PREFIX = "tasks"
FIGURES = {
    "total": "Số nhiệm vụ của kế hoạch năm",
    "done": "Số nhiệm vụ đã hoàn thành",
    "in_progress": "Số nhiệm vụ đang thực hiện",
    "not_started": "Số nhiệm vụ chưa thực hiện",
    "cancelled": "Số nhiệm vụ dừng, hủy",
    "overdue": "Số nhiệm vụ quá hạn (chưa hoàn thành, đã qua thời hạn tính theo ngày làm việc)",
}


def figures() -> dict[str, str]:
    """Return every task figure with its name."""
    return {f"{PREFIX}.{k}": v for k, v in FIGURES.items()}


def fetch(lake: Lake, period: Any, day: date, refs: tuple[str, ...]) -> FigureValues:
    """Return the counts per lead agency and per province for the plans of the period's year;
    an organisation with no task of that year has none (not 0)."""
    from tinhso.fmt import local_today

    as_of = min(period.last, day, local_today())
    out: dict[int, dict[str, float | None]] = {}
    with lake.db.session() as session:
        rows = session.execute(
            select(Task, Plan.unit_id)
            .join(Plan, Plan.id == Task.plan_id)
            .where(Plan.year == period.first.year)
        ).all()
        for task, province in rows:
            for org in (-task.lead_id, int(province)):
                vals = out.setdefault(org, dict.fromkeys(figures(), 0.0))
                vals[f"{PREFIX}.total"] = (vals[f"{PREFIX}.total"] or 0) + 1
                key = f"{PREFIX}.{task.status}"
                vals[key] = (vals[key] or 0) + 1
                if days_late(task, lake.calendar, as_of):
                    vals[f"{PREFIX}.overdue"] = (vals[f"{PREFIX}.overdue"] or 0) + 1
    return FigureValues({org: {r: vals.get(r) for r in refs} for org, vals in out.items()})


_SEEN: dict[int, tuple[Any, ...]] = {}


def _version_on(conn: Connection) -> tuple[Any, ...]:
    return tuple(
        conn.execute(select(func.count(TaskUpdate.id), func.max(TaskUpdate.id))).one()
    ) + tuple(conn.execute(select(func.count(Task.id), func.max(Task.updated_at))).one())


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
    return (_SEEN[id(lake)], min(period.last, day, local_today()))


def drill(
    session: Session, principal: Principal, ref: str, kind: str, code: str, period: Any
) -> Drill:
    """Return the tasks page of the agency (or of the year) behind a figure."""
    year = period.first.year
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
