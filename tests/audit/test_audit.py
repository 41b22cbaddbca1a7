"""The hash-chained audit log: what it records, and that verify names each kind of tampering."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, text, update

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit import service as audit
from tinhso.audit.models import AuditEntry
from tinhso.units import changes


def _problems(world: World) -> list[audit.Problem]:
    with world.db.session() as s:
        _n, problems = audit.verify(s)
    return problems


def test_untampered_chain_verifies(world: World) -> None:
    with world.db.session() as s:
        count, problems = audit.verify(s)
    assert count > 20 and problems == []


def test_update_records_before_and_after_and_actor(world: World) -> None:
    with world.db.session() as s:
        audit.bind_actor(s, audit.Actor(name="canbo", user_id=7, client="web", ip="10.0.0.9"))
        changes.update_unit(
            s, principal=SYSTEM_PRINCIPAL, unit_id=world.units["tdp1"], name="Tổ dân phố Một"
        )
    with world.db.session() as s:
        e = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert e is not None
    assert (e.action, e.entity, e.entity_id, e.actor, e.actor_id, e.client, e.ip) == (
        "update",
        "unit",
        str(world.units["tdp1"]),
        "canbo",
        7,
        "web",
        "10.0.0.9",
    )
    assert json.loads(e.before or "")["name"] == "Tổ dân phố số 1"
    assert json.loads(e.after or "")["name"] == "Tổ dân phố Một"


def test_secrets_are_redacted(world: World) -> None:
    with world.db.session() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.entity.in_(["user_account", "api_token"]))
        ).all()
    assert rows
    for e in rows:
        after = json.loads(e.after or "{}")
        assert after.get("password_hash") in (None, "***")
        assert after.get("token_hash") in (None, "***")
        assert "argon2" not in (e.after or "") and "tsk_" not in (e.after or "")


def test_rolled_back_change_leaves_no_entry(world: World) -> None:
    with world.db.session() as s:
        before = s.scalar(text("SELECT max(id) FROM audit_log"))
    with pytest.raises(RuntimeError), world.db.session() as s:
        changes.update_unit(s, principal=SYSTEM_PRINCIPAL, unit_id=world.units["tdp1"], name="X")
        raise RuntimeError("abort")
    with world.db.session() as s:
        assert s.scalar(text("SELECT max(id) FROM audit_log")) == before
    assert _problems(world) == []


def test_modified_entry_is_named(world: World) -> None:
    with world.db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == 5).values(actor="someone-else"))
    problems = _problems(world)
    assert [(p.entry_id, p.kind) for p in problems] == [(5, "modified")]


def test_deleted_entry_is_named(world: World) -> None:
    with world.db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == 7))
    problems = _problems(world)
    assert problems[0].kind == "deleted" and "#7" in problems[0].message


def test_deleted_tail_is_detected(world: World) -> None:
    with world.db.session() as s:
        last = s.scalar(text("SELECT max(id) FROM audit_log"))
        s.execute(delete(AuditEntry).where(AuditEntry.id == last))
    problems = _problems(world)
    assert [p.kind for p in problems] == ["truncated"]


def test_reordered_entries_are_named(world: World) -> None:
    # Swap the contents of entries 3 and 4 while keeping each one's own hash consistent:
    # every field moves, so each entry still hashes to itself, but the chain no longer links.
    with world.db.session() as s:
        e3, e4 = (s.get(AuditEntry, i) for i in (3, 4))
        assert e3 and e4
        f3 = {c: getattr(e3, c) for c in audit.HASHED_FIELDS if c != "id"} | {"hash": e3.hash}
        f4 = {c: getattr(e4, c) for c in audit.HASHED_FIELDS if c != "id"} | {"hash": e4.hash}
        for entry, fields in ((e3, f4), (e4, f3)):
            for k, v in fields.items():
                setattr(entry, k, v)
            fields_for_hash = {c: getattr(entry, c) for c in audit.HASHED_FIELDS}
            entry.hash = audit.entry_hash(fields_for_hash)
    problems = _problems(world)
    assert problems and problems[0].entry_id == 3 and problems[0].kind == "reordered"
