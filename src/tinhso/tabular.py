"""Reading tabular uploads (CSV in any Vietnamese encoding, XLSX) into validated rows.

Headers are matched by their folded Vietnamese text ("Mã xã", "ma_xa", "MA XA" are one
column), cells are NFC-normalised and repaired when typed in a legacy TCVN3/VNI font.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tinhso.errors import FieldError, InvalidInput
from tinhso.fmt import vn_number
from tinhso.text import decode_bytes, fold, nfc, repair_text
from tinhso.uploads import (
    SPREADSHEET_SUFFIXES,
    Limits,
    check_spreadsheet,
    unreadable_spreadsheet,
)

MAX_LISTED = 1000


@dataclass
class Table:
    """The rows of one sheet, keyed by field name, with the 1-based row number of the file."""

    rows: list[tuple[int, dict[str, str]]]
    encoding: str | None = None
    sheet: str | None = None
    repaired_cells: int = 0
    ignored_columns: list[str] = field(default_factory=list)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_rows(data: bytes, filename: str) -> tuple[list[list[str]], str | None, str | None]:
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        if suffix in SPREADSHEET_SUFFIXES:
            check_spreadsheet(data, filename)
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            name = book.sheet_names[0]
            raw = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own types (English, with paths)
            raise unreadable_spreadsheet(filename) from exc
        return [[_cell_text(c) for c in r] for r in raw], None, name
    if suffix in (".csv", ".txt", ""):
        text, encoding = decode_bytes(data)
        # The csv module refuses a field over 128 KB with an error of its own (a 500): let it
        # read any field the file can hold (its size is bounded by the upload's), and refuse a
        # long one below by its row and column. The limit is the module's, so it is only raised.
        if csv.field_size_limit() <= len(text):
            csv.field_size_limit(len(text) + 1)
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))], encoding, None
    raise InvalidInput(f"định dạng tệp '{suffix}' không được hỗ trợ (chỉ nhận CSV hoặc XLSX)")


def read_table(
    data: bytes, filename: str, *, columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> Table:
    """Return the file's rows keyed by field; raise InvalidInput naming each header problem.

    ``columns`` maps a field to the header spellings it accepts (compared folded).
    """
    rows, encoding, sheet = _sheet_rows(data, filename)
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise InvalidInput(f"tệp '{filename}' không có dữ liệu")
    limits = Limits.from_settings()
    if len(rows) - 1 > limits.rows:
        raise InvalidInput(
            f"tệp '{Path(filename).name}' có hơn {vn_number(limits.rows)} dòng (giới hạn số dòng); "
            "hãy chia tệp nhỏ hơn",
            [FieldError("tệp", f"có hơn {vn_number(limits.rows)} dòng")],
        )
    header = rows[0]
    by_alias = {fold(a): f for f, aliases in columns.items() for a in (f, *aliases)}
    positions: dict[str, int] = {}
    errors: list[FieldError] = []
    ignored: list[str] = []
    for i, head in enumerate(header):
        if len(head) > limits.cell_chars:
            errors.append(FieldError(f"cột {i + 1}", _too_long(head, limits), row=1, sheet=sheet))
            continue
        key = fold(repair_text(head)[0]).replace("_", " ")
        if not key:
            if any(r[i].strip() for r in rows[1:] if i < len(r)):
                errors.append(
                    FieldError(
                        field=f"cột {i + 1}",
                        row=1,
                        sheet=sheet,
                        reason="ô tiêu đề trống (có thể do gộp ô); "
                        "mỗi cột phải có một tiêu đề riêng",
                    )
                )
            continue
        name = by_alias.get(key)
        if name is None:
            ignored.append(head)
        elif name in positions:
            errors.append(FieldError(field=head, row=1, sheet=sheet, reason="tiêu đề cột bị lặp"))
        else:
            positions[name] = i
    for name in required:
        if name not in positions:
            errors.append(
                FieldError(
                    field=name,
                    row=1,
                    sheet=sheet,
                    reason="thiếu cột bắt buộc (chấp nhận: "
                    f"{', '.join(columns[name][:3] or (name,))})",
                )
            )
    if errors:
        raise InvalidInput("tiêu đề của tệp không hợp lệ", errors)
    table = Table(rows=[], encoding=encoding, sheet=sheet, ignored_columns=ignored)
    long_cells: list[FieldError] = []
    for number, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        record: dict[str, str] = {}
        for name, i in positions.items():
            text = raw[i] if i < len(raw) else ""
            if len(text) > limits.cell_chars:
                long_cells.append(
                    FieldError(name, _too_long(text, limits), row=number, sheet=sheet)
                )
                continue
            fixed, legacy = repair_text(text.strip())
            if legacy:
                table.repaired_cells += 1
            record[name] = nfc(fixed)
        table.rows.append((number, record))
    if long_cells:
        raise InvalidInput(
            f"tệp '{Path(filename).name}' có {vn_number(len(long_cells))} ô dài quá giới hạn "
            f"{vn_number(limits.cell_chars)} ký tự; không ghi dòng nào",
            long_cells[:MAX_LISTED],
        )
    return table


def _too_long(text: str, limits: Limits) -> str:
    return (
        f"ô dài {vn_number(len(text))} ký tự, vượt giới hạn {vn_number(limits.cell_chars)} ký tự "
        "một ô"
    )
