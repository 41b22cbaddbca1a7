"""Importing an operator's spreadsheet of village coverage (CSV in any Vietnamese encoding, XLSX).

One operator a file. Every row is checked before anything is written: a file with any error is
refused whole, naming each row, field and reason, and writes nothing; a file without errors is
written whole. A village is given by its code, or by its name within its commune (compared
without diacritics); an unknown or ambiguous one is refused with the closest names.

Facts are valid from the file's date (or a row's own "Ngày số liệu"); re-importing a file adds
nothing (the same fact is already held), and an earlier-dated file adds facts valid before the
later ones, which it therefore never overrides. A fact for a day already held with other values
is a correction: it replaces that day's fact and is counted as such.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.audit import service as audit
from tinhso.db import utcnow
from tinhso.errors import FieldError, Forbidden, InvalidInput
from tinhso.fmt import local_today
from tinhso.infrastructure import service, vocab
from tinhso.infrastructure.models import TECHNOLOGIES, VALUE_COLUMNS, InfraImport, VillageFact
from tinhso.tabular import read_table
from tinhso.text import fold
from tinhso.units import service as units
from tinhso.units.models import Unit

COLUMNS: dict[str, tuple[str, ...]] = {
    "commune_code": ("mã xã", "ma_xa", "mã đơn vị cấp xã", "mã xã/phường"),
    "commune": ("xã", "tên xã", "ten_xa", "xã/phường", "tên xã/phường"),
    "village_code": ("mã thôn", "ma_thon", "mã thôn/bản", "mã thôn, tổ dân phố"),
    "village": (
        "thôn",
        "tên thôn",
        "ten_thon",
        "thôn/bản",
        "tên thôn/bản",
        "thôn, bản, tổ dân phố",
    ),
    "date": ("ngày", "ngày số liệu", "ngay_so_lieu", "số liệu đến ngày"),
    "electricity": ("điện lưới", "có điện", "điện lưới quốc gia", "dien_luoi"),
    "technologies": ("công nghệ", "cong_nghe", "công nghệ có sóng"),
    "fibre": ("cáp quang", "cap_quang", "có cáp quang", "băng rộng cố định"),
    "households": ("số hộ", "so_ho", "tổng số hộ", "hộ gia đình"),
    "households_fibre": (
        "số hộ có cáp quang",
        "so_ho_cap_quang",
        "hộ có cáp quang",
        "hộ dùng cáp quang",
    ),
    "population": ("dân số", "dan_so", "số dân", "số nhân khẩu"),
}
# A column per technology, under any of its spellings ("4G", "LTE", "Sóng 4G").
for _alias, _tech in vocab.TECHNOLOGY_ALIASES.items():
    COLUMNS.setdefault(f"cov_{_tech}", ())
    COLUMNS[f"cov_{_tech}"] += (_alias, f"sóng {_alias}", f"song_{_alias}")
FIELD_LABELS = {
    "commune_code": "Mã xã",
    "commune": "Tên xã",
    "village_code": "Mã thôn",
    "village": "Tên thôn",
    "date": "Ngày số liệu",
    "electricity": "Điện lưới",
    "technologies": "Công nghệ",
    "fibre": "Cáp quang",
    "households": "Số hộ",
    "households_fibre": "Số hộ có cáp quang",
    "population": "Dân số",
    **{f"cov_{t}": t.upper() for t in TECHNOLOGIES},
}
MAX_CANDIDATES = 3


@dataclass
class InfraImportReport:
    """What an import wrote: facts created, corrected and already held."""

    operator: str
    rows: int = 0
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    encoding: str | None = None
    import_id: int | None = None
    errors: list[FieldError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "operator_name": vocab.operator_name(self.operator),
            "rows": self.rows,
            "created": self.created,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "encoding": self.encoding,
            "import_id": self.import_id,
        }


class _Register:
    """The communes and villages the file may name, valid on a day, found by code or name."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self._days: dict[
            date, tuple[dict[str, list[Unit]], dict[str, list[Unit]], dict[int, list[Unit]]]
        ] = {}

    def on(
        self, day: date
    ) -> tuple[dict[str, list[Unit]], dict[str, list[Unit]], dict[int, list[Unit]]]:
        if day not in self._days:
            communes = units.units_below(self.session, unit=None, level="commune", on=day)
            villages = units.units_below(self.session, unit=None, level="village", on=day)
            by_code: dict[str, list[Unit]] = {}
            by_name: dict[str, list[Unit]] = {}
            for c in communes:
                by_code.setdefault(c.code, []).append(c)
                by_name.setdefault(fold(c.name), []).append(c)
            under: dict[int, list[Unit]] = {}
            for v in villages:
                under.setdefault(v.parent_id or 0, []).append(v)
                by_code.setdefault(v.code, []).append(v)
            self._days[day] = (by_code, by_name, under)
        return self._days[day]


