"""Pydantic shapes of forms, data values, submissions and reporting rates in the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class FormSummary(BaseModel):
    """A report form in the catalogue."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    period_type: str
    deadline_days: int
    open_from: str
    version: str


class FormElementOut(BaseModel):
    """A data element on a form."""

    code: str
    name: str
    value_type: str
    unit: str
    section: str
    required: bool
    max_change_pct: float | None


class FormRuleOut(BaseModel):
    """A validation rule of a form."""

    left: str
    op: str
    right: str
    severity: str
    message: str


class FormDetail(FormSummary):
    """A form with its elements, rules and how many organisations must report it."""

    description: str
    elements: list[FormElementOut]
    rules: list[FormRuleOut]
    assigned: int


class DataValueIn(BaseModel):
    """One value sent by a system: the organisation (unit code or agency code), the period,
    the element, the value as written (number, "53,8%", "Có", "31/12/2025", text)."""

    model_config = ConfigDict(extra="forbid")

    unit: str | None = Field(None, description="mã đơn vị hành chính (xã, tỉnh)")
    agency: str | None = Field(None, description="mã định danh cơ quan (QCVN 102)")
    period: str = Field(description="2025-W27, 2025-07, 2025-Q3, 2025-H1 hoặc 2025")
    element: str = Field(description="mã chỉ tiêu dữ liệu")
    value: float | int | str | bool | None = None
    comment: str | None = None


class DataValueBatch(BaseModel):
    """Values of one form, up to 10,000; all written or none."""

    model_config = ConfigDict(extra="forbid")

    form: str
    submit: bool = Field(False, description="nộp báo cáo của các đơn vị, kỳ có trong lô")
    items: list[DataValueIn] = Field(max_length=10_000)


class Warning_(BaseModel):
    """A value kept but worth a second look (a change beyond the form's ±X%)."""

    field: str
    label: str | None = Field(None, description="tên chỉ tiêu (khi `field` là mã chỉ tiêu)")
    reason: str
    row: int | None = None
    sheet: str | None = None
    cell: str | None = None


class WriteOut(BaseModel):
    """What a write did."""

    created: int
    updated: int
    unchanged: int
    submitted: int
    warnings: list[Warning_]


class ValueOut(BaseModel):
    """A stored value with its provenance."""

    element: str
    name: str
    value: float | str | None
    comment: str
    status: str
    source: str
    updated_at: datetime
    updated_by: int | None
    seq: int


class ReportValues(BaseModel):
    """An organisation's values of a form for a period, and the report's state."""

    form: str
    period: str
    org_kind: str
    org_code: str
    org_name: str
    status: str
    submitted_at: datetime | None
    approved_at: datetime | None
    return_reason: str
    values: list[ValueOut]


class SubmissionAction(BaseModel):
    """Submit a report as it stands, approve it, or return it with a reason."""

    model_config = ConfigDict(extra="forbid")

    form: str
    period: str
    unit: str | None = None
    agency: str | None = None
    action: Literal["submit", "approve", "return"]
    reason: str = ""


class SubmissionOut(BaseModel):
    """A report's state after an action."""

    form: str
    period: str
    org_code: str
    status: str
    submitted_at: datetime | None
    approved_at: datetime | None
    returned_at: datetime | None
    return_reason: str


def warnings_out(items: list[Any]) -> list[Warning_]:
    """Return FieldErrors as API warnings."""
    return [Warning_(**w.as_dict()) for w in items]
