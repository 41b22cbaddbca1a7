"""The infrastructure figures as a family for the indicator engine (``infra.villages_4g`` …).

Registered through the ``tinhso.figures`` entry point in pyproject.toml. Each figure is given
for every unit above the villages (commune, province; a district before the 2025 reform), as of
the period's last day; a count over villages is left empty (not zero) where no village of the
unit has data."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import NotFound
from tinhso.figures import Drill, FigureFamily, FigureValues
from tinhso.infrastructure import courses, registers, service
from tinhso.infrastructure.models import OFFICIAL_KINDS
from tinhso.lake import Lake
from tinhso.units import service as units
from tinhso.units.codes import REFORM_DATE

PREFIX = "infra"
# figure: (name, the Tally's count, counted over villages with data)
FIGURES: dict[str, tuple[str, str, bool]] = {
    "villages": ("Số thôn, tổ dân phố", "villages", False),
    "villages_reported": ("Số thôn có số liệu hạ tầng", "reported", False),
    "villages_electricity": ("Số thôn có điện lưới quốc gia", "electricity", True),
    "villages_mobile": ("Số thôn được phủ sóng di động", "mobile", True),
    "villages_broadband": ("Số thôn có băng rộng di động (3G/4G/5G)", "broadband", True),
    "villages_4g": ("Số thôn có sóng 4G/5G", "g4", True),
    "villages_5g": ("Số thôn có sóng 5G", "g5", True),
    "villages_fibre": ("Số thôn có hạ tầng cáp quang", "fibre", True),
    "households": ("Số hộ gia đình", "households", True),
    "households_fibre": ("Số hộ gia đình có Internet cáp quang", "households_fibre", True),
    "households_fibre_base": (
        "Số hộ gia đình của các thôn có số liệu cáp quang",
        "households_fibre_base",
        True,
    ),
}
SITE_FIGURES = {
    "bts": "Số trạm BTS",
    "bts_5g": "Số trạm BTS 5G",
    "wifi": "Số điểm Wi-Fi công cộng",
}
# Counted from the registers of teams and courses: zero is a true zero there.
SOCIETY_FIGURES = {
    "teams_established": "Số tổ công nghệ số cộng đồng, tổ chỉ đạo đã thành lập",
    "teams_expected": "Số tổ phải thành lập (mỗi tỉnh, xã, thôn một tổ)",
    "village_teams": "Số tổ công nghệ số cộng đồng cấp thôn đã thành lập",
    "courses": "Số lớp tập huấn, bồi dưỡng về chuyển đổi số kết thúc trong kỳ",
    "trained": "Số lượt người được tập huấn, bồi dưỡng trong kỳ",
    "trained_officials": "Số lượt cán bộ, công chức, viên chức được tập huấn trong kỳ",
    "officials_trained": (
        "Số cán bộ, công chức, viên chức được tập huấn, bồi dưỡng trong kỳ (mỗi người một lần)"
    ),
}
COUNTED = {**SITE_FIGURES, **SOCIETY_FIGURES}
# The register each counted figure comes from: before its first record, a count is unknown.
REGISTER_OF = {
    **dict.fromkeys(SITE_FIGURES, "sites"),
    "teams_established": "teams",
    "teams_expected": "teams",
    "village_teams": "teams",
    "courses": "courses",
    "trained": "courses",
    "trained_officials": "courses",
}


def figures() -> dict[str, str]:
    """Return every infrastructure figure with its name."""
    out = {f"{PREFIX}.{k}": v[0] for k, v in FIGURES.items()}
    out.update({f"{PREFIX}.{k}": v for k, v in COUNTED.items()})
    return out


def _ancestors(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/")[:-1] if p]


def _bump(out: dict[int, dict[str, float | None]], ids: list[int], ref: str, by: float = 1) -> None:
    for uid in ids:
        vals = out.setdefault(uid, {})
        vals[ref] = (vals.get(ref) or 0.0) + by


def values_on(
    session: Session, day: date, first: date | None = None
) -> dict[int, dict[str, float | None]]:
    """Return every figure of every unit above the villages on ``day`` (courses: those that
    ended between ``first`` and ``day``)."""
    village_rows = units.unit_rows(session, level="village", on=day)
    states = service.states(session, [v[0] for v in village_rows], day, nation=True)
    # Each village counted once, in its commune; the communes' counts then added up the tree.
    by_commune: dict[int, service.Tally] = {}
    paths: dict[int, str] = {}
    for vid, parent, path in village_rows:
        if parent is None:
            continue
        if parent not in by_commune:
            by_commune[parent] = service.Tally()
            paths[parent] = path[: path.rindex("/", 0, len(path) - 1) + 1]
        by_commune[parent].add(states[vid])
    tallies: dict[int, service.Tally] = {}
    for commune, t in by_commune.items():
        for uid in _ancestors(paths[commune] + "0/"):
            tallies.setdefault(uid, service.Tally()).merge(t)
    out: dict[int, dict[str, float | None]] = {}
    for uid, t in tallies.items():
        vals: dict[str, float | None] = {}
        for code, (_name, attr, over_data) in FIGURES.items():
            known = {
                "households": t.households_known,
                "households_fibre": t.households_fibre_known,
                "households_fibre_base": t.households_fibre_known,
            }.get(attr, t.reported)
            empty = over_data and known == 0
            vals[f"{PREFIX}.{code}"] = None if empty else float(getattr(t, attr))
        out[uid] = vals
    communes = {u.id: u for u in units.units_below(session, unit=None, level="commune", on=day)}
    for commune_id, kind, _op, tech in service.sites_count(session, day):
        c = communes.get(commune_id)
        if c is None:
            continue
        here = [*_ancestors(c.path), c.id]
        _bump(out, here, f"{PREFIX}.{kind}")
        if kind == "bts" and "5g" in tech.split(","):
            _bump(out, here, f"{PREFIX}.bts_5g")
    # Teams: one expected per province, commune and village (district before the reform).
    levels = ["province", "commune", *(["district"] if day < REFORM_DATE else [])]
    # (id, path, level) of every unit that should have a team.
    expected = [(i, path, "village") for i, _p, path in village_rows]
    for lv in levels:
        expected += [(i, path, lv) for i, _p, path in units.unit_rows(session, level=lv, on=day)]
    by_id = {i: (path, lv) for i, path, lv in expected}
    for i, path, _lv in expected:
        _bump(out, [*_ancestors(path), i], f"{PREFIX}.teams_expected")
    for unit_id in registers.team_units(session, day):
        found = by_id.get(unit_id)
        if found is not None:
            here = [*_ancestors(found[0]), unit_id]
            _bump(out, here, f"{PREFIX}.teams_established")
            if found[1] == "village":
                _bump(out, here, f"{PREFIX}.village_teams")
    if first is not None:
        held = courses.attendance(session, first, day)
        where = units.units_by_id(session, sorted({unit_id for _c, unit_id, _k, _n in held}))
        by_unit: dict[int, set[int]] = {}
        for course_id, unit_id, kind, count in held:
            u = where[unit_id]
            here = [*_ancestors(u.path), u.id]
            _bump(out, here, f"{PREFIX}.trained", count)
            if kind in OFFICIAL_KINDS:
                _bump(out, here, f"{PREFIX}.trained_officials", count)
            for uid in here:
                by_unit.setdefault(uid, set()).add(course_id)
        for uid, ids in by_unit.items():
            out.setdefault(uid, {})[f"{PREFIX}.courses"] = float(len(ids))
        _officials_trained(session, out, first, day)
    return out


def _officials_trained(
    session: Session, out: dict[int, dict[str, float | None]], first: date, day: date
) -> None:
    """People, not attendances: each public servant on a course's list once, counted for the
    unit where they work — on a period's units, so one who worked in a commune merged since
    counts for the commune it became (in both, where it was split; once above them). Known (0
    where nobody) only in a province that keeps lists for the period, else unknown."""
    people = courses.officials_trained(session, first, day)
    held = courses.listed_units(session, first, day)
    found = units.units_by_id(session, sorted({u for u, _p in people} | set(held)))
    now = _on_the_day(session, found, day)
    sets: dict[int, set[str]] = {}
    for unit_id, who in people:
        for u in now.get(unit_id, []):
            for uid in [*_ancestors(u.path), u.id]:
                sets.setdefault(uid, set()).add(who)
    roots = {u.path.strip("/").split("/")[0] for us in now.values() for u in us}
    ref = f"{PREFIX}.officials_trained"
    for uid, vals in out.items():
        if uid in sets:
            vals[ref] = float(len(sets[uid]))
    below = units.units_by_id(session, list(out))
    for uid, vals in out.items():
        u = below.get(uid)
        if u is not None and ref not in vals and u.path.strip("/").split("/")[0] in roots:
            vals[ref] = 0.0
    for uid in sets.keys() - out.keys():
        out[uid] = {ref: float(len(sets[uid]))}


def _on_the_day(session: Session, found: dict[int, Any], day: date) -> dict[int, list[Any]]:
    """Return, for each unit, itself if valid on ``day``, else the units it became by then."""
    out: dict[int, list[Any]] = {}
    for uid, u in found.items():
        frontier, seen = [u], {uid}
        for _step in range(3):  # a unit's successors, and theirs (a later reform)
            valid = [x for x in frontier if units.is_valid_on(x, day)]
            if valid or not frontier:
                out[uid] = valid
                break
            nxt = units.formed_into(session, [x.id for x in frontier])
            ids = sorted({t for x in frontier for t in nxt.get(x.id, []) if t not in seen})
            seen.update(ids)
            frontier = list(units.units_by_id(session, ids).values())
    return out


def fetch(lake: Lake, period: Any, day: date, refs: tuple[str, ...]) -> FigureValues:
    """Return the figures ``refs`` per unit as the registers stood at the period's end.

    The engine asks on the units valid on ``day``; a period that ended before (the previous
    year, shown beside this one) is counted on the units of its own end, and a unit that is
    not the same on both days (a commune merged since) has no figure: unknown, never the
    state of another date."""
    as_of = min(period.last, day)
    with lake.db.session() as session:
        found = values_on(session, as_of, period.first)
        started = registers.started(session)
        where = units.units_by_id(session, list(found))
    # A unit with no site, team or course has none (zero), not an unknown — once its province
    # keeps the register: before the province's first record the count is unknown.
    out: dict[int, dict[str, float | None]] = {}
    for uid, vals in found.items():
        unit = where.get(uid)
        root = int(unit.path.strip("/").split("/")[0]) if unit is not None else None
        live = {
            f"{PREFIX}.{k}"
            for k, reg in REGISTER_OF.items()
            if root is not None and (s := started[reg].get(root)) is not None and s <= as_of
        }
        out[uid] = {r: vals.get(r, 0.0 if r in live else None) for r in refs}
    return FigureValues(out)


_SEEN: dict[int, tuple[int, ...]] = {}


def refresh(lake: Lake, conn: Connection | None) -> None:
    """Read what the registers hold on the request's connection (one query), for ``version``."""
    if conn is None:
        with lake.db.engine.connect() as own:
            _SEEN[id(lake)] = service.version_on(own)
    else:
        _SEEN[id(lake)] = service.version_on(conn)


