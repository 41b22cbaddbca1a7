"""Reading the administrative register: hierarchy, validity in time, lineage and search.

Every function takes the caller's :class:`Principal` and reads only what it may see.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from tinhso.accounts.scope import Principal, subtree_of
from tinhso.audit import service as audit
from tinhso.errors import NotFound
from tinhso.text import fold, sort_key
from tinhso.units.codes import UNIT_KINDS, unit_label
from tinhso.units.models import Agency, Unit, UnitLineage


def valid_on(day: date) -> ColumnElement[bool]:
    """Return the clause for units valid on ``day``."""
    return and_(Unit.valid_from <= day, or_(Unit.valid_to.is_(None), Unit.valid_to >= day))


def is_valid_on(unit: Unit, day: date) -> bool:
    """Return True when the unit exists on ``day``."""
    return unit.valid_from <= day and (unit.valid_to is None or unit.valid_to >= day)


def inside_name(unit: Unit) -> str:
    """Return the unit's name as it is written inside another name, its kind in lower case:
    "Ủy ban nhân dân " + "tỉnh Lai Châu", "Cán bộ " + "phường Đoàn Kết"."""
    full = unit_label(unit.kind, unit.name)
    kind = UNIT_KINDS.get(unit.kind, ("", ""))[1]
    if kind and full.lower().startswith(kind.lower()):
        return kind.lower() + full[len(kind) :]
    return full


def sort_units(units: Sequence[Unit]) -> list[Unit]:
    """Return units in Vietnamese alphabetical order of their names."""
    return sorted(units, key=lambda u: (sort_key(u.name), u.code))


_NAME_RANK: dict[str, int] = {}
_RANK_LOCK = threading.Lock()


def name_ranks(names: Sequence[str]) -> dict[str, int]:
    """Return the position of each name in Vietnamese order, among every name seen so far.

    Comparing two collation keys is slow (nested tuples); comparing two positions is not. The
    positions are worked out again only when a name not seen before turns up."""
    ranks = _NAME_RANK
    if all(n in ranks for n in names):
        return ranks
    with _RANK_LOCK:
        known = set(_NAME_RANK) | set(names)
        if len(known) > 200_000:  # a bound, whatever is asked
            known = set(names)
        ranks = {n: i for i, n in enumerate(sorted(known, key=sort_key))}
        globals()["_NAME_RANK"] = ranks
    return ranks


def register_version(session: Session) -> int:
    """Return the version of the register and the scopes: every change of a unit, agency,
    lineage or scope moves the audit log's head (answers built from them are kept by it)."""
    return audit.head(session)


def _visible(principal: Principal) -> Select[Unit]:
    return select(Unit).where(principal.unit_read())


def list_units(
    session: Session,
    *,
    principal: Principal,
    level: str | None = None,
    parent_id: int | None = None,
    as_of: date | None = None,
    query: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[Unit]]:
    """Return the total and one page of the units matching the filters, in Vietnamese order."""
    stmt = _visible(principal)
    if level:
        stmt = stmt.where(Unit.level == level)
    if parent_id is not None:
        stmt = stmt.where(Unit.parent_id == parent_id)
    if as_of is not None:
        stmt = stmt.where(valid_on(as_of))
    if query:
        for word in fold(query).split():
            stmt = stmt.where(Unit.name_folded.contains(word, autoescape=True))
    # Sorted on (id, name, code) rows, and only the page's units loaded: a province's admin
    # sees 14,000 units, and building them all as objects for a page of 50 is most of the work.
    light = stmt.with_only_columns(Unit.id, Unit.name, Unit.code)
    rows: list[tuple[int, str, str]] = [(r[0], r[1], r[2]) for r in session.execute(light)]
    rank = name_ranks([r[1] for r in rows])
    rows.sort(key=lambda r: (rank[r[1]], r[2]))
    end = None if limit is None else offset + limit
    page = [r[0] for r in rows[offset:end]]
    found = (
        {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(page)))} if page else {}
    )
    return len(rows), [found[i] for i in page]


def get_unit(session: Session, *, principal: Principal, unit_id: int) -> Unit:
    """Return the unit, or raise NotFound when it is missing or out of scope."""
    unit = session.scalars(_visible(principal).where(Unit.id == unit_id)).first()
    if unit is None:
        raise NotFound(f"không tìm thấy đơn vị hành chính #{unit_id}")
    return unit