def _candidates(name: str, pool: list[Unit]) -> str:
    names = {fold(u.name): u.name for u in pool}
    close = difflib.get_close_matches(fold(name), list(names), n=MAX_CANDIDATES, cutoff=0.5)
    return f" (gần giống: {', '.join(names[c] for c in close)})" if close else ""


def _bare(name: str) -> str:
    """Return a village's name without its kind ("Bản Nà Tăm" → "na tam")."""
    key = fold(name)
    for kind in ("to dan pho", "thon", "ban", "xom", "ap", "khu", "to"):
        if key.startswith(kind + " "):
            return key[len(kind) + 1 :]
    return key


def _village(reg: _Register, rec: dict[str, str], day: date) -> tuple[Unit | None, str, str]:
    """Return the village a row names (or None, the field and the reason)."""
    by_code, by_name, under = reg.on(day)
    code = rec.get("village_code", "")
    if code:
        found = [u for u in by_code.get(code, []) if u.level == "village"]
        if len(found) == 1:
            return found[0], "", ""
        if found:
            return (
                None,
                "village_code",
                f"có {len(found)} thôn cùng mã '{code}'; hãy ghi thêm mã xã và tên thôn",
            )
        return None, "village_code", f"không có thôn mã '{code}' có hiệu lực ngày {day:%d/%m/%Y}"
    name = rec.get("village", "")
    if not name:
        return None, "village", "thiếu mã thôn hoặc tên thôn"
    commune_code, commune_name = rec.get("commune_code", ""), rec.get("commune", "")
    if commune_code:
        communes = [u for u in by_code.get(commune_code, []) if u.level == "commune"]
        if not communes:
            return (
                None,
                "commune_code",
                f"không có xã mã '{commune_code}' có hiệu lực ngày {day:%d/%m/%Y}",
            )
    elif commune_name:
        communes = by_name.get(fold(commune_name), [])
        if not communes:
            for prefix in ("xa ", "phuong ", "thi tran ", "dac khu "):
                communes = by_name.get(prefix + fold(commune_name), []) or communes
        if not communes:
            pool = [c for cs in by_name.values() for c in cs]
            return None, "commune", f"không có xã '{commune_name}'{_candidates(commune_name, pool)}"
        if len(communes) > 1:
            return None, "commune", f"có {len(communes)} xã tên '{commune_name}'; hãy ghi mã xã"
    else:
        return None, "commune", "thiếu mã xã hoặc tên xã (tên thôn chỉ tìm được trong xã của nó)"
    pool = [v for c in communes for v in under.get(c.id, [])]
    key = fold(name)
    found = [v for v in pool if fold(v.name) == key] or [
        v for v in pool if _bare(v.name) == _bare(name)
    ]
    if len(found) == 1:
        return found[0], "", ""
    if not found:
        return None, "village", f"không có thôn '{name}' trong xã{_candidates(name, pool)}"
    return None, "village", f"có {len(found)} thôn trùng tên '{name}' trong xã; hãy ghi mã thôn"


def _err(name: str, reason: str, row: int, value: str | None = None) -> FieldError:
    return FieldError(name, reason, row=row, value=value, label=FIELD_LABELS[name])


