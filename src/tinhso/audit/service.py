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

from sqlalchemy import event, exists, insert, inspect, select, update
from sqlalchemy.orm import NO_VALUE, Session

from tinhso.audit.models import AuditEntry, AuditHead
from tinhso.db import Base, utcnow
from tinhso.errors import AppError

__all__ = ["AuditEntry", "AuditHead"]

GENESIS = "0" * 64
REDACTED = "***"
HEAD_MISSING = (
    "nhật ký thay đổi thiếu dòng đầu chuỗi (audit_head), có thể phần cuối nhật ký đã bị xóa; "
    "không ghi được thay đổi nào cho đến khi quản trị viên chạy `tinhso audit verify` và xử lý"
)


class AuditBroken(AppError):
    """The log cannot take an entry without hiding a break in it (its head row is gone)."""

    status = 503
    title = "Nhật ký thay đổi bị hỏng"


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
_HEAD = select(AuditHead.__table__.c.last_id).where(AuditHead.__table__.c.id == 1)
# The head as a statement, for a domain that reads it together with its own marks in one query.
HEAD_QUERY = _HEAD


def head(session: Session) -> int:
    """Return the number of the audit log's last entry: every audited change (units, agencies,
    lineage, users and scopes, forms, submissions…) moves it, so anything worked out from
    audited tables is current while it stays put.

    Read once per transaction: within it only its own audited changes move the head, and
    :func:`record` forgets the value read when it does."""
    conn = session.connection()
    txn = session.get_transaction()
    seen = session.info.get(HEAD_SEEN)
    if seen is None or seen[0] is not txn:
        seen = session.info[HEAD_SEEN] = (txn, int(conn.execute(_HEAD).scalar() or 0))
    return int(seen[1])


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
        # The migration makes the row; without it a new chain would start at #1 and hide
        # whatever was deleted with the row. Nothing is written until an operator looks.
        raise AuditBroken(HEAD_MISSING)
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


def recent(session: Session, *, action: str, since: datetime, limit: int = 20) -> list[AuditEntry]:
    """Return the newest entries of one action since a time (the login alerts of a day)."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.action == action, AuditEntry.ts >= since)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Problem:
    """One break in the chain, naming the entry."""

    entry_id: int
    kind: str
    message: str


@dataclass(frozen=True)
class Anchor:
    """A head published outside the database: the chain must still hold this hash (at this id)."""

    hash: str
    entry_id: int | None = None


def parse_anchors(text: str) -> list[Anchor]:
    """Return the anchors of a published list: one a line, the 64-hex hash and optionally the
    entry's number (``#123`` or ``123``) and anything else (a date); ``#`` starts a comment line.

    Raise ValueError naming the first line that holds no hash."""
    out: list[Anchor] = []
    for n, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words or (words[0].startswith("#") and not words[0][1:].isdigit()):
            continue
        hashes = [w.lower() for w in words if len(w) == 64 and _is_hex(w)]
        ids = [int(w.lstrip("#")) for w in words if w.lstrip("#").isdigit() and len(w) < 19]
        if len(hashes) != 1:
            raise ValueError(f"dòng {n}: cần đúng một mã băm 64 ký tự thập lục phân")
        out.append(Anchor(hashes[0], ids[0] if ids else None))
    return out


def _is_hex(word: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in word)


def _audited_tables_with_rows(session: Session) -> list[str]:
    """Return the audited tables that hold a row: each was written through the log."""
    names = sorted(
        {
            m.class_.__tablename__
            for m in Base.registry.mappers
            if getattr(m.class_, "__audited__", False)
        }
    )
    tables = Base.metadata.tables
    return [n for n in names if session.scalar(select(exists().select_from(tables[n])))]


def verify(session: Session, anchors: list[Anchor] | None = None) -> tuple[int, list[Problem]]:
    """Return how many entries were checked and every break found in the chain.

    Beyond the entries themselves: the head row must exist and name the last entry, an empty
    log must belong to an empty database, and every published ``anchors`` hash must still be in
    the chain at its place (the only check that finds a tail deleted with the head rewritten)."""
    problems: list[Problem] = []
    expected_prev = GENESIS
    expected_id = 1
    count = 0
    hashes: dict[str, int] = {}
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for entry in rows:
        count += 1
        if anchors:
            hashes[entry.hash] = entry.id
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
    last_id = expected_id - 1
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append(
            Problem(
                last_id,
                "head-missing",
                "thiếu dòng đầu chuỗi (audit_head) ghi mục cuối cùng: không biết nhật ký phải "
                f"kết thúc ở đâu, các mục sau mục #{last_id} có thể đã bị xóa",
            )
        )
    elif head.last_id > last_id:
        problems.append(
            Problem(
                head.last_id,
                "truncated",
                f"nhật ký phải kết thúc ở mục #{head.last_id} nhưng chỉ còn đến mục #{last_id}",
            )
        )
    elif head.last_id < last_id:
        problems.append(
            Problem(
                last_id,
                "head-mismatch",
                f"dòng đầu chuỗi ghi mục cuối là #{head.last_id} nhưng nhật ký có đến mục "
                f"#{last_id}: các mục sau #{head.last_id} không được ghi qua hệ thống",
            )
        )
    elif head.last_hash != expected_prev:
        problems.append(
            Problem(
                last_id,
                "head-mismatch",
                f"mã băm ở dòng đầu chuỗi không khớp mục cuối #{last_id}: "
                "phần cuối nhật ký đã bị thay",
            )
        )
    if count == 0 and (filled := _audited_tables_with_rows(session)):
        problems.append(
            Problem(
                0,
                "emptied",
                "nhật ký trống nhưng CSDL có dữ liệu mà mọi thay đổi đều được ghi nhật ký "
                f"(bảng {', '.join(filled[:5])}): các mục đã bị xóa",
            )
        )
    for anchor in anchors or []:
        at = hashes.get(anchor.hash.lower())
        where = f"#{anchor.entry_id} " if anchor.entry_id is not None else ""
        if at is None:
            problems.append(
                Problem(
                    anchor.entry_id or 0,
                    "anchor-missing",
                    f"mốc đã công bố {where}(mã băm {anchor.hash[:16]}…) không còn trong nhật ký: "
                    "nhật ký đã bị cắt hoặc viết lại từ mốc này",
                )
            )
        elif anchor.entry_id is not None and at != anchor.entry_id:
            problems.append(
                Problem(
                    anchor.entry_id,
                    "anchor-moved",
                    f"mốc đã công bố #{anchor.entry_id} nay nằm ở mục #{at}: "
                    "nhật ký đã bị đánh số lại",
                )
            )
    return count, problems
