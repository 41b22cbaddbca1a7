"""What is behind one indicator of one organisation: its formula, the reported values that
count for it (organisation, period, value, status, who entered it, how, when, the report to
open) and, for the 766 figures it uses, the page and the dossiers behind them.

The values are found as the engine finds them (``engine.py``): submitted or approved values
inside the period, of the organisations that count for this one through the bridge, keeping
for each reporting organisation only the longest period type it reported; an element that is
not aggregated (``none``) takes the organisation's own value for exactly the period, ``last``
each organisation's latest. Values of organisations outside the caller's scope are counted,
never listed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso import figures
from tinhso.accounts.scope import Principal
from tinhso.errors import NotFound
from tinhso.indicators import expr
from tinhso.indicators import lake as ilake
from tinhso.indicators.models import DataElement
from tinhso.indicators.service import (
    LEVEL_WORDS,
    Org,
    computed,
    external_figures,
    index_period,
    visible_orgs,
)
from tinhso.indicators.spec import IndexSpec, load_spec
from tinhso.lake import Lake
from tinhso.reporting import lookup as reporting
from tinhso.reporting.periods import label_of
from tinhso.reporting.service import SOURCE_LABELS, STATUS_LABELS
from tinhso.services.periods import Period

AGGREGATION_WORDS = {
    "sum": "cộng các giá trị",
    "average": "trung bình các giá trị",
    "max": "giá trị lớn nhất",
    "last": "giá trị kỳ gần nhất của mỗi đơn vị, cộng lại",
    "none": "giá trị của chính đơn vị trong kỳ",
}
VALUES_SQL = """
SELECT v.id, v.element_id, v.org, v.period, v.period_end, v.ptype, v.value_num, v.status,
    b.own, b.part
FROM ind_value v JOIN ind_bridge b ON b.src = v.org
WHERE b.tgt = $org AND v.element_id IN ({elements})
  AND v.status IN ('submitted', 'approved') AND v.value_num IS NOT NULL
  AND v.period_start >= $first AND v.period_end <= $last
ORDER BY v.element_id, v.org, v.period_end
"""


def _label(code: str) -> str:
    """Return a period's label as a table shows it: "Năm 2025", "Tháng 7/2025"."""
    text = label_of(code)
    return text[:1].upper() + text[1:]


def _refs(spec: IndexSpec, code: str, seen: set[str] | None = None) -> list[str]:
    """Return the data elements and other domains' figures an indicator is computed from,
    through the indicators it uses, in the order they appear."""
    seen = set() if seen is None else seen
    i = spec.indicators[code]
    out: list[str] = []
    for ref in expr.references(i.numerator) + expr.references(i.denominator):
        if ref in seen:
            continue
        seen.add(ref)
        if ref in spec.indicators:
            out += _refs(spec, ref, seen)
        else:
            out.append(ref)
    return out


def _kept(rows: list[tuple[Any, ...]], aggregation: str, period: Period) -> list[tuple[Any, ...]]:
    """Return the rows the engine's roll-up uses for one element (see the module's doc)."""
    top: dict[int, int] = {}
    for r in rows:
        top[r[2]] = max(top.get(r[2], 0), r[5])
    rows = [r for r in rows if r[5] == top[r[2]]]
    if aggregation == "none":
        return [r for r in rows if r[8] and r[3] == period.code]
    if aggregation == "last":
        latest: dict[int, tuple[Any, ...]] = {}
        for r in rows:  # ordered by period end
            latest[r[2]] = r
        return list(latest.values())
    return rows


def _total(values: list[float], aggregation: str) -> float | None:
    if not values:
        return None
    if aggregation == "average":
        return sum(values) / len(values)
    if aggregation == "max":
        return max(values)
    if aggregation == "none":
        return values[0]
    return sum(values)


def _names(lake: Lake, orgs: set[int]) -> dict[int, tuple[str, str, str]]:
    """Return (kind, code, name) of the reporting organisations (units of any date, agencies)."""
    con = lake.cursor()
    units = [o for o in orgs if o > 0]
    agencies = [-o for o in orgs if o < 0]
    out: dict[int, tuple[str, str, str]] = {}
    if units:
        for i, code, name, level in con.execute(
            "SELECT id, code, name, level FROM ind_unit WHERE list_contains(?, id)", [units]
        ).fetchall():
            out[int(i)] = (str(level), str(code), str(name))
    if agencies:
        for i, code, name in con.execute(
            "SELECT id, code, name FROM ind_agency WHERE list_contains(?, id)", [agencies]
        ).fetchall():
            out[-int(i)] = ("agency", str(code), str(name))
    return out


def _figure(
    session: Session, principal: Principal, ref: str, org: Org, period: Period, value: Any
) -> dict[str, Any]:
    """Return another domain's figure used by the indicator, with its page and the records
    behind it if the caller may open them (as its family says)."""
    family = figures.family_of(ref)
    item: dict[str, Any] = {
        "ref": ref,
        "family": family.prefix if family else None,
        "family_name": family.name if family else "",
        "name": figures.names().get(ref, ref),
        "value": value,
        "page": None,
        "records": None,
    }
    if family is not None and family.drill is not None:
        found = family.drill(session, principal, ref, org.kind, org.code, period)
        item.update(found.extra)
        item.update(
            page=found.page,
            records=found.records,
            page_label=found.page_label,
            records_file=found.records_file,
            records_label=found.records_label,
        )
    # The 766 figures' records are dossiers: the name the API has always given them.
    item["dossiers"] = item["records"] if family is not None and family.prefix == "qd766" else None
    return item


