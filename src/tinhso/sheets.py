"""Spreadsheets for people: rows with a Vietnamese title, written by openpyxl.

Values are written as a person reads them: yes/no as "Có"/"Không", times as real Excel dates in
local time shown dd/mm/yyyy hh:mm (Excel has no time zones), so that they sort and filter as
dates; a domain passes its own labels for columns holding codes (a status by its name).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tinhso.fmt import LOCAL_TZ

DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"
NUMBER_FORMAT = "#,##0.00"
Labels = Mapping[str, Callable[[Any], Any]]


def rows_to_xlsx(
    title: str,
    rows: Sequence[dict[str, Any]],
    sheet: str = "Danh sách",
    *,
    labels: Labels | None = None,
    widths: Mapping[str, int] | None = None,
) -> bytes:
    """Return an XLSX workbook: the title, a header row and the rows (write-only, streamed).

    ``labels`` turns a column's codes into what people read; ``widths`` sets columns' widths."""
    labels = labels or {}
    widths = widths or {}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    bold = Font(bold=True)
    names = list(rows[0]) if rows else []
    for i, name in enumerate(names, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, max(12, len(name) + 4))
    if names:
        ws.freeze_panes = "A4"
    head = WriteOnlyCell(ws, value=title)
    head.font = bold
    ws.append([head])
    ws.append([f"Số dòng: {len(rows)}"])
    if rows:
        header = []
        for name in names:
            c = WriteOnlyCell(ws, value=name)
            c.font = bold
            c.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(c)
        ws.append(header)
        for r in rows:
            ws.append([_cell(ws, labels.get(name), r[name]) for name in names])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(ws: Any, label: Callable[[Any], Any] | None, value: Any) -> Any:
    if value is None:
        return None
    if label is not None:
        return label(value)
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        local = value.astimezone(LOCAL_TZ) if value.tzinfo else value
        c = WriteOnlyCell(ws, value=local.replace(tzinfo=None))
        c.number_format = DATETIME_FORMAT
        return c
    if isinstance(value, date):
        c = WriteOnlyCell(ws, value=value)
        c.number_format = DATE_FORMAT
        return c
    if isinstance(value, float):
        c = WriteOnlyCell(ws, value=value)
        c.number_format = NUMBER_FORMAT
        return c
    return value
