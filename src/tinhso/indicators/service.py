"""Indicator values as users ask for them: scoped, ranked, compared, measured against targets."""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from tinhso import figures
from tinhso.accounts.scope import Principal
from tinhso.audit import service as audit
from tinhso.errors import AppError, FieldError, InvalidInput, NotFound
from tinhso.flight import SingleFlight
from tinhso.indicators import engine
from tinhso.indicators import lake as ilake
from tinhso.indicators.orgjson import (
    RANK_ALONE,
    RANK_NO_DATA,
    comparable,
    diff,
    org_json,
    round_or_none,
)
from tinhso.indicators.spec import IndexSpec, load_spec
from tinhso.indicators.targets import (
    BUCKETS,
    PlanTarget,
    achievement,
    bucket,
    plan_targets,
    plan_targets_version,
)
from tinhso.lake import Lake
from tinhso.reporting import lookup as reporting
from tinhso.services.periods import Period, parse_period, previous
from tinhso.units.models import Agency, Unit

__all__ = [
    "BUCKETS",
    "RANK_ALONE",
    "RANK_NO_DATA",
    "PlanTarget",
    "achievement",
    "bucket",
    "plan_targets",
    "plan_targets_version",
]
LEVELS_COMPUTED = {"province": ("province",), "commune": ("commune", "province")}
# Years whose periods and the ones before them the calendar can hold.
MIN_YEAR, MAX_YEAR = 1900, 2999
FLIGHT: SingleFlight[Computation] = SingleFlight()
_CACHE: weakref.WeakKeyDictionary[Lake, dict[tuple[Any, ...], Any]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Org:
    """A unit or agency the index is computed for."""

    org: int
    kind: str  # province, commune, agency
    code: str
    name: str
    parent: int | None


@dataclass
class Computation:
    """An index computed for a period: organisations, results, and ranks worked out once."""

    orgs: dict[int, Org]
    results: dict[int, engine.OrgResult]
    rank_cache: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)

    def ranks(self, node: str) -> dict[int, tuple[int, int]]:
        """Return the ranks among siblings on a node ("" for the total), computed once."""
        if node not in self.rank_cache:
            self.rank_cache[node] = _ranks(self.orgs, self.results, node)
        return self.rank_cache[node]


def indicator_codes(session: Session, index: str) -> set[str]:
    """Return the codes of an index's indicators (none when the catalog has no such index)."""
    try:
        return set(load_spec(session, index).indicators)
    except AppError:
        return set()


