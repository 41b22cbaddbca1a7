"""A composite index as the engine needs it, read from the catalog tables in a few queries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinhso import figures
from tinhso.errors import NotFound
from tinhso.indicators import expr
from tinhso.indicators.models import (
    CatalogSource,
    CompositeIndex,
    DataElement,
    IndexNode,
    Indicator,
    Target,
)


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator with its parsed expressions."""

    code: str
    name: str
    numerator: expr.Expr
    denominator: expr.Expr
    factor: float
    direction: str
    decimals: int
    unit: str
    numerator_text: str = ""
    denominator_text: str = ""


@dataclass(frozen=True)
class NodeSpec:
    """A group or a leaf of the tree, with its parent and depth."""

    code: str
    name: str
    parent: str | None
    depth: int
    max_points: float
    indicator: str | None = None
    rule: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetSpec:
    """A planned value: for one unit (``unit_id``) or a level's default."""

    indicator: str
    year: int
    planned: float
    unit_id: int | None
    level: str


@dataclass(frozen=True)
class IndexSpec:
    """Everything needed to compute an index: its tree, indicators, elements and targets."""

    code: str
    name: str
    version: str
    level: str
    max_points: float
    normalise: float
    missing: str
    nodes: tuple[NodeSpec, ...]
    indicators: dict[str, IndicatorSpec]
    elements: dict[str, int]  # code → id, every element the indicators use
    external: tuple[str, ...]  # other domains' figures (qd766.3.3, infra.villages_4g …)
    targets: tuple[TargetSpec, ...]
    digest: str
    period_type: str = "yearly"  # how often the index is assessed
    kids: dict[str | None, list[NodeSpec]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for n in self.nodes:
            self.kids.setdefault(n.parent, []).append(n)

    def children(self, code: str | None) -> list[NodeSpec]:
        """Return the nodes directly under ``code`` (None: the top groups)."""
        return self.kids.get(code, [])


def list_indices(session: Session) -> list[CompositeIndex]:
    """Return every composite index of the catalog, by code."""
    return list(session.scalars(select(CompositeIndex).order_by(CompositeIndex.code)))


_SPECS: dict[tuple[str, str, str], IndexSpec] = {}


def load_spec(session: Session, code: str) -> IndexSpec:
    """Return the index named ``code``; raise NotFound naming the indices that exist.

    Kept per database while no catalog file was loaded since (the loader stamps each load).
    """
    stamp = session.execute(
        select(func.count(CatalogSource.id), func.max(CatalogSource.loaded_at))
    ).one()
    key = (str(session.get_bind().engine.url), code, repr(tuple(stamp)))
    if key not in _SPECS:
        if len(_SPECS) > 32:
            _SPECS.clear()
        _SPECS[key] = _load_spec(session, code)
    return _SPECS[key]


def _load_spec(session: Session, code: str) -> IndexSpec:
    ix = session.scalars(select(CompositeIndex).where(CompositeIndex.code == code)).first()
    if ix is None:
        known = ", ".join(i.code for i in list_indices(session)) or "chưa nạp bộ chỉ số nào"
        raise NotFound(f"không có bộ chỉ số '{code}' (có: {known})")
    rows = list(
        session.scalars(
            select(IndexNode).where(IndexNode.index_id == ix.id).order_by(IndexNode.position)
        )
    )
    all_inds = {i.id: i for i in session.scalars(select(Indicator))}
    by_code = {i.code: i for i in all_inds.values()}
    by_parent: dict[int | None, list[IndexNode]] = {}
    for r in rows:
        by_parent.setdefault(r.parent_id, []).append(r)
    nodes: list[NodeSpec] = []

    def walk(parent_id: int | None, parent_code: str | None, depth: int) -> None:
        for r in by_parent.get(parent_id, []):
            ind = all_inds.get(r.indicator_id) if r.indicator_id else None
            nodes.append(
                NodeSpec(
                    r.code,
                    r.name,
                    parent_code,
                    depth,
                    r.max_points,
                    ind.code if ind else None,
                    r.rule,
                    json.loads(r.params) if r.params else {},
                )
            )
            walk(r.id, r.code, depth + 1)

    walk(None, None, 0)
    elements = {e.code: e.id for e in session.scalars(select(DataElement))}
    needed: dict[str, IndicatorSpec] = {}
    used_elements: dict[str, int] = {}
    external: list[str] = []

    def need(code: str) -> None:
        if code in needed:
            return
        i = by_code[code]
        spec = IndicatorSpec(
            i.code,
            i.name,
            expr.parse(i.numerator),
            expr.parse(i.denominator),
            i.factor,
            i.direction,
            i.decimals,
            i.unit,
            i.numerator,
            i.denominator,
        )
        needed[code] = spec
        for ref in expr.references(spec.numerator) + expr.references(spec.denominator):
            if ref in elements:
                used_elements[ref] = elements[ref]
            elif figures.family_of(ref) is not None:
                if ref not in external:
                    external.append(ref)
            elif ref in by_code:
                need(ref)

    for n in nodes:
        if n.indicator:
            need(n.indicator)
    ids = {by_code[c].id: c for c in needed}
    targets = tuple(
        TargetSpec(ids[t.indicator_id], t.year, t.planned, t.unit_id, t.level)
        for t in session.scalars(
            # A plan's targets are the plan's (tasks domain), not the index's scoring goals.
            select(Target).where(Target.indicator_id.in_(list(ids)), Target.plan == "")
        )
    )
    digest = hashlib.sha256(
        repr(
            (
                ix.code,
                ix.version,
                ix.max_points,
                ix.normalise,
                ix.missing,
                nodes,
                sorted(needed.items()),
                sorted(used_elements.items()),
                targets,
            )
        ).encode()
    ).hexdigest()
    return IndexSpec(
        ix.code,
        ix.name,
        ix.version,
        ix.level,
        ix.max_points,
        ix.normalise,
        ix.missing,
        tuple(nodes),
        needed,
        used_elements,
        tuple(external),
        targets,
        digest,
        period_type=ix.period_type,
    )


SOURCE_LABELS = {
    "computed": "Tự tính",
    "mixed": "Tự tính một phần",
    "reported": "Đơn vị báo cáo",
}
SOURCE_HINTS = {
    "computed": "tính từ dữ liệu của các hệ thống (Chỉ số 766, sổ hạ tầng số …), không nhập lại",
    "mixed": "một phần tính từ dữ liệu của các hệ thống, một phần do đơn vị báo cáo",
    "reported": "tính từ số liệu các đơn vị báo cáo",
}


def source_of(spec: IndexSpec, code: str) -> str:
    """Return where an indicator's figures come from: ``computed`` (only other domains'
    figures), ``reported`` (only data elements the units report) or ``mixed``."""
    seen: set[str] = {code}
    stack = [code]
    figures_used = elements_used = False
    while stack:
        i = spec.indicators[stack.pop()]
        for ref in expr.references(i.numerator) + expr.references(i.denominator):
            if ref in spec.indicators:
                if ref not in seen:
                    seen.add(ref)
                    stack.append(ref)
            elif ref in spec.external:
                figures_used = True
            elif ref in spec.elements:
                elements_used = True
    if figures_used:
        return "mixed" if elements_used else "computed"
    return "reported"
