"""Indicator catalogs as data: reading and checking ``catalog/*.yaml`` (no database here).

A catalog file defines data elements, indicators, composite indices (a tree of groups with
maximum points whose leaves are scored indicators) and targets. Every problem is reported at
once, each naming the file, the YAML path (``indices[0].children[2].points``) and the reason in
Vietnamese; ``loader.py`` writes a checked set of files to the database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tinhso import figures
from tinhso.indicators import expr
from tinhso.indicators.models import AGGREGATIONS, VALUE_TYPES

CODE_RE = re.compile(r"^" + expr.REF_PATTERN + r"$")
INDEX_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DIRECTIONS = ("higher", "lower")
LEVELS = ("province", "commune", "agency")
RULES = ("linear", "bands", "yes_no")
MISSING = ("zero", "skip")
# How often an index is assessed, the first the default: the DTI is a yearly assessment.
INDEX_PERIOD_TYPES = ("yearly", "six_monthly", "quarterly", "monthly")
NUMERIC_TYPES = ("number", "integer", "percentage", "boolean")


class CatalogError(ValueError):
    """The catalog files are not valid; ``errors`` lists every problem (file, path, reason)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ElementDef:
    """A data element as the catalog defines it."""

    code: str
    name: str
    value_type: str = "number"
    unit: str = ""
    aggregation: str = "sum"
    description: str = ""


@dataclass(frozen=True)
class IndicatorDef:
    """An indicator: factor × numerator ÷ denominator."""

    code: str
    name: str
    numerator: str
    denominator: str = "1"
    factor: float = 1.0
    direction: str = "higher"
    decimals: int = 2
    unit: str = ""
    description: str = ""

    def refs(self) -> list[str]:
        """Return every code the numerator and denominator refer to."""
        out = expr.references(expr.parse(self.numerator))
        return out + [r for r in expr.references(expr.parse(self.denominator)) if r not in out]


@dataclass(frozen=True)
class NodeDef:
    """A group (with children) or a leaf (an indicator and its scoring rule)."""

    code: str
    name: str
    points: float
    indicator: str | None = None
    rule: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    children: tuple[NodeDef, ...] = ()


@dataclass(frozen=True)
class IndexDef:
    """A composite index."""

    code: str
    name: str
    version: str
    level: str
    max_points: float
    normalise: float
    missing: str
    children: tuple[NodeDef, ...]
    period_type: str = "yearly"


@dataclass(frozen=True)
class TargetDef:
    """A planned value of an indicator for a year: one unit's (by code) or a level's default."""

    indicator: str
    year: int
    planned: float
    unit: str = ""
    level: str = ""
    where: str = ""
    plan: str = ""  # the plan that set it (its number and notation, "09-KH/BCĐCĐS")
    code: str = ""  # the target's code in that plan ("CT01")
    name: str = ""  # as the plan words it (the indicator's name when not given)


@dataclass
class CatalogFile:
    """One checked catalog file."""

    name: str
    code: str
    version: str
    digest: str
    elements: list[ElementDef] = field(default_factory=list)
    indicators: list[IndicatorDef] = field(default_factory=list)
    indices: list[IndexDef] = field(default_factory=list)
    targets: list[TargetDef] = field(default_factory=list)
    external: bool = False  # the services' 766 catalog, checked by its own loader


