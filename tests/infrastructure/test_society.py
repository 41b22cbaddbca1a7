"""Sites, community digital teams and training on hand-worked examples (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.world import World
from tinhso.accounts import service as accounts
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.errors import InvalidInput
from tinhso.infrastructure import figures as infra_figures
from tinhso.infrastructure import registers
from tinhso.infrastructure.models import DigitalTeam, Site
from tinhso.units import service as units

TEAMS = (
    "Mã đơn vị,Tên tổ,Ngày thành lập,Quyết định,Ngày giải thể\n"
    "12,Tổ chỉ đạo chuyển đổi số tỉnh,01/08/2025,01/QĐ-UBND,\n"
    "03388,,15/08/2025,12/QĐ-UBND,\n"
    "0338801,Tổ công nghệ số cộng đồng TDP số 1,01/09/2025,,\n"
    "0339001,Tổ công nghệ số cộng đồng Bản Nà Tăm,01/09/2025,,01/03/2026\n"
)
MEMBERS = (
    "Mã đơn vị,Họ và tên,Vai trò,Điện thoại\n"
    "0338801,Nguyễn Văn An,Tổ trưởng,0912 345 678\n"
    "0338801,Lò Thị Bình,Thành viên,\n"
)
COURSES = (
    "Mã lớp,Tên lớp,Chủ đề,Mã đơn vị,Hình thức,Từ ngày,Đến ngày,Cán bộ,Công chức,Người dân\n"
    "L1,Tập huấn IPv6,IPv6,12,Trực tiếp,10/09/2025,12/09/2025,20,31,\n"
    "L2,Chuyển đổi số cho người dân,chuyển đổi số,03388,Trực tuyến,01/10/2025,01/10/2025,,,150\n"
    "L3,Kỹ năng số,chuyển đổi số,03390,Kết hợp,05/01/2026,06/01/2026,,10,40\n"
)
SITES = (
    "Mã trạm,Loại,Doanh nghiệp,Công nghệ,Mã xã,Ngày hoạt động,Ngày ngừng,Vĩ độ,Kinh độ\n"
    'LCU001,BTS,Viettel,"2G, 4G, 5G",03388,01/08/2025,,22.39,103.45\n'
    "LCU002,Trạm BTS,VNPT,LTE,03390,01/08/2025,,,\n"
    "LCU003,BTS,MobiFone,3G,03390,01/08/2025,31/12/2025,,\n"
    "WF01,Wi-Fi công cộng,VNPT,,03388,01/09/2025,,,\n"
)


def _load(world: World, importer: Any, text: str, **kw: Any) -> Any:
    with world.db.session() as s:
        return importer(
            s,
            principal=kw.pop("principal", SYSTEM_PRINCIPAL),
            data=text.encode(),
            filename="t.csv",
            **kw,
        )


@pytest.fixture
def loaded(world: World) -> World:
    _load(world, registers.import_teams, TEAMS)
    _load(world, registers.import_members, MEMBERS)
    _load(world, registers.import_courses, COURSES)
    _load(world, registers.import_sites, SITES)
    return world


def _principal(world: World, user: str) -> Any:
    with world.db.session() as s:
        return accounts.principal_cached(s, s.get(accounts.User, world.users[user]))


def test_teams_established_and_expected_by_level(loaded: World) -> None:
    with loaded.db.session() as s:
        communes = len(
            units.units_below(
                s,
                unit=s.get(units.Unit, loaded.units["lai_chau"]),
                level="commune",
                on=date(2026, 6, 1),
            )
        )
        out = registers.teams(s, principal=SYSTEM_PRINCIPAL, unit_code="12", as_of=date(2026, 6, 1))
    by = {r["level"]: (r["established"], r["expected"]) for r in out["levels"]}
    # Nà Tăm's team was dissolved on 1/3/2026: two of three villages have none on 1/6/2026.
    assert by == {"province": (1, 1), "commune": (1, communes), "village": (1, 3)}
    assert (out["established"], out["expected"]) == (3, 1 + communes + 3)
    assert out["wording"].startswith(f"3/{1 + communes + 3} (")
    assert "1/1 tổ chỉ đạo cấp tỉnh" in out["wording"]
    # The commune's team took its name from its level and unit.
    assert any(
        t["name"] == "Tổ chỉ đạo Phường Đoàn Kết" or t["name"].startswith("Tổ chỉ đạo")
        for t in out["teams"]
    )
    with loaded.db.session() as s:
        before = registers.teams(
            s, principal=SYSTEM_PRINCIPAL, unit_code="12", as_of=date(2025, 10, 1)
        )
    assert {r["level"]: r["established"] for r in before["levels"]}["village"] == 2


def test_members_phone_only_for_those_who_may_read_it(loaded: World) -> None:
    with loaded.db.session() as s:
        admin = registers.teams(
            s, principal=SYSTEM_PRINCIPAL, unit_code="03388", as_of=date(2026, 6, 1)
        )
    leader = _principal(loaded, "leader12")
    with loaded.db.session() as s:
        seen = registers.teams(s, principal=leader, unit_code="03388", as_of=date(2026, 6, 1))
    members = next(t for t in admin["teams"] if t["members"])["members"]
    assert members[0] == {"full_name": "Nguyễn Văn An", "role": "Tổ trưởng", "phone": "0912345678"}
    hidden = next(t for t in seen["teams"] if t["members"])["members"]
    assert hidden[0]["phone"] == "***" and hidden[1]["phone"] == ""


def test_training_in_a_period(loaded: World) -> None:
    with loaded.db.session() as s:
        y2025 = registers.training(
            s,
            principal=SYSTEM_PRINCIPAL,
            unit_code="12",
            first=date(2025, 1, 1),
            last=date(2025, 12, 31),
        )
        dk = registers.training(
            s,
            principal=SYSTEM_PRINCIPAL,
            unit_code="03388",
            first=date(2025, 1, 1),
            last=date(2026, 12, 31),
        )
    assert (y2025["courses"], y2025["participants"]) == (2, 201)
    assert y2025["by_kind"]["cong_chuc"] == 31 and y2025["by_kind"]["nguoi_dan"] == 150
    assert y2025["wording"] == "02 lớp cho 201 người"
    assert (dk["courses"], dk["participants"]) == (1, 150)


def test_sites_in_service(loaded: World) -> None:
    with loaded.db.session() as s:
        now = registers.sites(s, principal=SYSTEM_PRINCIPAL, unit_code="12", as_of=date(2026, 6, 1))
        then = registers.sites(
            s, principal=SYSTEM_PRINCIPAL, unit_code="12", as_of=date(2025, 10, 1)
        )
    assert now["counts"] == {"bts": 2, "wifi": 1, "telecentre": 0}
    assert now["bts_by_technology"] == {"2g": 1, "4g": 2, "5g": 1}
    assert then["counts"]["bts"] == 3


def test_figures_from_the_registers(loaded: World) -> None:
    with loaded.db.session() as s:
        vals = infra_figures.values_on(s, date(2025, 12, 31), date(2025, 1, 1))
    lc = vals[loaded.units["lai_chau"]]
    assert lc["infra.bts"] == 3 and lc["infra.bts_5g"] == 1 and lc["infra.wifi"] == 1
    assert lc["infra.teams_established"] == 4 and lc["infra.village_teams"] == 2
    assert (
        lc["infra.courses"] == 2
        and lc["infra.trained"] == 201
        and lc["infra.trained_officials"] == 51
    )
    dk = vals[loaded.units["doan_ket"]]
    assert dk["infra.teams_established"] == 2 and dk["infra.teams_expected"] == 3
    assert dk["infra.trained"] == 150


def test_reimport_is_unchanged_and_bad_rows_refused_whole(loaded: World) -> None:
    rep = _load(loaded, registers.import_teams, TEAMS)
    assert (rep.created, rep.updated, rep.unchanged) == (0, 0, 4)
    bad = (
        "Mã đơn vị,Ngày thành lập,Ngày giải thể\n"
        "0338802,01/09/2025,01/08/2025\n"
        "9999999,01/09/2025,\n"
        "0338802,01/01/2099,\n"
    )
    with pytest.raises(InvalidInput) as caught:
        _load(loaded, registers.import_teams, bad)
    got = [(e.row, e.field) for e in caught.value.errors]
    assert got == [(2, "dissolved"), (3, "unit"), (4, "established")]
    with loaded.db.session() as s:
        assert s.scalar(select(func.count()).select_from(DigitalTeam)) == 4
    with pytest.raises(InvalidInput) as caught:
        _load(
            loaded,
            registers.import_sites,
            "Mã trạm,Loại,Doanh nghiệp,Công nghệ,Mã xã,Ngày hoạt động\nX1,BTS,Viettel,6G,03388,01/08/2025\nX1,Cột điện,Viettel,4G,03388,01/08/2025\n",
        )
    reasons = " | ".join(e.reason for e in caught.value.errors)
    assert (
        "công nghệ '6G' không hợp lệ" in reasons
        and "trạm 'X1' đã có ở dòng 2" in reasons
        and "phải là BTS" in reasons
    )
    with loaded.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Site)) == 4


def test_an_officer_writes_only_in_scope(loaded: World) -> None:
    bl = _principal(loaded, "officer_bl")
    with pytest.raises(InvalidInput) as caught:
        _load(
            loaded,
            registers.import_members,
            "Mã đơn vị,Họ và tên\n0338801,Người Ngoài\n",
            principal=bl,
        )
    assert "ngoài phạm vi" in caught.value.errors[0].reason
    assert "Người Ngoài" not in caught.value.detail


def test_an_import_cannot_take_over_another_communes_course_or_site(loaded: World) -> None:
    """L3 is a course of Bình Lư and LCU002 a VNPT site there: an officer of Đoàn Kết reusing
    their codes is refused, and they stay as they were."""
    dk = _principal(loaded, "officer_dk")
    with pytest.raises(InvalidInput) as caught:
        _load(
            loaded,
            registers.import_courses,
            "Mã lớp,Tên lớp,Mã đơn vị,Từ ngày\nL3,Lớp khác,03388,01/02/2026\n",
            principal=dk,
        )
    assert "thuộc đơn vị ngoài phạm vi" in caught.value.errors[0].reason
    with pytest.raises(InvalidInput) as caught:
        _load(
            loaded,
            registers.import_sites,
            "Mã trạm,Loại,Doanh nghiệp,Mã xã,Ngày hoạt động\nLCU002,BTS,VNPT,03388,01/08/2025\n",
            principal=dk,
        )
    assert "thuộc đơn vị ngoài phạm vi" in caught.value.errors[0].reason
    with loaded.db.session() as s:
        site = s.scalars(select(Site).where(Site.code == "LCU002")).one()
        assert site.commune_id == loaded.units["binh_lu"]


def test_a_province_that_keeps_no_register_has_unknown_counts(loaded: World) -> None:
    """Teams and courses were entered for Lai Châu only: Lào Cai's counts are unknown, not 0."""
    from tinhso.infrastructure.figures import fetch
    from tinhso.lake import Lake
    from tinhso.services.periods import parse_period
    from tinhso.workdays import WorkCalendar

    lake = Lake(loaded.db, None, WorkCalendar.default())
    try:
        got = fetch(lake, parse_period("2025"), date(2025, 12, 31), ("infra.teams_established",))
    finally:
        lake.close()
    assert got.values[loaded.units["lai_chau"]]["infra.teams_established"] == 4
    lao_cai = got.values.get(loaded.units["lao_cai"], {})
    assert lao_cai.get("infra.teams_established") is None


