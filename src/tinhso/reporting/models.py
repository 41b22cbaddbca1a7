"""Report forms, their assignments and rules, submissions, and the data values reported."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base, TZDateTime

VALUE_SOURCES = ("form", "excel", "api", "computed", "demo")
VALUE_STATES = ("draft", "submitted", "approved")


class DataValue(Base):
    """A value of a data element reported by one unit or one agency for one period.

    Exactly one of ``unit_id`` and ``agency_id`` is set (the organisation that reports). The
    period is its code (``2025``, ``2025-H1``, ``2025-Q3``, ``2025-07``, ``2025-W27``) with its
    first and last day. ``seq`` comes from the ``data_value`` change counter in the writing
    transaction, so the lake follows changes by a watermark as it does for dossiers. Drafts are
    kept but count nowhere; ``submitted`` and ``approved`` values feed the engine, and approved
    ones are locked.
    """

    __tablename__ = "data_value"
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (agency_id IS NULL)", name="one_organisation"),
        Index(
            "uq_data_value_unit",
            "element_id",
            "unit_id",
            "period",
            unique=True,
            sqlite_where=text("agency_id IS NULL"),
            postgresql_where=text("agency_id IS NULL"),
        ),
        Index(
            "uq_data_value_agency",
            "element_id",
            "agency_id",
            "period",
            unique=True,
            sqlite_where=text("unit_id IS NULL"),
            postgresql_where=text("unit_id IS NULL"),
        ),
        Index("ix_data_value_period", "period_start", "period_end"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    element_id: Mapped[int] = mapped_column(ForeignKey("data_element.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    period: Mapped[str] = mapped_column(String(12))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12), default="form")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(TZDateTime())
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


PERIOD_TYPES = ("weekly", "monthly", "quarterly", "six_monthly", "yearly")
SUBMISSION_STATES = ("draft", "submitted", "approved", "returned")


class ReportForm(Base):
    """A report form (biểu mẫu báo cáo, DHIS2's data set): what to report, how often, by when.

    Loaded from ``catalog/forms/*.yaml`` by ``tinhso reporting load-forms``; ``version`` is
    the file's version and ``digest`` the hash of its definition, written into every Excel
    template so that a template of an older definition is recognised. ``in_charge_id`` is the
    department in charge (the agency the units report to): its officers read and approve the
    reports of the organisations assigned the form.
    """

    __tablename__ = "report_form"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    period_type: Mapped[str] = mapped_column(String(12))
    deadline_days: Mapped[int] = mapped_column(Integer, default=0)
    open_from: Mapped[str] = mapped_column(String(12), default="")
    expiry_days: Mapped[int] = mapped_column(Integer, default=0)
    max_change_pct: Mapped[float | None] = mapped_column(Float)
    version: Mapped[str] = mapped_column(String(40), default="")
    digest: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    in_charge_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))


class FormElement(Base):
    """A data element on a form, in its section and place, required or not."""

    __tablename__ = "form_element"
    __audited__ = True
    __table_args__ = (UniqueConstraint("form_id", "element_id", name="uq_form_element_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("report_form.id", ondelete="CASCADE"))
    element_id: Mapped[int] = mapped_column(ForeignKey("data_element.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(300), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    max_change_pct: Mapped[float | None] = mapped_column(Float)


class FormRule(Base):
    """A validation rule of a form: ``left op right`` over sums of the form's elements."""

    __tablename__ = "form_rule"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("report_form.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    left: Mapped[str] = mapped_column(String(500))
    op: Mapped[str] = mapped_column(String(2))
    right: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(8), default="error")
    message: Mapped[str] = mapped_column(Text, default="")


class FormAssignment(Base):
    """A unit or an agency that must report a form (exactly one of the two)."""

    __tablename__ = "form_assignment"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (agency_id IS NULL)", name="one_organisation"),
        UniqueConstraint("form_id", "unit_id", "agency_id", name="uq_form_assignment_org"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("report_form.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)


class PeriodClosure(Base):
    """A period of a form closed to data entry by the department in charge."""

    __tablename__ = "report_period_closure"
    __audited__ = True
    __table_args__ = (UniqueConstraint("form_id", "period", name="uq_report_period_closure_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("report_form.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(12))
    closed_at: Mapped[datetime] = mapped_column(TZDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")


class Submission(Base):
    """One organisation's report of a form for a period: its state, who submitted and approved.

    DHIS2 keeps this as a complete registration plus a separate approval; here one row holds
    both, so completeness, timeliness and the lock read a single table.
    """

    __tablename__ = "report_submission"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (agency_id IS NULL)", name="one_organisation"),
        Index(
            "uq_report_submission_unit",
            "form_id",
            "unit_id",
            "period",
            unique=True,
            sqlite_where=text("agency_id IS NULL"),
            postgresql_where=text("agency_id IS NULL"),
        ),
        Index(
            "uq_report_submission_agency",
            "form_id",
            "agency_id",
            "period",
            unique=True,
            sqlite_where=text("unit_id IS NULL"),
            postgresql_where=text("unit_id IS NULL"),
        ),
        Index("ix_report_submission_form_period", "form_id", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("report_form.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    period: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    saved_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    returned_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    returned_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    return_reason: Mapped[str] = mapped_column(Text, default="")


class DataValueHistory(Base):
    """The previous state of a data value, one row per change (append-only).

    Data values are not in the hash-chained audit log one by one: a province writes millions
    a year and each audit entry serialises on the chain's head. Each write instead appends
    the replaced state here in the same transaction, and the log gets one summary entry per
    operation (who, what form, which organisations and periods, how many values).
    """

    __tablename__ = "data_value_history"
    __table_args__ = (Index("ix_data_value_history_value", "value_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    value_id: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    updated_by: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime())
    replaced_at: Mapped[datetime] = mapped_column(TZDateTime())
    replaced_by: Mapped[int | None] = mapped_column(Integer)