def find_by_code(
    session: Session,
    *,
    principal: Principal,
    code: str,
    level: str | None = None,
    on: date | None = None,
) -> list[Unit]:
    """Return the visible units with this code (several across the reform), newest first."""
    stmt = _visible(principal).where(Unit.code == code.strip())
    if level:
        stmt = stmt.where(Unit.level == level)
    if on is not None:
        stmt = stmt.where(valid_on(on))
    return list(session.scalars(stmt.order_by(Unit.valid_from.desc())).all())


def children(
    session: Session, *, principal: Principal, unit: Unit, as_of: date | None = None
) -> list[Unit]:
    """Return the unit's direct children that the caller may see."""
    stmt = _visible(principal).where(Unit.parent_id == unit.id)
    if as_of is not None:
        stmt = stmt.where(valid_on(as_of))
    return sort_units(session.scalars(stmt).all())


def ancestors(session: Session, *, principal: Principal, unit: Unit) -> list[Unit]:
    """Return the unit's ancestors, root first."""
    ids = [int(p) for p in unit.path.strip("/").split("/")[:-1] if p]
    if not ids:
        return []
    found = {u.id: u for u in session.scalars(_visible(principal).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def subtree(
    session: Session, *, principal: Principal, unit: Unit, level: str | None = None
) -> list[Unit]:
    """Return the unit and every unit below it that the caller may see."""
    stmt = _visible(principal).where(subtree_of(Unit.path, unit.path))
    if level:
        stmt = stmt.where(Unit.level == level)
    return sort_units(session.scalars(stmt).all())


@dataclass(frozen=True)
class LineageLink:
    """One step of lineage seen from a unit: the unit on the other side and how much of it."""

    unit: Unit
    share: str
    resolution: str
    resolution_date: date | None
    visible: bool = True  # inside the caller's scope (a page links to it)


def _links(
    session: Session,
    principal: Principal | None,
    unit_ids: Sequence[int],
    forward: bool,
    hidden: bool = False,
) -> dict[int, list[LineageLink]]:
    other = aliased(Unit)
    this_col = UnitLineage.source_id if forward else UnitLineage.target_id
    other_col = UnitLineage.target_id if forward else UnitLineage.source_id
    stmt = (
        select(
            this_col, other, UnitLineage.share, UnitLineage.resolution, UnitLineage.resolution_date
        )
        .join(other, other.id == other_col)
        .where(this_col.in_(list(unit_ids)))
    )
    rows = session.execute(stmt).all()
    visible = _visible_ids(session, principal, [row[1].id for row in rows])
    out: dict[int, list[LineageLink]] = {}
    for this_id, unit, share, res, res_date in rows:
        seen = unit.id in visible
        if seen or hidden:
            out.setdefault(this_id, []).append(LineageLink(unit, share, res, res_date, seen))
    return out


def _visible_ids(session: Session, principal: Principal | None, ids: Sequence[int]) -> set[int]:
    if principal is None or principal.is_global:
        return set(ids)
    found: set[int] = set()
    unique = sorted(set(ids))
    for i in range(0, len(unique), 500):
        chunk = unique[i : i + 500]
        found.update(
            session.scalars(select(Unit.id).where(Unit.id.in_(chunk), principal.unit_read()))
        )
    return found


def successors(
    session: Session, *, principal: Principal, unit: Unit, hidden: bool = False
) -> list[LineageLink]:
    """Return the units this one was merged into; with ``hidden``, those outside the caller's
    scope too, flagged not ``visible`` (the lineage is public knowledge, the unit's page
    names them without opening them)."""
    return _links(session, principal, [unit.id], True, hidden).get(unit.id, [])


def predecessors(
    session: Session, *, principal: Principal, unit: Unit, hidden: bool = False
) -> list[LineageLink]:
    """Return the units that formed this one (see ``successors`` for ``hidden``)."""
    return _links(session, principal, [unit.id], False, hidden).get(unit.id, [])


def count_below(session: Session, *, unit: Unit) -> tuple[int, int]:
    """Return how many (child units, agencies) the unit has, whoever asks: a page says how
    many the caller does not see rather than show a wrong zero (no names are given)."""
    children = session.scalar(
        select(func.count()).select_from(Unit).where(Unit.parent_id == unit.id)
    )
    agencies = session.scalar(
        select(func.count()).select_from(Agency).where(Agency.unit_id == unit.id)
    )
    return int(children or 0), int(agencies or 0)


@dataclass(frozen=True)
class Mapping:
    """A counterpart of a unit at another date, and whether it is all of it or a part."""

    unit: Unit
    share: str


def map_unit(session: Session, *, principal: Principal, unit: Unit, to: date) -> list[Mapping]:
    """Return the unit's counterpart(s) valid on ``to``.

    Forward in time it follows the lineage to the units it was merged into; backward, to the
    units it was formed from. A unit without lineage of its own (a district, abolished in
    2025) maps through its children. A share is ``part`` as soon as one step was partial.
    """
    if is_valid_on(unit, to):
        return [Mapping(unit, "whole")]
    forward = to >= unit.valid_from
    frontier: dict[int, tuple[Unit, str]] = {unit.id: (unit, "whole")}
    result: dict[int, Mapping] = {}
    for _ in range(8):  # lineage chains are short; the bound guards against a cycle in bad data
        if not frontier:
            break
        links = _links(session, None, list(frontier), forward)
        nxt: dict[int, tuple[Unit, str]] = {}
        for uid, (_src, share) in frontier.items():
            steps = links.get(uid)
            if not steps:
                kids = session.scalars(select(Unit).where(Unit.parent_id == uid)).all()
                steps = [LineageLink(k, "whole", "", None) for k in kids if k.level != "village"]
            for link in steps:
                combined = "part" if "part" in (share, link.share) else "whole"
                if is_valid_on(link.unit, to):
                    prev = result.get(link.unit.id)
                    if prev is None or (prev.share == "part" and combined == "whole"):
                        result[link.unit.id] = Mapping(link.unit, combined)
                else:
                    nxt[link.unit.id] = (link.unit, combined)
        frontier = nxt
    visible = _visible_ids(session, principal, list(result))
    mapped = [m for m in result.values() if m.unit.id in visible]
    return sorted(mapped, key=lambda m: (sort_key(m.unit.name), m.unit.code))


def count_units(session: Session, *, level: str, as_of: date) -> int:
    """Return how many units of a level exist on a date, nationally (no scope: a statistic)."""
    stmt = select(func.count()).select_from(Unit).where(Unit.level == level, valid_on(as_of))
    return int(session.scalar(stmt) or 0)


def agencies_of(session: Session, *, principal: Principal, unit: Unit) -> list[Agency]:
    """Return the agencies attached to the unit that the caller may see."""
    stmt = select(Agency).where(Agency.unit_id == unit.id, principal.agency_read())
    return sorted(session.scalars(stmt).all(), key=lambda a: sort_key(a.name))


def list_agencies(
    session: Session,
    *,
    principal: Principal,
    unit_id: int | None = None,
    parent_id: int | None = None,
    query: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[Agency]]:
    """Return the total and one page of the agencies the caller may see, in Vietnamese order."""
    stmt = select(Agency).where(principal.agency_read())
    if unit_id is not None:
        stmt = stmt.where(Agency.unit_id == unit_id)
    if parent_id is not None:
        stmt = stmt.where(Agency.parent_id == parent_id)
    if query:
        for word in fold(query).split():
            stmt = stmt.where(
                or_(
                    Agency.name_folded.contains(word, autoescape=True),
                    Agency.code.contains(word.upper()),
                )
            )
    agencies = sorted(session.scalars(stmt).all(), key=lambda a: sort_key(a.name))
    end = None if limit is None else offset + limit
    return len(agencies), agencies[offset:end]


def get_agency(session: Session, *, principal: Principal, agency_id: int) -> Agency:
    """Return the agency, or raise NotFound when it is missing or out of scope."""
    agency = session.scalars(
        select(Agency).where(Agency.id == agency_id, principal.agency_read())
    ).first()
    if agency is None:
        raise NotFound(f"không tìm thấy cơ quan #{agency_id}")
    return agency


def find_data_unit(
    session: Session,
    *,
    principal: Principal,
    code: str,
    on: date,
    levels: Sequence[str] = ("province", "commune"),
) -> Unit:
    """Return the unit with this code valid on ``on`` whose figures the caller may read (its
    own subtrees, not the ancestors it sees as context); raise NotFound otherwise."""
    found = session.scalars(
        select(Unit)
        .where(
            Unit.code == code.strip(),
            Unit.level.in_(list(levels)),
            principal.unit_data_read(),
            valid_on(on),
        )
        .order_by(Unit.valid_from.desc())
    ).first()
    if found is None:
        raise NotFound(
            f"không tìm thấy đơn vị '{code.strip()}' có hiệu lực ngày {on:%d/%m/%Y} "
            "trong phạm vi được phân quyền"
        )
    return found


def units_below(session: Session, *, unit: Unit | None, level: str, on: date) -> list[Unit]:
    """Return the units of ``level`` valid on ``on`` below ``unit`` (all when None), in the
    register's order; the caller has checked that it may read ``unit``."""
    depth = {"province": 0, "district": 1, "commune": 2, "village": 3}
    if unit is not None and depth[level] <= depth[unit.level]:
        return [unit] if level == unit.level and is_valid_on(unit, on) else []
    stmt = select(Unit).where(Unit.level == level, valid_on(on))
    if unit is not None and unit.level == "commune" and level == "village":
        stmt = stmt.where(Unit.parent_id == unit.id)  # indexed; a path prefix is not on SQLite
    elif unit is not None:
        stmt = stmt.where(subtree_of(Unit.path, unit.path))
    return list(session.scalars(stmt.order_by(Unit.path)).all())


def formed_from(session: Session, unit_ids: Sequence[int]) -> dict[int, list[int]]:
    """Return, for each unit of ``unit_ids`` that has lineage, the ids it was formed from."""
    out: dict[int, list[int]] = {}
    unique = sorted(set(unit_ids))
    for i in range(0, len(unique), 500):
        rows = session.execute(
            select(UnitLineage.target_id, UnitLineage.source_id).where(
                UnitLineage.target_id.in_(unique[i : i + 500])
            )
        )
        for target, source in rows:
            out.setdefault(int(target), []).append(int(source))
    return out


def formed_into(session: Session, unit_ids: Sequence[int]) -> dict[int, list[int]]:
    """Return, for each unit of ``unit_ids`` that has successors, the ids of the units it formed."""
    out: dict[int, list[int]] = {}
    unique = sorted(set(unit_ids))
    for i in range(0, len(unique), 500):
        rows = session.execute(
            select(UnitLineage.source_id, UnitLineage.target_id).where(
                UnitLineage.source_id.in_(unique[i : i + 500])
            )
        )
        for source, target in rows:
            out.setdefault(int(source), []).append(int(target))
    return out


def units_by_id(session: Session, unit_ids: Sequence[int]) -> dict[int, Unit]:
    """Return the units with these ids (no scope: for ids the caller already holds)."""
    out: dict[int, Unit] = {}
    unique = sorted(set(unit_ids))
    for i in range(0, len(unique), 500):
        out.update(
            (u.id, u) for u in session.scalars(select(Unit).where(Unit.id.in_(unique[i : i + 500])))
        )
    return out


def units_with_code(session: Session, *, code: str, on: date) -> list[Unit]:
    """Return the units with this code valid on ``on``, of any level (no scope: the caller
    checks that it may write each one)."""
    stmt = select(Unit).where(Unit.code == code.strip(), valid_on(on))
    return list(session.scalars(stmt.order_by(Unit.path)).all())


def unit_rows(
    session: Session, *, level: str, on: date, under: Unit | None = None
) -> list[tuple[int, int | None, str]]:
    """Return (id, parent id, path) of the units of ``level`` valid on ``on`` below ``under``
    (all when None): what a roll-up over 100,000 villages needs, without loading them whole."""
    stmt = select(Unit.id, Unit.parent_id, Unit.path).where(Unit.level == level, valid_on(on))
    if under is not None:
        stmt = stmt.where(subtree_of(Unit.path, under.path))
    return [(int(i), p, str(path)) for i, p, path in session.execute(stmt)]


def agencies_by_code(
    session: Session, *, principal: Principal, codes: Sequence[str], writable: bool = False
) -> dict[str, Agency]:
    """Return the agencies with these codes that the caller may read (``writable``: whose
    records it may send), by code."""
    clause = principal.agency_data_write() if writable else principal.agency_read()
    out: dict[str, Agency] = {}
    unique = sorted({c.strip() for c in codes if c.strip()})
    for i in range(0, len(unique), 500):
        stmt = select(Agency).where(Agency.code.in_(unique[i : i + 500]), clause)
        out.update((a.code, a) for a in session.scalars(stmt))
    return out


def data_agency_ids(session: Session, *, principal: Principal) -> set[int]:
    """Return the ids of the agencies whose records the caller may send (its own, and those of
    the units in its scope)."""
    return {int(i) for i in session.scalars(select(Agency.id).where(principal.agency_data_write()))}


def agencies_by_id(session: Session, agency_ids: Sequence[int]) -> dict[int, Agency]:
    """Return these agencies by id (no scope: the caller has checked it may read them)."""
    out: dict[int, Agency] = {}
    unique = sorted(set(agency_ids))
    for i in range(0, len(unique), 500):
        out.update(
            (a.id, a)
            for a in session.scalars(select(Agency).where(Agency.id.in_(unique[i : i + 500])))
        )
    return out


def readable_agencies(session: Session, *, principal: Principal) -> list[Agency]:
    """Return every agency the caller may read, in Vietnamese order."""
    return list_agencies(session, principal=principal)[1]
