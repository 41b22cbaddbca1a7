"""The villages' infrastructure as of a date: coverage per commune and province, white spots.

A village's state on a day is worked out from the last fact of each source (operator, or the
commune's own count) dated on or before that day. A village formed in the 2025 reform that has
no fact of its own yet takes the state of the villages it was formed from (units lineage), so
its history stays with it on the new commune.

How sources combine (docs/architecture.md, "Infrastructure"):
- mobile coverage per technology: the best any operator gives (full > partial > none);
- fibre: available when any operator has it;
- electricity, households, population: the commune's own count first, else the latest report;
- households with fibre: the operators' counts added, never above the households.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import InvalidInput, NotFound
from tinhso.fmt import local_today, vn_number
from tinhso.infrastructure.models import (
    FULL,
    NONE,
    PARTIAL,
    TECHNOLOGIES,
    VALUE_COLUMNS,
    InfraImport,
    Site,
    VillageFact,
)
from tinhso.infrastructure.models import VillageState as VillageStateRow
from tinhso.infrastructure.vocab import LOCAL
from tinhso.units import service as units
from tinhso.units.models import Unit

BROADBAND = ("3g", "4g", "5g")
NATION = "VN"  # the code that asks for the whole country
LINEAGE_DEPTH = 8


@dataclass
class VillageState:
    """What a village has on a day; None where no source reported it."""

    electricity: bool | None = None
    mobile: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(TECHNOLOGIES))
    fibre: bool | None = None
    households: int | None = None
    households_fibre: int | None = None
    population: int | None = None
    sources: tuple[str, ...] = ()
    inherited: bool = False  # from the villages it was formed from

    @property
    def reported(self) -> bool:
        return bool(self.sources)

    def best(self, techs: Iterable[str]) -> int | None:
        """Return the best coverage among ``techs``, None when none was reported."""
        best: int | None = None
        for t in techs:
            q = self.mobile.get(t)
            if q is not None and (best is None or q > best):
                best = q
        return best


def _held_states(session: Session, day: date, ids: Sequence[int] | None) -> dict[int, VillageState]:
    """Return the combined state on ``day`` of the villages ``ids`` (every village when None)
    that have one: a row a village, read from the state table."""
    S = VillageStateRow
    cols: list[Any] = [S.village_id, *(getattr(S, c) for c in VALUE_COLUMNS), S.sources]
    chunks: list[Sequence[int] | None] = [None]
    if ids is not None:
        unique = sorted(set(ids))
        chunks = [unique[i : i + 500] for i in range(0, len(unique), 500)]
    out: dict[int, VillageState] = {}
    for chunk in chunks:
        stmt = select(*cols).where(S.valid_from <= day, or_(S.valid_to.is_(None), S.valid_to > day))
        if chunk is not None:
            stmt = stmt.where(S.village_id.in_(chunk))
        found: Any = session.execute(stmt)
        for vid, power, g2, g3, g4, g5, fibre, h, hf, pop, sources in found:
            out[int(vid)] = VillageState(
                electricity=power,
                mobile={"2g": g2, "3g": g3, "4g": g4, "5g": g5},
                fibre=fibre,
                households=h,
                households_fibre=hf,
                population=pop,
                sources=tuple(sources.split(",")) if sources else (),
            )
    return out


def rebuild(session: Session, village_ids: Iterable[int] | None = None) -> int:
    """Work out again the state rows of these villages (every village when None) from their
    facts; return how many rows were written. A village's state changes at each date one of
    its sources reported; consecutive dates with the same combined state make one row."""
    ids = None if village_ids is None else sorted(set(village_ids))
    chunks: list[list[int] | None] = (
        [None] if ids is None else [ids[i : i + 500] for i in range(0, len(ids), 500)]
    )
    cols = [
        VillageFact.village_id,
        VillageFact.operator,
        VillageFact.valid_from,
        *(getattr(VillageFact, c) for c in VALUE_COLUMNS),
    ]
    written = 0
    for chunk in chunks:
        wipe = delete(VillageStateRow)
        facts = select(*cols).order_by(VillageFact.village_id, VillageFact.valid_from)
        if chunk is not None:
            wipe = wipe.where(VillageStateRow.village_id.in_(chunk))
            facts = facts.where(VillageFact.village_id.in_(chunk))
        session.execute(wipe)
        rows: list[dict[str, Any]] = []
        current: int | None = None
        latest: dict[str, Any] = {}
        # Streamed (a server-side cursor on PostgreSQL): memory stays bounded for millions of facts.
        for r in session.execute(facts.execution_options(yield_per=20_000)):
            if r.village_id != current:
                current, latest = int(r.village_id), {}
            # A blank is "not reported": a source's later file without a column keeps what it
            # said before for that column (a removed mast is written "không", not left blank).
            before = latest.get(r.operator)
            latest[r.operator] = SimpleNamespace(
                operator=r.operator,
                valid_from=r.valid_from,
                **{
                    k: v
                    if (v := getattr(r, k)) is not None or before is None
                    else getattr(before, k)
                    for k in VALUE_COLUMNS
                },
            )
            st = _combine(list(latest.values()))
            values = {
                "electricity": st.electricity,
                **{f"cov_{t}": st.mobile[t] for t in TECHNOLOGIES},
                "fibre": st.fibre,
                "households": st.households,
                "households_fibre": st.households_fibre,
                "population": st.population,
                "sources": ",".join(st.sources),
            }
            last = rows[-1] if rows and rows[-1]["village_id"] == current else None
            if last is not None and last["valid_from"] == r.valid_from:
                last.update(values)  # another source of the same day
            elif last is not None and all(last[k] == v for k, v in values.items()):
                continue  # nothing changed on that date
            else:
                if last is not None:
                    last["valid_to"] = r.valid_from
                rows.append(
                    {"village_id": current, "valid_from": r.valid_from, "valid_to": None, **values}
                )
            if len(rows) >= 50_000 and rows[-1]["village_id"] != rows[0]["village_id"]:
                keep = [x for x in rows if x["village_id"] == current]
                done = rows[: len(rows) - len(keep)]
                session.execute(insert(VillageStateRow), done)
                written += len(done)
                rows = keep
        if rows:
            session.execute(insert(VillageStateRow), rows)
            written += len(rows)
    return written


def _combine(rows: list[Any]) -> VillageState:
    """Return a village's state from the last fact of each of its sources."""
    st = VillageState()
    rows = sorted(rows, key=lambda r: (r.operator != LOCAL, -r.valid_from.toordinal()))
    for t in TECHNOLOGIES:
        got = [q for r in rows if (q := getattr(r, f"cov_{t}")) is not None]
        st.mobile[t] = max(got) if got else None
    fibre = [r.fibre for r in rows if r.fibre is not None]
    st.fibre = any(fibre) if fibre else None
    for name in ("electricity", "households", "population"):
        setattr(st, name, next((v for r in rows if (v := getattr(r, name)) is not None), None))
    with_fibre = [
        r.households_fibre for r in rows if r.operator != LOCAL and r.households_fibre is not None
    ]
    if with_fibre:
        total = sum(with_fibre)
        st.households_fibre = min(total, st.households) if st.households is not None else total
    st.sources = tuple(sorted({r.operator for r in rows}))
    return st


