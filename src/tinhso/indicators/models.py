"""The indicator catalog: data elements, indicators, composite indices and targets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base, TZDateTime

# "integer": a count (villages, dossiers, people), whole numbers only.
VALUE_TYPES = ("number", "integer", "percentage", "boolean", "text", "date")
AGGREGATIONS = ("sum", "average", "max", "last", "none")


class DataElement(Base):
    """A data element (chỉ tiêu dữ liệu): one figure a unit or agency reports for a period.

    Defined in a catalog file (``catalog/*.yaml``) and written here by ``tinhso catalog load``;
    ``catalog`` names the catalog (and version) that last defined it.
    """

    __tablename__ = "data_element"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    value_type: Mapped[str] = mapped_column(String(12), default="number")
    unit: Mapped[str] = mapped_column(String(40), default="")
    aggregation: Mapped[str] = mapped_column(String(8), default="sum")
    description: Mapped[str] = mapped_column(Text, default="")
    catalog: Mapped[str] = mapped_column(String(80), default="")


class CatalogSource(Base):
    """A catalog file as last loaded: its code, version and content digest (for idempotency)."""

    __tablename__ = "catalog_source"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(40), default="")
    digest: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(TZDateTime())


class Indicator(Base):
    """An indicator (chỉ số): factor × numerator ÷ denominator, over data elements, other
    indicators and figures of other domains (``qd766.3.3``), evaluated after roll-up."""

    __tablename__ = "indicator"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    numerator: Mapped[str] = mapped_column(Text)
    denominator: Mapped[str] = mapped_column(Text, default="1")
    factor: Mapped[float] = mapped_column(Float, default=1.0)
    direction: Mapped[str] = mapped_column(String(8), default="higher")
    decimals: Mapped[int] = mapped_column(Integer, default=2)
    unit: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    catalog: Mapped[str] = mapped_column(String(80), default="")


class CompositeIndex(Base):
    """A composite index (bộ chỉ số): a tree of groups with maximum points over indicators."""

    __tablename__ = "composite_index"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    version: Mapped[str] = mapped_column(String(40), default="")
    level: Mapped[str] = mapped_column(String(12), default="province")
    max_points: Mapped[float] = mapped_column(Float)
    normalise: Mapped[float] = mapped_column(Float, default=1000.0)
    missing: Mapped[str] = mapped_column(String(12), default="zero")
    catalog: Mapped[str] = mapped_column(String(80), default="")
    # How often the index is assessed (the DTI: once a year); the periods a page offers.
    period_type: Mapped[str] = mapped_column(String(12), default="yearly")


class IndexNode(Base):
    """A group or a scored leaf of a composite index; a leaf names its indicator and rule."""

    __tablename__ = "index_node"
    __audited__ = True
    __table_args__ = (UniqueConstraint("index_id", "code", name="uq_index_node_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    index_id: Mapped[int] = mapped_column(ForeignKey("composite_index.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("index_node.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(500))
    max_points: Mapped[float] = mapped_column(Float)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    rule: Mapped[str] = mapped_column(String(12), default="")
    params: Mapped[str] = mapped_column(Text, default="")


class Target(Base):
    """A planned value (chỉ tiêu) of an indicator for a year: for one unit, or for every unit
    of a level that has none of its own."""

    __tablename__ = "target"
    __audited__ = True
    __table_args__ = (Index("ix_target_lookup", "indicator_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    level: Mapped[str] = mapped_column(String(12), default="")
    year: Mapped[int] = mapped_column(Integer)
    planned: Mapped[float] = mapped_column(Float)
    catalog: Mapped[str] = mapped_column(String(80), default="")
    # The plan that set it (number and notation, as the tasks domain knows it), its code there
    # and its wording: the plan's targets measured by this indicator (see tasks/targets.py).
    plan: Mapped[str] = mapped_column(String(60), default="", index=True)
    code: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(String(400), default="")
