"""Data elements: what units and agencies report, as the catalog defines it."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base

VALUE_TYPES = ("number", "percentage", "boolean", "text", "date")
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
