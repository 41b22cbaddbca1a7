"""Reporting periods: month 2025-07, quarter 2025-Q3, half 2025-H2, year 2025 (local time)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tinhso.errors import FieldError, InvalidInput

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
_RE = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12]))?$")
MIN_YEAR, MAX_YEAR = 1900, 2999  # the working-day calendar and the date type hold these
KIND_LABELS = {"month": "Tháng", "quarter": "Quý", "half": "6 tháng", "year": "Năm"}


@dataclass(frozen=True)
class Period:
    """A period with its first and last day; it ends at 23:59:59.999999 local time."""

    code: str
    kind: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        """Return the first instant of the period, local time."""
        return datetime.combine(self.first, time.min, LOCAL)

    @property
    def end(self) -> datetime:
        """Return the last instant of the period, local time."""
        return datetime.combine(self.last, time.max, LOCAL)

    @property
    def label(self) -> str:
        """Return the period as Vietnamese write it: "Tháng 7/2025", "Quý III/2025"."""
        y = self.first.year
        if self.kind == "month":
            return f"Tháng {self.first.month}/{y}"
        if self.kind == "quarter":
            return f"Quý {['I', 'II', 'III', 'IV'][(self.first.month - 1) // 3]}/{y}"
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.first.month == 1 else 'cuối'} năm {y}"
        return f"Năm {y}"


def _month_end(y: int, m: int) -> date:
    return (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)


def parse_period(code: str) -> Period:
    """Return the period named by ``code``, or raise InvalidInput with the accepted forms."""
    m = _RE.match(code.strip())
    if not m:
        raise InvalidInput(
            f"kỳ '{code}' không hợp lệ",
            [
                FieldError(
                    "period",
                    "dùng dạng 2025-07 (tháng), 2025-Q3 (quý), 2025-H2 (6 tháng), 2025 (năm)",
                    value=code,
                )
            ],
        )
    y = int(m.group(1))
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise InvalidInput(
            f"kỳ '{code}' không hợp lệ",
            [FieldError("period", f"năm từ {MIN_YEAR} đến {MAX_YEAR}", value=code)],
        )
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise InvalidInput(
                f"tháng '{code}' không hợp lệ", [FieldError("period", "tháng từ 01 đến 12")]
            )
        return Period(f"{y}-{month:02d}", "month", date(y, month, 1), _month_end(y, month))
    if m.group(3):
        q = int(m.group(3))
        return Period(f"{y}-Q{q}", "quarter", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    if m.group(4):
        h = int(m.group(4))
        return Period(f"{y}-H{h}", "half", date(y, 6 * h - 5, 1), _month_end(y, 6 * h))
    return Period(str(y), "year", date(y, 1, 1), date(y, 12, 31))


def periods_of_year(year: int) -> list[Period]:
    """Return every month, quarter, half and the year itself."""
    codes = [f"{year}-{m:02d}" for m in range(1, 13)] + [f"{year}-Q{q}" for q in range(1, 5)]
    codes += [f"{year}-H1", f"{year}-H2", str(year)]
    return [parse_period(c) for c in codes]


def previous(period: Period) -> Period:
    """Return the period of the same kind just before."""
    day = period.first - timedelta(days=1)
    if period.kind == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    if period.kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if period.kind == "half":
        return parse_period(f"{day.year}-H{1 if day.month <= 6 else 2}")
    return parse_period(str(day.year))