def version(lake: Lake, period: Any, day: date) -> Hashable:
    """Return what the registers held when last read (``refresh``), and the day the figures are
    read as of (a period not yet over reads today's state, which moves with the date)."""
    from tinhso.fmt import local_today

    held = _SEEN.get(id(lake))
    if held is None:
        refresh(lake, None)
        held = _SEEN[id(lake)]
    return (held, min(period.last, day, local_today()))


def drill(
    session: Session, principal: Principal, ref: str, kind: str, code: str, period: Any
) -> Drill:
    """Return the coverage page and the white-spot list behind a figure of one unit."""
    try:
        units.find_data_unit(session, principal=principal, code=code, on=period.last)
    except NotFound:
        return Drill()
    q = f"unit={code}&as_of={period.last.isoformat()}"
    return Drill(
        page=f"/infrastructure?{q}",
        records=f"/api/v1/infrastructure/coverage?{q}",
        page_label="Xem hạ tầng số",
        records_file=f"/infrastructure/white-spots.xlsx?{q}",
        records_label="Tải danh sách thôn chưa có hạ tầng (Excel)",
    )


FAMILY = FigureFamily(
    prefix=PREFIX,
    name="sổ hạ tầng số (thôn, trạm BTS, điểm Wi-Fi)",
    figures=figures,
    fetch=fetch,
    version=version,
    refresh=refresh,
    drill=drill,
)
