"""Plans of the steering committee, the tasks they set, their progress and evidence, and the
plans' targets (chỉ tiêu)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base, TZDateTime

PLAN_KINDS = {
    "ke_hoach": "Kế hoạch",
    "de_an": "Đề án",
    "nghi_quyet": "Nghị quyết",
    "ket_luan": "Kết luận cuộc họp",
}
STATUSES = {
    "not_started": "Chưa thực hiện",
    "in_progress": "Đang thực hiện",
    "done": "Hoàn thành",
    "cancelled": "Dừng/hủy",
}
UPDATE_KINDS = {
    "progress": "Cập nhật tiến độ",
    "completion": "Báo cáo hoàn thành, chờ duyệt",
    "accepted": "Duyệt hoàn thành",
    "refused": "Trả lại, chưa hoàn thành",
    "status": "Đổi trạng thái",
    "sync": "Đồng bộ từ hệ thống của Bộ",
}


class Plan(Base):
    """A plan, scheme, resolution or meeting conclusion that sets tasks and targets for a year:
    "Kế hoạch số 09-KH/BCĐCĐS ngày 10/3/2023"."""

    __tablename__ = "task_plan"
    __audited__ = True
    __table_args__ = (UniqueConstraint("code", name="uq_task_plan_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60))  # number and notation: 09-KH/BCĐCĐS
    kind: Mapped[str] = mapped_column(String(20), default="ke_hoach")
    title: Mapped[str] = mapped_column(String(400))
    issued: Mapped[date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(250), default="")
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the province
    # The department in charge: it accepts the tasks' completion.
    in_charge_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)


class Task(Base):
    """A task (nhiệm vụ) of a plan: one lead agency, accountable; co-agencies; a deadline."""

    __tablename__ = "task_task"
    __audited__ = True
    __table_args__ = (UniqueConstraint("code", name="uq_task_task_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    plan_id: Mapped[int] = mapped_column(ForeignKey("task_plan.id"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    starts: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    output: Mapped[str] = mapped_column(String(500), default="")  # sản phẩm
    indicator: Mapped[str] = mapped_column(String(80), default="")  # a linked indicator's code
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    percent: Mapped[int] = mapped_column(Integer, default=0)
    awaiting_review: Mapped[bool] = mapped_column(Boolean, default=False)
    finished: Mapped[date | None] = mapped_column(Date)  # the day completion was accepted
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("task_task.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime())  # the last change, for the sync


class TaskAgency(Base):
    """A co-agency (cơ quan phối hợp) of a task."""

    __tablename__ = "task_co_agency"
    __audited__ = True
    __table_args__ = (UniqueConstraint("task_id", "agency_id", name="uq_task_co_agency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task_task.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)


class TaskUpdate(Base):
    """One step of a task's history: progress, a completion asked for, accepted or refused."""

    __tablename__ = "task_update"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task_task.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(TZDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    percent: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="")
    text: Mapped[str] = mapped_column(Text, default="")


class TaskEvidence(Base):
    """A file given as evidence of a task's progress, stored by its SHA-256 under var/."""

    __tablename__ = "task_evidence"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task_task.id", ondelete="CASCADE"), index=True)
    update_id: Mapped[int | None] = mapped_column(ForeignKey("task_update.id"))
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # pdf, docx, xlsx, png, jpeg
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(TZDateTime())


class PlanTarget(Base):
    """A target (chỉ tiêu) a plan sets for a year: measured by an indicator of the catalog
    (``index`` and ``indicator``), or reported by hand (``achieved``, with who and when)."""

    __tablename__ = "task_target"
    __audited__ = True
    __table_args__ = (UniqueConstraint("plan_id", "code", name="uq_task_target_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("task_plan.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(400))
    measure: Mapped[str] = mapped_column(String(40), default="")  # "%", "hệ thống", "người"
    planned: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(10), default="higher")
    index: Mapped[str] = mapped_column(String(80), default="")
    indicator: Mapped[str] = mapped_column(String(80), default="")
    achieved: Mapped[float | None] = mapped_column(Float)  # by hand, where no indicator
    achieved_by: Mapped[str] = mapped_column(String(120), default="")
    achieved_at: Mapped[datetime | None] = mapped_column(TZDateTime())