def _merge(parts: list[VillageState]) -> VillageState:
    """Return the state of a village formed from several: covered fully only where all its
    parts were, counts added."""
    known = [p for p in parts if p.reported]
    st = VillageState(inherited=True)
    if not known:
        return st
    for t in TECHNOLOGIES:
        got = [q for p in known if (q := p.mobile[t]) is not None]
        st.mobile[t] = (
            None
            if not got
            else FULL
            if all(q == FULL for q in got)
            else NONE
            if all(q == NONE for q in got)
            else PARTIAL
        )
    fibre = [p.fibre for p in known if p.fibre is not None]
    st.fibre = any(fibre) if fibre else None
    power = [p.electricity for p in known if p.electricity is not None]
    st.electricity = all(power) if power else None
    for name in ("households", "households_fibre", "population"):
        vals = [v for p in known if (v := getattr(p, name)) is not None]
        setattr(st, name, sum(vals) if vals else None)
    if st.households is not None and st.households_fibre is not None:
        st.households_fibre = min(st.households_fibre, st.households)
    st.sources = tuple(sorted({s for p in known for s in p.sources}))
    return st


def states(
    session: Session, villages: Sequence[int], day: date, *, nation: bool = False
) -> dict[int, VillageState]:
    """Return the state on ``day`` of each village of ``villages`` (ids of villages valid on
    that day), following the lineage back for those without facts of their own."""
    held = _held_states(session, day, None if nation else villages)
    out = {v: held.get(v) or VillageState() for v in villages}
    missing = [v for v, st in out.items() if not st.reported]
    # Back through the lineage, a step at a time, for the villages with nothing of their own.
    frontier = {v: [v] for v in missing}
    resolved: dict[int, VillageState] = {}
    for _ in range(LINEAGE_DEPTH):
        if not frontier:
            break
        parents = units.formed_from(session, [p for ps in frontier.values() for p in ps])
        if not parents:
            break
        need = sorted(
            {s for ps in frontier.values() for p in ps for s in parents.get(p, [])} - set(held)
        )
        if need:
            held.update(_held_states(session, day, need))
        nxt: dict[int, list[int]] = {}
        for v, ps in frontier.items():
            sources = [s for p in ps for s in parents.get(p, [])]
            if not sources:
                continue
            parts = [held[s] for s in sources if s in held]
            if parts:
                resolved[v] = _merge(parts)
            else:
                nxt[v] = sources
        frontier = nxt
    out.update(resolved)
    return out


