"""A plan's task list from a spreadsheet, the way plans circulate: one row a task, columns in
Vietnamese, agencies by code or by name (matched to the register without diacritics, the
closest names suggested when none fits). Every row is checked first; a file with any error is
refused whole, naming row, column and reason; the same file again changes nothing."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.errors import FieldError, Forbidden, InvalidInput
from tinhso.tabular import read_table
from tinhso.tasks.models import PLAN_KINDS, Plan, Task, TaskAgency
from tinhso.tasks.service import co_agencies, reach
from tinhso.text import fold, nfc
from tinhso.units import service as units

COLUMNS = {
    "plan": ("số, ký hiệu kế hoạch", "số ký hiệu kế hoạch", "kế hoạch", "văn bản giao"),
    "plan_kind": ("loại văn bản", "loại kế hoạch"),
    "plan_date": ("ngày ban hành", "ngày kế hoạch"),
    "plan_title": ("trích yếu kế hoạch", "trích yếu"),
    "plan_issuer": ("cơ quan ban hành",),
    "in_charge": ("cơ quan theo dõi", "cơ quan thường trực"),
    "code": ("mã nhiệm vụ", "ma_nhiem_vu"),
    "title": ("tên nhiệm vụ", "nội dung nhiệm vụ", "nhiệm vụ"),
    "description": ("mô tả", "nội dung chi tiết"),
    "lead": ("cơ quan chủ trì", "đơn vị chủ trì", "chủ trì"),
    "co": ("cơ quan phối hợp", "đơn vị phối hợp", "phối hợp"),
    "starts": ("ngày bắt đầu", "từ ngày", "bắt đầu"),
    "deadline": ("thời hạn hoàn thành", "hạn hoàn thành", "thời hạn"),
    "output": ("sản phẩm", "sản phẩm đầu ra", "kết quả dự kiến"),
    "indicator": ("chỉ số liên quan", "chỉ tiêu liên quan"),
    "parent": ("nhiệm vụ cha", "thuộc nhiệm vụ"),
}
LABELS = {
    "plan": "Số, ký hiệu kế hoạch",
    "plan_kind": "Loại văn bản",
    "plan_date": "Ngày ban hành",
    "plan_title": "Trích yếu kế hoạch",
    "plan_issuer": "Cơ quan ban hành",
    "in_charge": "Cơ quan theo dõi",
    "code": "Mã nhiệm vụ",
    "title": "Tên nhiệm vụ",
    "description": "Mô tả",
    "lead": "Cơ quan chủ trì",
    "co": "Cơ quan phối hợp",
    "starts": "Ngày bắt đầu",
    "deadline": "Thời hạn hoàn thành",
    "output": "Sản phẩm",
    "indicator": "Chỉ số liên quan",
    "parent": "Nhiệm vụ cha",
}
KIND_WORDS = {fold(v): k for k, v in PLAN_KINDS.items()} | {k: k for k in PLAN_KINDS}


@dataclass
class TaskImport:
    """What an import wrote."""

    rows: int = 0
    plans_created: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    encoding: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Agencies:
    """The agencies a plan of the caller's province may give tasks to (any of the province's,
    the department in charge assigning them), found by code or by folded name."""

    def __init__(self, session: Session, principal: Principal, write: set[int]) -> None:
        from tinhso.accounts.scope import SYSTEM_PRINCIPAL

        every = units.readable_agencies(session, principal=SYSTEM_PRINCIPAL)
        if principal.is_global:
            self.all = every
        else:
            mine = units.agencies_by_id(session, sorted(write))
            where = units.units_by_id(
                session, [a.unit_id for a in every] + [a.unit_id for a in mine.values()]
            )
            home = {_root(where[a.unit_id].path) for a in mine.values()}
            home |= {_root(p) for p in principal.unit_paths}
            self.all = [a for a in every if _root(where[a.unit_id].path) in home]
        self.by_code = {a.code: a for a in self.all}
        self.by_name: dict[str, list[Any]] = {}
        for a in self.all:
            self.by_name.setdefault(fold(a.name), []).append(a)

    def find(self, raw: str) -> tuple[Any | None, str]:
        text = nfc(raw).strip()
        if text in self.by_code:
            return self.by_code[text], ""
        found = self.by_name.get(fold(text), [])
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            return None, f"có {len(found)} cơ quan tên '{text}'; hãy ghi mã định danh"
        close = difflib.get_close_matches(fold(text), list(self.by_name), n=3, cutoff=0.6)
        names = [self.by_name[c][0].name for c in close]
        hint = f"; gần giống: {', '.join(names)}" if names else ""
        return None, f"không có cơ quan '{text}' trong phạm vi được phân quyền{hint}"


def _day(rec: dict[str, str], name: str, row: int, errors: list[FieldError]) -> date | None:
    raw = rec.get(name, "").strip()
    if not raw:
        return None
    try:
        text = raw.split(" ")[0]
        if "/" in text:
            d, m, y = (int(x) for x in text.split("/"))
            got = date(y, m, d)
        else:
            got = date.fromisoformat(text)
        if not 2000 <= got.year <= 2099:  # "31/12/25" is not year 25; the calendar's range
            raise ValueError(text)
        return got
    except ValueError:
        errors.append(
            FieldError(
                name,
                "phải là ngày dạng 31/12/2025 (năm đủ bốn chữ số, 2000–2099)",
                row=row,
                value=raw,
                label=LABELS[name],
            )
        )
        return None


def import_tasks(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> TaskImport:
    """Check every row, then write the plans and tasks (or raise InvalidInput naming each
    error, nothing written)."""
    if not (principal.can("data.write") or principal.role == "admin"):
        raise Forbidden("vai trò này không được nhập danh sách nhiệm vụ")
    table = read_table(
        data, filename, columns=COLUMNS, required=("plan", "code", "title", "lead", "deadline")
    )
    report = TaskImport(rows=len(table.rows), encoding=table.encoding)
    r = reach(session, principal)
    agencies = _Agencies(session, principal, r.write)
    errors: list[FieldError] = []

    def err(name: str, reason: str, row: int, value: str | None = None) -> None:
        errors.append(FieldError(name, reason, row=row, value=value, label=LABELS[name]))

    plans = {p.code: p for p in session.scalars(select(Plan))}
    new_plans: dict[str, dict[str, Any]] = {}
    rows: list[tuple[int, dict[str, Any], list[int], str]] = []
    seen: dict[str, int] = {}
    for row, rec in table.rows:
        n = len(errors)
        plan_code = nfc(rec.get("plan", "")).strip()
        code = nfc(rec.get("code", "")).strip()
        title = nfc(rec.get("title", "")).strip()
        for name, value, limit in (
            ("plan", plan_code, 60),
            ("code", code, 60),
            ("title", title, 500),
        ):
            if not value:
                err(name, "không được để trống", row)
            elif len(value) > limit:
                err(name, f"dài quá {limit} ký tự", row)
        if code in seen:
            err("code", f"mã nhiệm vụ '{code}' đã có ở dòng {seen[code]}", row, code)
        elif code:
            seen[code] = row
        plan = plans.get(plan_code)
        if plan_code and plan is None and plan_code not in new_plans:
            issued = _day(rec, "plan_date", row, errors)
            ptitle = nfc(rec.get("plan_title", "")).strip()
            charge, why = (
                agencies.find(rec.get("in_charge", "")) if rec.get("in_charge") else (None, "")
            )
            if issued is None or not ptitle or charge is None:
                err(
                    "plan",
                    f"chưa có kế hoạch '{plan_code}' trong sổ; ghi ngày ban hành, trích yếu và cơ quan"
                    " theo dõi để tạo" + (f" ({why})" if why else ""),
                    row,
                    plan_code,
                )
            elif charge.id not in r.write:
                err("in_charge", f"{charge.name} nằm ngoài phạm vi được phân quyền", row)
            else:
                kind = KIND_WORDS.get(fold(rec.get("plan_kind", "")) or "ke_hoach")
                if kind is None:
                    err(
                        "plan_kind",
                        "phải là " + ", ".join(PLAN_KINDS.values()),
                        row,
                        rec.get("plan_kind"),
                    )
                new_plans[plan_code] = {
                    "code": plan_code,
                    "kind": kind or "ke_hoach",
                    "title": ptitle[:400],
                    "issued": issued,
                    "issuer": nfc(rec.get("plan_issuer", "")).strip()[:250],
                    "year": issued.year,
                    "unit_id": _province_of(session, charge.unit_id),
                    "in_charge_id": charge.id,
                }
        elif plan is not None and plan.in_charge_id not in r.write:
            err(
                "plan",
                f"kế hoạch '{plan_code}' do cơ quan khác theo dõi: không được sửa",
                row,
                plan_code,
            )
        lead_raw = rec.get("lead", "").strip()
        lead = None
        if not lead_raw:
            err("lead", "không được để trống", row)
        elif ";" in lead_raw or "\n" in lead_raw:
            err(
                "lead",
                "mỗi nhiệm vụ chỉ một cơ quan chủ trì; cơ quan khác ghi ở cột phối hợp",
                row,
                lead_raw,
            )
        else:
            lead, why = agencies.find(lead_raw)
            if lead is None:
                err("lead", why, row, lead_raw)
        co: list[int] = []
        for part in rec.get("co", "").replace("\n", ";").split(";"):
            if part.strip():
                a, why = agencies.find(part)
                if a is None:
                    err("co", why, row, part.strip())
                elif lead is not None and a.id == lead.id:
                    err("co", "cơ quan chủ trì không ghi lại ở cột phối hợp", row, part.strip())
                elif a.id not in co:
                    co.append(a.id)
        starts = _day(rec, "starts", row, errors)
        deadline = _day(rec, "deadline", row, errors)
        if not rec.get("deadline", "").strip():
            err("deadline", "không được để trống", row)
        issued_on = plan.issued if plan else new_plans.get(plan_code, {}).get("issued")
        starts = starts or issued_on or deadline
        if starts and deadline and deadline < starts:
            err(
                "deadline",
                f"thời hạn {deadline:%d/%m/%Y} trước ngày bắt đầu {starts:%d/%m/%Y}",
                row,
                rec.get("deadline"),
            )
        known = session.scalars(select(Task).where(Task.code == code)).first() if code else None
        if known is not None and (plan is None or known.plan_id != plan.id):
            other = session.get(Plan, known.plan_id)
            err(
                "code",
                f"mã '{code}' đã dùng cho nhiệm vụ của kế hoạch {other.code if other else ''}",
                row,
                code,
            )
        if len(errors) == n and lead is not None and starts and deadline:
            rows.append(
                (
                    row,
                    {
                        "plan": plan_code,
                        "code": code,
                        "title": title,
                        "description": nfc(rec.get("description", "")).strip(),
                        "lead_id": lead.id,
                        "starts": starts,
                        "deadline": deadline,
                        "output": nfc(rec.get("output", "")).strip()[:500],
                        "indicator": rec.get("indicator", "").strip()[:80],
                    },
                    co,
                    nfc(rec.get("parent", "")).strip(),
                )
            )
    held_codes = set(session.scalars(select(Task.code)))
    for row, values, _co, parent in rows:
        if parent and parent not in seen and parent not in held_codes:
            err("parent", f"không có nhiệm vụ cha mã '{parent}'", row, parent)
        if parent and parent == values["code"]:
            err("parent", "nhiệm vụ không là cha của chính nó", row, parent)
    if errors:
        errors.sort(key=lambda e: (e.row or 0, e.field))
        raise InvalidInput(f"tệp có {len(errors)} lỗi; chưa ghi dòng nào", errors)
    for values in new_plans.values():
        p = Plan(**values)
        session.add(p)
        plans[p.code] = p
        report.plans_created += 1
    session.flush()
    now = utcnow()
    by_code: dict[str, Task] = {}
    created_ids: set[int] = set()
    unchanged_codes: set[str] = set()
    for _row, values, co, _parent in rows:
        plan = plans[values.pop("plan")]
        task = session.scalars(select(Task).where(Task.code == values["code"])).first()
        new = task is None
        if task is None:
            task = Task(plan_id=plan.id, updated_at=now, status="not_started", percent=0, **values)
            session.add(task)
            session.flush()
            created_ids.add(task.id)
            report.created += 1
            changed = False
        else:
            changed = any(getattr(task, k) != v for k, v in values.items())
            for k, v in values.items():
                setattr(task, k, v)
        held = set(co_agencies(session, [task.id]).get(task.id, []))
        if held != set(co):
            changed = not new
            for link in session.scalars(select(TaskAgency).where(TaskAgency.task_id == task.id)):
                if link.agency_id not in co:
                    session.delete(link)
            for a in co:
                if a not in held:
                    session.add(TaskAgency(task_id=task.id, agency_id=a))
        if changed:
            task.updated_at = now
            report.updated += 1
        elif not new:
            report.unchanged += 1
            unchanged_codes.add(task.code)
        by_code[task.code] = task
    session.flush()
    for _row, values, _co, parent in rows:
        task = by_code[values["code"]]
        parent_id = None
        if parent:
            found = (
                by_code.get(parent)
                or session.scalars(select(Task).where(Task.code == parent)).first()
            )
            parent_id = found.id if found else None
        if task.parent_id != parent_id:
            if task.id in created_ids:
                task.parent_id = parent_id
            else:
                task.parent_id, task.updated_at = parent_id, now
                if task.code in unchanged_codes:
                    unchanged_codes.discard(task.code)
                    report.unchanged -= 1
                    report.updated += 1
    session.flush()
    _refuse_cycles(session, [t.id for t in by_code.values()])
    return report


def _refuse_cycles(session: Session, task_ids: list[int]) -> None:
    """Raise InvalidInput when a task would be its own ancestor (nothing is kept: the caller's
    transaction is rolled back with the error)."""
    parent = {i: p for i, p in session.execute(select(Task.id, Task.parent_id))}
    code = {i: c for i, c in session.execute(select(Task.id, Task.code))}
    for start in task_ids:
        seen, node = {start}, parent.get(start)
        while node is not None:
            if node in seen:
                raise InvalidInput(
                    f"nhiệm vụ cha tạo thành vòng (nhiệm vụ '{code[start]}' là cha của chính nó "
                    "qua các nhiệm vụ khác); chưa ghi dòng nào",
                    [FieldError("parent", "nhiệm vụ cha tạo thành vòng", value=code[start])],
                )
            seen.add(node)
            node = parent.get(node)


def _root(path: str) -> str:
    return path.strip("/").split("/")[0]


def _province_of(session: Session, unit_id: int) -> int:
    u = units.units_by_id(session, [unit_id])[unit_id]
    return int(u.path.strip("/").split("/")[0])


TARGET_COLUMNS = {
    "plan": ("số, ký hiệu kế hoạch", "số ký hiệu kế hoạch", "kế hoạch"),
    "code": ("mã chỉ tiêu", "ma_chi_tieu"),
    "name": ("tên chỉ tiêu", "chỉ tiêu"),
    "measure": ("đơn vị tính", "đvt"),
    "planned": ("kế hoạch giao", "chỉ tiêu giao", "giá trị kế hoạch"),
    "direction": ("chiều", "hướng"),
    "index": ("bộ chỉ số",),
    "indicator": ("mã chỉ số", "chỉ số"),
    "achieved": ("kết quả", "thực hiện"),
}
TARGET_LABELS = {
    "plan": "Số, ký hiệu kế hoạch",
    "code": "Mã chỉ tiêu",
    "name": "Tên chỉ tiêu",
    "measure": "Đơn vị tính",
    "planned": "Kế hoạch giao",
    "direction": "Chiều",
    "index": "Bộ chỉ số",
    "indicator": "Mã chỉ số",
    "achieved": "Kết quả",
}
DIRECTIONS = {
    "cao hon la tot": "higher",
    "thap hon la tot": "lower",
    "higher": "higher",
    "lower": "lower",
    "": "higher",
}


def _number(raw: str) -> float | None:
    """Return a number written the Vietnamese way (1.046; 41,5; 1.000.000) or plainly (41.5)."""
    text = raw.strip().replace(" ", "").rstrip("%")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") > 1 or re.fullmatch(r"-?\d{1,3}\.\d{3}", text):
        text = text.replace(".", "")  # thousands separators
    return float(text)


def import_targets(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> TaskImport:
    """A plan's targets: one row a target; an indicator's code (with its index) makes its
    achievement live, else ``Kết quả`` is the value entered by hand."""
    from tinhso.indicators import service as indicators
    from tinhso.tasks.models import PlanTarget

    if not (principal.can("data.write") or principal.role == "admin"):
        raise Forbidden("vai trò này không được nhập chỉ tiêu")
    table = read_table(
        data, filename, columns=TARGET_COLUMNS, required=("plan", "code", "name", "planned")
    )
    report = TaskImport(rows=len(table.rows), encoding=table.encoding)
    r = reach(session, principal)
    plans = {p.code: p for p in session.scalars(select(Plan))}
    errors: list[FieldError] = []
    checked: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    known_indicators: dict[str, set[str]] = {}
    linked: dict[int, set[str]] = {}  # the codes the catalog links to each plan

    def err(name: str, reason: str, row: int, value: str | None = None) -> None:
        errors.append(FieldError(name, reason, row=row, value=value, label=TARGET_LABELS[name]))

    for row, rec in table.rows:
        n = len(errors)
        pcode, code, name = (nfc(rec.get(k, "")).strip() for k in ("plan", "code", "name"))
        plan = plans.get(pcode)
        if plan is None:
            err(
                "plan",
                f"chưa có kế hoạch '{pcode}' trong sổ (nhập danh sách nhiệm vụ trước)",
                row,
                pcode,
            )
        elif plan.in_charge_id not in r.write:
            err("plan", f"kế hoạch '{pcode}' do cơ quan khác theo dõi", row, pcode)
        for k, v, limit in (("code", code, 40), ("name", name, 400)):
            if not v:
                err(k, "không được để trống", row)
            elif len(v) > limit:
                err(k, f"dài quá {limit} ký tự", row)
        if plan is not None and code:
            if plan.id not in linked:
                linked[plan.id] = {
                    c.code
                    for c in indicators.plan_targets(
                        session, plan=plan.code, year=plan.year, unit_id=plan.unit_id
                    )
                }
            if code in linked[plan.id]:
                err(
                    "code",
                    f"chỉ tiêu '{code}' của kế hoạch {plan.code} đã ghi trong danh mục chỉ số "
                    "(tính từ chỉ số): sửa ở danh mục, không nhập ở đây",
                    row,
                    code,
                )
        if (pcode, code) in seen:
            err("code", f"chỉ tiêu '{code}' đã có ở dòng {seen[(pcode, code)]}", row, code)
        seen.setdefault((pcode, code), row)
        nums: dict[str, float | None] = {}
        for k in ("planned", "achieved"):
            try:
                nums[k] = _number(rec.get(k, ""))
            except ValueError:
                err(k, "phải là số", row, rec.get(k))
                nums[k] = None
        if nums["planned"] is None and not any(
            e.row == row and e.field == "planned" for e in errors
        ):
            err("planned", "không được để trống", row)
        direction = DIRECTIONS.get(fold(rec.get("direction", "")))
        if direction is None:
            err(
                "direction",
                "phải là 'cao hơn là tốt' hoặc 'thấp hơn là tốt'",
                row,
                rec.get("direction"),
            )
        index, indicator = rec.get("index", "").strip(), rec.get("indicator", "").strip()
        if indicator and not index:
            err("index", "chỉ số phải kèm bộ chỉ số (ví dụ dti-province-2025)", row)
        elif indicator:
            if index not in known_indicators:
                known_indicators[index] = indicators.indicator_codes(session, index)
            if not known_indicators[index]:
                err("index", f"không có bộ chỉ số '{index}' trong danh mục", row, index)
            elif indicator not in known_indicators[index]:
                err("indicator", f"bộ chỉ số {index} không có chỉ số '{indicator}'", row, indicator)
            if nums["achieved"] is not None:
                err("achieved", "chỉ tiêu gắn chỉ số tính kết quả tự động: để trống", row)
        if len(errors) == n and plan is not None:
            checked.append(
                {
                    "plan_id": plan.id,
                    "code": code,
                    "name": name,
                    "measure": nfc(rec.get("measure", "")).strip()[:40],
                    "planned": nums["planned"],
                    "direction": direction,
                    "index": index,
                    "indicator": indicator,
                    "achieved": nums["achieved"],
                }
            )
    if errors:
        errors.sort(key=lambda e: (e.row or 0, e.field))
        raise InvalidInput(f"tệp có {len(errors)} lỗi; chưa ghi dòng nào", errors)
    now = utcnow()
    for values in checked:
        t = session.scalars(
            select(PlanTarget).where(
                PlanTarget.plan_id == values["plan_id"], PlanTarget.code == values["code"]
            )
        ).first()
        if t is None:
            t = PlanTarget(**values)
            session.add(t)
            report.created += 1
        elif all(getattr(t, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        else:
            for k, v in values.items():
                setattr(t, k, v)
            report.updated += 1
        if values["achieved"] is not None:
            t.achieved_by, t.achieved_at = principal.username, now
    session.flush()
    return report
