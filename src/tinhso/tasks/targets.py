"""A plan's targets (chỉ tiêu): achievement from the indicator engine's live value where a
target names an indicator of a catalog index, else from the value entered by hand (who, when);
the seeds' buckets (≥100%, >70%, >50%, <50%), lower-is-better respected.

Seed 001: "30 mục tiêu trọng tâm … có 10 chỉ tiêu đã hoàn thành và vượt; 6 chỉ tiêu hoàn thành
trên 70%; 7 chỉ tiêu đạt trên 50%; 7 chỉ tiêu thực hiện được dưới 50%"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.errors import AppError, FieldError, Forbidden, InvalidInput, NotFound
from tinhso.indicators import service as indicators
from tinhso.lake import Lake
from tinhso.tasks.models import Plan, PlanTarget
from tinhso.tasks.service import reach, two
from tinhso.units import service as units

WORDS = {
    "dat": "chỉ tiêu đã hoàn thành và vượt",
    "tren_70": "chỉ tiêu hoàn thành trên 70%",
    "tren_50": "chỉ tiêu đạt trên 50%",
    "duoi_50": "chỉ tiêu thực hiện được dưới 50%",
}


def _plans(
    session: Session, principal: Principal, plan: str | None, year: int | None
) -> list[Plan]:
    r = reach(session, principal)
    stmt = select(Plan)
    if plan:
        stmt = stmt.where(Plan.code == plan.strip())
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    found = [
        p
        for p in session.scalars(stmt.order_by(Plan.issued))
        if r.read is None or p.in_charge_id in r.read
    ]
    if plan and not found:
        raise NotFound(f"không có kế hoạch '{plan.strip()}' trong phạm vi được xem")
    return found


def _live(
    session: Session,
    lake: Lake,
    principal: Principal,
    index: str,
    indicator: str,
    year: int,
    unit_code: str,
    cache: dict[tuple[str, int, str], dict[str, Any] | None],
) -> float | None:
    key = (index, year, unit_code)
    if key not in cache:
        try:
            got = indicators.values(
                session,
                lake,
                principal=principal,
                index=index,
                period=str(year),
                unit_code=unit_code,
            )
            cache[key] = got["units"][0] if got["units"] else None
        except AppError:
            cache[key] = None  # no such index for the year, or not in the caller's scope
    unit = cache[key]
    if unit is None:
        return None
    for node in unit["nodes"]:
        ind = node.get("indicator")
        if ind and ind["code"] == indicator:
            value = ind["value"]
            return None if value is None else float(value)
    return None


# Figures whose values read the plans' targets: an index that uses them is never computed to
# find a target's value (it would compute itself).
TARGET_FIGURES = "tasks.targets"


def _item(
    p: Plan,
    code: str,
    name: str,
    measure: str,
    planned: float,
    direction: str,
    index: str,
    indicator: str,
    value: float | None,
    source: str,
) -> dict[str, Any]:
    ach = None if value is None else indicators.achievement(direction, value, planned)
    bucket, label = indicators.bucket(ach) if ach is not None else ("", "chưa có số liệu")
    return {
        "plan": p.code,
        "code": code,
        "name": name,
        "measure": measure,
        "planned": planned,
        "direction": direction,
        "index": index or None,
        "indicator": indicator or None,
        "source": source,
        "catalog": None,
        "value": value,
        "achievement": None if ach is None else round(ach, 4),
        "bucket": bucket or None,
        "label": label,
        "entered_by": None,
        "entered_at": None,
    }


def evaluate(
    session: Session, lake: Lake, principal: Principal, plans: list[Plan]
) -> list[tuple[Plan, dict[str, Any]]]:
    """Return each plan's targets with their value, achievement and bucket: the plan's own
    (``task_target``) and the catalog's targets the plan set (``plan`` on a catalog target), a
    catalog target taking the place of an own one of the same code. A value is
    read from the indicator engine where the target names an indicator, else as entered."""
    by_id = {p.id: p for p in plans}
    own: dict[int, list[PlanTarget]] = {}
    if by_id:
        for t in session.scalars(
            select(PlanTarget).where(PlanTarget.plan_id.in_(list(by_id))).order_by(PlanTarget.id)
        ):
            own.setdefault(t.plan_id, []).append(t)
    provinces = units.units_by_id(session, [p.unit_id for p in plans])
    cache: dict[tuple[str, int, str], dict[str, Any] | None] = {}
    refused: dict[str, bool] = {}

    def live(index: str, indicator: str, p: Plan) -> float | None:
        if not index:
            return None
        if index not in refused:
            refused[index] = indicators.uses_figures(session, index, TARGET_FIGURES)
        if refused[index]:
            return None
        code = provinces[p.unit_id].code
        return _live(session, lake, principal, index, indicator, p.year, code, cache)

    out: list[tuple[Plan, dict[str, Any]]] = []
    for p in plans:
        linked = indicators.plan_targets(session, plan=p.code, year=p.year, unit_id=p.unit_id)
        taken = {c.code for c in linked}
        for c in linked:
            item = _item(
                p,
                c.code,
                c.name,
                c.measure,
                c.planned,
                c.direction,
                c.index,
                c.indicator,
                live(c.index, c.indicator, p),
                "indicator",
            )
            item["catalog"] = c.catalog
            out.append((p, item))
        for t in own.get(p.id, []):
            if t.code in taken:
                continue
            if t.indicator:
                value, source = live(t.index, t.indicator, p), "indicator"
            else:
                value, source = t.achieved, "manual"
            item = _item(
                p,
                t.code,
                t.name,
                t.measure,
                t.planned,
                t.direction,
                t.index,
                t.indicator,
                value,
                source,
            )
            if source == "manual":
                item["entered_by"] = t.achieved_by or None
                item["entered_at"] = t.achieved_at.isoformat() if t.achieved_at else None
            out.append((p, item))
    return out


def indices_of(session: Session, plans: list[Plan]) -> set[str]:
    """Return the indices whose live values measure the plans' targets (none computed here)."""
    out = {
        index
        for index in session.scalars(
            select(PlanTarget.index).where(
                PlanTarget.plan_id.in_([p.id for p in plans]), PlanTarget.indicator != ""
            )
        )
        if index
    }
    for p in plans:
        for c in indicators.plan_targets(session, plan=p.code, year=p.year, unit_id=p.unit_id):
            if c.index:
                out.add(c.index)
    return out


