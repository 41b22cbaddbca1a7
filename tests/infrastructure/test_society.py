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
from tinhso.infrastructure import courses, registers
from tinhso.infrastructure import figures as infra_figures
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
    _load(world, courses.import_courses, COURSES)
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
        y2025 = courses.training(
            s,
            principal=SYSTEM_PRINCIPAL,
            unit_code="12",
            first=date(2025, 1, 1),
            last=date(2025, 12, 31),
        )
        dk = courses.training(
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
            courses.import_courses,
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


# L1 (IPv6, held by the province, 2025) and L2 (held by Đoàn Kết, 2025) get lists: Lò Văn Hùng
# of Đoàn Kết and Vàng Thị Mai of the province are on both; L3 (2026) keeps its counts.
PARTICIPANTS = (
    "Mã lớp,Họ và tên,Chức vụ,Mã đơn vị,Đối tượng\n"
    "L1,Vàng Thị Mai,Chuyên viên,12,Công chức\n"
    "L1,Đèo Văn Sơn,,12,Cán bộ\n"
    "L1,Lò Văn Hùng,,03388,Công chức\n"
    "L1,Tòng Thị Lan,,03390,Viên chức\n"
    "L2,Lò Văn Hùng,,03388,Công chức\n"
    "L2,vàng thị  mai,,12,công chức\n"
    "L2,Giàng A Páo,,03388,Người dân\n"
)


def test_lists_count_each_official_once_in_the_unit_they_work(loaded: World) -> None:
    """Hand-worked: 2025's courses L1, L2 have 4 + 3 places; the public servants among them
    are 4 people (Mai and Hùng twice, Páo a citizen): the province 4, Đoàn Kết 1 (Hùng),
    Bình Lư 1 (Lan). The courses' counts become their lists' (L1: 20 + 31 → 4), per unit."""
    rep = _load(loaded, courses.import_participants, PARTICIPANTS)
    assert (rep.created, rep.updated, rep.unchanged, rep.removed) == (7, 0, 0, 0)
    assert _load(loaded, courses.import_participants, PARTICIPANTS).unchanged == 7
    with loaded.db.session() as s:
        vals = infra_figures.values_on(s, date(2025, 12, 31), date(2025, 1, 1))
        year = courses.training(
            s,
            principal=SYSTEM_PRINCIPAL,
            unit_code="12",
            first=date(2025, 1, 1),
            last=date(2025, 12, 31),
        )
        dk = courses.training(
            s,
            principal=SYSTEM_PRINCIPAL,
            unit_code="03388",
            first=date(2025, 1, 1),
            last=date(2025, 12, 31),
        )
    lc, dkv = vals[loaded.units["lai_chau"]], vals[loaded.units["doan_ket"]]
    assert (lc["infra.trained"], lc["infra.trained_officials"], lc["infra.officials_trained"]) == (
        7,
        6,
        4,
    )
    assert (dkv["infra.trained"], dkv["infra.officials_trained"]) == (3, 1)
    assert vals[loaded.units["binh_lu"]]["infra.officials_trained"] == 1
    assert year["wording"] == "02 lớp cho 7 người"
    # Đoàn Kết's page: its own people, on L2 (held there) and on the province's L1.
    assert (dk["courses"], dk["participants"]) == (2, 3)
    # A list replaces the course's list: Sơn is taken off L1, Lan stays.
    fewer = "\n".join(line for line in PARTICIPANTS.splitlines() if "Sơn" not in line) + "\n"
    rep = _load(loaded, courses.import_participants, fewer)
    assert (rep.removed, rep.unchanged) == (1, 6)
    with loaded.db.session() as s:
        again = infra_figures.values_on(s, date(2025, 12, 31), date(2025, 1, 1))
    assert again[loaded.units["lai_chau"]]["infra.officials_trained"] == 3


def test_bad_participant_rows_are_refused_whole_and_names_not_echoed(loaded: World) -> None:
    bad = (
        "Mã lớp,Họ và tên,Mã đơn vị,Đối tượng\n"
        "L9,Nguyễn Văn A,12,Cán bộ\n"
        "L1,Nguyễn Văn B,99999,Cán bộ\n"
        "L1,Nguyễn Văn C,12,Sinh viên\n"
        "L1,Nguyễn Văn D,12,Cán bộ\n"
        "L1,Nguyễn  văn d,12,Công chức\n"
        "L1,,12,Cán bộ\n"
    )
    with pytest.raises(InvalidInput) as caught:
        _load(loaded, courses.import_participants, bad)
    got = [(e.row, e.field) for e in caught.value.errors]
    assert got == [(2, "course"), (3, "unit"), (4, "kind"), (6, "full_name"), (7, "full_name")]
    reasons = [e.reason for e in caught.value.errors]
    assert "chưa có lớp 'L9' trong sổ" in reasons[0]
    assert "phải là một trong: Lãnh đạo, Cán bộ" in reasons[2]
    assert reasons[3] == "người này đã có trong lớp 'L1' ở dòng 5"
    assert "Nguyễn" not in " ".join(reasons)
    with loaded.db.session() as s:
        from tinhso.infrastructure.models import CourseParticipant

        assert s.scalar(select(func.count()).select_from(CourseParticipant)) == 0
    # A missing column is named; an officer of another commune may not list a course of the
    # province's (out of scope), and a course with a list takes no counts any more.
    with pytest.raises(InvalidInput) as caught:
        _load(loaded, courses.import_participants, "Mã lớp,Họ và tên\nL1,Ai đó\n")
    missing = {e.field: e.reason for e in caught.value.errors}
    assert set(missing) == {"unit", "kind"} and "đối tượng" in missing["kind"]
    with pytest.raises(InvalidInput) as caught:
        _load(
            loaded,
            courses.import_participants,
            "Mã lớp,Họ và tên,Mã đơn vị,Đối tượng\nL1,Lò Văn Hùng,03388,Công chức\n",
            principal=_principal(loaded, "officer_dk"),
        )
    assert "ngoài phạm vi" in caught.value.errors[0].reason
    _load(loaded, courses.import_participants, PARTICIPANTS)
    with pytest.raises(InvalidInput) as caught:
        _load(loaded, courses.import_courses, COURSES)
    assert "đã có danh sách người tham gia" in caught.value.errors[0].reason
    blank = "Mã lớp,Tên lớp,Chủ đề,Mã đơn vị,Hình thức,Từ ngày,Đến ngày\nL1,Tập huấn IPv6 (sửa tên),IPv6,12,Trực tiếp,10/09/2025,12/09/2025\n"
    assert _load(loaded, courses.import_courses, blank).updated == 1
    with loaded.db.session() as s:
        vals = infra_figures.values_on(s, date(2025, 12, 31), date(2025, 1, 1))
    assert vals[loaded.units["lai_chau"]]["infra.officials_trained"] == 4


def test_lists_keep_others_people_and_tell_names_apart_by_their_marks(loaded: World) -> None:
    """An officer's list speaks for its own units: Đoàn Kết's officer listing L2 again leaves
    the province's Mai on it. "Lò Thị Hà" and "Lò Thị Hạ" are two people. A moved course takes
    its counts along. A province with no list in the period has the figure unknown, not 0."""
    from tinhso.infrastructure.figures import fetch
    from tinhso.lake import Lake
    from tinhso.services.periods import parse_period
    from tinhso.workdays import WorkCalendar

    _load(loaded, courses.import_participants, PARTICIPANTS)
    dk = _principal(loaded, "officer_dk")
    mine = (
        "Mã lớp,Họ và tên,Mã đơn vị,Đối tượng\n"
        "L2,Lò Văn Hùng,03388,Công chức\n"
        "L2,Lò Thị Hà,03388,Công chức\n"
        "L2,Lò Thị Hạ,03388,Công chức\n"
    )
    rep = _load(loaded, courses.import_participants, mine, principal=dk)
    assert (rep.created, rep.unchanged, rep.removed) == (2, 1, 1)  # Páo off; Mai stays
    with loaded.db.session() as s:
        vals = infra_figures.values_on(s, date(2025, 12, 31), date(2025, 1, 1))
    assert vals[loaded.units["doan_ket"]]["infra.officials_trained"] == 3
    assert vals[loaded.units["lai_chau"]]["infra.officials_trained"] == 6
    # L3 (counts only, Bình Lư) moved to Đoàn Kết: its 50 places go with it.
    moved = "Mã lớp,Tên lớp,Mã đơn vị,Từ ngày,Đến ngày,Công chức,Người dân\nL3,Kỹ năng số,03388,05/01/2026,06/01/2026,10,40\n"
    _load(loaded, courses.import_courses, moved)
    with loaded.db.session() as s:
        later = infra_figures.values_on(s, date(2026, 6, 30), date(2026, 1, 1))
    assert later[loaded.units["doan_ket"]]["infra.trained"] == 50
    assert later[loaded.units["binh_lu"]].get("infra.trained") is None
    lake = Lake(loaded.db, None, WorkCalendar.default())
    try:
        y2025 = fetch(lake, parse_period("2025"), date(2025, 12, 31), ("infra.officials_trained",))
        y2026 = fetch(lake, parse_period("2026"), date(2026, 6, 30), ("infra.officials_trained",))
    finally:
        lake.close()
    # Bình Lư has nobody on 2025's lists: 0, its province keeping lists; 2026 has none: unknown.
    assert y2025.values[loaded.units["binh_lu"]]["infra.officials_trained"] == 1
    assert y2025.values[loaded.units["nghia_lo"]]["infra.officials_trained"] is None
    assert y2026.values[loaded.units["lai_chau"]]["infra.officials_trained"] is None


def test_a_pre_reform_commune_s_people_count_for_the_commune_it_became(loaded: World) -> None:
    """A course of March 2025 lists an official of the old Đoàn Kết (03388 before 1/7/2025):
    the 2025 figure counts them for today's Phường Đoàn Kết and the province, once."""
    _load(
        loaded,
        courses.import_courses,
        "Mã lớp,Tên lớp,Mã đơn vị,Từ ngày,Đến ngày\nL0,Lớp đầu năm,12,10/03/2025,11/03/2025\n",
    )
    rows = "Mã lớp,Họ và tên,Mã đơn vị,Đối tượng\nL0,Lò Văn Hùng,03388,Công chức\n"
    _load(loaded, courses.import_participants, rows)
    with loaded.db.session() as s:
        vals = infra_figures.values_on(s, date(2025, 12, 31), date(2025, 1, 1))
    assert vals[loaded.units["doan_ket"]]["infra.officials_trained"] == 1
    assert vals[loaded.units["lai_chau"]]["infra.officials_trained"] == 1