@dataclass
class Tally:
    """The counts of an area (a commune, the province) on a day."""

    villages: int = 0
    reported: int = 0
    electricity: int = 0
    no_electricity: int = 0
    mobile: int = 0  # any technology, at least the centre
    mobile_partial: int = 0  # vùng lõm: the centre only
    no_mobile: int = 0  # vùng trắng
    broadband: int = 0  # 3G, 4G or 5G
    no_broadband: int = 0
    g4: int = 0  # 4G or 5G
    g5: int = 0
    fibre: int = 0
    no_fibre: int = 0
    households: int = 0
    households_fibre: int = 0
    households_known: int = 0  # villages whose households are known
    # Households with fibre are counted over the villages whose operators said how many: the
    # households of those villages are the base of the share (never a village without data).
    households_fibre_base: int = 0
    households_fibre_known: int = 0
    population: int = 0

    def add(self, st: VillageState) -> None:
        self.villages += 1
        if not st.reported:
            return
        self.reported += 1
        if st.electricity is True:
            self.electricity += 1
        elif st.electricity is False:
            self.no_electricity += 1
        best = st.best(TECHNOLOGIES)
        if best is not None:
            if best >= PARTIAL:
                self.mobile += 1
            else:
                self.no_mobile += 1
            if best == PARTIAL:
                self.mobile_partial += 1
        bb = st.best(BROADBAND)
        if bb is not None:
            if bb >= PARTIAL:
                self.broadband += 1
            else:
                self.no_broadband += 1
        if (st.best(("4g", "5g")) or 0) >= PARTIAL:
            self.g4 += 1
        if (st.mobile.get("5g") or 0) >= PARTIAL:
            self.g5 += 1
        if st.fibre is True:
            self.fibre += 1
        elif st.fibre is False:
            self.no_fibre += 1
        if st.households is not None:
            self.households_known += 1
            self.households += st.households
            if st.households_fibre is not None:
                self.households_fibre_known += 1
                self.households_fibre_base += st.households
                self.households_fibre += st.households_fibre
        self.population += st.population or 0

    def merge(self, other: Tally) -> None:
        """Add another area's counts (a commune's to its province's)."""
        for k, v in other.__dict__.items():
            setattr(self, k, getattr(self, k) + v)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["wording"] = wording(self)
        return d


def share(part: int, whole: int) -> str:
    """Return "1.525/1.562 (97,6%)" as the seeds write it; "chưa có số liệu" without a whole."""
    if whole == 0:
        return "chưa có số liệu"
    pct = vn_number(round(100 * part / whole, 1), 1).removesuffix(",0")
    return f"{vn_number(part)}/{vn_number(whole)} ({pct}%)"


def wording(t: Tally) -> dict[str, str]:
    """Return the counts of an area in the seeds' wording, over the villages with data."""
    return {
        "mobile": f"{share(t.mobile, t.reported)} thôn được phủ sóng di động",
        "broadband": f"{share(t.broadband, t.reported)} thôn có hạ tầng băng rộng di động (3G/4G/5G)",
        "fibre": f"{share(t.fibre, t.reported)} thôn có hạ tầng cáp quang",
        "electricity": f"{share(t.electricity, t.reported)} thôn có điện lưới quốc gia",
        "households_fibre": f"{share(t.households_fibre, t.households_fibre_base)} hộ gia đình có đường Internet cáp quang",
        "reported": f"{vn_number(t.reported)}/{vn_number(t.villages)} thôn có số liệu",
    }


