"""Catalog files: every bad input named by file, YAML path and reason; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.indicators import data
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL, Principal
from tinhso.audit.models import AuditEntry
from tinhso.errors import Forbidden
from tinhso.indicators import loader
from tinhso.indicators.catalog import CatalogError
from tinhso.indicators.models import DataElement, IndexNode, Indicator, Target

HEAD = "catalog: t\nversion: '1'\n"
ELEMENTS = """data_elements:
  - {code: a, name: A}
  - {code: b, name: B}
  - {code: txt, name: Chữ, value_type: text, aggregation: none}
"""
CASES = [
    (
        "data_elements:\n  - {code: a, name: A, value_type: so, aggregation: tong}\n",
        [
            "x.yaml, data_elements[0].value_type: 'so' không hợp lệ (chọn một trong: number, integer, percentage, boolean, text, date)",
            "x.yaml, data_elements[0].aggregation: 'tong' không hợp lệ (chọn một trong: sum, average, max, last, none)",
        ],
    ),
    (
        "data_elements:\n  - {code: 'tỷ lệ', name: A, màu: đỏ}\n",
        [
            "x.yaml, data_elements[0]: khóa không hợp lệ: màu",
            "x.yaml, data_elements[0].code: mã 'tỷ lệ' chỉ gồm chữ không dấu, số, '_' và dấu chấm",
        ],
    ),
    (
        "data_elements:\n  - {code: a, name: A}\n  - {code: a, name: B}\n",
        ["x.yaml, data_elements[1].code: mã 'a' trùng trong tệp"],
    ),
    (
        ELEMENTS + "indicators:\n  - {code: i, name: I, numerator: a ** 2}\n",
        [
            "x.yaml, indicators[0].numerator: biểu thức 'a ** 2', vị trí 1: phép toán không được hỗ trợ (chỉ + - * /)"
        ],
    ),
    (
        ELEMENTS
        + "indicators:\n  - {code: i, name: I, numerator: a + khong_co, denominator: txt}\n",
        [
            "x.yaml, indicators[0].numerator: không có chỉ tiêu dữ liệu, chỉ số hay số liệu 'khong_co'",
            "x.yaml, indicators[0].denominator: chỉ tiêu 'txt' kiểu text không tính toán được",
        ],
    ),
    (
        ELEMENTS
        + "indicators:\n  - {code: i, name: I, numerator: j + a}\n  - {code: j, name: J, numerator: i}\n",
        ["x.yaml: các chỉ số tham chiếu vòng tròn: i → j → i"],
    ),
    (
        ELEMENTS + "indicators:\n  - {code: i, name: I, numerator: qd766.9.9}\n",
        [
            "x.yaml, indicators[0].numerator: không có chỉ tiêu dữ liệu, chỉ số hay số liệu 'qd766.9.9'"
        ],
    ),
    (
        ELEMENTS
        + """indicators:
  - {code: i, name: I, numerator: a, denominator: b}
indices:
  - code: ix
    name: X
    max_points: 100
    children:
      - code: G
        name: Nhóm
        points: 60
        children:
          - {code: L1, indicator: i, points: 50, scoring: {rule: linear, full: 80}}
          - {code: L2, indicator: khong, points: 20, scoring: {rule: bands, bands: [{from: 1, to: 2, points: 5}, {from: 0, points: 30}]}}
      - {code: L1, indicator: i, points: 0, scoring: {rule: tuyen_tinh}}
""",
        [
            "x.yaml, indices[0].children[0].children[1].scoring.bands[0]: cần đúng một trong 'from' (từ mức) hoặc 'to' (đến mức)",
            "x.yaml, indices[0].children[0].children[1].scoring.bands[1].points: điểm 30 ngoài khoảng 0–20",
            "x.yaml, indices[0].children[0].points: tổng điểm các mục con (70) khác điểm của nhóm 'G' (60)",
            "x.yaml, indices[0].children[1].code: mã mục 'L1' trùng trong bộ chỉ số",
            "x.yaml, indices[0].children[1].points: điểm tối đa phải lớn hơn 0",
            "x.yaml, indices[0].children[1].scoring.rule: 'tuyen_tinh' không hợp lệ (chọn một trong: linear, bands, yes_no)",
            "x.yaml, indices[0].max_points: tổng điểm các nhóm (60) khác điểm tối đa của bộ chỉ số (100)",
        ],
    ),
    (
        ELEMENTS
        + """indicators:
  - {code: i, name: I, numerator: a}
indices:
  - {code: ix, name: X, max_points: 100, children: [{code: L, indicator: khong, points: 100, scoring: {rule: yes_no}}]}
targets:
  - {indicator: i, year: 2025, unit: '99999', planned: 1}
  - {indicator: i, year: 1990, level: huyen, unit: '12', planned: '80%'}
""",
        [
            "x.yaml, targets[1].year: năm '1990' không hợp lệ",
            "x.yaml, targets[1]: cần đúng một trong 'unit' (mã đơn vị) hoặc 'level' (mọi đơn vị cấp đó)",
            "x.yaml, targets[1].planned: '80%' không phải là số",
        ],
    ),
    (
        ELEMENTS
        + """indicators:
  - {code: i, name: I, numerator: a}
indices:
  - {code: ix, name: X, max_points: 100, children: [{code: L, indicator: khong, points: 100, scoring: {rule: yes_no}}]}
targets:
  - {indicator: i, year: 2025, unit: '99999', planned: 1}
