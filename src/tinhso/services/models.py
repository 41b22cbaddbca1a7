"""Procedures (TTHC), dossiers (hồ sơ) and their events, as one-stop-shop systems report them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base, TZDateTime

ONLINE_MODES = ("full", "partial", "none")
PROCEDURE_LEVELS = ("province", "commune", "both")


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính) in the province's catalogue."""

    __tablename__ = "procedure"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(10), default="province")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    online_mode: Mapped[str] = mapped_column(String(10), default="none")
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_bearing: Mapped[bool] = mapped_column(Boolean, default=False)
    issues_result: Mapped[bool] = mapped_column(Boolean, default=True)
    result_kind: Mapped[str] = mapped_column(String(100), default="")
    legal_days: Mapped[float] = mapped_column(Float, default=0)
    for_citizens: Mapped[bool] = mapped_column(Boolean, default=True)
    for_businesses: Mapped[bool] = mapped_column(Boolean, default=False)
    published_on: Mapped[date | None] = mapped_column(Date)


class Dossier(Base):
    """A dossier's current state, derived from what its system reported (snapshots and events).

    ``seq`` is taken from :class:`ChangeCounter` in the writing transaction, so commit order
    and seq order agree and the analytics copy can follow changes by a watermark without
    missing a transaction still in flight.
    """

    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_received", "received_at"),
        Index("ix_dossier_agency", "agency_id"),
        Index("ix_dossier_unit", "unit_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    channel: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[int] = mapped_column(SmallInteger)
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    received_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    appointment_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    supplement_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    supplement_days: Mapped[float] = mapped_column(Float, default=0)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_flag: Mapped[int] = mapped_column(SmallInteger, default=0)
    digitized_inputs: Mapped[bool] = mapped_column(Boolean, default=False)
    e_result: Mapped[bool] = mapped_column(Boolean, default=False)
    reused_components: Mapped[int] = mapped_column(SmallInteger, default=0)
    from_data_store: Mapped[bool] = mapped_column(Boolean, default=False)
    vneid: Mapped[bool] = mapped_column(Boolean, default=False)
    synced: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    complaint: Mapped[bool] = mapped_column(Boolean, default=False)
    as_of: Mapped[datetime] = mapped_column(TZDateTime())
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    source: Mapped[str] = mapped_column(String(20), default="")


class DossierEvent(Base):
    """One status change of a dossier, as its system sent it; (dossier, event id) is unique."""

    __tablename__ = "dossier_event"
    __table_args__ = (UniqueConstraint("dossier_id", "event_id", name="uq_dossier_event_key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(80))
    ts: Mapped[datetime] = mapped_column(TZDateTime())
    status: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(TZDateTime())


class ChangeCounter(Base):
    """Monotonic counters, one row per stream ("dossier"), bumped inside writing transactions."""

    __tablename__ = "change_counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
