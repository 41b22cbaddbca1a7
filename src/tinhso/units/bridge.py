"""Which unit a figure of another time counts for: the lineage bridge across the 2025 reform.

Figures are recorded on the units valid when they happened (a dossier on the commune valid on
its reception day, a report on the unit that bore the code on the period's last day). A period
is shown on the units valid on a reference day (its last day, or today to compare with it). A
unit valid on that day counts for itself; an older unit counts, through the lineage, for the
units it became, a path through a partial link ("part": a commune split between two new ones)
flagged; a newer unit is not mapped backwards. The indicator engine and the 766 index both
read their bridges from here, so that "which figures belong to this unit in this period" has
one answer.

Pure functions over plain rows: the callers load units and lineage from wherever they keep
them (the analytics copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

TARGET_LEVELS = ("province", "commune")
FAR_PAST, FAR_FUTURE = date(1, 1, 1), date(9999, 12, 31)


@dataclass(frozen=True)
class UnitRow:
    """A unit as the bridge needs it."""

    id: int
    level: str
    parent_id: int | None
    valid_from: date
    valid_to: date | None
    code: str = ""

    def valid_on(self, day: date) -> bool:
        """Return True when the unit exists on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Lineage:
    """Units and their lineage links, walked forward to the units valid on a day."""

    def __init__(self, units: Iterable[UnitRow], lineage: Iterable[tuple[int, int, str]]) -> None:
        self.units = {u.id: u for u in units}
        self.succ: dict[int, list[tuple[int, bool]]] = {}
        self.pred: dict[int, list[int]] = {}
        for s, t, share in lineage:
            self.succ.setdefault(s, []).append((t, share == "part"))
            self.pred.setdefault(t, []).append(s)

    def ancestors(self, uid: int) -> list[int]:
        """Return the unit's parent, grandparent, … (nearest first)."""
        out: list[int] = []
        seen: set[int] = set()
        cur = self.units.get(uid)
        while cur is not None and cur.parent_id is not None and cur.parent_id not in seen:
            seen.add(cur.parent_id)
            out.append(cur.parent_id)
            cur = self.units.get(cur.parent_id)
        return out

    def forward(self, uid: int, day: date) -> dict[int, bool]:
        """Return the units valid on ``day`` that ``uid`` is or became (unit → partial)."""
        out: dict[int, bool] = {}
        frontier, seen = [(uid, False)], {uid}
        while frontier:
            nxt = []
            for x, part in frontier:
                u = self.units.get(x)
                if u is None:
                    continue
                if u.valid_on(day):
                    out[x] = out.get(x, True) and part
                    continue
                if u.valid_from > day:
                    continue  # a newer unit: figures are not mapped backwards
                for t, p in self.succ.get(x, []):
                    if t not in seen:
                        seen.add(t)
                        nxt.append((t, part or p))
            frontier = nxt
        return out

    def stand_in(self, uid: int, day: date) -> int | None:
        """Return the one unit valid on ``day`` that stands for ``uid`` then, or None.

        Itself when valid; a later day follows the lineage forward (a merge has one successor;
        of several, the whole one, else the lowest id); an earlier day follows it backwards to
        the predecessor bearing the same code (Lai Châu 12 before and after), else the lowest id.
        """
        seen: set[int] = set()
        cur = self.units.get(uid)
        while cur is not None and cur.id not in seen:
            seen.add(cur.id)
            if cur.valid_on(day):
                return cur.id
            if day > (cur.valid_to or FAR_FUTURE):
                nexts = sorted(self.succ.get(cur.id, []), key=lambda tp: (tp[1], tp[0]))
                cur = self.units.get(nexts[0][0]) if nexts else None
            else:
                code = cur.code
                prevs = sorted(
                    (self.units[p] for p in self.pred.get(cur.id, []) if p in self.units),
                    key=lambda u: (u.code != code, u.id),
                )
                cur = prevs[0] if prevs else None
        return None

    def boundaries(self, levels: Iterable[str] = TARGET_LEVELS) -> list[date]:
        """Return the days on which the set of valid units of ``levels`` changes (sorted,
        starting with the far past): between two of them every day has the same bridge."""
        wanted = set(levels)
        edges = {FAR_PAST}
        for u in self.units.values():
            if u.level in wanted:
                edges.add(u.valid_from)
                if u.valid_to is not None and u.valid_to < FAR_FUTURE:
                    edges.add(u.valid_to + timedelta(days=1))
        return sorted(edges)

    def epochs(self, level: str) -> dict[int, list[tuple[date, date, int]]]:
        """Return, per unit of ``level``, (from, to, unit) spans: which unit stands for it on
        each day."""
        starts = self.boundaries([level])
        out: dict[int, list[tuple[date, date, int]]] = {}
        for uid, unit in self.units.items():
            if unit.level != level:
                continue
            spans: list[tuple[date, date, int]] = []
            for i, start in enumerate(starts):
                end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else FAR_FUTURE
                who = self.stand_in(uid, start)
                if who is None:
                    continue
                if spans and spans[-1][2] == who and spans[-1][1] + timedelta(days=1) == start:
                    spans[-1] = (spans[-1][0], end, who)
                else:
                    spans.append((start, end, who))
            out[uid] = spans
        return out

    def same_level_pairs(
        self, day: date, levels: Iterable[str] = TARGET_LEVELS
    ) -> list[tuple[str, int, int, bool]]:
        """Return (level, source, target, partial) for every unit of ``levels``: the units of
        the same level valid on ``day`` it is or became (lineage links join units of one level)."""
        wanted = set(levels)
        return [
            (u.level, u.id, tgt, part)
            for u in self.units.values()
            if u.level in wanted
            for tgt, part in self.forward(u.id, day).items()
        ]


def bridge_rows(
    units: Iterable[UnitRow],
    lineage: Iterable[tuple[int, int, str]],
    agencies: Iterable[tuple[int, int]],
    day: date,
    sources: Iterable[int] | None = None,
) -> list[tuple[int, int, bool, bool]]:
    """Return (source org, target org, own, part) pairs for the units valid on ``day``.

    A source counts for the units valid on ``day`` it is or became, and their ancestors;
    ``own`` marks the unit itself (or the unit it became), whose own figure a non-aggregated
    element shows; ``part`` marks a path through a partial lineage link. Agencies are numbered
    ``-id`` and count for themselves and, through their unit, for its targets. ``sources``
    limits the source units (all by default).
    """
    lin = Lineage(units, lineage)
    pairs: dict[tuple[int, int], tuple[bool, bool]] = {}

    def add(src: int, tgt: int, own: bool, part: bool) -> None:
        u = lin.units.get(tgt)
        if tgt > 0 and (u is None or u.level not in TARGET_LEVELS):
            return
        o, p = pairs.get((src, tgt), (False, True))
        pairs[(src, tgt)] = (o or own, p and part)

    wanted = list(lin.units) if sources is None else [s for s in sources if s in lin.units]
    for uid in wanted:
        for x in [uid, *lin.ancestors(uid)]:
            for y, part in lin.forward(x, day).items():
                add(uid, y, x == uid, part)
                for a in lin.ancestors(y):
                    add(uid, a, False, part)
    by_src: dict[int, list[tuple[int, bool]]] = {}
    for (src, tgt), (_own, part) in pairs.items():
        by_src.setdefault(src, []).append((tgt, part))
    for aid, unit_id in agencies:
        add(-aid, -aid, True, False)
        for tgt, part in by_src.get(unit_id, []):
            add(-aid, tgt, False, part)
    return [(s, t, o, p) for (s, t), (o, p) in pairs.items()]
