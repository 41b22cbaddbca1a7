"""Data values: one reported figure per data element, organisation and period."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base, TZDateTime

VALUE_SOURCES = ("form", "excel", "api", "computed")
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