def explain(
    session: Session,
    lake: Lake,
    *,
    principal: Principal,
    index: str,
    period: str,
    unit_code: str,
    node: str,
) -> dict[str, Any]:
    """Return what is behind one indicator (a node of the tree, or an indicator code) of one
    organisation the caller may see, for a period."""
    principal.require("read")
    spec = load_spec(session, index)
    p = index_period(period)
    now = computed(lake, spec, p, p.last)
    code = unit_code.strip()
    found = [o for o in now.orgs.values() if o.code == code]
    allowed = visible_orgs(session, principal, [o.org for o in found])
    found = [o for o in found if o.org in allowed]
    if not found:
        raise NotFound(
            f"không tìm thấy đơn vị '{unit_code}' trong phạm vi được xem của bộ chỉ số {index}"
        )
    org = found[0]
    leaf = next((n for n in spec.nodes if n.code == node and n.indicator), None)
    if leaf is None:
        leaf = next((n for n in spec.nodes if n.indicator == node), None)
    if leaf is None or leaf.indicator is None:
        raise NotFound(f"bộ chỉ số {index} không có chỉ số '{node}'")
    ind = spec.indicators[leaf.indicator]
    result = now.results[org.org]
    iv = result.values[ind.code]
    refs = _refs(spec, ind.code)
    element_ids = {r: spec.elements[r] for r in refs if r in spec.elements}
    meta = {
        e.id: e
        for e in session.scalars(
            select(DataElement).where(DataElement.id.in_(list(element_ids.values()) or [0]))
        )
    }
    rows: list[tuple[Any, ...]] = []
    names: dict[int, tuple[str, str, str]] = {}
    if element_ids:
        with lake.lock:
            ilake.ensure_bridge(lake, p.last)
            sql = VALUES_SQL.format(elements=", ".join(str(i) for i in element_ids.values()))
            rows = (
                lake.cursor()
                .execute(sql, {"org": org.org, "first": p.first, "last": p.last})
                .fetchall()
            )
            names = _names(lake, {int(r[2]) for r in rows})
    by_element: dict[int, list[tuple[Any, ...]]] = {}
    for r in rows:
        by_element.setdefault(int(r[1]), []).append(r)
    kept = {
        eid: _kept(by_element.get(eid, []), meta[eid].aggregation, p)
        for eid in element_ids.values()
        if eid in meta
    }
    sources = {int(r[2]) for rs in kept.values() for r in rs}
    readable = visible_orgs(session, principal, sources)
    details = reporting.value_details(
        session, [int(r[0]) for rs in kept.values() for r in rs if int(r[2]) in readable]
    )
    elements = []
    for ref in refs:
        if ref not in element_ids or element_ids[ref] not in meta:
            continue
        e = meta[element_ids[ref]]
        listed = []
        for r in kept[e.id]:
            if int(r[2]) not in readable:
                continue
            kind, org_code, org_name = names.get(int(r[2]), ("", "", ""))
            info = details.get(int(r[0]))
            key = f"{'a' if int(r[2]) < 0 else 'u'}-{abs(int(r[2]))}"
            listed.append(
                {
                    "org_kind": kind,
                    "org_code": org_code,
                    "org_name": org_name,
                    "period": r[3],
                    "period_label": _label(str(r[3])),
                    "value": r[6],
                    "status": r[7],
                    "status_label": STATUS_LABELS.get(r[7], r[7]),
                    "partial": bool(r[9]),
                    "source": info.source if info else "",
                    "source_label": SOURCE_LABELS.get(info.source, info.source) if info else "",
                    "author": info.author if info else "",
                    "updated_at": info.updated_at if info else None,
                    "comment": info.comment if info else "",
                    "report": (
                        f"/reporting/entry/{info.form}/{r[3]}/{key}" if info and info.form else None
                    ),
                }
            )
        elements.append(
            {
                "code": e.code,
                "name": e.name,
                "unit": e.unit,
                "aggregation": e.aggregation,
                "aggregation_label": AGGREGATION_WORDS.get(e.aggregation, e.aggregation),
                "in": [
                    part
                    for part, text in (
                        ("numerator", ind.numerator),
                        ("denominator", ind.denominator),
                    )
                    if e.code in _refs_of(spec, text)
                ],
                "value": _total([float(r[6]) for r in kept[e.id]], e.aggregation),
                "rows": listed,
                "hidden": sum(1 for r in kept[e.id] if int(r[2]) not in readable),
            }
        )
    used = [r for r in refs if figures.family_of(r) is not None]
    mine = external_figures(lake, spec, p, p.last)[0].get(org.org, {}) if used else {}
    external = [_figure(session, principal, ref, org, p, mine.get(ref)) for ref in used]
    return {
        "index": {"code": spec.code, "name": spec.name, "version": spec.version},
        "period": p.code,
        "label": p.label,
        "unit": {"kind": org.kind, "code": org.code, "name": org.name},
        "node": {
            "code": leaf.code,
            "name": leaf.name,
            "max_points": leaf.max_points,
            "points": result.points.get(leaf.code) if result.reported else None,
        },
        "indicator": {
            "code": ind.code,
            "name": ind.name,
            "unit": ind.unit,
            "decimals": ind.decimals,
            "factor": ind.factor,
            "numerator_text": ind.numerator_text,
            "denominator_text": ind.denominator_text,
            "numerator": iv.numerator,
            "denominator": iv.denominator,
            "value": iv.value,
            "note": iv.note,
        },
        "elements": elements,
        "figures": external,
        "level_words": LEVEL_WORDS[spec.level],
    }


def _refs_of(spec: IndexSpec, formula: expr.Expr) -> set[str]:
    """Return every element and figure a formula reaches, through other indicators."""
    out: set[str] = set()
    for ref in expr.references(formula):
        if ref in spec.indicators:
            out |= set(_refs(spec, ref))
        else:
            out.add(ref)
    return out