def _number(raw: str) -> int:
    text = raw.replace(".", "").replace(" ", "").replace(",", "")
    if not text.isdigit():
        raise ValueError("phải là số nguyên không âm")
    return int(text)


def _date(raw: str) -> date:
    text = raw.strip().split(" ")[0]
    try:
        if "/" in text:
            d, m, y = (int(x) for x in text.split("/"))
            return date(y, m, d)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("phải là ngày dạng 31/12/2025 hoặc 2025-12-31") from None


def _values(rec: dict[str, str], row: int) -> tuple[dict[str, Any], list[FieldError]]:
    out: dict[str, Any] = {}
    errors: list[FieldError] = []

    def err(name: str, reason: str) -> None:
        errors.append(
            FieldError(name, reason, row=row, value=rec.get(name), label=FIELD_LABELS[name])
        )

    for name in ("electricity", "fibre"):
        try:
            out[name] = vocab.yes_no(rec.get(name, ""))
        except ValueError as exc:
            err(name, str(exc))
    for t in TECHNOLOGIES:
        try:
            out[f"cov_{t}"] = vocab.quality(rec.get(f"cov_{t}", ""))
        except ValueError as exc:
            err(f"cov_{t}", str(exc))
    listed = rec.get("technologies", "")
    if listed:
        for part in listed.replace(";", ",").replace("/", ",").split(","):
            if not part.strip():
                continue
            tech = vocab.technology(part)
            if tech is None:
                err("technologies", f"công nghệ '{part.strip()}' không hợp lệ (2G, 3G, 4G/LTE, 5G)")
            elif out.get(f"cov_{tech}") is None:
                out[f"cov_{tech}"] = 2
        for t in TECHNOLOGIES:  # a listed technology says the others are absent
            if out.get(f"cov_{t}") is None and not errors:
                out[f"cov_{t}"] = 0
    for name in ("households", "households_fibre", "population"):
        raw = rec.get(name, "")
        if raw:
            try:
                out[name] = _number(raw)
            except ValueError as exc:
                err(name, str(exc))
        else:
            out[name] = None
    h, hf = out.get("households"), out.get("households_fibre")
    if h is not None and hf is not None and hf > h:
        err("households_fibre", f"số hộ có cáp quang ({hf}) lớn hơn tổng số hộ ({h})")
    return out, errors


