"""Spreadsheets for people: rows with a Vietnamese title, written by openpyxl."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font


def rows_to_xlsx(title: str, rows: Sequence[dict[str, Any]], sheet: str = "Danh sách") -> bytes:
    """Return an XLSX workbook: the title, a header row and the rows (write-only, streamed)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    head = WriteOnlyCell(ws, value=title)
    head.font = bold
    ws.append([head])
    ws.append([f"Số dòng: {len(rows)}"])
    if rows:
        header = []
        for name in rows[0]:
            c = WriteOnlyCell(ws, value=name)
            c.font = bold
            header.append(c)
        ws.append(header)
        for r in rows:
            ws.append([_cell(v) for v in r.values()])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return value
