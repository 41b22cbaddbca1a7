"""How numbers and dates are written for Vietnamese readers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_date(value: date | datetime | str | None, with_time: bool = False) -> str:
    """Return a date as Vietnamese write it: 01/07/2025 (and 14:05 in local time); an ISO
    string (an API answer's date) is read first."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        local = value.astimezone(LOCAL_TZ)
        return local.strftime("%d/%m/%Y %H:%M") if with_time else local.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def vn_number(value: float | int | None, decimals: int = 0) -> str:
    """Return a number with Vietnamese separators: 1.046 and 9,36."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def local_today() -> date:
    """Return today's date in Việt Nam (the server's clock may run on UTC)."""
    return datetime.now(LOCAL_TZ).date()
