"""The 766 index as users ask for it: resolved units, scoped reads, ranks, plain data out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.audit import service as audit
from tinhso.errors import NotFound
from tinhso.lake import Lake
from tinhso.services import qd766
from tinhso.services.catalog import Catalog
from tinhso.services.periods import Period
from tinhso.units import service as units
from tinhso.units.models import Agency, Unit

KIND_LABELS = {"province": "Tỉnh", "commune": "Cấp xã", "agency": "Cơ quan"}


@dataclass(frozen=True)
class UnitRef:
    """A unit the index is computed for: an agency, a commune or a province."""

    kind: str
    id: int
    code: str
    name: str


def resolve(session: Session, principal: Principal, code: str, period: Period) -> UnitRef:
    """Return the unit named by a code: an agency (QCVN 102 code) or a unit valid in the period."""
    code = code.strip()
    if "." in code:
        agency = session.scalars(
            select(Agency).where(Agency.code == code, principal.agency_read())
        ).first()
        if agency is None:
            raise NotFound(f"không tìm thấy cơ quan '{code}' trong phạm vi")
        return UnitRef("agency", agency.id, agency.code, agency.name)
    found = list(
        session.scalars(
            select(Unit).where(
                Unit.code == code,
                Unit.level.in_(["province", "commune"]),
                principal.unit_data_read(),
                units.valid_on(period.last),
            )
        )
    )
    if not found:
        raise NotFound(f"không tìm thấy đơn vị '{code}' có hiệu lực trong kỳ {period.label}")
    u = found[0]
    return UnitRef(u.level, u.id, u.code, u.name)


def visible_units(
    session: Session, principal: Principal, among: dict[str, set[int]] | None = None
) -> list[UnitRef]:
    """Return every province, commune and agency the caller may see, for the index lists
    (``among``: only these ids of each kind — the units that have figures)."""
    agencies = select(Agency.id, Agency.code, Agency.name).where(principal.agency_read())
    places = select(Unit.id, Unit.code, Unit.name, Unit.level).where(
        principal.unit_data_read(), Unit.level.in_(["province", "commune"])
    )
    if among is not None:
        # A province's register holds 14,000 units; a period has figures for a few hundred.
        agencies = agencies.where(Agency.id.in_(sorted(among.get("agency", ()))))
        places = places.where(
            Unit.id.in_(sorted(among.get("province", set()) | among.get("commune", set())))
        )
    refs = [UnitRef("agency", i, c, n) for i, c, n in session.execute(agencies)]
    refs += [UnitRef(lvl, i, c, n) for i, c, n, lvl in session.execute(places)]
    return refs


def unit_json(ref: UnitRef, us: qd766.UnitScore | None, catalog: Catalog) -> dict[str, Any]:
    """Return one unit's index as plain data (the API's and the page's shape)."""
    indicators = []
    groups: dict[str, dict[str, Any]] = {
        g.id: {"id": g.id, "name": g.name, "points": 0.0, "max_points": 0.0} for g in catalog.groups
    }
    for ind in catalog.indicators:
        s = us.scores.get(ind.id) if us else None
        applicable = bool(s and s.applicable)
        indicators.append(
            {
                "id": ind.id,
                "name": ind.name,
                "group": ind.group,
                "kind": ind.kind,
                "numerator": s.num if s else None,
                "denominator": s.den if s else None,
                "value": s.value if s else None,
                "points": s.points if s and applicable else None,
                "max_points": ind.points,
                "threshold": ind.threshold,
                "applicable": applicable,
            }
        )
        if applicable and ind.scored and s is not None:
            groups[ind.group]["points"] += s.points or 0
            groups[ind.group]["max_points"] += ind.points
    return {
        "kind": ref.kind,
        "id": ref.id,
        "code": ref.code,
        "name": ref.name,
        "score": us.share if us else None,
        "points": us.points if us else 0.0,
        "max_points": us.max_points if us else 0.0,
        # Among the units of its kind in its province; none when it is alone there.
        "rank": us.rank[0] if us and us.rank else None,
        "rank_of": us.rank[1] if us and us.rank else None,
        # Part of its figures come from a pre-2025 unit split between several new units.
        "partial": bool(us and us.partial),
        "groups": list(groups.values()),
        "indicators": indicators,
    }


def version(session: Session, lake: Lake, catalog: Catalog, period: Period) -> tuple[object, ...]:
    """Return what :func:`index` of ``period`` is worked out from (the scores, and the register
    and scopes the units are shown from): its answer is the same while this is."""
    conn = session.connection()
    return (qd766.figures_version(lake, catalog, period, conn=conn), audit.head(session))


def index(
    session: Session,
    lake: Lake,
    catalog: Catalog,
    *,
    principal: Principal,
    period: Period,
    unit_code: str | None = None,
) -> dict[str, Any]:
    """Return the index of a period: one unit, or every unit the caller may see, with ranks."""
    principal.require("read")
    scores = qd766.fetch(lake, catalog, period)
    among: dict[str, set[int]] = {}
    if not unit_code:
        for _p, kind, uid in scores:
            among.setdefault(kind, set()).add(uid)
    refs = (
        [resolve(session, principal, unit_code, period)]
        if unit_code
        else visible_units(session, principal, among)
    )
    items = []
    for ref in refs:
        us = scores.get((period.code, ref.kind, ref.id))
        if us is None and not unit_code:
            continue
        items.append(unit_json(ref, us, catalog))
    order = {"province": 0, "commune": 1, "agency": 2}
    items.sort(key=lambda u: (order[u["kind"]], -(u["score"] or -1), u["name"]))
    return {
        "period": period.code,
        "label": period.label,
        "catalog": {"code": catalog.code, "version": catalog.version, "name": catalog.name},
        "units": items,
    }


def trend(
    session: Session, lake: Lake, catalog: Catalog, *, principal: Principal, ref: UnitRef, year: int
) -> list[dict[str, Any]]:
    """Return the unit's monthly score and on-time rate over a year.

    A month the unit did not exist in (before 1 July 2025 for a new commune) is shown on the
    unit through the lineage, as the year is: the months before the reform carry the dossiers of
    the units it was formed from."""
    from tinhso.services.periods import parse_period

    unit = session.get(Unit, ref.id) if ref.kind != "agency" else None
    out = []
    # Not under the copy's lock: each month is a figure of its own, shared with concurrent
    # requests for it (a request holding the lock while waiting for another's would stall it).
    months = _trend_months(lake, catalog, ref, unit, year)
    for m, us in months:
        p = parse_period(f"{year}-{m:02d}")
        on_time = us.scores["2.1"].value if us and "2.1" in us.scores else None
        out.append(
            {
                "period": p.code,
                "label": f"T{m}",
                "score": us.share if us else None,
                "on_time": on_time,
            }
        )
    return out


def _trend_months(
    lake: Lake, catalog: Catalog, ref: UnitRef, unit: Unit | None, year: int
) -> list[tuple[int, qd766.UnitScore | None]]:
    from tinhso.services.periods import parse_period

    out = []
    for m in range(1, 13):
        p = parse_period(f"{year}-{m:02d}")
        day = p.last
        if unit is not None and not _valid_on(unit, day):
            later = date(year, 12, 31)
            day = later if _valid_on(unit, later) else day
        scores = qd766.fetch(lake, catalog, p, ref.kind, [ref.id], on=day, ranked=False)
        out.append((m, scores.get((p.code, ref.kind, ref.id))))
    return out


def _valid_on(unit: Unit, day: date) -> bool:
    return unit.valid_from <= day and (unit.valid_to is None or day <= unit.valid_to)