def _orgs(lake: Lake, spec: IndexSpec, day: date) -> dict[int, Org]:
    con = lake.cursor()
    if spec.level == "agency":
        rows = con.execute("SELECT id, code, name, parent_id FROM ind_agency").fetchall()
        # Siblings of an agency: the agencies under the same parent agency.
        return {
            -int(r[0]): Org(-int(r[0]), "agency", r[1], r[2], -int(r[3]) if r[3] else None)
            for r in rows
        }
    levels = LEVELS_COMPUTED[spec.level]
    rows = con.execute(
        f"""SELECT id, level, code, name, parent_id FROM ind_unit
        WHERE level IN ({", ".join(f"'{lv}'" for lv in levels)})
          AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)""",
        [day, day],
    ).fetchall()
    return {int(r[0]): Org(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows}


def external_figures(
    lake: Lake, spec: IndexSpec, period: Period, day: date
) -> tuple[dict[int, dict[str, float | None]], set[int]]:
    """Return the other domains' figures the index uses (``qd766.3.3``, ``infra.villages_4g``
    …) per organisation, on the units valid on ``day`` (the same bridge across the 2025 reform
    as reported values), and the organisations whose figures hold part of a unit split by the
    reform. Each family computes its own (:mod:`tinhso.figures`)."""
    out: dict[int, dict[str, float | None]] = {}
    partial: set[int] = set()
    families = figures.families()
    for prefix, refs in figures.by_family(spec.external).items():
        got = families[prefix].fetch(lake, period, day, refs)
        partial |= got.partial
        for org, vals in got.values.items():
            out.setdefault(org, {}).update(vals)
    return out, partial


def _refresh_figures(lake: Lake, spec: IndexSpec, conn: Connection | None) -> None:
    """Let the families whose figures the index uses bring their copies up to date."""
    families = figures.families()
    for prefix in figures.by_family(spec.external):
        refresh = families[prefix].refresh
        if refresh is not None:
            refresh(lake, conn)


def _figures_version(lake: Lake, spec: IndexSpec, period: Period, day: date) -> tuple[object, ...]:
    """Return the versions of the families whose figures the index uses."""
    families = figures.families()
    return tuple(
        (prefix, families[prefix].version(lake, period, day))
        for prefix in figures.by_family(spec.external)
    )


def computation_key(
    lake: Lake,
    spec: IndexSpec,
    period: Period,
    day: date,
    *,
    synced: bool = False,
    conn: Connection | None = None,
) -> tuple[object, ...]:
    """Return what the index of ``period`` on the units valid on ``day`` is worked out from
    (the definition, data values, dimensions, and the dossiers when 766 figures are used),
    after bringing the copy up to date (unless ``synced``; looking for changes on ``conn``
    when the caller holds one)."""
    if not synced:
        ilake.sync(lake, conn)
        _refresh_figures(lake, spec, conn)
    st = ilake.states(lake)
    return (
        spec.digest,
        period.code,
        day,
        st.get("data_value_seq", 0),
        st.get("ind_dims_fp", 0),  # what is held of the register, not the audit head
        _figures_version(lake, spec, period, day),
    )


def values_version(session: Session, lake: Lake, *, index: str, period: str) -> tuple[object, ...]:
    """Return what :func:`values` of ``index`` and ``period`` is worked out from (the period's
    computation and the one before, the register and scopes): its answer is the same while
    this is."""
    spec = load_spec(session, index)
    p = index_period(period)
    return (
        computation_key(lake, spec, p, p.last, conn=session.connection()),
        computation_key(lake, spec, previous(p), p.last, synced=True),
        audit.head(session),
    )


def uses_figures(session: Session, index: str, prefix: str) -> bool:
    """Return whether the index's expressions use a figure whose reference starts ``prefix``."""
    try:
        return any(r.startswith(prefix) for r in load_spec(session, index).external)
    except AppError:
        return False


def live_key(session: Session, lake: Lake, *, index: str, period: str, skip: str) -> object:
    """Return what the index's values of ``period`` are worked out from, after letting its
    figure families (but ``skip``'s, the caller's own) bring their copies up to date: a domain
    whose figures read an index's live values keeps its version with this (None: no index)."""
    try:
        spec = load_spec(session, index)
        p = index_period(period)
    except AppError:
        return None
    conn = session.connection()
    ilake.sync(lake, conn)
    families = figures.families()
    for prefix in figures.by_family(spec.external):
        refresh = families[prefix].refresh
        if prefix != skip and refresh is not None:
            refresh(lake, conn)
    return computation_key(lake, spec, p, p.last, synced=True)


def computed(lake: Lake, spec: IndexSpec, period: Period, day: date) -> Computation:
    """Return the index of every organisation for the period, from the cache while nothing
    changed (data values, units, the definition, and the dossiers when 766 figures are used).

    A figure in memory is read without the copy's lock; concurrent requests for one not yet
    computed share one computation."""
    key = computation_key(lake, spec, period, day)
    cache = _CACHE.setdefault(lake, {})
    found: Computation | None = cache.get(key)
    if found is not None:
        return found

    def compute() -> Computation:
        held: Computation | None = cache.get(key)
        if held is not None:
            return held
        # The 766 figures first, outside the lock: they are shared with other requests.
        external, split = external_figures(lake, spec, period, day)
        with lake.lock:
            orgs = _orgs(lake, spec, day)
            results = engine.compute(lake, spec, period, day, list(orgs), external)
        for org in split & results.keys():
            results[org].partial = True
        if len(cache) >= 8:  # a few indices × periods; each holds every unit's values
            cache.clear()
        cache[key] = made = Computation(orgs, results)
        return made

    return FLIGHT.do((id(lake), key), compute)


def index_period(code: str) -> Period:
    """Return the period named by ``code``; a year whose period or the one before it the
    calendar cannot hold (0000, 9999-12) is refused like any bad code, not a 500."""
    year = code.strip()[:4]
    if year.isdigit() and not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise InvalidInput(
            f"kỳ '{code}' không hợp lệ",
            [FieldError("period", f"năm từ {MIN_YEAR} đến {MAX_YEAR}", value=code)],
        )
    return parse_period(code)  # raises InvalidInput for a code of the wrong shape


def _ranks(
    orgs: dict[int, Org], results: dict[int, engine.OrgResult], node: str
) -> dict[int, tuple[int, int]]:
    """Return each organisation's rank among its siblings (same kind, same parent) that have
    figures, on a node; an organisation alone with figures among its siblings has none."""
    groups: dict[tuple[str, int | None], list[tuple[float, int]]] = {}
    for org, o in orgs.items():
        # A unit with no figure at all in the period (another province, a commune created
        # later) is not ranked: its zeros would say nothing about it.
        if org not in results or not results[org].reported:
            continue
        # Nor on a node it has no figure under: tied zeros of "no data" are not a standing.
        if node not in results[org].covered:
            continue
        pts = results[org].points.get(node)
        if pts is not None:
            groups.setdefault((o.kind, o.parent), []).append((pts, org))
    out: dict[int, tuple[int, int]] = {}
    for items in groups.values():
        if len(items) < 2:
            continue  # a rank among one is not a rank: nothing to compare with
        items.sort(key=lambda x: -x[0])
        rank, last = 0, None
        for i, (pts, org) in enumerate(items, start=1):
            if pts != last:
                rank, last = i, pts
            out[org] = (rank, len(items))
    return out


def visible_orgs(session: Session, principal: Principal, orgs: Iterable[int]) -> set[int]:
    """Return the organisations (unit ids, minus agency ids) whose figures the caller may read:
    its scope, and those that report to its department (the department in charge of their
    forms)."""
    ids = list(orgs)
    unit_ids = [o for o in ids if o > 0]
    agency_ids = [-o for o in ids if o < 0]
    overseen_units, overseen_agencies = reporting.overseen_orgs(session, principal=principal)
    seen: set[int] = {u for u in unit_ids if u in overseen_units}
    seen |= {-a for a in agency_ids if a in overseen_agencies}
    if unit_ids:
        seen |= set(
            session.scalars(
                select(Unit.id).where(principal.unit_data_read(), Unit.id.in_(unit_ids))
            )
        )
    if agency_ids:
        seen |= {
            -a
            for a in session.scalars(
                select(Agency.id).where(principal.agency_read(), Agency.id.in_(agency_ids))
            )
        }
    return seen


def values(
    session: Session,
    lake: Lake,
    *,
    principal: Principal,
    index: str,
    period: str,
    unit_code: str | None = None,
) -> dict[str, Any]:
    """Return an index for a period: one unit in full, or every unit the caller may see
    (totals and main indicators), with ranks among siblings and the change from the period
    before. Units are those valid at the period's end; older data counts through the lineage."""
    principal.require("read")
    spec = load_spec(session, index)
    p = index_period(period)
    before = previous(p)
    now, then = computed(lake, spec, p, p.last), computed(lake, spec, before, p.last)
    orgs, cur, prev = now.orgs, now.results, then.results
    visible = visible_orgs(session, principal, orgs)
    if unit_code is not None:
        found = [o for o in orgs.values() if o.code == unit_code.strip() and o.org in visible]
        if not found:
            raise NotFound(
                f"không tìm thấy đơn vị '{unit_code}' trong phạm vi được xem của bộ chỉ số {index}"
            )
        chosen, depth = found[:1], None
    else:
        chosen = [o for o in orgs.values() if o.org in visible]
        depth = 1
    ranks = {"": now.ranks("")}
    for n in spec.nodes:
        if depth is None or n.depth <= depth:
            ranks[n.code] = now.ranks(n.code)
    items = [
        org_json(spec, o, cur[o.org], prev.get(o.org), ranks, p.first.year, depth) for o in chosen
    ]
    order = {"province": 0, "commune": 1, "agency": 2}
    items.sort(key=lambda u: (order[u["kind"]], -(u["points"] or -1), u["name"]))
    return {
        "index": {
            "code": spec.code,
            "name": spec.name,
            "version": spec.version,
            "level": spec.level,
            "max_points": spec.max_points,
            "normalise": spec.normalise,
            "period_type": spec.period_type,
        },
        "period": p.code,
        "label": p.label,
        "previous_period": before.code,
        "units": items,
    }


def _summary(
    o: Org,
    cur: engine.OrgResult,
    prev: engine.OrgResult | None,
    spec: IndexSpec,
    rank: tuple[int, int] | None,
) -> dict[str, Any]:
    prev = comparable(prev)
    total = cur.total if cur.reported else None
    before = prev.total if prev else None
    return {
        "kind": o.kind,
        "code": o.code,
        "name": o.name,
        "points": round_or_none(total),
        "normalised": round_or_none(None if total is None else total / spec.normalise),
        "change": diff(total, before),
        "rank": rank[0] if rank else None,
        "rank_of": rank[1] if rank else None,
        "reported": cur.reported,
    }


LEVEL_WORDS = {"province": "tỉnh, thành phố", "commune": "xã, phường", "agency": "cơ quan"}


def _likeliest(
    session: Session,
    principal: Principal,
    orgs: dict[int, Org],
    results: dict[int, engine.OrgResult],
    home: str | None,
) -> list[Org]:
    """Return the organisations a page may open on, the likeliest first.

    The whole installation: its own province (``home``), then those with figures. Anyone else:
    the roots of their scope (their commune or province, their agency, the unit their agency
    belongs to — a department's province), then whatever else they may see, those with
    figures first."""
    order = {"province": 0, "commune": 1, "agency": 2}

    def rest_key(o: Org) -> tuple[bool, int, str]:
        return (not results[o.org].reported, order[o.kind], o.name)

    if principal.is_global:
        first = [o for o in orgs.values() if o.kind == "province" and o.code == home]
        return first + sorted((o for o in orgs.values() if o not in first), key=rest_key)
    roots = [int(p.strip("/").split("/")[-1]) for p in principal.unit_paths]
    agency_roots = [int(p.strip("/").split("/")[-1]) for p in principal.agency_paths]
    roots += [-a for a in agency_roots]
    if agency_roots:
        roots += list(session.scalars(select(Agency.unit_id).where(Agency.id.in_(agency_roots))))
    allowed = visible_orgs(session, principal, orgs)
    first = [orgs[r] for r in dict.fromkeys(roots) if r in orgs and r in allowed]
    others = sorted((o for o in orgs.values() if o.org in allowed and o not in first), key=rest_key)
    return first + others


def page(
    session: Session,
    lake: Lake,
    *,
    principal: Principal,
    index: str,
    period: str,
    unit_code: str | None = None,
    home: str | None = None,
) -> dict[str, Any]:
    """Return what a unit's page shows: its whole tree, its parent, siblings and children.

    Without a unit, the one the caller most likely wants (``_likeliest``: the installation's
    province ``home`` for the whole installation, else the roots of the caller's scope). Only
    the units shown are checked against the caller's scope, so the page stays fast on 3,000
    units.
    """
    principal.require("read")
    spec = load_spec(session, index)
    p = index_period(period)
    before = previous(p)
    now, then = computed(lake, spec, p, p.last), computed(lake, spec, before, p.last)
    orgs, cur, prev = now.orgs, now.results, then.results
    code = (unit_code or "").strip()
    if code:
        candidates = [o for o in orgs.values() if o.code == code]
        allowed = visible_orgs(session, principal, {o.org: o for o in candidates[:50]})
        candidates = [o for o in candidates if o.org in allowed]
    else:
        candidates = _likeliest(session, principal, orgs, cur, home)
    if not candidates and code:
        raise NotFound(
            f"không tìm thấy đơn vị '{code}' trong phạm vi được xem của bộ chỉ số {index}"
        )
    if not candidates:
        raise NotFound(
            f"{spec.name} tính cho {LEVEL_WORDS[spec.level]}; phạm vi được phân quyền của "
            f"anh/chị không có {LEVEL_WORDS[spec.level]} nào"
        )
    unit = candidates[0]
    # The caller's other units of the same kind in that period (a pre-2025 year shows the
    # communes a new commune was formed from): offered on the page, not hidden behind a URL.
    others = (
        [{"code": o.code, "name": o.name} for o in candidates[1:31] if o.kind == unit.kind]
        if not code and not principal.is_global
        else []
    )
    ranks = {"": now.ranks("")} | {n.code: now.ranks(n.code) for n in spec.nodes}
    detail = org_json(spec, unit, cur[unit.org], prev.get(unit.org), ranks, p.first.year)
    near = [o for o in orgs.values() if o.org != unit.org and o.parent in (unit.parent, unit.org)]
    if unit.parent in orgs:
        near.append(orgs[unit.parent])
    seen = visible_orgs(session, principal, {o.org: o for o in near})
    rows = {
        o.org: _summary(o, cur[o.org], prev.get(o.org), spec, ranks[""].get(o.org))
        for o in near
        if o.org in seen
    }

    def by_rank(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(items, key=lambda r: (r["rank"] or 10**9, r["name"]))

    me = _summary(unit, cur[unit.org], prev.get(unit.org), spec, ranks[""].get(unit.org))
    return {
        "index": {
            "code": spec.code,
            "name": spec.name,
            "version": spec.version,
            "normalise": spec.normalise,
        },
        "period": p,
        "previous_period": before,
        "unit": detail,
        "parent": rows.get(unit.parent) if unit.parent is not None else None,
        "siblings": by_rank(
            [me]
            + [r for o, r in rows.items() if orgs[o].parent == unit.parent and o != unit.parent]
        ),
        "children": by_rank([r for o, r in rows.items() if orgs[o].parent == unit.org]),
        "others": others,
    }
