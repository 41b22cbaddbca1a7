"""Pydantic shapes of users, scopes and tokens in the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tinhso.db import Id


class ScopePublic(BaseModel):
    """One root of a user's scope."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    unit_id: Id | None = None
    agency_id: Id | None = None


class UserBase(BaseModel):
    """Fields every user has."""

    username: str = Field(min_length=1, max_length=80)
    full_name: str = ""
    email: str = ""
    role: str


class UserCreate(UserBase):
    """A new user; ``password`` is omitted for system clients (they use tokens)."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(default=None, max_length=200)
    scopes: list[ScopePublic] = []


class UserUpdate(BaseModel):
    """The fields of a user that can change."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = None
    email: str | None = None
    role: str | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, max_length=200)


class UserPublic(UserBase):
    """A user as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    is_active: bool
    created_at: datetime
    scopes: list[ScopePublic] = []


class TokenCreate(BaseModel):
    """A new API token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=120)


class TokenPublic(BaseModel):
    """A token as listed: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    last_used_ip: str | None
    revoked_at: datetime | None


class TokenIssued(TokenPublic):
    """A token just issued, with its secret: shown this once."""

    secret: str


class Me(BaseModel):
    """The caller and its scope."""

    id: int | None
    username: str
    role: str
    is_global: bool
    scopes: list[ScopePublic]
