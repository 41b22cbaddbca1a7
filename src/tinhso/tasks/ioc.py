"""The steering committee's tiles on the operations centre: the year's tasks done and overdue
per province and lead agency, and the share of the plans' targets reached (``tasks.*``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.lake import Lake
from tinhso.tasks.models import Task
from tinhso.tasks.service import OPEN, days_late
from tinhso.tiles import AlertFound, AlertSource, Tile, TileSet, figure_drill, figure_values
from tinhso.units.models import Agency

GROUP = "Kế hoạch, nhiệm vụ"


def _overdue(
    session: Session, lake: Lake, day: date, params: Mapping[str, Any]
) -> list[AlertFound]:
    """Each open task past its deadline (working days), for its lead agency."""
    out = []
    for task, code in session.execute(
        select(Task, Agency.name)
        .join(Agency, Agency.id == Task.lead_id)
        .where(Task.status.in_(OPEN))
    ):
        late = days_late(task, lake.calendar, day)
        if late:
            out.append(
                AlertFound(
                    key=f"task:{task.code}",
                    org=-task.lead_id,
                    text=f"Nhiệm vụ {task.code} ({task.title[:120]}) quá hạn {late} ngày làm việc — {code}",
                    url=f"/tasks/{quote(task.code, safe='')}",
                )
            )
    return out


TILES = TileSet(
    domain="tasks",
    name="Kế hoạch, nhiệm vụ",
    tiles=(
        Tile(
            code="tasks.done",
            name="Tỷ lệ nhiệm vụ đã hoàn thành",
            group=GROUP,
            measure="%",
            values=figure_values("tasks.done", "tasks.total", 100),
            kinds=("year",),
            target=100,
            warn=70,
            levels=("province", "agency"),
            drill=figure_drill("tasks.done"),
            order=60,
        ),
        Tile(
            code="tasks.overdue",
            name="Số nhiệm vụ quá hạn",
            group=GROUP,
            measure="nhiệm vụ",
            values=figure_values("tasks.overdue"),
            direction="lower",
            decimals=0,
            kinds=("year",),
            target=0,
            warn=3,
            levels=("province", "agency"),
            drill=figure_drill("tasks.overdue"),
            order=61,
        ),
        Tile(
            code="tasks.targets_reached",
            name="Tỷ lệ chỉ tiêu kế hoạch hoàn thành, vượt",
            group=GROUP,
            measure="%",
            values=figure_values("tasks.targets_dat", "tasks.targets_total", 100),
            kinds=("year",),
            target=100,
            warn=70,
            levels=("province",),
            drill=figure_drill("tasks.targets_dat"),
            order=62,
        ),
    ),
    alerts=(AlertSource(code="tasks.overdue", name="Nhiệm vụ quá hạn", find=_overdue),),
)
