"""The province among the others: the national ranks the ministries publish (the DTI each year,
the 766 each period), imported from the file the department downloads, until provinces are
federated. One row a province: its name (or code), its score, its rank; every province of the
file is matched to the register, and a file either loads whole or not at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.errors import FieldError, Forbidden, InvalidInput
from tinhso.ioc.models import NationalRank
from tinhso.services.periods import parse_period
from tinhso.tabular import read_table
from tinhso.text import fold
from tinhso.units import service as units

INDICES = {
    "dti": "Chỉ số chuyển đổi số (DTI)",
    "qd766": "Chỉ số 766 (phục vụ người dân, doanh nghiệp)",
}
COLUMNS = {
    "name": ("Tỉnh, thành phố", "Tỉnh/thành phố", "Tỉnh", "Địa phương", "Tên tỉnh"),
    "code": ("Mã tỉnh", "Mã", "Mã địa phương"),
    "score": ("Điểm", "Chỉ số", "Giá trị", "Điểm số"),
    "rank": ("Xếp hạng", "Thứ hạng", "Hạng"),
}
PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")


@dataclass
class RankReport:
    """What an import did."""

    rows: int = 0
    written: int = 0


def _number(raw: str) -> float | None:
    text = raw.strip().replace(" ", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return float(text)


def import_ranks(
    session: Session, *, principal: Principal, data: bytes, filename: str, index: str, period: str
) -> RankReport:
    """Load a published ranking (CSV or XLSX) for an index and period: each row's province
    matched by code or name to the provinces valid at the period's end (each once), ranks whole
    numbers from 1 up to the number of provinces (ties allowed, as published); every problem
    named by row and column; the period's ranking replaced."""
    if not (principal.is_global and principal.role == "admin"):
        raise Forbidden("chỉ quản trị hệ thống cấp tỉnh được nạp bảng xếp hạng toàn quốc")
    if index not in INDICES:
        raise InvalidInput(
            f"bộ chỉ số '{index}' không có",
            [FieldError("index", "chọn dti hoặc qd766", value=index)],
        )
    p = parse_period(period)
    table = read_table(data, filename, columns=COLUMNS, required=("score", "rank"))
    provinces = [u for u in units.units_below(session, unit=None, level="province", on=p.last)]
    by_code = {u.code: u for u in provinces}
    by_name = {PREFIX.sub("", fold(u.name)): u for u in provinces}
    errors: list[FieldError] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row, rec in table.rows:
        n = len(errors)
        code, name = rec.get("code", "").strip(), rec.get("name", "").strip()
        unit = by_code.get(code.zfill(2)) if code else by_name.get(PREFIX.sub("", fold(name)))
        if not code and not name:
            errors.append(FieldError("name", "cần tên hoặc mã tỉnh", row=row))
        elif unit is None:
            errors.append(
                FieldError(
                    "code" if code else "name",
                    f"không có tỉnh, thành phố này còn hiệu lực ngày {p.last:%d/%m/%Y}",
                    row=row,
                    value=code or name,
                )
            )
        elif unit.code in seen:
            errors.append(
                FieldError("name", f"đã có ở dòng {seen[unit.code]}", row=row, value=name or code)
            )
        try:
            score = _number(rec.get("score", ""))
        except ValueError:
            errors.append(FieldError("score", "phải là số", row=row, value=rec.get("score")))
            score = None
        try:
            rank = int(rec.get("rank", "").strip())
            if rank < 1:
                raise ValueError
        except ValueError:
            errors.append(
                FieldError("rank", "phải là số nguyên từ 1", row=row, value=rec.get("rank"))
            )
            rank = 0
        if len(errors) == n and unit is not None:
            seen[unit.code] = row
            rows.append({"unit": unit, "score": score, "rank": rank})
    if not errors and rows and max(r["rank"] for r in rows) > len(rows):
        errors.append(
            FieldError(
                "rank",
                f"thứ hạng lớn nhất {max(r['rank'] for r in rows)} vượt số tỉnh trong tệp ({len(rows)})",
            )
        )
    if errors:
        raise InvalidInput(f"tệp có {len(errors)} lỗi; chưa ghi dòng nào", errors)
    if not rows:
        raise InvalidInput("tệp không có dòng nào")
    session.execute(
        delete(NationalRank).where(NationalRank.index == index, NationalRank.period == p.code)
    )
    now = utcnow()
    for r in rows:
        session.add(
            NationalRank(
                index=index,
                period=p.code,
                province_code=r["unit"].code,
                province_name=r["unit"].name,
                score=r["score"],
                rank=r["rank"],
                of=len(rows),
                filename=filename[:200],
                imported_at=now,
            )
        )
    session.flush()
    return RankReport(rows=len(table.rows), written=len(rows))


def standing(session: Session, *, province_code: str) -> list[dict[str, Any]]:
    """Return the province's latest published rank in each index, with the one before it (a
    change only between two published rankings)."""
    out = []
    for index, name in INDICES.items():
        found = sorted(
            session.scalars(
                select(NationalRank).where(
                    NationalRank.index == index, NationalRank.province_code == province_code
                )
            ),
            key=lambda r: (parse_period(r.period).last, parse_period(r.period).first),
            reverse=True,
        )[:2]
        if not found:
            continue
        now, before = found[0], found[1] if len(found) > 1 else None
        out.append(
            {
                "index": index,
                "name": name,
                "period": now.period,
                "period_label": parse_period(now.period).label,
                "rank": now.rank,
                "of": now.of,
                "score": now.score,
                "previous": None
                if before is None
                else {
                    "period": before.period,
                    "period_label": parse_period(before.period).label,
                    "rank": before.rank,
                    "of": before.of,
                },
                "source": now.filename,
            }
        )
    return out
