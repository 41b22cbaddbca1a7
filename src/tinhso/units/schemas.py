"""Pydantic shapes of units, lineage and agencies in the API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from tinhso.db import Id


class UnitPublic(BaseModel):
    """A unit as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    level: str
    kind: str
    name: str
    parent_id: int | None
    valid_from: date
    valid_to: date | None


class UnitPage(BaseModel):
    """One page of units and how many there are in all."""

    total: int
    items: list[UnitPublic]


class VillageCreate(BaseModel):
    """A new village under a commune."""

    model_config = ConfigDict(extra="forbid")

    commune_id: Id
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    kind: str = "thon"
    valid_from: date | None = None


class UnitUpdate(BaseModel):
    """The fields of a village that can change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    kind: str | None = None


class LineagePublic(BaseModel):
    """One lineage step seen from a unit."""

    unit: UnitPublic
    share: str
    resolution: str
    resolution_date: date | None


class Lineage(BaseModel):
    """Where a unit came from and where it went across the 2025 reform."""

    unit: UnitPublic
    predecessors: list[LineagePublic]
    successors: list[LineagePublic]


class MappingPublic(BaseModel):
    """A counterpart of a unit at another date."""

    unit: UnitPublic
    share: str


class MapResult(BaseModel):
    """A unit mapped to the units valid on another date."""

    unit: UnitPublic
    to: date
    counterparts: list[MappingPublic]


class AgencyBase(BaseModel):
    """The fields every agency has."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        description="mã định danh điện tử theo QCVN 102:2016/BTTTT, dạng NNN.NN.NN.Xnn"
    )
    name: str = Field(min_length=1, max_length=250)
    kind: str
    unit_id: Id
    parent_id: Id | None = None


class AgencyCreate(AgencyBase):
    """A new agency."""


class AgencyUpdate(AgencyBase):
    """An agency's new state (all fields)."""


class AgencyPublic(AgencyBase):
    """An agency as the API shows it."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int


class AgencyPage(BaseModel):
    """One page of agencies and how many there are in all."""

    total: int
    items: list[AgencyPublic]


class FieldErrorPublic(BaseModel):
    """One refused value."""

    field: str
    reason: str
    row: int | None = None
    value: str | None = None


class ImportResult(BaseModel):
    """What an import did."""

    committed: bool
    created: int
    updated: int
    unchanged: int
    encoding: str | None
    errors: list[FieldErrorPublic]
