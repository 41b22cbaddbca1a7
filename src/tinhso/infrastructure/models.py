"""Digital infrastructure registers: what each village has (electricity, mobile coverage per
technology and operator, fibre, households) as facts valid from a date, and the imports that
brought them.

A fact is never edited in place by a later file: a change is a new fact valid from its own
date, so the register answers "as of" any day. Facts are many (a province's operators send a
row per village a quarter), so the audit log records each import once, naming the file and its
counts, and every fact names its import (``import_id``) — the same trail as one entry a row.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base, TZDateTime

TECHNOLOGIES = ("2g", "3g", "4g", "5g")
# Coverage of a village by one technology of one operator.
NONE, PARTIAL, FULL = 0, 1, 2
QUALITY_LABELS = {NONE: "không có sóng", PARTIAL: "một phần (khu trung tâm)", FULL: "toàn thôn"}
SITE_KINDS = {
    "bts": "Trạm thu phát sóng (BTS)",
    "wifi": "Điểm Wi-Fi công cộng",
    "telecentre": "Điểm bưu điện – văn hóa xã",
}


class VillageValues:
    """What is known of a village (a source's fact, or all sources combined); ``None`` is not
    reported."""

    electricity: Mapped[bool | None] = mapped_column(Boolean)
    cov_2g: Mapped[int | None] = mapped_column(SmallInteger)
    cov_3g: Mapped[int | None] = mapped_column(SmallInteger)
    cov_4g: Mapped[int | None] = mapped_column(SmallInteger)
    cov_5g: Mapped[int | None] = mapped_column(SmallInteger)
    fibre: Mapped[bool | None] = mapped_column(Boolean)
    households: Mapped[int | None] = mapped_column(Integer)
    households_fibre: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[int | None] = mapped_column(Integer)


# The value columns of a village, in their order.
VALUE_COLUMNS = tuple(VillageValues.__annotations__)


class InfraImport(Base):
    """One file of facts as it was accepted: who sent it, for which operator and date."""

    __tablename__ = "infra_import"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(100), default="")
    imported_at: Mapped[datetime] = mapped_column(TZDateTime())


class VillageFact(VillageValues, Base):
    """What one source (an operator, or ``dia_phuong``: the commune's own count) reported of
    one village, valid from a date until the next fact of the same source and village.

    ``None`` is "not reported" (the file had no such column or left it blank), never "no": the
    source's earlier value of that column still holds."""

    __tablename__ = "infra_village_fact"
    __table_args__ = (
        UniqueConstraint("village_id", "operator", "valid_from", name="uq_infra_fact_key"),
        Index("ix_infra_fact_from", "valid_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    operator: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date] = mapped_column(Date)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("infra_import.id"), index=True)


class Site(Base):
    """A BTS station, public Wi-Fi point or telecentre, in service over a date interval."""

    __tablename__ = "infra_site"
    __audited__ = True
    __table_args__ = (UniqueConstraint("operator", "code", name="uq_infra_site_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    operator: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    technology: Mapped[str] = mapped_column(String(12), default="")  # "4g", "4g,5g"
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    in_service_from: Mapped[date] = mapped_column(Date)
    in_service_to: Mapped[date | None] = mapped_column(Date)


TEAM_ROLES = {"to_truong": "Tổ trưởng", "to_pho": "Tổ phó", "thanh_vien": "Thành viên"}
PARTICIPANT_KINDS = {
    "lanh_dao": "Lãnh đạo",
    "can_bo": "Cán bộ",
    "cong_chuc": "Công chức",
    "vien_chuc": "Viên chức",
    "nguoi_dan": "Người dân",
    "thanh_vien_to": "Thành viên tổ công nghệ số cộng đồng",
}
# Who a DTI's "cán bộ, công chức, viên chức được bồi dưỡng" counts: the public servants.
OFFICIAL_KINDS = ("lanh_dao", "can_bo", "cong_chuc", "vien_chuc")
COURSE_MODES = {"offline": "Trực tiếp", "online": "Trực tuyến", "mixed": "Kết hợp"}


class DigitalTeam(Base):
    """A community digital team (tổ công nghệ số cộng đồng) or steering team of one unit:
    the province, a commune, a village (a district before the 2025 reform, kept for history)."""

    __tablename__ = "infra_team"
    __audited__ = True
    __table_args__ = (UniqueConstraint("unit_id", "established", name="uq_infra_team_unit_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    established: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(100), default="")  # "12/QĐ-UBND"
    dissolved: Mapped[date | None] = mapped_column(Date)


class TeamMember(Base):
    """A member of a team: personal data, shown only to those who may see it."""

    __tablename__ = "infra_team_member"
    __audited__ = True
    __audit_redact__: ClassVar[set[str]] = {"phone"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(
        ForeignKey("infra_team.id", ondelete="CASCADE"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default="thanh_vien")
    phone: Mapped[str] = mapped_column(String(20), default="")


class Course(Base):
    """A training course or class on digital transformation, organised by a unit's body."""

    __tablename__ = "infra_course"
    __audited__ = True
    __table_args__ = (UniqueConstraint("code", name="uq_infra_course_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(100), default="")  # "IPv6", "chuyển đổi số"
    organiser: Mapped[str] = mapped_column(String(250), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # where it is held
    mode: Mapped[str] = mapped_column(String(10), default="offline")
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)


class CourseAttendance(Base):
    """How many of one kind of participant (cán bộ, công chức, người dân …) from one unit
    attended a course: counts, not people."""

    __tablename__ = "infra_course_attendance"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("course_id", "unit_id", "kind", name="uq_infra_attendance_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("infra_course.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)


class CourseParticipant(Base):
    """One person on a course's list of participants, in the unit where they work: personal
    data (a name), shown only in scope. ``person`` (the folded name and the unit) tells one
    person from another, so that someone on two courses of a period counts once."""

    __tablename__ = "infra_course_participant"
    __audited__ = True
    __table_args__ = (UniqueConstraint("course_id", "person", name="uq_infra_participant_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("infra_course.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(200), default="")
    person: Mapped[str] = mapped_column(String(160))


class ItStaff(Base):
    """How many specialised IT and information-security staff an agency has, from a date."""

    __tablename__ = "infra_it_staff"
    __audited__ = True
    __table_args__ = (UniqueConstraint("agency_id", "valid_from", name="uq_infra_it_staff_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    it_staff: Mapped[int] = mapped_column(Integer, default=0)
    security_staff: Mapped[int] = mapped_column(Integer, default=0)


class VillageState(VillageValues, Base):
    """What a village had, all sources combined, from ``valid_from`` until ``valid_to``
    (exclusive; None: still so) — worked out from its facts after each import, so that "as of
    a date" is one row a village, read without going through every fact (the facts stay the
    record; this table can be rebuilt from them: ``infrastructure.states.rebuild``)."""

    __tablename__ = "infra_village_state"
    __table_args__ = (
        UniqueConstraint("village_id", "valid_from", name="uq_infra_state_key"),
        Index("ix_infra_state_span", "valid_from", "valid_to"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    sources: Mapped[str] = mapped_column(String(200), default="")


class TeamActivity(Base):
    """Something a team did on a day (guided people through public services online, installed
    apps, a campaign), with how many people it reached."""

    __tablename__ = "infra_team_activity"
    __audited__ = True
    __table_args__ = (UniqueConstraint("team_id", "day", "title", name="uq_infra_activity_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(
        ForeignKey("infra_team.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    people: Mapped[int | None] = mapped_column(Integer)