def nfc(value: Any) -> str:
    """Return the value as NFC text, stripped (names are compared and shown as typed)."""
    return unicodedata.normalize("NFC", str(value)).strip()


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[str] = []

    def err(self, path: str, reason: str) -> None:
        self.errors.append(f"{self.name}, {path}: {reason}")

    def number(self, raw: dict[str, Any], key: str, path: str, default: float | None) -> float:
        value = raw.get(key, default)
        if value is None:
            self.err(f"{path}.{key}", "thiếu giá trị (phải là số)")
            return 0.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.err(f"{path}.{key}", f"'{value}' không phải là số")
            return 0.0
        return float(value)

    def text(self, raw: dict[str, Any], key: str, path: str, required: bool = True) -> str:
        value = raw.get(key)
        if value is None or nfc(value) == "":
            if required:
                self.err(f"{path}.{key}", "thiếu giá trị")
            return ""
        return nfc(value)

    def choice(self, raw: dict[str, Any], key: str, path: str, allowed: tuple[str, ...]) -> str:
        value = nfc(raw.get(key, allowed[0]))
        if value not in allowed:
            self.err(
                f"{path}.{key}", f"'{value}' không hợp lệ (chọn một trong: {', '.join(allowed)})"
            )
        return value

    def keys(self, raw: Any, path: str, allowed: set[str]) -> bool:
        if not isinstance(raw, dict):
            self.err(path, "phải là một bảng khóa–giá trị")
            return False
        unknown = sorted(str(k) for k in set(raw) - allowed)
        if unknown:
            self.err(path, f"khóa không hợp lệ: {', '.join(unknown)}")
        return True

    def code(self, raw: dict[str, Any], path: str) -> str:
        code = self.text(raw, "code", path)
        if code and not CODE_RE.match(code):
            self.err(f"{path}.code", f"mã '{code}' chỉ gồm chữ không dấu, số, '_' và dấu chấm")
        elif code.startswith(figures.prefixes()) or code in expr.FUNCTIONS:
            self.err(f"{path}.code", f"mã '{code}' trùng tên dành riêng")
        return code

    def element(self, raw: Any, path: str) -> ElementDef | None:
        allowed = {"code", "name", "value_type", "unit", "aggregation", "description"}
        if not self.keys(raw, path, allowed):
            return None
        return ElementDef(
            code=self.code(raw, path),
            name=self.text(raw, "name", path),
            value_type=self.choice(raw, "value_type", path, VALUE_TYPES),
            unit=self.text(raw, "unit", path, required=False),
            aggregation=self.choice(raw, "aggregation", path, AGGREGATIONS),
            description=self.text(raw, "description", path, required=False),
        )

    def indicator(self, raw: Any, path: str) -> IndicatorDef | None:
        allowed = {"code", "name", "numerator", "denominator", "factor", "direction"}
        allowed |= {"decimals", "unit", "description"}
        if not self.keys(raw, path, allowed):
            return None
        parts: dict[str, str] = {}
        for key in ("numerator", "denominator"):
            text = str(raw.get(key, "1" if key == "denominator" else "")).strip()
            parts[key] = text
            try:
                expr.parse(text)
            except expr.ExpressionError as exc:
                self.err(f"{path}.{key}", str(exc))
        decimals = raw.get("decimals", 2)
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
            self.err(f"{path}.decimals", "phải là số nguyên từ 0 đến 6")
            decimals = 2
        return IndicatorDef(
            code=self.code(raw, path),
            name=self.text(raw, "name", path),
            numerator=parts["numerator"],
            denominator=parts["denominator"],
            factor=self.number(raw, "factor", path, 1.0),
            direction=self.choice(raw, "direction", path, DIRECTIONS),
            decimals=decimals,
            unit=self.text(raw, "unit", path, required=False),
            description=self.text(raw, "description", path, required=False),
        )

    def scoring(self, raw: Any, path: str, points: float) -> tuple[str, dict[str, Any]]:
        if not isinstance(raw, dict):
            self.err(path, "thiếu cách tính điểm (rule: linear, bands hoặc yes_no)")
            return "", {}
        rule = self.choice(raw, "rule", path, RULES)
        params: dict[str, Any] = {}
        if rule == "linear":
            self.keys(raw, path, {"rule", "full", "zero"})
            params["full"] = self.number(raw, "full", path, None)
            params["zero"] = self.number(raw, "zero", path, 0.0)
            if params["full"] == params["zero"]:
                self.err(f"{path}.full", "mức đủ điểm phải khác mức 0 điểm")
        elif rule == "bands":
            self.keys(raw, path, {"rule", "bands"})
            bands = raw.get("bands")
            if not isinstance(bands, list) or not bands:
                self.err(f"{path}.bands", "phải là danh sách các khoảng {from|to, points}")
                bands = []
            out = []
            for i, band in enumerate(bands):
                where = f"{path}.bands[{i}]"
                if not self.keys(band, where, {"from", "to", "points"}):
                    continue
                if ("from" in band) == ("to" in band):
                    self.err(where, "cần đúng một trong 'from' (từ mức) hoặc 'to' (đến mức)")
                    continue
                bound = "from" if "from" in band else "to"
                p = self.number(band, "points", where, None)
                if not 0 <= p <= points:
                    self.err(f"{where}.points", f"điểm {p:g} ngoài khoảng 0–{points:g}")
                out.append({bound: self.number(band, bound, where, None), "points": p})
            params["bands"] = out
        else:
            self.keys(raw, path, {"rule"})
        return rule, params

    def node(self, raw: Any, path: str, seen: set[str]) -> NodeDef | None:
        allowed = {"code", "name", "points", "children", "indicator", "scoring"}
        if not self.keys(raw, path, allowed):
            return None
        code = self.text(raw, "code", path)
        if code in seen:
            self.err(f"{path}.code", f"mã mục '{code}' trùng trong bộ chỉ số")
        seen.add(code)
        points = self.number(raw, "points", path, None)
        if points <= 0:
            self.err(f"{path}.points", "điểm tối đa phải lớn hơn 0")
        if "children" in raw:
            if "indicator" in raw or "scoring" in raw:
                self.err(path, "một mục là nhóm (children) hoặc chỉ số (indicator), không cả hai")
            children = self.nodes(raw["children"], f"{path}.children", seen)
            total = sum(c.points for c in children)
            if children and abs(total - points) > 1e-9:
                self.err(
                    f"{path}.points",
                    f"tổng điểm các mục con ({total:g}) khác điểm của nhóm '{code}' ({points:g})",
                )
            return NodeDef(code, self.text(raw, "name", path), points, children=tuple(children))
        indicator = self.text(raw, "indicator", path)
        rule, params = self.scoring(raw.get("scoring"), f"{path}.scoring", points)
        name = self.text(raw, "name", path, required=False)
        return NodeDef(code, name, points, indicator=indicator, rule=rule, params=params)

    def nodes(self, raw: Any, path: str, seen: set[str]) -> list[NodeDef]:
        if not isinstance(raw, list) or not raw:
            self.err(path, "phải là danh sách mục không rỗng")
            return []
        out = []
        for i, item in enumerate(raw):
            node = self.node(item, f"{path}[{i}]", seen)
            if node is not None:
                out.append(node)
        return out

    def index(self, raw: Any, path: str) -> IndexDef | None:
        allowed = {"code", "name", "version", "level", "max_points", "normalise", "missing"}
        allowed |= {"period_type"}
        if not self.keys(raw, path, allowed | {"children"}):
            return None
        children = self.nodes(raw.get("children"), f"{path}.children", set())
        max_points = self.number(raw, "max_points", path, None)
        total = sum(c.points for c in children)
        if children and abs(total - max_points) > 1e-9:
            self.err(
                f"{path}.max_points",
                f"tổng điểm các nhóm ({total:g}) khác điểm tối đa của bộ chỉ số ({max_points:g})",
            )
        normalise = self.number(raw, "normalise", path, max_points)
        if normalise <= 0:
            self.err(f"{path}.normalise", "phải lớn hơn 0")
        code = self.text(raw, "code", path)
        if code and not INDEX_CODE_RE.match(code):
            self.err(f"{path}.code", f"mã '{code}' chỉ gồm chữ không dấu, số, '_', '-' và dấu chấm")
        return IndexDef(
            code=code,
            name=self.text(raw, "name", path),
            version=nfc(raw.get("version", "")),
            level=self.choice(raw, "level", path, LEVELS),
            max_points=max_points,
            normalise=normalise,
            missing=self.choice(raw, "missing", path, MISSING),
            children=tuple(children),
            period_type=self.choice(raw, "period_type", path, INDEX_PERIOD_TYPES),
        )

    def target(self, raw: Any, path: str) -> TargetDef | None:
        allowed = {"indicator", "year", "planned", "unit", "level", "plan", "code", "name"}
        if not self.keys(raw, path, allowed):
            return None
        year = raw.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            self.err(f"{path}.year", f"năm '{year}' không hợp lệ")
            year = 0
        unit, level = nfc(raw.get("unit", "")), nfc(raw.get("level", ""))
        if bool(unit) == bool(level):
            self.err(path, "cần đúng một trong 'unit' (mã đơn vị) hoặc 'level' (mọi đơn vị cấp đó)")
        elif level and level not in LEVELS:
            self.err(
                f"{path}.level", f"'{level}' không hợp lệ (chọn một trong: {', '.join(LEVELS)})"
            )
        plan, code = nfc(raw.get("plan", "")), nfc(raw.get("code", ""))
        if (code or raw.get("name")) and not plan:
            self.err(path, "'code' và 'name' chỉ dùng cho chỉ tiêu gắn với kế hoạch ('plan')")
        if len(plan) > 60 or len(code) > 40:
            self.err(path, "số, ký hiệu kế hoạch tối đa 60 ký tự, mã chỉ tiêu tối đa 40 ký tự")
        return TargetDef(
            indicator=self.text(raw, "indicator", path),
            year=year,
            planned=self.number(raw, "planned", path, None),
            unit=unit,
            level=level,
            where=f"{self.name}, {path}",
            plan=plan,
            code=code,
            name=nfc(raw.get("name", ""))[:400],
        )


