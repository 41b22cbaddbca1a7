"""Loading the register, its validity in time, hierarchy queries and lineage mapping."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests.world import World, write_register
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.units import register, service
from tinhso.units.lineage_report import lineage_report
from tinhso.units.models import Unit, UnitLineage

P = SYSTEM_PRINCIPAL


def test_units_valid_on_a_date(world: World) -> None:
    with world.db.session() as s:
        assert service.count_units(s, level="province", as_of=date(2025, 12, 31)) == 2
        assert service.count_units(s, level="province", as_of=date(2024, 12, 31)) == 3
        assert service.count_units(s, level="commune", as_of=date(2025, 7, 1)) == 4
        assert service.count_units(s, level="commune", as_of=date(2025, 6, 30)) == 8
        assert service.count_units(s, level="district", as_of=date(2025, 7, 1)) == 0


def test_load_is_idempotent(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with world.db.session() as s:
        before = (
            s.scalar(select(func.count()).select_from(Unit)),
            s.scalar(select(func.count()).select_from(UnitLineage)),
        )
        rep = register.load_register(s, data_dir=write_register(tmp_path / "again"))
        after = (
            s.scalar(select(func.count()).select_from(Unit)),
            s.scalar(select(func.count()).select_from(UnitLineage)),
        )
    assert sum(rep.inserted.values()) == 0 and rep.lineage_inserted == 0
    assert before == after


def test_hierarchy_queries(world: World) -> None:
    with world.db.session() as s:
        dk = service.get_unit(s, principal=P, unit_id=world.units["doan_ket"])
        assert [u.name for u in service.ancestors(s, principal=P, unit=dk)] == ["Tỉnh Lai Châu"]
        kids = service.children(s, principal=P, unit=dk)
        assert [u.name for u in kids] == ["Tổ dân phố số 1", "Tổ dân phố số 2"]
        lc = service.get_unit(s, principal=P, unit_id=world.units["lai_chau"])
        names = [u.name for u in service.subtree(s, principal=P, unit=lc)]
        # Vietnamese order: B < Đ (after D) < N < P < T; the province itself is included.
        assert names == [
            "Bản Nà Tăm",
            "Phường Đoàn Kết",
            "Tỉnh Lai Châu",
            "Tổ dân phố số 1",
            "Tổ dân phố số 2",
            "Xã Bình Lư",
        ]


def test_search_without_diacritics(world: World) -> None:
    with world.db.session() as s:
        _n, found = service.list_units(s, principal=P, query="doan ket")
        assert {(u.name, u.valid_from.year) for u in found} == {
            ("Phường Đoàn Kết", 2008),
            ("Phường Đoàn Kết", 2025),
        }
        _n, found = service.list_units(s, principal=P, query="LAI CHAU", as_of=date(2026, 1, 1))
        assert [u.name for u in found] == ["Tỉnh Lai Châu"]


def test_map_forward_through_merger(world: World) -> None:
    with world.db.session() as s:
        old = service.get_unit(s, principal=P, unit_id=world.units["old_quyet_tien"])
        mapped = service.map_unit(s, principal=P, unit=old, to=date(2026, 1, 1))
        assert [(m.unit.code, m.unit.name, m.share) for m in mapped] == [
            ("03388", "Phường Đoàn Kết", "whole")
        ]


def test_map_split_commune_gives_parts(world: World) -> None:
    with world.db.session() as s:
        old = service.get_unit(s, principal=P, unit_id=world.units["old_ta_chai"])
        mapped = service.map_unit(s, principal=P, unit=old, to=date(2026, 1, 1))
        assert [(m.unit.name, m.share) for m in mapped] == [
            ("Xã Bắc Hà", "part"),
            ("Xã Nghĩa Lộ", "part"),
        ]


def test_map_backward_to_sources(world: World) -> None:
    with world.db.session() as s:
        new = service.get_unit(s, principal=P, unit_id=world.units["lao_cai"])
        mapped = service.map_unit(s, principal=P, unit=new, to=date(2024, 1, 1))
        assert [m.unit.name for m in mapped] == ["Tỉnh Lào Cai", "Tỉnh Yên Bái"]


def test_map_abolished_district_through_its_communes(world: World) -> None:
    with world.db.session() as s:
        district = service.get_unit(s, principal=P, unit_id=world.units["old_tp_lai_chau"])
        mapped = service.map_unit(s, principal=P, unit=district, to=date(2025, 7, 1))
        assert [m.unit.name for m in mapped] == ["Phường Đoàn Kết"]


def test_map_same_date_is_identity(world: World) -> None:
    with world.db.session() as s:
        dk = service.get_unit(s, principal=P, unit_id=world.units["doan_ket"])
        assert [
            m.unit.id for m in service.map_unit(s, principal=P, unit=dk, to=date(2026, 3, 1))
        ] == [dk.id]


def test_lineage_report_names_unmapped_with_reason(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with world.db.session() as s:
        rep = lineage_report(s, data_dir=write_register(tmp_path / "r"))
    assert (rep.old_total, rep.mapped) == (8, 7)
    assert [(u.code, u.name) for u in rep.unmapped] == [("02610", "Xã Bản Liền")]
    assert "tên trùng" in rep.unmapped[0].reason
