"""Cutting the log's tail is an error, whether the head row goes with it, is rewritten to match,
or the whole log is emptied; a head published outside the database catches the rewrite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit import service as audit
from tinhso.audit.models import AuditEntry, AuditHead
from tinhso.cli import app
from tinhso.units import changes
from tinhso.units.models import Unit

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _state(world: World) -> tuple[int, int | None, tuple[int, str] | None]:
    """The log as stored: entries, the last id, the head row."""
    with world.db.session() as s:
        n = int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        last = s.scalar(select(func.max(AuditEntry.id)))
        head = s.execute(select(AuditHead.last_id, AuditHead.last_hash)).first()
    return n, last, (head[0], head[1]) if head else None


def _cut_tail(world: World, entries: int, *, head: str) -> None:
    """Delete the newest entries; drop the head row, or rewrite it onto the new last entry."""
    with world.db.session() as s:
        last = int(s.scalar(select(func.max(AuditEntry.id))) or 0)
        s.execute(delete(AuditEntry).where(AuditEntry.id > last - entries))
        if head == "drop":
            s.execute(delete(AuditHead))
        elif head == "rewrite":
            new_last = s.get(AuditEntry, last - entries)
            assert new_last is not None
            s.execute(update(AuditHead).values(last_id=new_last.id, last_hash=new_last.hash))


def test_a_fresh_database_has_its_head_row(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        head = s.get(AuditHead, 1)
        assert head is not None and (head.last_id, head.last_hash) == (0, audit.GENESIS)
        assert audit.verify(s) == (0, [])


def test_tail_deleted_with_the_head_is_an_error(cli: World) -> None:
    _cut_tail(cli, 3, head="drop")
    before = _state(cli)
    code, out = run("audit", "verify")
    assert code == 1
    assert "(head-missing): thiếu dòng đầu chuỗi (audit_head)" in out
    assert f"các mục sau mục #{before[1]} có thể đã bị xóa" in out
    assert "Nhật ký KHÔNG toàn vẹn: 1 lỗi" in out
    assert _state(cli) == before  # verifying changes nothing


def test_everything_deleted_is_an_error_not_an_empty_log(cli: World) -> None:
    with cli.db.session() as s:
        s.execute(delete(AuditEntry))
        s.execute(delete(AuditHead))
    code, out = run("audit", "verify")
    assert code == 1
    assert "0 mục" not in out.replace("trong 0 mục", "")
    assert "(head-missing)" in out
    assert "(emptied): nhật ký trống nhưng CSDL có dữ liệu" in out
    assert "user_account" in out and "Nhật ký KHÔNG toàn vẹn: 2 lỗi trong 0 mục." in out
    assert _state(cli) == (0, None, None)


def test_everything_deleted_with_the_head_reset_is_an_error(cli: World) -> None:
    with cli.db.session() as s:
        s.execute(delete(AuditEntry))
        s.execute(update(AuditHead).values(last_id=0, last_hash=audit.GENESIS))
    code, out = run("audit", "verify")
    assert code == 1 and "(emptied)" in out and "(head-missing)" not in out


def test_a_head_that_does_not_match_the_last_entry_is_an_error(cli: World) -> None:
    with cli.db.session() as s:
        s.execute(update(AuditHead).values(last_hash="f" * 64))
    _n, last, _head = _state(cli)
    code, out = run("audit", "verify")
    assert code == 1
    assert f"(head-mismatch): mã băm ở dòng đầu chuỗi không khớp mục cuối #{last}" in out


def test_entries_after_the_head_are_an_error(cli: World) -> None:
    with cli.db.session() as s:
        head = s.get(AuditHead, 1)
        assert head is not None
        previous = s.get(AuditEntry, head.last_id - 1)
        assert previous is not None
        s.execute(update(AuditHead).values(last_id=previous.id, last_hash=previous.hash))
    code, out = run("audit", "verify")
    assert code == 1 and "(head-mismatch): dòng đầu chuỗi ghi mục cuối là" in out


def test_a_rewritten_tail_is_caught_by_the_published_head(cli: World, tmp_path: Path) -> None:
    code, published = run("audit", "head")
    assert code == 0
    stamp, number, digest = published.split()
    assert number.startswith("#") and len(digest) == 64 and stamp.endswith("Z")
    anchors = tmp_path / "moc.txt"
    anchors.write_text("# các mốc đã công bố\n" + published, encoding="utf-8")
    code, out = run("audit", "verify", "--anchors", str(anchors), "--expect-head", digest)
    assert code == 0 and "khớp 2 mốc đã công bố" in out

    _cut_tail(cli, 2, head="rewrite")
    code, out = run("audit", "verify")
    assert code == 0  # consistent inside the database: only the outside anchor can tell
    before = _state(cli)
    code, out = run("audit", "verify", "--anchors", str(anchors))
    assert code == 1
    assert f"(anchor-missing): mốc đã công bố {number} (mã băm {digest[:16]}…)" in out
    assert "không còn trong nhật ký: nhật ký đã bị cắt hoặc viết lại từ mốc này" in out
    code, out = run("audit", "verify", "--expect-head", digest)
    assert code == 1 and "(anchor-missing)" in out
    assert _state(cli) == before


def test_an_unreadable_anchor_list_is_refused_by_line(cli: World, tmp_path: Path) -> None:
    anchors = tmp_path / "moc.txt"
    anchors.write_text("2026-12-01 #12 abc\n", encoding="utf-8")
    code, out = run("audit", "verify", "--anchors", str(anchors))
    assert code == 2
    assert "moc.txt, dòng 1: cần đúng một mã băm 64 ký tự thập lục phân" in out
    assert str(tmp_path) not in out


def test_no_change_is_written_while_the_head_is_missing(world: World) -> None:
    with world.db.session() as s:
        s.execute(delete(AuditHead))
    n, last, _ = _state(world)
    with (
        pytest.raises(audit.AuditBroken, match="thiếu dòng đầu chuỗi"),
        world.db.session() as s,
    ):
        changes.update_unit(
            s, principal=SYSTEM_PRINCIPAL, unit_id=world.units["tdp1"], name="Tổ dân phố X"
        )
    assert _state(world) == (n, last, None)
    with world.db.session() as s:
        unit = s.get(Unit, world.units["tdp1"])
        assert unit is not None and unit.name == "Tổ dân phố số 1"


def test_the_api_reports_a_missing_head(client, world: World) -> None:  # type: ignore[no-untyped-def]
    with world.db.session() as s:
        s.execute(delete(AuditHead))
    r = client.get("/api/v1/audit/verify", headers=world.auth("admin"))
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False and [p["kind"] for p in body["problems"]] == ["head-missing"]
