"""Administrative units across the 2025 reform, their lineage, and agencies."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base

LEVELS = ("province", "district", "commune", "village")


class Unit(Base):
    """A province, district (before 2025), commune or village, valid over a date interval.

    Codes are reused across the reform (new Phường Đoàn Kết keeps an old commune's code), so a
    unit is identified by its id; (level, code, valid_from) is unique. ``path`` is the chain of
    ids from the root, "/3/1207/", so a subtree is one prefix match.
    """

    __tablename__ = "unit"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("level", "code", "valid_from", name="uq_unit_level_code_from"),
        Index("ix_unit_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        Index("ix_unit_level_valid", "level", "valid_from", "valid_to"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), index=True)
    level: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(60), default="")


class UnitLineage(Base):
    """One source unit that (wholly or in part) formed a successor unit."""

    __tablename__ = "unit_lineage"
    __audited__ = True
    __table_args__ = (UniqueConstraint("source_id", "target_id", name="uq_unit_lineage_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    share: Mapped[str] = mapped_column(String(10), default="whole")
    resolution: Mapped[str] = mapped_column(String(60), default="")
    resolution_date: Mapped[date | None] = mapped_column(Date)


class Agency(Base):
    """A public body (sở, ban, ngành, UBND…) with its QCVN 102 electronic code."""

    __tablename__ = "agency"
    __audited__ = True
    __table_args__ = (Index("ix_agency_path", "path", postgresql_ops={"path": "text_pattern_ops"}),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(250))
    name_folded: Mapped[str] = mapped_column(String(250), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), default="")