def read_file(path: Path) -> CatalogFile:
    """Return the checked content of one catalog file; raise CatalogError listing every problem."""
    try:
        data = path.read_bytes()
        raw = yaml.safe_load(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError([f"{path.name}: không đọc được tệp ({exc})"]) from exc
    digest = hashlib.sha256(data).hexdigest()
    r = _Reader(path.name)
    if not isinstance(raw, dict):
        raise CatalogError([f"{path.name}: nội dung phải là một bảng khóa–giá trị"])
    if "catalog" not in raw and "groups" in raw:  # the services' 766 catalog
        from tinhso.services.catalog import CatalogError as QdError
        from tinhso.services.catalog import load_catalog

        try:
            qd = load_catalog(path)
        except QdError as exc:
            raise CatalogError([str(exc)]) from exc
        return CatalogFile(path.name, qd.code, qd.version, digest, external=True)
    r.keys(raw, "(gốc)", {"catalog", "version", "name", "description"} | set(SECTIONS))
    out = CatalogFile(
        path.name, r.text(raw, "catalog", "(gốc)"), nfc(raw.get("version", "")), digest
    )
    readers: tuple[tuple[str, Callable[[Any, str], Any], list[Any]], ...] = (
        ("data_elements", r.element, out.elements),
        ("indicators", r.indicator, out.indicators),
        ("indices", r.index, out.indices),
        ("targets", r.target, out.targets),
    )
    for section, reader, bucket in readers:
        items = raw.get(section, [])
        if not isinstance(items, list):
            r.err(section, "phải là một danh sách")
            continue
        codes: set[str] = set()
        for i, item in enumerate(items):
            obj = reader(item, f"{section}[{i}]")
            # A target's code is its plan's (two plans may each have a CT01): the loader checks.
            code = getattr(obj, "code", None) if section != "targets" else None
            if code and code in codes:
                r.err(f"{section}[{i}].code", f"mã '{code}' trùng trong tệp")
            if obj is not None:
                codes.add(code or "")
                bucket.append(obj)
    if r.errors:
        raise CatalogError(r.errors)
    return out


SECTIONS = ("data_elements", "indicators", "indices", "targets")


def leaves(nodes: tuple[NodeDef, ...]) -> list[NodeDef]:
    """Return every leaf under the nodes, depth first."""
    out: list[NodeDef] = []
    for n in nodes:
        out.extend(leaves(n.children) if n.children else [n])
    return out
