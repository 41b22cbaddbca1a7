"""One organisation's computed index as plain data (the API's and the page's shape): points,
change on the previous period, rank among siblings, each indicator against its target."""

from __future__ import annotations

from typing import Any

from tinhso.indicators import engine
from tinhso.indicators.spec import SOURCE_HINTS, SOURCE_LABELS, IndexSpec, TargetSpec, source_of
from tinhso.indicators.targets import achievement, bucket


def _target(spec: IndexSpec, indicator: str, org: Any, year: int) -> TargetSpec | None:
    own = [t for t in spec.targets if t.indicator == indicator and t.year == year]
    for t in own:
        if t.unit_id is not None and t.unit_id == org.org:
            return t
    for t in own:
        if t.unit_id is None and t.level == org.kind:
            return t
    return None


def round_or_none(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else round(v, digits)


def comparable(prev: engine.OrgResult | None) -> engine.OrgResult | None:
    """Return the previous period's result, or None when it had no figure at all: a unit that
    reported nothing then shows no change rather than a change from zero."""
    return prev if prev is not None and prev.reported else None


def diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 6)


RANK_ALONE = "không có đơn vị cùng cấp có số liệu để so sánh"
RANK_NO_DATA = "chưa có số liệu để xếp hạng"


def _rank_note(reported: bool, rank: tuple[int, int] | None) -> str:
    """Return why an organisation has no rank ("" when it has one)."""
    if rank is not None:
        return ""
    return RANK_ALONE if reported else RANK_NO_DATA


def org_json(
    spec: IndexSpec,
    org: Any,
    cur: engine.OrgResult,
    prev: engine.OrgResult | None,
    ranks: dict[str, dict[int, tuple[int, int]]],
    year: int,
    depth: int | None = None,
) -> dict[str, Any]:
    """Return one organisation's index as plain data: the API's and the page's shape.

    An organisation with no figure at all in the period has no points (not zeros)."""
    reported = cur.reported
    total = cur.total if reported else None
    rank = ranks[""].get(org.org)
    prev = comparable(prev)
    nodes = []
    for n in spec.nodes:
        if depth is not None and n.depth > depth:
            continue
        # A node with no figure under it keeps the points its rule gives (``missing: zero``: 0,
        # as counted in the total) but has no rank and no change: "no data" is not a standing.
        pts = cur.points.get(n.code) if reported else None
        before = prev.points.get(n.code) if prev and n.code in prev.covered else None
        r = ranks.get(n.code, {}).get(org.org)
        item: dict[str, Any] = {
            "code": n.code,
            "name": n.name,
            "parent": n.parent,
            "depth": n.depth,
            "max_points": n.max_points,
            "points": round_or_none(pts),
            "previous": round_or_none(before),
            "change": diff(pts, before) if n.code in cur.covered else None,
            "rank": r[0] if r else None,
            "rank_of": r[1] if r else None,
        }
        if n.indicator:
            i = spec.indicators[n.indicator]
            iv, pv = cur.values[n.indicator], prev.values.get(n.indicator) if prev else None
            item["indicator"] = {
                "code": i.code,
                "name": i.name,
                "unit": i.unit,
                "decimals": i.decimals,
                "direction": i.direction,
                "numerator": iv.numerator,
                "denominator": iv.denominator,
                "value": round_or_none(iv.value, 6),
                "note": iv.note,
                "previous": round_or_none(pv.value, 6) if pv else None,
                "change": diff(iv.value, pv.value if pv else None),
                "source": (src := source_of(spec, n.indicator)),
                "source_label": SOURCE_LABELS[src],
                "source_hint": SOURCE_HINTS[src],
            }
            t = _target(spec, n.indicator, org, year)
            item["target"] = None
            if t is not None:
                ach = None if iv.value is None else achievement(i.direction, iv.value, t.planned)
                code, label = bucket(ach) if ach is not None else ("", "chưa có số liệu")
                item["target"] = {
                    "year": t.year,
                    "planned": t.planned,
                    "achievement": round_or_none(ach),
                    "bucket": code,
                    "label": label,
                }
        nodes.append(item)
    before_total = prev.total if prev else None
    return {
        "kind": org.kind,
        "id": abs(org.org),
        "code": org.code,
        "name": org.name,
        "points": round_or_none(total),
        "max_points": spec.max_points,
        "normalised": round_or_none(None if total is None else total / spec.normalise, 4),
        "previous": round_or_none(before_total),
        "change": diff(total, before_total),
        "rank": rank[0] if rank else None,
        "rank_of": rank[1] if rank else None,
        "rank_note": _rank_note(reported, rank),
        "reported": reported,
        "partial": cur.partial,
        "nodes": nodes,
    }
