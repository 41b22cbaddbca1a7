"""How completely the pre-2025 communes map forward, and why the rest do not."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from tinhso.text import fold, sort_key
from tinhso.units.codes import LAST_PRE_REFORM_DAY, REFORM_DATE
from tinhso.units.models import Unit, UnitLineage
from tinhso.units.register import DATA_DIR

NOT_NAMED = (
    "không nghị quyết sắp xếp nào nêu tên xã này trong tỉnh mới (có thể tên đã đổi hoặc "
    "ghi chú của nguồn dữ liệu thiếu)"
)


@dataclass(frozen=True)
class Unmapped:
    """An old commune without a successor, and the reason."""

    code: str
    name: str
    district: str
    province: str
    reason: str


@dataclass
class LineageReport:
    """Coverage of the forward mapping of pre-2025 communes."""

    old_total: int
    mapped: int
    unmapped: list[Unmapped] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        """Return the share of old communes that map to a 2025 commune."""
        return self.mapped / self.old_total if self.old_total else 0.0

    def as_dict(self) -> dict[str, object]:
        """Return the report as plain data, for JSON."""
        return {
            "old_total": self.old_total,
            "mapped": self.mapped,
            "coverage": round(self.coverage, 4),
            "unmapped": [asdict(u) for u in self.unmapped],
        }


def _unmatched_fragments(data_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """Return, per new commune code, the note fragments the extraction could not match."""
    path = data_dir / "lineage_unmatched.csv"
    out: dict[str, list[tuple[str, str]]] = {}
    if path.exists():
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                out.setdefault(row["new_code"], []).append((row["fragment"], row["reason"]))
    return out


def lineage_report(
    session: Session, *, province_code: str | None = None, data_dir: Path = DATA_DIR
) -> LineageReport:
    """Return the coverage report, for the whole country or one new province."""
    district, province = aliased(Unit), aliased(Unit)
    stmt = (
        select(Unit, district, province)
        .join(district, district.id == Unit.parent_id)
        .join(province, province.id == district.parent_id)
        .where(Unit.level == "commune", Unit.valid_to == LAST_PRE_REFORM_DAY)
    )
    if province_code:
        new_prov = select(Unit.id).where(
            Unit.level == "province", Unit.code == province_code, Unit.valid_from == REFORM_DATE
        )
        old_ids = select(UnitLineage.source_id).where(UnitLineage.target_id.in_(new_prov))
        stmt = stmt.where(province.id.in_(old_ids))
    rows = session.execute(stmt).all()
    mapped_ids = set(session.scalars(select(UnitLineage.source_id)))
    fragments = _unmatched_fragments(data_dir)
    # Which new communes lie in the new province each old province became part of.
    new_communes: dict[int, list[str]] = {}
    for old_prov_id, new_code in session.execute(
        select(UnitLineage.source_id, Unit.code)
        .join(Unit, Unit.parent_id == UnitLineage.target_id)
        .where(Unit.level == "commune", Unit.valid_from == REFORM_DATE)
    ):
        new_communes.setdefault(old_prov_id, []).append(new_code)
    report = LineageReport(old_total=len(rows), mapped=0)
    for commune, dist, prov in rows:
        if commune.id in mapped_ids:
            report.mapped += 1
            continue
        reason = NOT_NAMED
        key = fold(commune.name)
        for new_code in new_communes.get(prov.id, []):
            hit = next(
                (r for frag, r in fragments.get(new_code, []) if key and key in fold(frag)), None
            )
            if hit:
                reason = f"{hit} (ghi chú của xã mới mã {new_code})"
                break
        report.unmapped.append(Unmapped(commune.code, commune.name, dist.name, prov.name, reason))
    report.unmapped.sort(
        key=lambda u: (sort_key(u.province), sort_key(u.district), sort_key(u.name))
    )
    return report
