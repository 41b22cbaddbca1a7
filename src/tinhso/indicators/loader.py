"""``tinhso catalog load``: check a set of catalog files together, then write them (audited).

All files are read and checked before anything is written: references across files and to
what the database already holds (data elements, indicators), cycles between indicators, the
766 figures other domains compute, target units. One problem anywhere and nothing is written.
A file whose content (SHA-256) is the one last loaded is left alone, so loading twice changes
nothing. Writes go through the ORM, so each created, changed or deleted row is in the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso import figures
from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.errors import Forbidden
from tinhso.indicators import expr
from tinhso.indicators.catalog import (
    NUMERIC_TYPES,
    CatalogError,
    CatalogFile,
    IndexDef,
    NodeDef,
    leaves,
    read_file,
)
from tinhso.indicators.models import (
    CatalogSource,
    CompositeIndex,
    DataElement,
    IndexNode,
    Indicator,
    Target,
)
from tinhso.services.catalog import CATALOG_DIR
from tinhso.units import service as units
from tinhso.units.models import Unit


@dataclass
class FileReport:
    """What loading one file did."""

    name: str
    code: str
    version: str
    status: str  # loaded, unchanged, checked (the 766 catalog: read by its own domain)
    counts: dict[str, int] = field(default_factory=dict)


def default_files() -> list[Path]:
    """Return every catalog file under ``catalog/``."""
    return sorted(CATALOG_DIR.glob("*.yaml"))


def external_refs() -> dict[str, str]:
    """Return the figures other domains compute that expressions may use, with their names
    (every registered family's, see :mod:`tinhso.figures`)."""
    return figures.names()


def _owners(
    session: Session, model: type[DataElement] | type[Indicator] | type[CompositeIndex]
) -> dict[str, str]:
    return {c: cat for c, cat in session.execute(select(model.code, model.catalog))}


def check(session: Session, files: list[CatalogFile]) -> list[str]:
    """Return every problem of the files taken together with what the database holds."""
    errors: list[str] = []
    elements = {e.code: e.value_type for e in session.scalars(select(DataElement))}
    indicator_refs: dict[str, list[str]] = {
        i.code: expr.references(expr.parse(i.numerator))
        + expr.references(expr.parse(i.denominator))
        for i in session.scalars(select(Indicator))
    }
    owners = {
        "data_elements": _owners(session, DataElement),
        "indicators": _owners(session, Indicator),
        "indices": _owners(session, CompositeIndex),
    }
    defined: dict[str, dict[str, str]] = {k: {} for k in owners}
    for f in files:
        sections: tuple[tuple[str, list[Any]], ...] = (
            ("data_elements", f.elements),
            ("indicators", f.indicators),
            ("indices", f.indices),
        )
        for section, items in sections:
            for i, item in enumerate(items):
                where = f"{f.name}, {section}[{i}].code"
                other = defined[section].get(item.code)
                if other is not None:
                    errors.append(f"{where}: mã '{item.code}' đã được định nghĩa trong tệp {other}")
                owner = owners[section].get(item.code)
                if owner and owner != f.code:
                    errors.append(
                        f"{where}: mã '{item.code}' thuộc bộ danh mục '{owner}', không sửa từ tệp này"
                    )
                defined[section][item.code] = f.name
        for e in f.elements:
            elements[e.code] = e.value_type
        for ind in f.indicators:
            indicator_refs[ind.code] = ind.refs()
    external = external_refs()
    for f in files:
        for i, ind in enumerate(f.indicators):
            for key in ("numerator", "denominator"):
                for ref in expr.references(expr.parse(getattr(ind, key))):
                    where = f"{f.name}, indicators[{i}].{key}"
                    if ref in elements:
                        if elements[ref] not in NUMERIC_TYPES:
                            errors.append(
                                f"{where}: chỉ tiêu '{ref}' kiểu {elements[ref]} không tính toán được"
                            )
                    elif ref not in indicator_refs and ref not in external:
                        errors.append(
                            f"{where}: không có chỉ tiêu dữ liệu, chỉ số hay số liệu '{ref}'"
                        )
        for i, ix in enumerate(f.indices):
            for leaf in leaves(ix.children):
                if leaf.indicator and leaf.indicator not in indicator_refs:
                    errors.append(
                        f"{f.name}, indices[{i}] ({ix.code}), mục {leaf.code}: "
                        f"không có chỉ số '{leaf.indicator}'"
                    )
        plan_codes: dict[tuple[str, str, int, str], int] = {}
        for i, t in enumerate(f.targets):
            if not t.plan:
                continue
            plan_key = (t.plan, t.code or t.indicator, t.year, t.unit or t.level)
            if plan_key in plan_codes:
                errors.append(
                    f"{t.where}: kế hoạch {t.plan} đã có chỉ tiêu '{plan_key[1]}' năm {t.year} "
                    f"(targets[{plan_codes[plan_key]}])"
                )
            plan_codes.setdefault(plan_key, i)
            if t.level and t.level != "province":
                errors.append(
                    f"{t.where}.level: chỉ tiêu của kế hoạch là của tỉnh (level: province "
                    "hoặc unit: mã tỉnh)"
                )
            elif t.unit and t.year:
                uid = _target_unit(session, t.unit, t.year)
                level = session.scalar(select(Unit.level).where(Unit.id == uid)) if uid else None
                if level is not None and level != "province":
                    errors.append(
                        f"{t.where}.unit: chỉ tiêu của kế hoạch là của tỉnh; '{t.unit}' là mã xã"
                    )
        for t in f.targets:
            if t.indicator and t.indicator not in indicator_refs:
                errors.append(f"{t.where}.indicator: không có chỉ số '{t.indicator}'")
            elif t.unit and t.year and _target_unit(session, t.unit, t.year) is None:
                errors.append(
                    f"{t.where}.unit: không có đơn vị mã '{t.unit}' còn hiệu lực cuối năm {t.year}"
                )
    errors += _cycles(indicator_refs, {i.code: f.name for f in files for i in f.indicators})
    return errors


def _cycles(graph: dict[str, list[str]], where: dict[str, str]) -> list[str]:
    """Return one error per cycle among indicators that reach a file of this load."""
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[str] = []

    def visit(code: str) -> None:
        state[code] = 1
        stack.append(code)
        for ref in graph.get(code, []):
            if ref not in graph:
                continue
            if state.get(ref) == 1:
                cycle = [*stack[stack.index(ref) :], ref]
                file = where.get(ref, "cơ sở dữ liệu")
                found.append(f"{file}: các chỉ số tham chiếu vòng tròn: {' → '.join(cycle)}")
            elif ref not in state:
                visit(ref)
        stack.pop()
        state[code] = 2

    for code in sorted(graph):
        if code not in state:
            visit(code)
    return found


def _target_unit(session: Session, code: str, year: int) -> int | None:
    return session.scalars(
        select(Unit.id).where(
            Unit.code == code,
            Unit.level.in_(["province", "commune"]),
            units.valid_on(date(year, 12, 31)),
        )
    ).first()


def load(session: Session, *, principal: Principal, paths: list[Path]) -> list[FileReport]:
    """Check the files together and write those that changed; raise CatalogError, Forbidden."""
    if not (principal.is_global and principal.role == "admin"):
        raise Forbidden("chỉ quản trị hệ thống cấp tỉnh được nạp bộ danh mục chỉ số")
    files: list[CatalogFile] = []
    errors: list[str] = []
    for p in paths:
        try:
            files.append(read_file(p))
        except CatalogError as exc:
            errors += exc.errors
    if errors:
        raise CatalogError(errors)
    own = [f for f in files if not f.external]
    errors = check(session, own)
    if errors:
        raise CatalogError(errors)
    reports: list[FileReport] = []
    changed: list[tuple[CatalogFile, FileReport]] = []
    for f in files:
        if f.external:
            reports.append(FileReport(f.name, f.code, f.version, "checked"))
            continue
        source = session.scalars(select(CatalogSource).where(CatalogSource.name == f.name)).first()
        if source is not None and source.digest == f.digest:
            reports.append(FileReport(f.name, f.code, f.version, "unchanged"))
            continue
        report = FileReport(f.name, f.code, f.version, "loaded")
        reports.append(report)
        changed.append((f, report))
        if source is None:
            source = CatalogSource(name=f.name)
            session.add(source)
        source.code, source.version, source.digest = f.code, f.version, f.digest
        source.loaded_at = utcnow()
    # Definitions of every file first: an index or a target may use another file's indicator.
    for f, report in changed:
        report.counts.update(_write_definitions(session, f))
    session.flush()
    for f, report in changed:
        report.counts.update(_write_structure(session, f))
    session.flush()
    return reports


def _set(obj: object, **values: object) -> bool:
    changed = False
    for k, v in values.items():
        if getattr(obj, k, None) != v:
            setattr(obj, k, v)
            changed = True
    return changed


def _write_definitions(session: Session, f: CatalogFile) -> dict[str, int]:
    counts = {"data_elements": 0, "indicators": 0}
    by_code = {e.code: e for e in session.scalars(select(DataElement))}
    for e in f.elements:
        row = by_code.get(e.code)
        if row is None:
            row = DataElement(code=e.code)
            session.add(row)
        fields = {k: getattr(e, k) for k in ("name", "value_type", "unit", "aggregation")}
        counts["data_elements"] += _set(row, **fields, description=e.description, catalog=f.code)
    inds = {i.code: i for i in session.scalars(select(Indicator))}
    for d in f.indicators:
        row_i = inds.get(d.code)
        if row_i is None:
            row_i = inds[d.code] = Indicator(code=d.code)
            session.add(row_i)
        keys = ("name", "numerator", "denominator", "factor", "direction", "decimals", "unit")
        fields = {k: getattr(d, k) for k in keys}
        counts["indicators"] += _set(row_i, **fields, description=d.description, catalog=f.code)
    return counts


def _write_structure(session: Session, f: CatalogFile) -> dict[str, int]:
    counts = {"indices": 0, "targets": 0}
    inds = {i.code: i for i in session.scalars(select(Indicator))}
    for ix in f.indices:
        _write_index(session, ix, f.code, inds)
        counts["indices"] += 1
    for old in session.scalars(select(Target).where(Target.catalog == f.code)):
        session.delete(old)
    for t in f.targets:
        unit_id = _target_unit(session, t.unit, t.year) if t.unit else None
        session.add(
            Target(
                indicator_id=inds[t.indicator].id,
                unit_id=unit_id,
                level=t.level,
                year=t.year,
                planned=t.planned,
                catalog=f.code,
                plan=t.plan,
                code=t.code,
                name=t.name,
            )
        )
        counts["targets"] += 1
    return counts


def _write_index(session: Session, ix: IndexDef, catalog: str, inds: dict[str, Indicator]) -> None:
    row = session.scalars(select(CompositeIndex).where(CompositeIndex.code == ix.code)).first()
    if row is None:
        row = CompositeIndex(code=ix.code)
        session.add(row)
    _set(
        row,
        name=ix.name,
        version=ix.version,
        level=ix.level,
        max_points=ix.max_points,
        normalise=ix.normalise,
        missing=ix.missing,
        period_type=ix.period_type,
        catalog=catalog,
    )
    session.flush()
    old = list(session.scalars(select(IndexNode).where(IndexNode.index_id == row.id)))
    # Leaves first, one level per flush: the database cascades a parent's delete to its
    # children, which the session must not then try to delete again.
    parents = {n.parent_id for n in old}
    while old:
        level = [n for n in old if n.id not in parents]
        for node in level:
            session.delete(node)
        session.flush()
        old = [n for n in old if n not in level]
        parents = {n.parent_id for n in old}

    def add(node: NodeDef, parent: int | None, position: int) -> None:
        ind = inds.get(node.indicator) if node.indicator else None
        item = IndexNode(
            index_id=row.id,
            code=node.code,
            parent_id=parent,
            position=position,
            name=node.name or (ind.name if ind else node.code),
            max_points=node.points,
            indicator_id=ind.id if ind else None,
            rule=node.rule,
            params=json.dumps(node.params, ensure_ascii=False, sort_keys=True) if node.rule else "",
        )
        session.add(item)
        session.flush()
        for i, child in enumerate(node.children):
            add(child, item.id, i)

    for i, top in enumerate(ix.children):
        add(top, None, i)
