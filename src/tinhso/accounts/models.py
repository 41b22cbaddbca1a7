"""Users, their scopes, API tokens, web sessions and login attempts."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tinhso.db import Base, TZDateTime

ROLES = ("admin", "leader", "officer", "analyst", "viewer", "system")


class User(Base):
    """A person or a system client; ``role`` says what they may do, scopes say where."""

    __tablename__ = "user_account"
    __audited__ = True
    __audit_redact__: ClassVar[set[str]] = {"password_hash"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime())


class UserScope(Base):
    """One root of a user's scope: a unit's subtree or an agency's subtree."""

    __tablename__ = "user_scope"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))


class ApiToken(Base):
    """A bearer token; only its SHA-256 is kept, the secret is shown once."""

    __tablename__ = "api_token"
    __audited__ = True
    __audit_redact__: ClassVar[set[str]] = {"token_hash"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120), default="")
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    last_used_ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class WebSession(Base):
    """A signed-in browser; the cookie carries the id, the server keeps the rest."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime())
    expires_at: Mapped[datetime] = mapped_column(TZDateTime())
    ip: Mapped[str] = mapped_column(String(64), default="")


class LoginAttempt(Base):
    """One login attempt, kept to throttle guessing by account and by address."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    ts: Mapped[datetime] = mapped_column(TZDateTime(), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    # The trusted device (its cookie's nonce) the attempt came with, if any.
    device: Mapped[str | None] = mapped_column(String(64), index=True)
