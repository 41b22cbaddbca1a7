"""Tasks with their status and progress as JSON (format ``tinhso.tasks/1``, docs/api.md), to
feed the ministry's tracking system and to read its answers back.

The import goes by task code and is idempotent: a task's record carries the time of its last
change (``updated_at``); a record newer than the stored task is applied (and becomes a step of
its history, "Đồng bộ"), the same record again changes nothing, and an older record that says
something else is refused — an older update never overwrites a newer one. A file with any
refused record writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.errors import FieldError, Forbidden, InvalidInput
from tinhso.tasks.models import STATUSES, Plan, Task, TaskUpdate
from tinhso.tasks.service import history, reach, task_json, visible_tasks
from tinhso.workdays import WorkCalendar

FORMAT = "tinhso.tasks/1"
MAX_BYTES = 20 * 1024 * 1024


def export(
    session: Session,
    *,
    principal: Principal,
    calendar: WorkCalendar,
    plan: str | None = None,
    year: int | None = None,
) -> dict[str, Any]:
    """Return the tasks the caller may read, with their history, as the sync document."""
    tasks = visible_tasks(session, principal, plan=plan, year=year)
    rows = task_json(session, tasks, calendar)
    for row, t in zip(rows, tasks, strict=True):
        row["history"] = [
            {k: h[k] for k in ("at", "kind", "actor", "agency", "percent", "status", "text")}
            for h in history(session, t)
        ]
    return {"format": FORMAT, "exported_at": utcnow().isoformat(), "tasks": rows}


def _when(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        got = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return got if got.tzinfo is not None else None


def import_sync(session: Session, *, principal: Principal, data: bytes) -> dict[str, int]:
    """Apply a sync document's newer records; return how many were applied, unchanged, older."""
    if not (principal.can("data.write") or principal.role == "admin"):
        raise Forbidden("vai trò này không được nhập tệp đồng bộ nhiệm vụ")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"tệp lớn hơn {MAX_BYTES // 1024 // 1024} MB")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"tệp đồng bộ không phải JSON UTF-8 hợp lệ ({exc})") from None
    if (
        not isinstance(doc, dict)
        or doc.get("format") != FORMAT
        or not isinstance(doc.get("tasks"), list)
    ):
        raise InvalidInput(f'tệp đồng bộ phải có "format": "{FORMAT}" và danh sách "tasks"')
    r = reach(session, principal)
    errors: list[FieldError] = []
    plans = {p.id: p for p in session.scalars(select(Plan))}
    changes: list[tuple[Task, dict[str, Any], datetime]] = []
    seen: dict[str, int] = {}
    out = {"records": len(doc["tasks"]), "applied": 0, "unchanged": 0}
    now = utcnow()
    for i, item in enumerate(doc["tasks"], start=1):
        n = len(errors)

        def err(name: str, reason: str, value: object = None, i: int = i) -> None:
            errors.append(
                FieldError(name, reason, row=i, value=None if value is None else str(value)[:80])
            )

        if not isinstance(item, dict):
            err("task", "mỗi bản ghi phải là một đối tượng JSON")
            continue
        code = str(item.get("code", "")).strip()
        task = session.scalars(select(Task).where(Task.code == code)).first() if code else None
        if task is None:
            err("code", f"không có nhiệm vụ mã '{code}'", code)
            continue
        plan = plans[task.plan_id]
        if plan.in_charge_id not in r.write:
            # The ministry's answers are the department's to bring in (a lead may not mark its
            # own task done this way); a task the caller may not read is not named.
            readable = r.read is None or {task.lead_id, plan.in_charge_id} & r.read
            err(
                "code",
                "chỉ cơ quan theo dõi kế hoạch được nhập bản ghi đồng bộ của nhiệm vụ này"
                if readable
                else f"không có nhiệm vụ mã '{code}'",
                code,
            )
            continue
        if code in seen:
            err("code", f"nhiệm vụ '{code}' đã có ở bản ghi {seen[code]}", code)
            continue
        seen[code] = i
        status = item.get("status")
        percent = item.get("percent")
        when = _when(item.get("updated_at"))
        if status not in STATUSES:
            err("status", "phải là " + ", ".join(STATUSES), status)
        if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
            err("percent", "phải là số nguyên từ 0 đến 100", percent)
        if when is None:
            err("updated_at", "phải là thời điểm ISO 8601 có múi giờ", item.get("updated_at"))
        elif when > now:
            err("updated_at", "thời điểm ở tương lai", item.get("updated_at"))
        note = str(item.get("note", "")).strip()
        if status == "done" and percent != 100:
            err("percent", "nhiệm vụ hoàn thành phải là 100%", percent)
        if isinstance(percent, int) and percent < task.percent and not note:
            err("note", f"tiến độ giảm từ {task.percent}% xuống {percent}%: phải ghi lý do (note)")
        if len(errors) > n or when is None:
            continue
        values = {"status": status, "percent": percent}
        same = all(getattr(task, k) == v for k, v in values.items())
        held = task.updated_at.astimezone(UTC)
        if when.astimezone(UTC) <= held:
            if not same:
                err(
                    "updated_at",
                    f"bản ghi lúc {when.isoformat()} cũ hơn (hoặc cùng lúc với) thay đổi đã lưu lúc "
                    f"{held.isoformat()} và khác nó: không ghi đè",
                    item.get("updated_at"),
                )
            else:
                out["unchanged"] += 1
            continue
        changes.append((task, {**values, "text": note[:4000]}, when))
    if errors:
        raise InvalidInput(f"tệp đồng bộ có {len(errors)} lỗi; chưa ghi bản ghi nào", errors)
    for task, values, when in changes:
        task.status, task.percent = values["status"], values["percent"]
        task.awaiting_review = False
        task.finished = (task.finished or when.date()) if task.status == "done" else None
        session.add(
            TaskUpdate(
                task_id=task.id,
                kind="sync",
                at=when,
                actor=principal.username,
                percent=task.percent,
                status=task.status,
                text=values["text"],
            )
        )
        task.updated_at = when
        out["applied"] += 1
    session.flush()
    return out