""",
        [
            "x.yaml, indices[0] (ix), mục L: không có chỉ số 'khong'",
            "x.yaml, targets[0].unit: không có đơn vị mã '99999' còn hiệu lực cuối năm 2025",
        ],
    ),
    (
        ELEMENTS
        + """indicators:
  - {code: i, name: I, numerator: a}
targets:
  - {indicator: i, year: 2025, level: province, planned: 1, code: CT01}
  - {indicator: i, year: 2025, level: province, planned: 1, plan: '"""
        + "K" * 61
        + """', code: CT02, ke_hoach: x}
""",
        [
            "x.yaml, targets[0]: 'code' và 'name' chỉ dùng cho chỉ tiêu gắn với kế hoạch ('plan')",
            "x.yaml, targets[1]: khóa không hợp lệ: ke_hoach",
            "x.yaml, targets[1]: số, ký hiệu kế hoạch tối đa 60 ký tự, mã chỉ tiêu tối đa 40 ký tự",
        ],
    ),
]


@pytest.mark.parametrize(("body", "errors"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_bad_catalog_is_refused_with_every_reason(
    world: World, tmp_path: Path, body: str, errors: list[str]
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    with world.db.session() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
        with pytest.raises(CatalogError) as exc:
            loader.load(s, principal=SYSTEM_PRINCIPAL, paths=[path])
        assert exc.value.errors == errors
        assert s.scalar(select(func.count()).select_from(DataElement)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_unreadable_files(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("catalog: [\n", encoding="utf-8")
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n", encoding="utf-8")
    with world.db.session() as s, pytest.raises(CatalogError) as exc:
        loader.load(s, principal=SYSTEM_PRINCIPAL, paths=[bad, listy])
    assert exc.value.errors[0].startswith("bad.yaml: không đọc được tệp")
    assert exc.value.errors[1] == "list.yaml: nội dung phải là một bảng khóa–giá trị"


def test_a_code_belongs_to_one_catalog(world: World, tmp_path: Path) -> None:
    data.load_catalog(world, tmp_path)
    other = tmp_path / "other.yaml"
    other.write_text("catalog: khac\ndata_elements:\n  - {code: t.diem, name: Điểm}\n", "utf-8")
    with world.db.session() as s, pytest.raises(CatalogError) as exc:
        loader.load(s, principal=SYSTEM_PRINCIPAL, paths=[other])
    assert exc.value.errors == [
        "other.yaml, data_elements[0].code: mã 't.diem' thuộc bộ danh mục 'test-xa', không sửa từ tệp này"
    ]


def test_load_is_idempotent_audited_and_updates_in_place(world: World, tmp_path: Path) -> None:
    path = data.load_catalog(world, tmp_path)
    with world.db.session() as s:
        n_audit = s.scalar(select(func.count()).select_from(AuditEntry))
        created = s.scalars(
            select(AuditEntry.entity).where(AuditEntry.action == "create").distinct()
        ).all()
        assert {"data_element", "indicator", "composite_index", "index_node", "target"} <= set(
            created
        )
        reports = loader.load(s, principal=SYSTEM_PRINCIPAL, paths=[path])
        assert [r.status for r in reports] == ["unchanged"]
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == n_audit
    path.write_text(
        data.CATALOG.replace("name: Tỷ lệ hộ có cáp quang", "name: Tỷ lệ hộ gia đình có cáp quang"),
        encoding="utf-8",
    )
    with world.db.session() as s:
        (report,) = loader.load(s, principal=SYSTEM_PRINCIPAL, paths=[path])
        assert report.counts == {"data_elements": 0, "indicators": 1, "indices": 1, "targets": 2}
        ind = s.scalars(select(Indicator).where(Indicator.code == "t.cap_quang")).one()
        assert ind.name == "Tỷ lệ hộ gia đình có cáp quang"
        assert s.scalar(select(func.count()).select_from(IndexNode)) == 5
        assert s.scalar(select(func.count()).select_from(Target)) == 2


def test_only_a_global_admin_loads(world: World, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(HEAD + ELEMENTS, encoding="utf-8")
    leader = Principal(user_id=None, username="x", role="leader", unit_paths=("/1/",))
    with world.db.session() as s, pytest.raises(Forbidden):
        loader.load(s, principal=leader, paths=[path])


def test_shipped_catalogs_load_and_are_nfc(world: World) -> None:
    import unicodedata

    for path in loader.default_files():
        text = path.read_text(encoding="utf-8")
        assert unicodedata.normalize("NFC", text) == text, path.name
    with world.db.session() as s:
        reports = loader.load(s, principal=SYSTEM_PRINCIPAL, paths=loader.default_files())
        assert {r.code: r.status for r in reports} == {
            "dti-commune-2025": "loaded",
            "dti-province-2025": "loaded",
            "qd766": "checked",
        }
        # The 2022 scheme: 1,000 points, foundation 500 (5 × 100), activity 500 (200, 150, 150).
        from tinhso.indicators.spec import load_spec

        spec = load_spec(s, "dti-province-2025")
        assert spec.max_points == 1000 and spec.normalise == 1000
        tops = {n.code: n.max_points for n in spec.children(None)}
        assert tops == {"A": 500, "B": 500}
        assert [n.max_points for n in spec.children("A")] == [100] * 5
        assert [n.name for n in spec.children("B")] == ["Chính quyền số", "Kinh tế số", "Xã hội số"]
        assert [n.max_points for n in spec.children("B")] == [200, 150, 150]
        commune = load_spec(s, "dti-commune-2025")
        head = next(n for n in commune.nodes if n.code == "1.1")
        assert head.rule == "bands" and head.params["bands"] == [
            {"from": 2.0, "points": 50.0},
            {"from": 1.0, "points": 25.0},
        ]