def _as_of(day: date | None) -> date:
    today = local_today()
    day = day or today
    if day > today:
        raise InvalidInput(f"ngày {day:%d/%m/%Y} ở tương lai; số liệu hạ tầng chỉ có đến hôm nay")
    return day


def coverage(
    session: Session, *, principal: Principal, unit_code: str | None, as_of: date | None = None
) -> dict[str, Any]:
    """Return the coverage of a province or commune on a day: its counts, and one line per
    commune (for a province) or per village (for a commune)."""
    principal.require("read")
    day = _as_of(as_of)
    if unit_code == NATION:
        return _nation(session, principal, day)
    unit = area(session, principal, unit_code, day)
    villages = units.units_below(session, unit=unit, level="village", on=day)
    st = states(session, [v.id for v in villages], day)
    total = Tally()
    for v in villages:
        total.add(st[v.id])
    out: dict[str, Any] = {"as_of": day.isoformat(), "unit": _unit(unit), "totals": total.as_dict()}
    if unit.level == "commune":
        out["villages"] = [_village(v, st[v.id]) for v in villages]
        return out
    communes = units.units_below(session, unit=unit, level="commune", on=day)
    by_commune: dict[int, Tally] = {c.id: Tally() for c in communes}
    for v in villages:
        if v.parent_id in by_commune:
            by_commune[v.parent_id].add(st[v.id])
    out["communes"] = [{**_unit(c), **by_commune[c.id].as_dict()} for c in communes]
    return out


def _nation(session: Session, principal: Principal, day: date) -> dict[str, Any]:
    """Return the whole country's coverage on a day, a line per province (global callers)."""
    if not principal.is_global:
        raise NotFound("số liệu toàn quốc chỉ dành cho tài khoản quản trị toàn hệ thống")
    villages = units.unit_rows(session, level="village", on=day)
    st = states(session, [v[0] for v in villages], day, nation=True)
    provinces = units.units_below(session, unit=None, level="province", on=day)
    by_province = {p.id: Tally() for p in provinces}
    total = Tally()
    for vid, _parent, path in villages:
        root = int(path[1 : path.index("/", 1)])
        (by_province.get(root) or total).add(st[vid])
    for t in by_province.values():
        total.merge(t)
    return {
        "as_of": day.isoformat(),
        "unit": {"id": None, "code": NATION, "name": "Toàn quốc", "level": "nation"},
        "totals": total.as_dict(),
        "provinces": [{**_unit(p), **by_province[p.id].as_dict()} for p in provinces],
    }


SPOT_KINDS = {
    "no_electricity": "Thôn chưa có điện lưới quốc gia",
    "no_mobile": "Thôn chưa có sóng di động (vùng trắng)",
    "partial_mobile": "Thôn chỉ có sóng ở khu trung tâm (vùng lõm)",
    "no_broadband": "Thôn chưa có băng rộng di động (3G/4G/5G)",
    "no_fibre": "Thôn chưa có hạ tầng cáp quang",
    "unreported": "Thôn chưa có số liệu",
}


# The same kinds in a few words, for a table's cell.
SPOT_SHORT = {
    "no_electricity": "chưa có điện",
    "no_mobile": "vùng trắng",
    "partial_mobile": "vùng lõm",
    "no_broadband": "chưa có 3G/4G/5G",
    "no_fibre": "chưa có cáp quang",
    "unreported": "chưa có số liệu",
}


def spot_kinds(st: VillageState) -> list[str]:
    """Return the white-spot kinds a village falls in."""
    if not st.reported:
        return ["unreported"]
    out = []
    if st.electricity is False:
        out.append("no_electricity")
    best = st.best(TECHNOLOGIES)
    if best == NONE:
        out.append("no_mobile")
    elif best == PARTIAL:
        out.append("partial_mobile")
    if st.best(BROADBAND) == NONE:
        out.append("no_broadband")
    if st.fibre is False:
        out.append("no_fibre")
    return out