def test_it_staff_by_agency_as_of_a_date_and_in_scope(loaded: World) -> None:
    text = (
        "Mã định danh,Ngày,Số cán bộ CNTT,Số cán bộ ATTT\n"
        "000.00.00.H12,01/01/2025,3,1\n"
        "000.00.00.H12,01/01/2026,5,2\n"
        "000.00.00.H15,01/01/2026,4,\n"
    )
    rep = _load(loaded, registers.import_it_staff, text)
    assert (rep.created, rep.unchanged) == (3, 0)
    assert _load(loaded, registers.import_it_staff, text).unchanged == 3
    with loaded.db.session() as s:
        then = registers.it_staff(s, principal=SYSTEM_PRINCIPAL, as_of=date(2025, 6, 1))
        now = registers.it_staff(
            s, principal=_principal(loaded, "viewer15"), as_of=date(2026, 6, 1)
        )
    h12 = next(a for a in then["agencies"] if a["code"] == "000.00.00.H12")
    assert (h12["it_staff"], h12["security_staff"]) == (3, 1)
    assert next(a for a in then["agencies"] if a["code"] == "000.00.00.H15")["it_staff"] is None
    # A viewer of Lào Cai sees Lào Cai's agencies only.
    assert {a["code"] for a in now["agencies"]} == {
        a["code"] for a in now["agencies"] if a["code"].endswith("H15") or ".H15" in a["code"]
    }
    assert "000.00.00.H12" not in {a["code"] for a in now["agencies"]}
    assert now["it_staff"] == 4
    with pytest.raises(InvalidInput) as caught:
        _load(
            loaded,
            registers.import_it_staff,
            "Mã định danh,Ngày,Số cán bộ CNTT\n000.00.00.H15,01/01/2026,2\n",
            principal=_principal(loaded, "officer_dk"),
        )
    assert "trong phạm vi được phân quyền" in caught.value.errors[0].reason


def test_team_activities_are_counted_for_the_year(loaded: World) -> None:
    text = (
        "Mã đơn vị,Ngày,Nội dung,Số người\n"
        "0338801,05/01/2026,Hướng dẫn nộp hồ sơ trực tuyến,40\n"
        "0338801,20/02/2026,Cài đặt ứng dụng định danh điện tử,\n"
        "0338801,10/10/2025,Hướng dẫn thanh toán trực tuyến,25\n"
    )
    rep = _load(loaded, registers.import_activities, text)
    assert rep.created == 3 and _load(loaded, registers.import_activities, text).unchanged == 3
    with loaded.db.session() as s:
        out = registers.teams(
            s, principal=SYSTEM_PRINCIPAL, unit_code="03388", as_of=date(2026, 6, 1)
        )
    assert (out["activities"], out["people_reached"]) == (2, 40)  # this year's only
    with pytest.raises(InvalidInput) as caught:
        # Nà Tăm's team was dissolved on 1/3/2026.
        _load(
            loaded,
            registers.import_activities,
            "Mã đơn vị,Ngày,Nội dung\n0339001,15/03/2026,Họp tổ\n",
        )
    assert "không có tổ đang hoạt động ngày 15/03/2026" in caught.value.errors[0].reason
