"""Appending to and verifying the hash-chained audit log.

Every ORM change to a table whose model sets ``__audited__ = True`` is written to the log in
the same transaction (see :func:`install`); bulk operations done with Core statements call
:func:`record` themselves. Each entry's hash covers its own fields and the previous entry's
hash, and the head row remembers the last entry, so ``verify`` finds an entry that was
modified, deleted or moved.
"""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import NO_VALUE, Session

from tinhso.audit.models import AuditEntry, AuditHead

__all__ = ["AuditEntry", "AuditHead"]
from tinhso.db import utcnow

GENESIS = "0" * 64
REDACTED = "***"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user (or system client), through which client, from which address."""

    name: str
    user_id: int | None = None
    client: str = "cli"
    ip: str = "-"


SYSTEM = Actor(name="system", client="system")
_actor: ContextVar[Actor] = ContextVar("tinhso_actor", default=SYSTEM)


def current_actor(session: Session | None = None) -> Actor:
    """Return who is acting: the one bound to the session, else the running command's."""
    if session is not None and isinstance(session.info.get("actor"), Actor):
        return session.info["actor"]  # type: ignore[no-any-return]
    return _actor.get()


def bind_actor(session: Session, actor: Actor) -> None:
    """Record ``actor`` as the author of every change made through this session."""
    session.info["actor"] = actor


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _dump(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(
        {k: _jsonable(v) for k, v in data.items()}, ensure_ascii=False, sort_keys=True
    )


def entry_hash(fields: dict[str, Any]) -> str:
    """Return the SHA-256 that seals an entry's fields together with the previous hash."""
    canonical = json.dumps(
        {k: _jsonable(v) for k, v in sorted(fields.items())},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


HASHED_FIELDS = (
    "id",
    "ts",
    "actor",
    "actor_id",
    "client",
    "ip",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "prev_hash",
)


def _now_ms() -> datetime:
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# Where ``accounts.scope_version`` keeps the head it read in a transaction (session.info).
HEAD_SEEN = "tinhso_audit_head"


def record(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """Append one entry to the chain inside the session's transaction; return its id."""
    session.info.pop(HEAD_SEEN, None)  # the head moves: a value read before is stale
    conn = session.connection()
    head = conn.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
    ).first()
    if head is None:
        conn.execute(insert(AuditHead).values(id=1, last_id=0, last_hash=GENESIS))
        last_id, last_hash = 0, GENESIS
    else:
        last_id, last_hash = head
    actor = current_actor(session)
    fields: dict[str, Any] = {
        "id": last_id + 1,
        # Milliseconds: what every backend stores exactly, so the hash can be recomputed.
        "ts": _now_ms(),
        "actor": actor.name,
        "actor_id": actor.user_id,
        "client": actor.client,
        "ip": actor.ip,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": _dump(before),
        "after": _dump(after),
        "prev_hash": last_hash,
    }
    fields["hash"] = entry_hash(fields)
    conn.execute(insert(AuditEntry).values(**fields))
    conn.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_id=fields["id"], last_hash=fields["hash"])
    )
    return int(fields["id"])


def snapshot(obj: Any, *, previous: bool = False) -> dict[str, Any]:
    """Return an object's column values (the values before this flush when ``previous``)."""
    state = inspect(obj)
    redact: set[str] = getattr(obj, "__audit_redact__", set())
    data: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if previous:
            hist = state.attrs[key].history
            value = hist.deleted[0] if hist.deleted else state.attrs[key].loaded_value
            if value is NO_VALUE:
                value = None
        else:
            value = getattr(obj, key, None)
        data[key] = REDACTED if key in redact and value is not None else value
    return data


def _entity_id(obj: Any) -> str:
    # The primary key as the instance holds it: set right after the INSERT, before the
    # identity key is assigned at the end of the flush.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(v) for v in key)


PENDING = "tinhso_audit_pending"


def _after_flush(session: Session, _ctx: Any) -> None:
    """Collect this flush's changes; one entry per record is written when the transaction commits.

    A record created and then given its materialised path in a second flush is one "create";
    one created and deleted in the same transaction leaves no entry.
    """
    pending: dict[tuple[str, str], dict[str, Any]] = session.info.setdefault(PENDING, {})
    for action, objs in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objs:
            if not getattr(obj, "__audited__", False):
                continue
            if action == "update" and not session.is_modified(obj):
                continue
            key = (obj.__tablename__, _entity_id(obj))
            before = None if action == "create" else snapshot(obj, previous=True)
            after = None if action == "delete" else snapshot(obj)
            seen = pending.get(key)
            if seen is None:
                pending[key] = {"action": action, "before": before, "after": after}
            elif action == "delete":
                if seen["action"] == "create":
                    del pending[key]
                else:
                    seen.update(action="delete", after=None)
            else:
                seen["after"] = after


def _before_commit(session: Session) -> None:
    session.flush()
    pending: dict[tuple[str, str], dict[str, Any]] = session.info.pop(PENDING, {})
    for (entity, entity_id), change in pending.items():
        if change["action"] == "update" and change["before"] == change["after"]:
            continue
        record(
            session,
            action=change["action"],
            entity=entity,
            entity_id=entity_id,
            before=change["before"],
            after=change["after"],
        )


def _after_rollback(session: Session, _previous: Any = None) -> None:
    session.info.pop(PENDING, None)


def install() -> None:
    """Hook the audit log into every session (idempotent)."""
    for name, fn in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_soft_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


@dataclass(frozen=True)
class Problem:
    """One break in the chain, naming the entry."""

    entry_id: int
    kind: str
    message: str


def verify(session: Session) -> tuple[int, list[Problem]]:
    """Return how many entries were checked and every break found in the chain."""
    problems: list[Problem] = []
    expected_prev = GENESIS
    expected_id = 1
    count = 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for entry in rows:
        count += 1
        fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
        if entry.id != expected_id:
            missing = (
                f"#{expected_id}"
                if entry.id == expected_id + 1
                else f"#{expected_id}–#{entry.id - 1}"
            )
            problems.append(
                Problem(entry.id, "deleted", f"mục {missing} đã bị xóa (trước mục #{entry.id})")
            )
        if entry_hash(fields) != entry.hash:
            problems.append(
                Problem(
                    entry.id, "modified", f"mục #{entry.id} đã bị sửa: mã băm không khớp nội dung"
                )
            )
        elif entry.prev_hash != expected_prev and entry.id == expected_id:
            problems.append(
                Problem(
                    entry.id,
                    "reordered",
                    f"mục #{entry.id} không nối tiếp mục #{entry.id - 1}: "
                    "chuỗi bị đảo hoặc thay thế",
                )
            )
        expected_prev = entry.hash
        expected_id = entry.id + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != expected_prev):
        problems.append(
            Problem(
                head.last_id,
                "truncated",
                f"nhật ký phải kết thúc ở mục #{head.last_id} "
                f"nhưng chỉ còn đến mục #{expected_id - 1}",
            )
        )
    return count, problems
