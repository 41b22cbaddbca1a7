"""The services' spreadsheets: the shared writer (tinhso.sheets) with the services' codes
written by their Vietnamese names — a channel, a status, an online-service mode."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tinhso import sheets
from tinhso.services.fields import CHANNEL_LABELS, STATUS_LABELS

ONLINE_MODE_LABELS = {"full": "Toàn trình", "partial": "Một phần", "none": "Không"}
DATETIME_FORMAT = sheets.DATETIME_FORMAT
DATE_FORMAT = sheets.DATE_FORMAT
NUMBER_FORMAT = sheets.NUMBER_FORMAT

# Columns holding a code, by their heading: the code becomes its Vietnamese name.
LABELS: dict[str, Callable[[Any], Any]] = {
    "Kênh": lambda v: CHANNEL_LABELS.get(v, v),
    "Trạng thái": lambda v: STATUS_LABELS.get(v, v),
    "DVC trực tuyến": lambda v: ONLINE_MODE_LABELS.get(v, v),
}
WIDTHS = {"Tên thủ tục": 48, "Cơ quan": 36}


def rows_to_xlsx(title: str, rows: Sequence[dict[str, Any]], sheet: str = "Danh sách") -> bytes:
    """Return an XLSX workbook of dossiers' or procedures' rows (see tinhso.sheets)."""
    return sheets.rows_to_xlsx(title, rows, sheet, labels=LABELS, widths=WIDTHS)
