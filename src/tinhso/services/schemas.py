"""Pydantic shapes of procedures, dossiers, events and ingestion reports in the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProcedurePublic(BaseModel):
    """A procedure of the catalogue."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    field: str
    level: str
    agency_id: int | None
    online_mode: str
    fee: int
    fee_bearing: bool
    issues_result: bool
    legal_days: float
    for_citizens: bool
    for_businesses: bool
    published_on: date | None


class DossierBatch(BaseModel):
    """Dossier records from a one-stop-shop system (the fields of docs/api.md)."""

    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(description="hồ sơ, mỗi hồ sơ một đối tượng; tối đa 5.000")


class FieldErrorOut(BaseModel):
    """One refused value."""

    field: str
    reason: str
    row: int | None = None
    value: str | None = None


class IngestResult(BaseModel):
    """What an ingestion did."""

    committed: bool
    total: int
    created: int
    updated: int
    unchanged: int
    stale: int
    refused: int
    encoding: str | None = None
    errors: list[FieldErrorOut]


class EventCreate(BaseModel):
    """A status change of a dossier."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(
        min_length=1,
        max_length=80,
        description="mã sự kiện do hệ thống gửi đặt, duy nhất trong hồ sơ",
    )
    ts: datetime = Field(description="thời điểm, kèm múi giờ (ví dụ 2025-07-01T08:00:00+07:00)")
    status: int = Field(description="mã trạng thái 1–10")
    note: str = Field(default="", max_length=2000)


class EventPublic(BaseModel):
    """A recorded event."""

    model_config = ConfigDict(from_attributes=True)

    event_id: str
    ts: datetime
    status: int
    note: str


class DossierPublic(BaseModel):
    """A dossier's current state."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    procedure_id: int
    agency_id: int
    unit_id: int | None
    channel: int
    status: int
    submitted_at: datetime | None
    received_at: datetime | None
    appointment_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    stopped_at: datetime | None
    supplement_count: int
    supplement_days: float
    fee: int
    payment_flag: int
    digitized_inputs: bool
    e_result: bool
    reused_components: int
    from_data_store: bool
    vneid: bool
    synced: bool
    rating: int | None
    complaint: bool
    # None only for a time stored before the checks that cannot be read (year 10000, infinity).
    as_of: datetime | None
    events: list[EventPublic] = []


class EventResult(BaseModel):
    """The outcome of an event push."""

    changed: bool
    dossier: DossierPublic