def targets(
    session: Session,
    lake: Lake,
    *,
    principal: Principal,
    plan: str | None = None,
    year: int | None = None,
) -> dict[str, Any]:
    """Return the targets of the plans in scope with their achievement and bucket, and the
    counts per bucket in the seed's wording."""
    items = [
        item
        for _, item in evaluate(session, lake, principal, _plans(session, principal, plan, year))
    ]
    buckets = dict.fromkeys(WORDS, 0)
    for item in items:
        if item["bucket"]:
            buckets[item["bucket"]] += 1
    unknown = sum(1 for item in items if not item["bucket"])
    parts = [f"{two(n)} {WORDS[k]}" for k, n in buckets.items()]
    total = len(items)
    wording = (
        f"{two(total)} chỉ tiêu: "
        + "; ".join(parts)
        + (f"; {two(unknown)} chỉ tiêu chưa có số liệu" if unknown else "")
        if total
        else "chưa có chỉ tiêu"
    )
    return {
        "total": total,
        "buckets": buckets,
        "unknown": unknown,
        "wording": wording,
        "targets": items,
    }


def enter_achieved(
    session: Session, *, principal: Principal, plan: str, code: str, value: float
) -> PlanTarget:
    """Record by hand what a target not measured by an indicator has achieved."""
    p = _plans(session, principal, plan, None)[0]
    if p.in_charge_id not in reach(session, principal).write:
        raise Forbidden("chỉ cơ quan theo dõi kế hoạch được nhập kết quả chỉ tiêu")
    t = session.scalars(
        select(PlanTarget).where(PlanTarget.plan_id == p.id, PlanTarget.code == code.strip())
    ).first()
    linked = indicators.plan_targets(session, plan=p.code, year=p.year, unit_id=p.unit_id)
    if any(code.strip() == c.code for c in linked):
        raise InvalidInput(
            f"chỉ tiêu '{code.strip()}' của kế hoạch {p.code} ghi trong danh mục chỉ số, tính từ"
            " chỉ số: không nhập tay",
            [FieldError("code", "chỉ tiêu gắn với chỉ số")],
        )
    if t is None:
        raise NotFound(f"kế hoạch {p.code} không có chỉ tiêu '{code.strip()}'")
    if t.indicator:
        raise InvalidInput(
            f"chỉ tiêu '{t.code}' tính từ chỉ số {t.indicator}: không nhập tay",
            [FieldError("value", "chỉ tiêu gắn với chỉ số")],
        )
    if value < 0:
        raise InvalidInput("kết quả không âm", [FieldError("value", "phải ≥ 0", value=str(value))])
    t.achieved, t.achieved_by, t.achieved_at = value, principal.username, utcnow()
    session.flush()
    return t
