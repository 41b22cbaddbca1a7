"""Targets (chỉ tiêu): how much of a planned value is achieved, its bucket as the seeds report
them, and the catalog's targets a plan set (``plan`` on a catalog target)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.orm import Session

from tinhso.indicators.models import CompositeIndex, IndexNode, Indicator, Target
from tinhso.units.models import Unit

BUCKETS = (
    (1.0, "dat", "Hoàn thành, vượt (≥100%)"),
    (0.7, "tren_70", "Trên 70%"),
    (0.5, "tren_50", "Trên 50%"),
    (float("-inf"), "duoi_50", "Dưới 50%"),
)


def bucket(achievement: float) -> tuple[str, str]:
    """Return the achievement bucket (code, Vietnamese label): ≥100%, >70%, >50%, else."""
    for bound, code, label in BUCKETS:
        if achievement >= bound if bound == 1.0 else achievement > bound:
            return code, label
    return BUCKETS[-1][1], BUCKETS[-1][2]


def achievement(direction: str, value: float, planned: float) -> float:
    """Return how much of the plan is achieved (1.0 = 100%); lower-is-better inverts it."""
    if direction == "lower":
        return 1.0 if value <= planned else (planned / value if value else 1.0)
    if planned == 0:
        return 1.0
    return value / planned


@dataclass(frozen=True)
class PlanTarget:
    """A catalog target that a plan set: measured live by its indicator, scored in ``index``
    ("" when no index scores the indicator: then it has no live value)."""

    code: str
    name: str
    indicator: str
    measure: str
    direction: str
    planned: float
    year: int
    index: str
    catalog: str


def plan_targets(session: Session, *, plan: str, year: int, unit_id: int) -> list[PlanTarget]:
    """Return the catalog's targets set by ``plan`` for ``year``: those of the plan's province
    (by its code, which the 2025 reform kept for the provinces: a target of 2024 names the
    province of the time, a plan is kept under today's) and, for a code it has none of its
    own for, those of every province (``level: province``)."""
    code = session.scalar(select(Unit.code).where(Unit.id == unit_id))
    rows = session.execute(
        select(Target, Indicator, Unit.code)
        .join(Indicator, Indicator.id == Target.indicator_id)
        .outerjoin(Unit, Unit.id == Target.unit_id)
        .where(
            Target.plan == plan.strip(),
            Target.year == year,
            or_(Target.level == "province", Unit.code == code),
        )
        .order_by(Target.unit_id.is_(None), Target.code, Target.id)
    ).all()
    scored: dict[int, str] = {}
    for ind_id, index in session.execute(
        select(IndexNode.indicator_id, CompositeIndex.code)
        .join(CompositeIndex, CompositeIndex.id == IndexNode.index_id)
        .where(IndexNode.indicator_id.in_([i.id for _, i, _ in rows]))
        .order_by(CompositeIndex.level != "province", CompositeIndex.code)
    ):
        if ind_id is not None:
            scored.setdefault(ind_id, index)
    out: dict[str, PlanTarget] = {}
    for t, ind, _ in rows:
        out.setdefault(  # a province's own target before the level's of the same code
            t.code or ind.code,
            PlanTarget(
                code=t.code or ind.code,
                name=t.name or ind.name,
                indicator=ind.code,
                measure=ind.unit,
                direction=ind.direction,
                planned=t.planned,
                year=t.year,
                index=scored.get(ind.id, ""),
                catalog=t.catalog,
            ),
        )
    return list(out.values())


def plan_targets_version(conn: Connection) -> tuple[object, ...]:
    """Return what the catalog's targets set by plans are (count, last id, sum of the planned
    values): it changes when a catalog load changes them."""
    return tuple(
        conn.execute(
            select(func.count(Target.id), func.max(Target.id), func.sum(Target.planned)).where(
                Target.plan != ""
            )
        ).one()
    )
