"""How the registers' imports check a file: every row first, every error gathered with its row,
field and value, nothing written unless all pass; then each row written by its key (a row
already held unchanged counted as such)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import FieldError, Forbidden, InvalidInput
from tinhso.fmt import local_today
from tinhso.units import service as units
from tinhso.units.models import Unit


@dataclass
class RegisterReport:
    """What an import of a register wrote."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    encoding: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Rows:
    """Checks of one file's rows, gathering every error before anything is written."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.errors: list[FieldError] = []

    def err(self, name: str, reason: str, row: int, value: str | None = None) -> None:
        self.errors.append(FieldError(name, reason, row=row, value=value, label=self.labels[name]))

    def text(
        self, rec: dict[str, str], name: str, row: int, *, required: bool = True, limit: int = 200
    ) -> str:
        value = rec.get(name, "").strip()
        if required and not value:
            self.err(name, "không được để trống", row)
        elif len(value) > limit:
            self.err(name, f"dài quá {limit} ký tự", row)
        return value

    def day(
        self, rec: dict[str, str], name: str, row: int, *, required: bool = True
    ) -> date | None:
        raw = rec.get(name, "").strip()
        if not raw:
            if required:
                self.err(name, "không được để trống", row)
            return None
        try:
            text = raw.split(" ")[0]
            if "/" in text:
                d, m, y = (int(x) for x in text.split("/"))
                got = date(y, m, d)
            else:
                got = date.fromisoformat(text)
        except ValueError:
            self.err(name, "phải là ngày dạng 31/12/2025 hoặc 2025-12-31", row, raw)
            return None
        if got > local_today():
            self.err(name, f"ngày {got:%d/%m/%Y} ở tương lai", row, raw)
            return None
        return got

    def count(self, rec: dict[str, str], name: str, row: int) -> int | None:
        raw = rec.get(name, "").strip().replace(".", "")
        if not raw:
            return None
        if not raw.isdigit():
            self.err(name, "phải là số nguyên không âm", row, rec.get(name))
            return None
        return int(raw)

    def number(
        self, rec: dict[str, str], name: str, row: int, low: float, high: float
    ) -> float | None:
        raw = rec.get(name, "").strip().replace(",", ".")
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.err(name, "phải là số", row, rec.get(name))
            return None
        if not low <= value <= high:
            self.err(name, f"phải trong khoảng {low:g} đến {high:g}", row, rec.get(name))
            return None
        return value

    def unit(
        self,
        session: Session,
        principal: Principal,
        rec: dict[str, str],
        name: str,
        row: int,
        on: date,
        levels: tuple[str, ...],
    ) -> Unit | None:
        code = self.text(rec, name, row)
        if not code:
            return None
        found = [u for u in units.units_with_code(session, code=code, on=on) if u.level in levels]
        if not found:
            self.err(name, f"không có đơn vị mã '{code}' có hiệu lực ngày {on:%d/%m/%Y}", row, code)
            return None
        u = found[0]
        if not principal.covers_unit_path(u.path):
            self.err(name, f"đơn vị '{u.name}' nằm ngoài phạm vi được phân quyền", row, code)
            return None
        return u

    def refuse_if_any(self) -> None:
        if self.errors:
            self.errors.sort(key=lambda e: (e.row or 0, e.field))
            raise InvalidInput(f"tệp có {len(self.errors)} lỗi; chưa ghi dòng nào", self.errors)


def covers(session: Session, principal: Principal, unit_id: int) -> bool:
    """Return whether the caller may change what is recorded on this unit."""
    unit = units.units_by_id(session, [unit_id]).get(unit_id)
    return unit is not None and principal.covers_unit_path(unit.path)


def may_write(principal: Principal) -> None:
    if not (principal.can("data.write") or principal.role == "admin"):
        raise Forbidden("vai trò này không được gửi số liệu hạ tầng số")


def upsert(
    session: Session,
    report: RegisterReport,
    model: Any,
    key: tuple[str, ...],
    values: dict[str, Any],
) -> Any:
    """Write ``values`` to the ``model`` row with the same ``key`` columns (a new row if none),
    counting it created, updated or unchanged; return the row."""
    found = session.scalars(
        select(model).where(*(getattr(model, k) == values[k] for k in key))
    ).first()
    if found is None:
        obj = model(**values)
        session.add(obj)
        report.created += 1
        return obj
    if all(getattr(found, k) == v for k, v in values.items()):
        report.unchanged += 1
        return found
    for k, v in values.items():
        setattr(found, k, v)
    report.updated += 1
    return found
