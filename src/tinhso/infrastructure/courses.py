"""Training: courses on digital transformation with the number of participants of each kind,
and the lists of the people who attended them ("04 lớp về chuyển đổi số cho 202 người"; the DTI's
officials trained, each person once a period however many courses they attended).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.fmt import local_today, vn_number
from tinhso.infrastructure.models import (
    COURSE_MODES,
    OFFICIAL_KINDS,
    PARTICIPANT_KINDS,
    Course,
    CourseAttendance,
    CourseParticipant,
)
from tinhso.infrastructure.rows import RegisterReport, Rows, covers, may_write, upsert
from tinhso.tabular import read_table
from tinhso.text import fold, nfc
from tinhso.units import service as units

COURSE_COLUMNS = {
    "code": ("mã lớp", "ma_lop", "mã"),
    "title": ("tên lớp", "tên khóa", "ten_lop", "nội dung"),
    "topic": ("chủ đề", "chu_de", "lĩnh vực"),
    "organiser": ("đơn vị tổ chức", "don_vi_to_chuc"),
    "unit": ("mã đơn vị", "ma_don_vi", "nơi tổ chức"),
    "mode": ("hình thức", "hinh_thuc"),
    "starts": ("từ ngày", "ngày bắt đầu", "tu_ngay"),
    "ends": ("đến ngày", "ngày kết thúc", "den_ngay"),
    **{k: (v, k.replace("_", " ")) for k, v in PARTICIPANT_KINDS.items()},
}
COURSE_LABELS = {
    "code": "Mã lớp",
    "title": "Tên lớp",
    "topic": "Chủ đề",
    "organiser": "Đơn vị tổ chức",
    "unit": "Mã đơn vị",
    "mode": "Hình thức",
    "starts": "Từ ngày",
    "ends": "Đến ngày",
    **PARTICIPANT_KINDS,
}
MODE_WORDS = {fold(v): k for k, v in COURSE_MODES.items()} | {k: k for k in COURSE_MODES}


def import_courses(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> RegisterReport:
    """Courses with the number of participants of each kind (from the unit that held it)."""
    may_write(principal)
    table = read_table(
        data, filename, columns=COURSE_COLUMNS, required=("code", "title", "unit", "starts")
    )
    rows = Rows(COURSE_LABELS)
    report = RegisterReport("courses", rows=len(table.rows), encoding=table.encoding)
    checked: list[tuple[dict[str, Any], dict[str, int]]] = []
    seen: dict[str, int] = {}
    for row, rec in table.rows:
        n = len(rows.errors)
        code = rows.text(rec, "code", row, limit=40)
        if code in seen:
            rows.err("code", f"lớp '{code}' đã có ở dòng {seen[code]}", row)
        seen.setdefault(code, row)
        known = session.scalars(select(Course).where(Course.code == code)).first() if code else None
        if known is not None and not covers(session, principal, known.unit_id):
            rows.err(
                "code",
                f"lớp '{code}' đã có trong sổ, thuộc đơn vị ngoài phạm vi được phân quyền",
                row,
            )
        title = rows.text(rec, "title", row, limit=300)
        starts = rows.day(rec, "starts", row)
        ends = rows.day(rec, "ends", row, required=False) or starts
        if starts and ends and ends < starts:
            rows.err("ends", "ngày kết thúc trước ngày bắt đầu", row, rec.get("ends"))
        unit = (
            rows.unit(
                session, principal, rec, "unit", row, starts, ("province", "district", "commune")
            )
            if starts
            else None
        )
        mode = MODE_WORDS.get(fold(rec.get("mode", "")) or "offline")
        if mode is None:
            rows.err("mode", "phải là Trực tiếp, Trực tuyến hoặc Kết hợp", row, rec.get("mode"))
        counts = {k: c for k in PARTICIPANT_KINDS if (c := rows.count(rec, k, row))}
        listed = _list_counts(session, known.id) if counts and known is not None else None
        if listed is not None and counts != listed:
            rows.err(
                next(iter(counts)),
                f"lớp '{code}' đã có danh sách người tham gia: số người tính theo danh sách, "
                "để trống các cột số người",
                row,
            )
        if len(rows.errors) == n and unit is not None and starts and ends and mode:
            checked.append(
                (
                    {
                        "code": code,
                        "title": title,
                        "topic": rows.text(rec, "topic", row, required=False, limit=100),
                        "organiser": rows.text(rec, "organiser", row, required=False, limit=250),
                        "unit_id": unit.id,
                        "mode": mode,
                        "starts": starts,
                        "ends": ends,
                    },
                    counts,
                )
            )
    rows.refuse_if_any()
    for values, counts in checked:
        course = upsert(session, report, Course, ("code",), values)
        session.flush()
        if _has_list(session, course.id):
            continue  # its counts are its list's (the file's, if any, agree: checked above)
        held = {
            a.kind: a
            for a in session.scalars(
                select(CourseAttendance).where(CourseAttendance.course_id == course.id)
            )
        }
        for kind, count in counts.items():
            if kind in held:
                a = held.pop(kind)
                a.count, a.unit_id = count, values["unit_id"]  # a course moved takes its counts
            else:
                session.add(
                    CourseAttendance(
                        course_id=course.id, unit_id=values["unit_id"], kind=kind, count=count
                    )
                )
        for gone in held.values():
            session.delete(gone)
    session.flush()
    return report


def training(
    session: Session, *, principal: Principal, unit_code: str | None, first: date, last: date
) -> dict[str, Any]:
    """Return the courses of an area that ended in [first, last] (held in it, or attended by its
    people) and its participants per kind: "04 lớp về chuyển đổi số cho 202 người"."""
    from tinhso.infrastructure.service import area

    principal.require("read")
    unit = area(session, principal, unit_code, min(last, local_today()))
    held = list(
        session.scalars(
            select(Course).where(Course.ends >= first, Course.ends <= last).order_by(Course.starts)
        )
    )
    rows = (
        list(
            session.scalars(
                select(CourseAttendance).where(CourseAttendance.course_id.in_([c.id for c in held]))
            )
        )
        if held
        else []
    )
    where = units.units_by_id(session, [c.unit_id for c in held] + [a.unit_id for a in rows])
    inside = {i for i, u in where.items() if u.path.startswith(unit.path)}
    # A course of the area: held in it, or attended by its people (who alone are counted here).
    attendance: dict[int, dict[str, int]] = {}
    for a in rows:
        if a.unit_id in inside:
            per_course = attendance.setdefault(a.course_id, {})
            per_course[a.kind] = per_course.get(a.kind, 0) + a.count
    courses = [c for c in held if c.unit_id in inside or c.id in attendance]
    per_kind = dict.fromkeys(PARTICIPANT_KINDS, 0)
    for counts in attendance.values():
        for k, n in counts.items():
            per_kind[k] += n
    people = sum(per_kind.values())
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "from": first.isoformat(),
        "to": last.isoformat(),
        "courses": len(courses),
        "participants": people,
        "by_kind": per_kind,
        "wording": f"{vn_number(len(courses)):0>2} lớp cho {vn_number(people)} người"
        if courses
        else "chưa có lớp nào",
        "list": [
            {
                "code": c.code,
                "title": c.title,
                "topic": c.topic,
                "organiser": c.organiser,
                "mode": COURSE_MODES.get(c.mode, c.mode),
                "starts": c.starts.isoformat(),
                "ends": c.ends.isoformat(),
                "participants": attendance.get(c.id, {}),
            }
            for c in courses
        ],
    }


def attendance(session: Session, first: date, last: date) -> list[tuple[int, int, str, int]]:
    """Return (course, unit, kind, count) of the courses that ended in [first, last]: the unit
    where the participants work where the course has a list, else where it was held."""
    rows = session.execute(
        select(Course.id, CourseAttendance.unit_id, CourseAttendance.kind, CourseAttendance.count)
        .join(CourseAttendance, CourseAttendance.course_id == Course.id)
        .where(Course.ends >= first, Course.ends <= last)
    )
    return [(int(a), int(b), str(c), int(d)) for a, b, c, d in rows]


def _list_counts(session: Session, course_id: int) -> dict[str, int] | None:
    """Return a course's list's counts per kind (None when it has no list)."""
    if not _has_list(session, course_id):
        return None
    out: dict[str, int] = {}
    for kind in session.scalars(
        select(CourseParticipant.kind).where(CourseParticipant.course_id == course_id)
    ):
        out[kind] = out.get(kind, 0) + 1
    return out


def _has_list(session: Session, course_id: int) -> bool:
    return (
        session.scalars(
            select(CourseParticipant.id).where(CourseParticipant.course_id == course_id)
        ).first()
        is not None
    )


PARTICIPANT_COLUMNS = {
    "course": ("mã lớp", "ma_lop"),
    "full_name": ("họ và tên", "họ tên", "ho_ten"),
    "position": ("chức vụ", "chức danh", "chuc_vu"),
    "unit": ("mã đơn vị", "mã đơn vị công tác", "ma_don_vi"),
    "kind": ("đối tượng", "doi_tuong"),
}
PARTICIPANT_LABELS = {
    "course": "Mã lớp",
    "full_name": "Họ và tên",
    "position": "Chức vụ",
    "unit": "Mã đơn vị",
    "kind": "Đối tượng",
}
KIND_WORDS = (
    {fold(v): k for k, v in PARTICIPANT_KINDS.items()}
    | {k: k for k in PARTICIPANT_KINDS}
    | {
        "lanh dao": "lanh_dao",
        "thanh vien to cnscd": "thanh_vien_to",
        "thanh vien to": "thanh_vien_to",
    }
)


def same_name(name: str) -> str:
    """Return the form of a name two spellings of one person share: NFC, case-folded, single
    spaces — diacritics kept ("Lò Thị Hà" and "Lò Thị Hạ" are two people)."""
    return " ".join(nfc(name).casefold().split())


def import_participants(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> RegisterReport:
    """Lists of the people who attended courses, one row a person and course, each in the unit
    where they work (valid when the course ended). A course named in the file gets the file's
    list (the caller's units' people no longer on it are taken off; others' stay) and its counts
    become the list's, per unit and kind; a person is told from another by name within their
    unit (``same_name``)."""
    may_write(principal)
    table = read_table(
        data,
        filename,
        columns=PARTICIPANT_COLUMNS,
        required=("course", "full_name", "unit", "kind"),
    )
    rows = Rows(PARTICIPANT_LABELS)
    report = RegisterReport("participants", rows=len(table.rows), encoding=table.encoding)
    found: dict[str, Course | None] = {}
    seen: dict[tuple[int, str], int] = {}
    checked: list[dict[str, Any]] = []
    for row, rec in table.rows:
        n = len(rows.errors)
        code = rows.text(rec, "course", row, limit=40)
        if code and code not in found:
            found[code] = session.scalars(select(Course).where(Course.code == code)).first()
        course = found.get(code)
        if code and course is None:
            rows.err(
                "course", f"chưa có lớp '{code}' trong sổ (nhập danh sách lớp trước)", row, code
            )
        elif course is not None and not covers(session, principal, course.unit_id):
            rows.err(
                "course", f"lớp '{code}' thuộc đơn vị ngoài phạm vi được phân quyền", row, code
            )
            course = None
        name = rows.text(rec, "full_name", row, limit=120)
        position = rows.text(rec, "position", row, required=False, limit=200)
        on = course.ends if course is not None else local_today()
        unit = rows.unit(
            session, principal, rec, "unit", row, on, ("province", "district", "commune")
        )
        raw_kind = rec.get("kind", "").strip()
        kind = KIND_WORDS.get(fold(raw_kind)) if raw_kind else None
        if raw_kind and kind is None:
            rows.err(
                "kind", "phải là một trong: " + ", ".join(PARTICIPANT_KINDS.values()), row, raw_kind
            )
        elif not raw_kind:
            rows.err("kind", "không được để trống", row)
        if len(rows.errors) > n or course is None or unit is None or kind is None or not name:
            continue
        person = f"{same_name(name)}|{unit.id}"
        first = seen.get((course.id, person))
        if first is not None:  # the name is personal: not echoed
            rows.err("full_name", f"người này đã có trong lớp '{code}' ở dòng {first}", row)
            continue
        seen[(course.id, person)] = row
        checked.append(
            {
                "course_id": course.id,
                "person": person,
                "unit_id": unit.id,
                "kind": kind,
                "full_name": name,
                "position": position,
            }
        )
    rows.refuse_if_any()
    listed = {v["course_id"] for v in checked}
    keep = {(v["course_id"], v["person"]) for v in checked}
    for old in session.scalars(
        select(CourseParticipant).where(CourseParticipant.course_id.in_(sorted(listed)))
    ):
        # People of units outside the caller's stay: its file speaks for its own units only.
        if (old.course_id, old.person) not in keep and covers(session, principal, old.unit_id):
            session.delete(old)
            report.removed += 1
    for values in checked:
        upsert(session, report, CourseParticipant, ("course_id", "person"), values)
    session.flush()
    for course_id in sorted(listed):
        _count_list(session, course_id)
    session.flush()
    return report


def _count_list(session: Session, course_id: int) -> None:
    """Make a course's counts those of its list: per unit of work and kind."""
    counts: dict[tuple[int, str], int] = {}
    for unit_id, kind in session.execute(
        select(CourseParticipant.unit_id, CourseParticipant.kind).where(
            CourseParticipant.course_id == course_id
        )
    ):
        counts[(int(unit_id), str(kind))] = counts.get((int(unit_id), str(kind)), 0) + 1
    held = {
        (a.unit_id, a.kind): a
        for a in session.scalars(
            select(CourseAttendance).where(CourseAttendance.course_id == course_id)
        )
    }
    for key, count in counts.items():
        if key in held:
            a = held.pop(key)
            if a.count != count:
                a.count = count
        else:
            session.add(
                CourseAttendance(course_id=course_id, unit_id=key[0], kind=key[1], count=count)
            )
    for gone in held.values():
        session.delete(gone)


def officials_trained(session: Session, first: date, last: date) -> list[tuple[int, str]]:
    """Return (unit, person) for each public servant (OFFICIAL_KINDS) on the lists of the courses
    that ended in [first, last], once however many of them they attended. Courses with counts
    only are left out: their people cannot be told apart (and counting them again would add one
    person a course)."""
    listed = session.execute(
        select(CourseParticipant.unit_id, CourseParticipant.person)
        .join(Course, Course.id == CourseParticipant.course_id)
        .where(Course.ends >= first, Course.ends <= last)
        .where(CourseParticipant.kind.in_(OFFICIAL_KINDS))
    )
    return sorted({(int(u), str(p)) for u, p in listed})


def listed_units(session: Session, first: date, last: date) -> list[int]:
    """Return the units where the people on the lists of the courses that ended in [first,
    last] work (any kind): the provinces above them keep lists for the period."""
    return [
        int(u)
        for u in session.scalars(
            select(CourseParticipant.unit_id)
            .join(Course, Course.id == CourseParticipant.course_id)
            .where(Course.ends >= first, Course.ends <= last)
            .distinct()
        )
    ]
