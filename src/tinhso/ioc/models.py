"""What the operations centre keeps of its own: the communes' boundaries for the map, and the
alerts with their state and history (every figure is the domains')."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base, TZDateTime

ALERT_STATES = {
    "open": "Đang mở",
    "acknowledged": "Đã tiếp nhận",
    "resolved": "Đã hết",
}
EVENT_KINDS = {
    "opened": "Phát sinh",
    "acknowledged": "Tiếp nhận",
    "comment": "Ghi chú",
    "resolved": "Hết cảnh báo (điều kiện không còn)",
    "reopened": "Phát sinh lại",
}


class Boundary(Base):
    """A unit's boundary for the map, as GeoJSON geometry (simplified for the web), imported
    from the province's file or generated as a schematic for the demo."""

    __tablename__ = "ioc_boundary"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON geometry (Polygon, MultiPolygon)
    source: Mapped[str] = mapped_column(String(20), default="imported")  # imported, schematic
    filename: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(TZDateTime())


class Alert(Base):
    """Something that needed attention, one row while it lasts (``rule`` and ``key``), with
    the organisation it concerns, its state and when it was seen."""

    __tablename__ = "ioc_alert"
    __audited__ = True
    __table_args__ = (UniqueConstraint("rule", "key", name="uq_ioc_alert_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    org: Mapped[int] = mapped_column(Integer, index=True)  # a unit's id, or minus an agency's
    severity: Mapped[str] = mapped_column(String(12), default="warning")
    text: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(14), default="open", index=True)
    first_seen: Mapped[datetime] = mapped_column(TZDateTime())
    last_seen: Mapped[datetime] = mapped_column(TZDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class AlertEvent(Base):
    """One step of an alert's history: opened, acknowledged with a comment, resolved …"""

    __tablename__ = "ioc_alert_event"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("ioc_alert.id"), index=True)
    at: Mapped[datetime] = mapped_column(TZDateTime())
    kind: Mapped[str] = mapped_column(String(14))
    actor: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(Text, default="")


class NationalRank(Base):
    """A province's published national rank in an index for a period (DTI, 766), as imported
    from the file the department downloads from the ministry's publication."""

    __tablename__ = "ioc_national_rank"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("index", "period", "province_code", name="uq_ioc_national_rank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    index: Mapped[str] = mapped_column(String(20))  # dti, qd766
    period: Mapped[str] = mapped_column(String(12))  # 2025, 2025-Q3
    province_code: Mapped[str] = mapped_column(String(10))
    province_name: Mapped[str] = mapped_column(String(120))
    score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    of: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(TZDateTime())
