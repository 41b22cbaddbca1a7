"""JSON API of the audit log: /api/v1/audit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from tinhso.accounts.scope import Principal
from tinhso.audit import service
from tinhso.audit.models import AuditEntry
from tinhso.db import Id
from tinhso.errors import Forbidden
from tinhso.web.deps import ApiPrincipal, SessionDep

router = APIRouter(prefix="/api/v1", tags=["audit"])


class AuditPublic(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    ts: datetime
    actor: str
    client: str
    ip: str
    action: str
    entity: str
    entity_id: str
    before: str | None
    after: str | None
    hash: str


class VerifyResult(BaseModel):
    """The outcome of checking the chain."""

    checked: int
    ok: bool
    problems: list[dict[str, object]]


def _require_global_admin(principal: Principal) -> None:
    # The log spans every unit; only an administrator of the whole installation reads it.
    principal.require("audit.read")
    if not principal.is_global:
        raise Forbidden("chỉ quản trị toàn hệ thống được xem nhật ký thay đổi")


@router.get("/audit", response_model=list[AuditPublic], summary="Nhật ký thay đổi")
def list_audit(
    session: SessionDep,
    principal: ApiPrincipal,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Id | None = None,
) -> list[AuditPublic]:
    """The newest entries first (system-wide administrators only)."""
    _require_global_admin(principal)
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return [AuditPublic.model_validate(e) for e in session.scalars(stmt)]


@router.get("/audit/verify", response_model=VerifyResult, summary="Kiểm tra tính toàn vẹn nhật ký")
def verify_audit(session: SessionDep, principal: ApiPrincipal) -> VerifyResult:
    """Recompute the hash chain and name every entry that was modified, deleted or moved."""
    _require_global_admin(principal)
    checked, problems = service.verify(session)
    return VerifyResult(
        checked=checked,
        ok=not problems,
        problems=[{"entry_id": p.entry_id, "kind": p.kind, "message": p.message} for p in problems],
    )
