"""The other infrastructure and digital-society registers: sites (BTS, public Wi-Fi,
telecentres), community digital teams and their members, the IT staff of agencies.

Each is imported from CSV/XLSX the same way as coverage (rows.py): every row checked first, a
file with any error refused whole with its rows named, a row already held unchanged counted as
such, and each written row audited (these tables are small). Counts are as of a date (sites in
service, teams established and not dissolved). Training is in courses.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.fmt import local_today, vn_number
from tinhso.infrastructure import vocab
from tinhso.infrastructure.models import (
    SITE_KINDS,
    TEAM_ROLES,
    Course,
    DigitalTeam,
    ItStaff,
    Site,
    TeamActivity,
    TeamMember,
)
from tinhso.infrastructure.rows import RegisterReport, Rows, covers, may_write, upsert
from tinhso.tabular import read_table
from tinhso.text import fold
from tinhso.units import service as units
from tinhso.units.codes import REFORM_DATE

TEAM_LEVELS = {
    "province": "Tổ chỉ đạo cấp tỉnh",
    "district": "Tổ chỉ đạo cấp huyện (trước 01/7/2025)",
    "commune": "Tổ chỉ đạo cấp xã",
    "village": "Tổ công nghệ số cộng đồng cấp thôn, bản, tổ dân phố",
}


SITE_COLUMNS = {
    "code": ("mã trạm", "mã điểm", "ma_tram", "mã"),
    "kind": ("loại", "loại điểm", "loai"),
    "operator": ("doanh nghiệp", "nhà mạng", "doanh_nghiep"),
    "technology": ("công nghệ", "cong_nghe"),
    "commune": ("mã xã", "ma_xa"),
    "village": ("mã thôn", "ma_thon"),
    "latitude": ("vĩ độ", "vi_do", "lat"),
    "longitude": ("kinh độ", "kinh_do", "lon", "lng"),
    "from": ("ngày hoạt động", "ngày phát sóng", "từ ngày", "ngay_hoat_dong"),
    "to": ("ngày ngừng", "ngừng hoạt động", "đến ngày", "ngay_ngung"),
}
SITE_LABELS = {
    "code": "Mã trạm",
    "kind": "Loại",
    "operator": "Doanh nghiệp",
    "technology": "Công nghệ",
    "commune": "Mã xã",
    "village": "Mã thôn",
    "latitude": "Vĩ độ",
    "longitude": "Kinh độ",
    "from": "Ngày hoạt động",
    "to": "Ngày ngừng",
}
SITE_KIND_WORDS = {
    "bts": "bts",
    "tram bts": "bts",
    "tram phat song": "bts",
    "wifi": "wifi",
    "diem wifi": "wifi",
    "wifi cong cong": "wifi",
    "diem wifi cong cong": "wifi",
    "telecentre": "telecentre",
    "diem buu dien van hoa xa": "telecentre",
    "bdvhx": "telecentre",
}


def import_sites(
    session: Session,
    *,
    principal: Principal,
    data: bytes,
    filename: str,
    operator: str | None = None,
) -> RegisterReport:
    """Sites from a file (one row a site, keyed by operator and code)."""
    may_write(principal)
    table = read_table(
        data, filename, columns=SITE_COLUMNS, required=("code", "kind", "commune", "from")
    )
    rows = Rows(SITE_LABELS)
    report = RegisterReport("sites", rows=len(table.rows), encoding=table.encoding)
    checked: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for row, rec in table.rows:
        n = len(rows.errors)
        raw_op = rec.get("operator", "") or (operator or "")
        op = vocab.operator_code(raw_op) if raw_op else None
        if op is None:
            rows.err(
                "operator",
                f"doanh nghiệp '{raw_op}' không có trong danh mục"
                if raw_op
                else "không được để trống",
                row,
                raw_op,
            )
        kind = SITE_KIND_WORDS.get(" ".join(fold(rec.get("kind", "")).replace("-", "").split()))
        if kind is None:
            rows.err(
                "kind",
                "phải là BTS, Wi-Fi công cộng hoặc điểm bưu điện – văn hóa xã",
                row,
                rec.get("kind"),
            )
        techs = []
        for part in rec.get("technology", "").replace(";", ",").replace("/", ",").split(","):
            if part.strip():
                t = vocab.technology(part)
                if t is None:
                    rows.err(
                        "technology",
                        f"công nghệ '{part.strip()}' không hợp lệ (2G, 3G, 4G/LTE, 5G)",
                        row,
                        part,
                    )
                else:
                    techs.append(t)
        start = rows.day(rec, "from", row)
        end = rows.day(rec, "to", row, required=False)
        if start and end and end < start:
            rows.err("to", "ngày ngừng trước ngày hoạt động", row, rec.get("to"))
        # Where a site stands is read on the register of its last day in service (today for
        # one still in service): a mast put up in 2012 stands in a commune formed in 2025.
        on = end or local_today()
        commune = rows.unit(session, principal, rec, "commune", row, on, ("commune",))
        village = None
        if rec.get("village") and commune is not None:
            village = rows.unit(session, principal, rec, "village", row, on, ("village",))
            if village is not None and village.parent_id != commune.id:
                rows.err("village", f"thôn '{village.name}' không thuộc {commune.name}", row)
        lat = rows.number(rec, "latitude", row, 8.0, 23.5)
        lon = rows.number(rec, "longitude", row, 102.0, 110.0)
        code = rows.text(rec, "code", row, limit=40)
        if op and code:
            first = seen.get((op, code))
            if first is not None:
                rows.err("code", f"trạm '{code}' đã có ở dòng {first}", row)
            seen[(op, code)] = row
            held = session.scalars(
                select(Site).where(Site.operator == op, Site.code == code)
            ).first()
            if held is not None and not covers(session, principal, held.commune_id):
                rows.err(
                    "code",
                    f"trạm '{code}' đã có trong sổ, thuộc đơn vị ngoài phạm vi được phân quyền",
                    row,
                )
        if len(rows.errors) == n and commune is not None and op and kind and start:
            checked.append(
                {
                    "operator": op,
                    "code": code,
                    "kind": kind,
                    "technology": ",".join(sorted(set(techs))),
                    "commune_id": commune.id,
                    "village_id": village.id if village else None,
                    "latitude": lat,
                    "longitude": lon,
                    "in_service_from": start,
                    "in_service_to": end,
                }
            )
    rows.refuse_if_any()
    for values in checked:
        upsert(session, report, Site, ("operator", "code"), values)
    session.flush()
    return report


TEAM_COLUMNS = {
    "unit": ("mã đơn vị", "ma_don_vi", "mã thôn/xã", "mã"),
    "name": ("tên tổ", "ten_to", "tên"),
    "established": ("ngày thành lập", "ngay_thanh_lap", "thành lập"),
    "decision": ("quyết định", "số quyết định", "quyet_dinh"),
    "dissolved": ("ngày giải thể", "giải thể", "ngay_giai_the"),
}
TEAM_LABELS = {
    "unit": "Mã đơn vị",
    "name": "Tên tổ",
    "established": "Ngày thành lập",
    "decision": "Quyết định",
    "dissolved": "Ngày giải thể",
}


def import_teams(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> RegisterReport:
    """Teams from a file: one row a team, keyed by its unit and establishment date."""
    may_write(principal)
    table = read_table(data, filename, columns=TEAM_COLUMNS, required=("unit", "established"))
    rows = Rows(TEAM_LABELS)
    report = RegisterReport("teams", rows=len(table.rows), encoding=table.encoding)
    checked: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    for row, rec in table.rows:
        n = len(rows.errors)
        start = rows.day(rec, "established", row)
        end = rows.day(rec, "dissolved", row, required=False)
        if start and end and end < start:
            rows.err("dissolved", "ngày giải thể trước ngày thành lập", row, rec.get("dissolved"))
        unit = (
            rows.unit(
                session, principal, rec, "unit", row, start or local_today(), tuple(TEAM_LEVELS)
            )
            if start
            else None
        )
        if unit is not None:
            first = seen.get(unit.id)
            if first is not None:
                rows.err("unit", f"{unit.name} đã có tổ ở dòng {first}", row)
            seen[unit.id] = row
        name = rows.text(rec, "name", row, required=False) or (
            f"{TEAM_LEVELS[unit.level].split(' cấp')[0]} {unit.name}" if unit else ""
        )
        decision = rows.text(rec, "decision", row, required=False, limit=100)
        if len(rows.errors) == n and unit is not None and start:
            checked.append(
                {
                    "unit_id": unit.id,
                    "name": name,
                    "established": start,
                    "decision": decision,
                    "dissolved": end,
                }
            )
    rows.refuse_if_any()
    for values in checked:
        upsert(session, report, DigitalTeam, ("unit_id", "established"), values)
    session.flush()
    return report


MEMBER_COLUMNS = {
    "unit": ("mã đơn vị", "ma_don_vi", "mã"),
    "full_name": ("họ và tên", "họ tên", "ho_ten"),
    "role": ("vai trò", "chức danh trong tổ", "vai_tro"),
    "phone": ("điện thoại", "số điện thoại", "dien_thoai"),
}
MEMBER_LABELS = {
    "unit": "Mã đơn vị",
    "full_name": "Họ và tên",
    "role": "Vai trò",
    "phone": "Điện thoại",
}
ROLE_WORDS = {fold(v): k for k, v in TEAM_ROLES.items()} | {k: k for k in TEAM_ROLES}


def import_members(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> RegisterReport:
    """Members of the teams in force today, keyed by team and name."""
    may_write(principal)
    table = read_table(data, filename, columns=MEMBER_COLUMNS, required=("unit", "full_name"))
    rows = Rows(MEMBER_LABELS)
    report = RegisterReport("members", rows=len(table.rows), encoding=table.encoding)
    today = local_today()
    checked: list[dict[str, Any]] = []
    for row, rec in table.rows:
        n = len(rows.errors)
        unit = rows.unit(session, principal, rec, "unit", row, today, tuple(TEAM_LEVELS))
        team = _team_of(session, unit.id, today) if unit else None
        if unit is not None and team is None:
            rows.err("unit", f"{unit.name} chưa có tổ đang hoạt động", row)
        name = rows.text(rec, "full_name", row, limit=120)
        role = ROLE_WORDS.get(fold(rec.get("role", "")) or "thanh_vien")
        if role is None:
            rows.err("role", "phải là Tổ trưởng, Tổ phó hoặc Thành viên", row, rec.get("role"))
        phone = rec.get("phone", "").replace(" ", "").replace(".", "")
        if phone and not (phone.lstrip("+").isdigit() and 9 <= len(phone.lstrip("+")) <= 12):
            rows.err(
                "phone", "số điện thoại không hợp lệ", row
            )  # the value is personal: not echoed
        if len(rows.errors) == n and team is not None and role:
            checked.append({"team_id": team.id, "full_name": name, "role": role, "phone": phone})
    rows.refuse_if_any()
    for values in checked:
        upsert(session, report, TeamMember, ("team_id", "full_name"), values)
    session.flush()
    return report


def _team_of(session: Session, unit_id: int, on: date) -> DigitalTeam | None:
    return session.scalars(
        select(DigitalTeam)
        .where(DigitalTeam.unit_id == unit_id, DigitalTeam.established <= on)
        .where((DigitalTeam.dissolved.is_(None)) | (DigitalTeam.dissolved > on))
        .order_by(DigitalTeam.established.desc())
    ).first()


def teams(
    session: Session, *, principal: Principal, unit_code: str | None, as_of: date | None = None
) -> dict[str, Any]:
    """Return the teams established / expected per level in an area on a day, the seeds'
    "1.046/1.055 tổ (01 tổ chỉ đạo cấp tỉnh, …)", and the teams with their members (the
    members' phone numbers only for those who may read personal data)."""
    from tinhso.infrastructure.service import area, share

    principal.require("read")
    day = as_of or local_today()
    unit = area(session, principal, unit_code, day)
    levels = [lv for lv in TEAM_LEVELS if lv != "district" or day < REFORM_DATE]
    in_area = {
        lv: [u for u in units.units_below(session, unit=unit, level=lv, on=day)] for lv in levels
    }
    if unit.level in in_area and unit not in in_area[unit.level]:
        in_area[unit.level].insert(0, unit)
    ids = {u.id: u for us in in_area.values() for u in us}
    held = [
        t
        for t in session.scalars(
            select(DigitalTeam)
            .where(DigitalTeam.established <= day)
            .where((DigitalTeam.dissolved.is_(None)) | (DigitalTeam.dissolved > day))
        )
        if t.unit_id in ids
    ]
    with_team = {t.unit_id for t in held}
    by_level: list[dict[str, Any]] = []
    for lv in levels:
        expected = len(in_area[lv])
        established = sum(1 for u in in_area[lv] if u.id in with_team)
        by_level.append(
            {
                "level": lv,
                "label": TEAM_LEVELS[lv],
                "established": established,
                "expected": expected,
            }
        )
    total_e = sum(r["established"] for r in by_level)
    total_x = sum(r["expected"] for r in by_level)
    see_phones = principal.role in ("admin", "officer")
    members: dict[int, list[TeamMember]] = {}
    if held:
        for m in session.scalars(
            select(TeamMember).where(TeamMember.team_id.in_([t.id for t in held]))
        ):
            members.setdefault(m.team_id, []).append(m)
    year_start = date(day.year, 1, 1)
    done = _activities(session, [t.id for t in held], year_start, day)
    parts = ", ".join(
        f"{vn_number(r['established'])}/{vn_number(r['expected'])} {r['label'].lower()}"
        for r in by_level
        if r["expected"]
    )
    return {
        "as_of": day.isoformat(),
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "levels": by_level,
        "established": total_e,
        "expected": total_x,
        "wording": f"{share(total_e, total_x)} tổ đã thành lập ({parts})"
        if total_x
        else "chưa có số liệu",
        "activities": sum(n for n, _p in done.values()),
        "people_reached": sum(p for _n, p in done.values()),
        "teams": [
            {
                "unit": {
                    "code": ids[t.unit_id].code,
                    "name": ids[t.unit_id].name,
                    "level": ids[t.unit_id].level,
                },
                "name": t.name,
                "established": t.established.isoformat(),
                "decision": t.decision,
                # This year's activities up to the day, and the people they reached.
                "activities": done.get(t.id, (0, 0))[0],
                "people_reached": done.get(t.id, (0, 0))[1],
                "members": [
                    {
                        "full_name": m.full_name,
                        "role": TEAM_ROLES.get(m.role, m.role),
                        "phone": m.phone if see_phones else ("***" if m.phone else ""),
                    }
                    for m in members.get(t.id, [])
                ],
            }
            for t in sorted(held, key=lambda t: ids[t.unit_id].path)
        ],
    }


def sites(
    session: Session, *, principal: Principal, unit_code: str | None, as_of: date | None = None
) -> dict[str, Any]:
    """Return the sites in service in an area on a day, counted per kind, operator and technology."""
    from tinhso.infrastructure.service import area

    principal.require("read")
    day = as_of or local_today()
    unit = area(session, principal, unit_code, day)
    communes = {c.id: c for c in units.units_below(session, unit=unit, level="commune", on=day)}
    if unit.level == "commune":
        communes[unit.id] = unit
    found = [
        s
        for s in session.scalars(
            select(Site)
            .where(Site.in_service_from <= day)
            .where((Site.in_service_to.is_(None)) | (Site.in_service_to >= day))
        )
        if s.commune_id in communes
    ]
    counts: dict[str, int] = dict.fromkeys(SITE_KINDS, 0)
    by_tech: dict[str, int] = {}
    by_operator: dict[str, int] = {}
    for s in found:
        counts[s.kind] = counts.get(s.kind, 0) + 1
        if s.kind == "bts":
            for t in filter(None, s.technology.split(",")):
                by_tech[t] = by_tech.get(t, 0) + 1
            by_operator[vocab.operator_name(s.operator)] = (
                by_operator.get(vocab.operator_name(s.operator), 0) + 1
            )
    return {
        "as_of": day.isoformat(),
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "counts": counts,
        "bts_by_technology": by_tech,
        "bts_by_operator": by_operator,
        "sites": [
            {
                "kind": s.kind,
                "operator": vocab.operator_name(s.operator),
                "code": s.code,
                "technology": s.technology,
                "commune": communes[s.commune_id].name,
                "in_service_from": s.in_service_from.isoformat(),
            }
            for s in found
        ],
    }


def team_units(session: Session, day: date) -> list[int]:
    """Return the units that have a team in force on ``day``."""
    stmt = (
        select(DigitalTeam.unit_id)
        .where(DigitalTeam.established <= day)
        .where((DigitalTeam.dissolved.is_(None)) | (DigitalTeam.dissolved > day))
        .distinct()
    )
    return [int(u) for u in session.scalars(stmt)]


def started(session: Session) -> dict[str, dict[int, date]]:
    """Return, per register, the date of the first record of each province that keeps it (a
    province with none is absent: its counts are unknown, not zero).

    A site is entered on the commune it stands in today: before that commune's own start (the
    reform) the register says nothing of the units then in force."""
    from sqlalchemy import func

    out: dict[str, dict[int, date]] = {"sites": {}, "teams": {}, "courses": {}}
    for name, unit_col, day_col in (
        ("sites", Site.commune_id, Site.in_service_from),
        ("teams", DigitalTeam.unit_id, DigitalTeam.established),
        ("courses", Course.unit_id, Course.ends),
    ):
        firsts = dict(session.execute(select(unit_col, func.min(day_col)).group_by(unit_col)).all())
        where = units.units_by_id(session, list(firsts))
        for unit_id, first in firsts.items():
            unit = where.get(unit_id)
            if unit is None:
                continue
            root = int(unit.path.strip("/").split("/")[0])
            begins = max(first, unit.valid_from) if name == "sites" else first
            out[name][root] = min(begins, out[name].get(root, begins))
    return out


STAFF_COLUMNS = {
    "agency": ("mã định danh", "mã cơ quan", "ma_dinh_danh", "ma_co_quan"),
    "from": ("ngày", "từ ngày", "ngày số liệu", "ngay"),
    "it_staff": ("số cán bộ cntt", "cán bộ chuyên trách cntt", "cntt", "so_can_bo_cntt"),
    "security_staff": ("số cán bộ attt", "cán bộ chuyên trách attt", "attt", "so_can_bo_attt"),
}
STAFF_LABELS = {
    "agency": "Mã định danh",
    "from": "Ngày",
    "it_staff": "Số cán bộ CNTT",
    "security_staff": "Số cán bộ ATTT",
}


def import_it_staff(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> RegisterReport:
    """Agencies' specialised IT and information-security staff, each count valid from a date."""
    may_write(principal)
    table = read_table(data, filename, columns=STAFF_COLUMNS, required=("agency", "from"))
    rows = Rows(STAFF_LABELS)
    report = RegisterReport("it_staff", rows=len(table.rows), encoding=table.encoding)
    agencies = units.agencies_by_code(
        session,
        principal=principal,
        codes=[r.get("agency", "") for _n, r in table.rows],
        writable=True,
    )
    checked: list[dict[str, Any]] = []
    seen: dict[tuple[int, date], int] = {}
    for row, rec in table.rows:
        n = len(rows.errors)
        code = rows.text(rec, "agency", row, limit=20)
        agency = agencies.get(code)
        if code and agency is None:
            rows.err(
                "agency", f"không có cơ quan mã '{code}' trong phạm vi được phân quyền", row, code
            )
        start = rows.day(rec, "from", row)
        it, sec = rows.count(rec, "it_staff", row), rows.count(rec, "security_staff", row)
        if it is None and sec is None and len(rows.errors) == n:
            rows.err("it_staff", "dòng không có số liệu nào", row)
        if agency is not None and start is not None:
            first = seen.get((agency.id, start))
            if first is not None:
                rows.err("agency", f"cơ quan '{code}' đã có ở dòng {first} cùng ngày", row)
            seen[(agency.id, start)] = row
        if len(rows.errors) == n and agency is not None and start is not None:
            checked.append(
                {
                    "agency_id": agency.id,
                    "valid_from": start,
                    "it_staff": it or 0,
                    "security_staff": sec or 0,
                }
            )
    rows.refuse_if_any()
    for values in checked:
        upsert(session, report, ItStaff, ("agency_id", "valid_from"), values)
    session.flush()
    return report


def it_staff(
    session: Session, *, principal: Principal, as_of: date | None = None
) -> dict[str, Any]:
    """Return each agency the caller may read with its IT and security staff on a day (the
    latest count dated on or before it; agencies with none listed as "chưa có số liệu")."""
    principal.require("read")
    day = as_of or local_today()
    agencies = units.readable_agencies(session, principal=principal)
    latest: dict[int, ItStaff] = {}
    ids = [a.id for a in agencies]
    for i in range(0, len(ids), 500):
        for s in session.scalars(
            select(ItStaff).where(
                ItStaff.agency_id.in_(ids[i : i + 500]), ItStaff.valid_from <= day
            )
        ):
            if s.agency_id not in latest or s.valid_from > latest[s.agency_id].valid_from:
                latest[s.agency_id] = s
    listed = [
        {
            "code": a.code,
            "name": a.name,
            "it_staff": latest[a.id].it_staff if a.id in latest else None,
            "security_staff": latest[a.id].security_staff if a.id in latest else None,
            "since": latest[a.id].valid_from.isoformat() if a.id in latest else None,
        }
        for a in agencies
    ]
    known = [r for r in listed if r["it_staff"] is not None]
    return {
        "as_of": day.isoformat(),
        "agencies": listed,
        "reported": len(known),
        "it_staff": sum(r["it_staff"] for r in known) if known else None,
        "security_staff": sum(r["security_staff"] for r in known) if known else None,
    }


ACTIVITY_COLUMNS = {
    "unit": ("mã đơn vị", "ma_don_vi", "mã"),
    "day": ("ngày", "ngày thực hiện", "ngay"),
    "title": ("nội dung", "hoạt động", "noi_dung"),
    "people": ("số người", "số người được hỗ trợ", "số người tham gia", "so_nguoi"),
}
ACTIVITY_LABELS = {"unit": "Mã đơn vị", "day": "Ngày", "title": "Nội dung", "people": "Số người"}


def import_activities(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> RegisterReport:
    """Activities of the teams in force on their day, keyed by team, day and content."""
    may_write(principal)
    table = read_table(data, filename, columns=ACTIVITY_COLUMNS, required=("unit", "day", "title"))
    rows = Rows(ACTIVITY_LABELS)
    report = RegisterReport("activities", rows=len(table.rows), encoding=table.encoding)
    checked: list[dict[str, Any]] = []
    seen: dict[tuple[int, date, str], int] = {}
    for row, rec in table.rows:
        n = len(rows.errors)
        day = rows.day(rec, "day", row)
        unit = (
            rows.unit(session, principal, rec, "unit", row, day, tuple(TEAM_LEVELS))
            if day
            else None
        )
        team = _team_of(session, unit.id, day) if unit is not None and day is not None else None
        if unit is not None and day is not None and team is None:
            rows.err("unit", f"{unit.name} không có tổ đang hoạt động ngày {day:%d/%m/%Y}", row)
        title = rows.text(rec, "title", row, limit=300)
        people = rows.count(rec, "people", row)
        if team is not None and day is not None and title:
            first = seen.get((team.id, day, title))
            if first is not None:
                rows.err("title", f"hoạt động này đã có ở dòng {first}", row)
            seen[(team.id, day, title)] = row
        if len(rows.errors) == n and team is not None and day is not None:
            checked.append({"team_id": team.id, "day": day, "title": title, "people": people})
    rows.refuse_if_any()
    for values in checked:
        upsert(session, report, TeamActivity, ("team_id", "day", "title"), values)
    session.flush()
    return report


def _activities(
    session: Session, team_ids: list[int], first: date, last: date
) -> dict[int, tuple[int, int]]:
    """Return (activities, people reached) per team between two days."""
    out: dict[int, tuple[int, int]] = {}
    for i in range(0, len(team_ids), 500):
        for a in session.scalars(
            select(TeamActivity).where(
                TeamActivity.team_id.in_(team_ids[i : i + 500]),
                TeamActivity.day >= first,
                TeamActivity.day <= last,
            )
        ):
            n, people = out.get(a.team_id, (0, 0))
            out[a.team_id] = (n + 1, people + (a.people or 0))
    return out
