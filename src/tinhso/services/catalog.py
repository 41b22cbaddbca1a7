"""The 766 index as data: loading and checking ``catalog/qd766.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tinhso import sqlexpr
from tinhso.config import REPO_ROOT
from tinhso.sqlexpr import ExpressionError, to_sql

CATALOG_DIR = REPO_ROOT / "catalog"
DOSSIER_FIELDS = (
    "channel",
    "status",
    "payment_flag",
    "fee",
    "fee_bearing",
    "issues_result",
    "e_result",
    "digitized_inputs",
    "reused_components",
    "from_data_store",
    "vneid",
    "for_citizens",
    "synced",
    "on_time",
    "complaint",
    "rating",
    "supplement_count",
    "online_mode",
    "processing_days",
)
PROCEDURE_FIELDS = (
    "online_mode",
    "fee_bearing",
    "fee",
    "issues_result",
    "for_citizens",
    "has_online_dossier",
    "has_online_payment",
)
POPULATIONS: dict[str, tuple[str, ...]] = {
    "submitted": DOSSIER_FIELDS,
    "received": DOSSIER_FIELDS,
    "processed": DOSSIER_FIELDS,
    "finished": DOSSIER_FIELDS,
    "procedures": PROCEDURE_FIELDS,
}
KINDS = ("rate", "average", "complement")
KEYS = {
    "id",
    "group",
    "name",
    "population",
    "numerator",
    "denominator",
    "kind",
    "value",
    "points",
    "threshold",
    "direction",
    "of",
    "note",
}


class CatalogError(ValueError):
    """The catalog is not valid; the message names the indicator, key and reason (Vietnamese)."""


@dataclass(frozen=True)
class Indicator:
    """One indicator: which records, which share of them, how many points."""

    id: str
    group: str
    name: str
    kind: str = "rate"
    population: str = ""
    numerator_sql: str = "TRUE"
    denominator_sql: str = "TRUE"
    numerator: str = ""
    denominator: str = ""
    value: str = ""
    value_expr: str = ""
    points: float = 0.0
    threshold: float = 1.0
    direction: str = "higher"
    of: tuple[str, ...] = ()

    @property
    def scored(self) -> bool:
        """Return True when the indicator carries points."""
        return self.points > 0

    def expressions(self) -> dict[str, str]:
        """Return the indicator's source expressions by part (numerator, denominator, value)."""
        out = {"denominator": self.denominator or "True"}
        if self.kind == "rate":
            out["numerator"] = self.numerator or "True"
        if self.kind == "average":
            out["value"] = self.value_expr
        return out

    def uses(self, name: str) -> bool:
        """Return True when one of the indicator's expressions refers to ``name``."""
        return any(name in sqlexpr.names(e) for e in self.expressions().values())

    def sql(self, part: str, bindings: dict[str, str]) -> str:
        """Return one part's SQL with some fields bound to SQL values."""
        return sqlexpr.to_sql(self.expressions()[part], POPULATIONS[self.population], bindings)


@dataclass(frozen=True)
class Group:
    """A group of indicators and its maximum points."""

    id: str
    name: str
    points: float


@dataclass(frozen=True)
class Catalog:
    """A loaded, checked index definition."""

    code: str
    name: str
    version: str
    max_score: float
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...] = field(default_factory=tuple)

    def indicator(self, ident: str) -> Indicator:
        """Return the indicator with this id."""
        for ind in self.indicators:
            if ind.id == ident:
                return ind
        raise KeyError(ident)


def _indicator(raw: dict[str, Any], groups: set[str], where: str) -> Indicator:
    unknown = set(raw) - KEYS
    if unknown:
        raise CatalogError(f"{where}: khóa không hợp lệ {sorted(unknown)}")
    for key in ("id", "group", "name"):
        if not raw.get(key):
            raise CatalogError(f"{where}: thiếu '{key}'")
    if raw["group"] not in groups:
        raise CatalogError(f"{where}: nhóm '{raw['group']}' không có trong 'groups'")
    kind = raw.get("kind", "rate")
    if kind not in KINDS:
        raise CatalogError(f"{where}: kind phải là một trong {', '.join(KINDS)}")
    try:
        points = float(raw.get("points", 0))
        threshold = float(raw.get("threshold", 1.0))
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"{where}: points và threshold phải là số") from exc
    if not 0 < threshold <= 1:
        raise CatalogError(f"{where}: threshold phải trong khoảng (0, 1]")
    common = {
        "id": str(raw["id"]),
        "group": str(raw["group"]),
        "name": str(raw["name"]),
        "kind": kind,
        "points": points,
        "threshold": threshold,
        "direction": raw.get("direction", "higher"),
    }
    if kind == "complement":
        of = raw.get("of")
        if not isinstance(of, list) or not of:
            raise CatalogError(f"{where}: 'of' phải là danh sách chỉ số")
        return Indicator(**common, of=tuple(str(x) for x in of))
    population = raw.get("population")
    if population not in POPULATIONS:
        raise CatalogError(f"{where}: population phải là một trong {', '.join(POPULATIONS)}")
    fields = POPULATIONS[population]
    try:
        num = to_sql(str(raw.get("numerator", "True")), fields) if kind == "rate" else "TRUE"
        den = to_sql(str(raw.get("denominator", "True")), fields)
        value = ""
        if kind == "average":
            value = to_sql(str(raw.get("value", "")), fields)
    except ExpressionError as exc:
        raise CatalogError(f"{where}: {exc}") from exc
    return Indicator(
        **common,
        population=population,
        numerator_sql=num,
        denominator_sql=den,
        numerator=str(raw.get("numerator", "")),
        denominator=str(raw.get("denominator", "")),
        value=value,
        value_expr=str(raw.get("value", "")) if kind == "average" else "",
    )


def load_catalog(path: Path | None = None) -> Catalog:
    """Return the checked catalog (default ``catalog/qd766.yaml``); raise CatalogError."""
    path = path or CATALOG_DIR / "qd766.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"không đọc được {path.name}: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(f"{path.name}: nội dung phải là một bảng khóa–giá trị")
    groups = tuple(
        Group(str(g["id"]), str(g["name"]), float(g["points"])) for g in raw.get("groups", [])
    )
    ids = {g.id for g in groups}
    indicators = []
    seen: set[str] = set()
    for i, item in enumerate(raw.get("indicators", []), start=1):
        where = f"{path.name}, chỉ số thứ {i} ({item.get('id', '?')})"
        ind = _indicator(item, ids, where)
        if ind.id in seen:
            raise CatalogError(f"{where}: mã chỉ số trùng")
        seen.add(ind.id)
        indicators.append(ind)
    for ind in indicators:
        for ref in ind.of:
            if ref.split(":")[0] not in seen:
                raise CatalogError(
                    f"{path.name}, chỉ số {ind.id}: 'of' nhắc tới chỉ số không có '{ref}'"
                )
    for g in groups:
        total = sum(i.points for i in indicators if i.group == g.id)
        if total and abs(total - g.points) > 1e-9 and total > g.points:
            raise CatalogError(
                f"{path.name}, nhóm {g.id}: tổng điểm các chỉ số ({total:g}) vượt điểm nhóm ({g.points:g})"
            )
    return Catalog(
        code=str(raw.get("code", path.stem)),
        name=str(raw.get("name", "")),
        version=str(raw.get("version", "")),
        max_score=float(raw.get("max_score", 100)),
        groups=groups,
        indicators=tuple(indicators),
    )