def white_spots(
    session: Session,
    *,
    principal: Principal,
    unit_code: str | None,
    as_of: date | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """Return the villages without electricity, mobile coverage, mobile broadband or fibre
    (or without data) on a day, by commune, with the counts of each kind."""
    principal.require("read")
    if kind is not None and kind not in SPOT_KINDS:
        raise InvalidInput(f"loại vùng '{kind}' không hợp lệ (có: {', '.join(SPOT_KINDS)})")
    day = _as_of(as_of)
    unit = area(session, principal, unit_code, day)
    villages = units.units_below(session, unit=unit, level="village", on=day)
    st = states(session, [v.id for v in villages], day)
    communes = {c.id: c for c in units.units_below(session, unit=unit, level="commune", on=day)}
    if unit.level == "commune":
        communes[unit.id] = unit
    counts = dict.fromkeys(SPOT_KINDS, 0)
    listed = []
    for v in villages:
        kinds = spot_kinds(st[v.id])
        for k in kinds:
            counts[k] += 1
        if kinds and (kind is None or kind in kinds):
            c = communes.get(v.parent_id or 0)
            listed.append(
                {**_village(v, st[v.id]), "kinds": kinds, "commune": _unit(c) if c else None}
            )
    return {
        "as_of": day.isoformat(),
        "unit": _unit(unit),
        "kinds": SPOT_KINDS,
        "short": SPOT_SHORT,
        "counts": counts,
        "villages_total": len(villages),
        "villages": listed,
    }


def area(session: Session, principal: Principal, code: str | None, day: date) -> Unit:
    if code:
        return units.find_data_unit(session, principal=principal, code=code, on=day)
    roots = units.units_below(session, unit=None, level="province", on=day)
    # A province before the reform is its successor's staff's to read (history).
    mine = [u for u in roots if principal.reads_unit_path(u.path)]
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise InvalidInput("hãy chọn một xã trong phạm vi được phân quyền (tham số unit)")
    raise InvalidInput("có nhiều tỉnh trong sổ đăng ký; hãy chọn một đơn vị (tham số unit)")


def own_units(session: Session, principal: Principal, day: date) -> list[Unit]:
    """Return the provinces and communes valid on ``day`` at the roots of the caller's scope:
    before the reform, those that formed them (a commune officer's former communes)."""
    paths = [*principal.unit_paths, *principal.history_paths]
    roots = [int(p.strip("/").split("/")[-1]) for p in paths if p.strip("/")]
    found = units.units_by_id(session, roots)
    return [
        u
        for u in (found[i] for i in roots if i in found)
        if u.level in ("province", "commune") and units.is_valid_on(u, day)
    ]


def readable(principal: Principal) -> bool:
    """Return whether the caller has an area whose infrastructure it may read."""
    return principal.is_global or bool(principal.unit_paths or principal.history_paths)


def _unit(u: Unit) -> dict[str, Any]:
    return {"id": u.id, "code": u.code, "name": u.name, "level": u.level}


def _village(v: Unit, st: VillageState) -> dict[str, Any]:
    return {
        **_unit(v),
        "reported": st.reported,
        "inherited": st.inherited,
        "electricity": st.electricity,
        "mobile": st.mobile,
        "fibre": st.fibre,
        "households": st.households,
        "households_fibre": st.households_fibre,
        "population": st.population,
        "sources": list(st.sources),
    }


def sites_count(session: Session, day: date) -> list[tuple[int, str, str, str]]:
    """Return (commune id, kind, operator, technology) of every site in service on ``day``."""
    rows = session.execute(
        select(Site.commune_id, Site.kind, Site.operator, Site.technology).where(
            Site.in_service_from <= day,
            (Site.in_service_to.is_(None)) | (Site.in_service_to >= day),
        )
    )
    return [(int(a), b, c, d) for a, b, c, d in rows]


def version(session: Session) -> tuple[int, ...]:
    """Return what the registers hold (see :func:`version_on`), on the session's connection."""
    return version_on(session.connection())


def version_on(conn: Connection) -> tuple[int, ...]:
    """Return what the registers hold, cheap to compare, in one query: a coverage import adds
    an import row (audited); sites, teams, members and courses are audited row by row, and
    rebuilding the states is audited too, so each moves the audit log's head."""
    from tinhso.audit import service as audit

    row = conn.execute(
        select(
            select(func.count(InfraImport.id)).scalar_subquery(),
            select(func.max(InfraImport.id)).scalar_subquery(),
            audit.HEAD_QUERY.scalar_subquery(),
        )
    ).one()
    return tuple(int(x or 0) for x in row)
