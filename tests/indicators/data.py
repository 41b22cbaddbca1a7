"""A small hand-worked index and the values behind it (see test_engine.py for the sums).

Values are written straight into ``data_value`` with change numbers from the ``data_value``
stream, as the reporting domain writes them.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.db import utcnow
from tinhso.indicators import loader
from tinhso.indicators.models import DataElement
from tinhso.reporting.models import DataValue
from tinhso.services.ingest import next_seq
from tinhso.services.periods import parse_period

CATALOG = """
catalog: test-xa
version: "1"
data_elements:
  - {code: t.ho_cap_quang, name: Số hộ có cáp quang, aggregation: sum}
  - {code: t.tong_ho, name: Tổng số hộ, aggregation: sum}
  - {code: t.truong_ban, name: Trưởng ban chỉ đạo, aggregation: none}
  - {code: t.diem, name: Điểm tự đánh giá, aggregation: average}
  - {code: t.may, name: Số máy tính, aggregation: last}
  - {code: t.ghi_chu, name: Ghi chú, value_type: text, aggregation: none}
indicators:
  - {code: t.cap_quang, name: Tỷ lệ hộ có cáp quang, numerator: t.ho_cap_quang, denominator: t.tong_ho, factor: 100, unit: "%"}
  - {code: t.truong_ban_i, name: Trưởng ban, numerator: t.truong_ban, decimals: 0}
  - {code: t.diem_i, name: Điểm trung bình, numerator: t.diem}
  - {code: t.may_i, name: Số máy, numerator: t.may}
indices:
  - code: test-xa
    name: Chỉ số thử cấp xã
    level: commune
    max_points: 100
    normalise: 100
    children:
      - code: G1
        name: Nhóm một
        points: 60
        children:
          - {code: L1, indicator: t.cap_quang, points: 40, scoring: {rule: linear, full: 80}}
          - {code: L2, indicator: t.truong_ban_i, points: 20, scoring: {rule: bands, bands: [{from: 2, points: 20}, {from: 1, points: 10}]}}
      - code: G2
        name: Nhóm hai
        points: 40
        children:
          - {code: L3, indicator: t.diem_i, points: 40, scoring: {rule: linear, full: 10}}
targets:
  - {indicator: t.cap_quang, year: 2025, level: commune, planned: 50}
  - {indicator: t.cap_quang, year: 2025, unit: "12", planned: 60}
"""


def load_catalog(
    world: World, directory: Path, text: str = CATALOG, name: str = "test-xa.yaml"
) -> Path:
    """Write the catalog file and load it; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    with world.db.session() as s:
        loader.load(s, principal=SYSTEM_PRINCIPAL, paths=[path])
    return path


def put(
    world: World,
    rows: list[tuple[str, str, str, float]],
    status: str = "submitted",
) -> None:
    """Write values: (element code, unit key of the world, period, value)."""
    with world.db.session() as s:
        ids = {c: i for c, i in s.execute(select(DataElement.code, DataElement.id))}
        seq = next_seq(s, len(rows), stream="data_value")
        for i, (element, unit, period, value) in enumerate(rows):
            p = parse_period(period)
            org = (
                {"agency_id": world.agencies[unit]}
                if unit in world.agencies
                else {"unit_id": world.units[unit]}
            )
            s.add(
                DataValue(
                    element_id=ids[element],
                    period=p.code,
                    period_start=p.first,
                    period_end=p.last,
                    value_num=value,
                    source="api",
                    status=status,
                    updated_at=utcnow(),
                    seq=seq + i,
                    **org,
                )
            )


# The hand-worked year 2025 (units valid on 31/12/2025; old units count through the lineage).
VALUES_2025 = [
    # Phường Đoàn Kết (new) = old Đoàn Kết + old Quyết Tiến.
    ("t.ho_cap_quang", "old_doan_ket", "2025-H1", 300),
    ("t.tong_ho", "old_doan_ket", "2025-H1", 500),
    ("t.ho_cap_quang", "old_quyet_tien", "2025-Q1", 100),
    ("t.tong_ho", "old_quyet_tien", "2025-Q1", 400),
    ("t.ho_cap_quang", "old_quyet_tien", "2025-Q2", 50),
    ("t.tong_ho", "old_quyet_tien", "2025-Q2", 100),
    ("t.ho_cap_quang", "doan_ket", "2025-H2", 200),
    ("t.tong_ho", "doan_ket", "2025-H2", 1000),
    ("t.truong_ban", "doan_ket", "2025", 2),
    ("t.diem", "doan_ket", "2025-07", 6),
    ("t.diem", "doan_ket", "2025-08", 8),
    # Xã Bình Lư: a yearly figure, and a monthly one that the yearly figure supersedes.
    ("t.ho_cap_quang", "binh_lu", "2025", 900),
    ("t.tong_ho", "binh_lu", "2025", 1000),
    ("t.ho_cap_quang", "binh_lu", "2025-09", 5),
    ("t.truong_ban", "binh_lu", "2025", 1),
    ("t.diem", "binh_lu", "2025-07", 10),
    # Old Xã Tà Chải was split between Nghĩa Lộ and Bắc Hà (part): both show it, Lào Cai once.
    ("t.ho_cap_quang", "old_ta_chai", "2025-H1", 100),
    ("t.tong_ho", "old_ta_chai", "2025-H1", 200),
]
VALUES_2024 = [
    ("t.ho_cap_quang", "old_doan_ket", "2024", 100),
    ("t.tong_ho", "old_doan_ket", "2024", 1000),
]