def import_file(
    session: Session,
    *,
    principal: Principal,
    operator: str,
    data: bytes,
    filename: str,
    as_of: date | None = None,
    rebuild: bool = True,
) -> InfraImportReport:
    """Check the whole file, then write its facts (or raise InvalidInput naming every error).

    ``rebuild=False`` leaves the villages' states to one ``service.rebuild`` after a batch of
    files (a history loaded at once); until then the coverage pages do not show the new facts."""
    if not (principal.can("data.write") or principal.role == "admin"):
        raise Forbidden("vai trò này không được gửi số liệu hạ tầng số")
    code = vocab.operator_code(operator)
    if code is None:
        known = ", ".join(name for name, _s in vocab.OPERATORS.values())
        raise InvalidInput(f"doanh nghiệp '{operator}' không có trong danh mục (có: {known})")
    today = local_today()
    if as_of is not None and as_of > today:
        raise InvalidInput(f"ngày số liệu {as_of:%d/%m/%Y} ở tương lai")
    table = read_table(data, filename, columns=COLUMNS, required=())
    has_place = {"village_code", "village"} & {k for _n, r in table.rows for k in r}
    if table.rows and not has_place:
        raise InvalidInput(
            "tệp thiếu cột mã thôn hoặc tên thôn",
            [
                FieldError(
                    "village_code",
                    "thiếu cột bắt buộc (Mã thôn, hoặc Tên xã và Tên thôn)",
                    row=1,
                    label="Mã thôn",
                )
            ],
        )
    report = InfraImportReport(operator=code, rows=len(table.rows), encoding=table.encoding)
    reg = _Register(session, principal)
    seen: dict[tuple[int, date], int] = {}
    facts: list[tuple[int, date, dict[str, Any]]] = []
    for row, rec in table.rows:
        day = as_of
        if rec.get("date"):
            try:
                day = _date(rec["date"])
            except ValueError as exc:
                report.errors.append(_err("date", str(exc), row, rec["date"]))
                continue
        if day is None:
            report.errors.append(
                _err("date", "thiếu ngày số liệu (cột “Ngày số liệu” hoặc ngày của tệp)", row)
            )
            continue
        if day > today:
            report.errors.append(_err("date", f"ngày {day:%d/%m/%Y} ở tương lai", row))
            continue
        village, fname, reason = _village(reg, rec, day)
        if village is None:
            report.errors.append(_err(fname, reason, row, rec.get(fname)))
            continue
        if not principal.covers_unit_path(village.path):
            # Named by the column the row used (the code, else the name), with its value.
            by = "village_code" if rec.get("village_code") else "village"
            reason = f"thôn '{village.name}' nằm ngoài phạm vi được phân quyền"
            report.errors.append(_err(by, reason, row, rec.get(by)))
            continue
        values, errors = _values(rec, row)
        if errors:
            report.errors += errors
            continue
        if all(values.get(k) is None for k in VALUE_COLUMNS):
            report.errors.append(_err("village", "dòng không có số liệu nào", row))
            continue
        first = seen.get((village.id, day))
        if first is not None:
            report.errors.append(
                _err(
                    "village", f"thôn '{village.name}' đã có ở dòng {first} cùng ngày số liệu", row
                )
            )
            continue
        seen[(village.id, day)] = row
        facts.append((village.id, day, values))
    if report.errors:
        report.errors.sort(key=lambda e: (e.row or 0, e.field))
        raise InvalidInput(f"tệp có {len(report.errors)} lỗi; chưa ghi dòng nào", report.errors)
    _write(session, principal, report, facts, filename, data, as_of or today, rebuild)
    return report


def _write(
    session: Session,
    principal: Principal,
    report: InfraImportReport,
    facts: list[tuple[int, date, dict[str, Any]]],
    filename: str,
    data: bytes,
    as_of: date,
    rebuild: bool,
) -> None:
    held: dict[tuple[int, date], VillageFact] = {}
    ids = sorted({v for v, _d, _x in facts})
    for i in range(0, len(ids), 500):
        for f in session.scalars(
            select(VillageFact).where(
                VillageFact.operator == report.operator,
                VillageFact.village_id.in_(ids[i : i + 500]),
            )
        ):
            held[(f.village_id, f.valid_from)] = f
    changes: list[tuple[int, date, dict[str, Any], VillageFact | None]] = []
    for village_id, day, values in facts:
        old = held.get((village_id, day))
        if old is not None and all(getattr(old, k) == values.get(k) for k in VALUE_COLUMNS):
            report.unchanged += 1
            continue
        changes.append((village_id, day, values, old))
    if not changes:
        return  # the same file again: nothing to write, no import to record
    imp = InfraImport(
        operator=report.operator,
        filename=filename[:200],
        digest=hashlib.sha256(data).hexdigest(),
        as_of=as_of,
        rows=report.rows,
        actor=principal.username,
        imported_at=utcnow(),
    )
    session.add(imp)
    session.flush()
    for village_id, day, values, old in changes:
        if old is None:
            session.add(
                VillageFact(
                    village_id=village_id,
                    operator=report.operator,
                    valid_from=day,
                    import_id=imp.id,
                    **values,
                )
            )
            report.created += 1
        else:
            for k in VALUE_COLUMNS:
                setattr(old, k, values.get(k))
            old.import_id = imp.id
            report.corrected += 1
    imp.created = report.created
    imp.unchanged = report.unchanged
    report.import_id = imp.id
    session.flush()
    if rebuild:
        service.rebuild(session, [village_id for village_id, _d, _v, _o in changes])
    audit.record(
        session,
        action="import",
        entity="infra_village_fact",
        entity_id=str(imp.id),
        after={**report.as_dict(), "filename": imp.filename, "digest": imp.digest},
    )
