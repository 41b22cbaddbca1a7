"""Reporting periods of every type: week 2025-W27, month 2025-07, quarter 2025-Q3, half 2025-H1,
year 2025; their deadlines, and the periods of a form between two dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tinhso.errors import FieldError, InvalidInput
from tinhso.fmt import LOCAL_TZ
from tinhso.services.periods import parse_period as parse_calendar_period

PERIOD_TYPE_LABELS = {
    "weekly": "Hằng tuần",
    "monthly": "Hằng tháng",
    "quarterly": "Hằng quý",
    "six_monthly": "6 tháng",
    "yearly": "Hằng năm",
}
_KIND_TO_TYPE = {
    "month": "monthly",
    "quarter": "quarterly",
    "half": "six_monthly",
    "year": "yearly",
}
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_YEAR = re.compile(r"^(\d{4})")
# Years whose periods, neighbours and deadlines the calendar can hold (date ends at 9999).
MIN_YEAR, MAX_YEAR = 1900, 2999


@dataclass(frozen=True)
class ReportPeriod:
    """A reporting period: its code, type, first and last day."""

    code: str
    type: str
    first: date
    last: date

    @property
    def label(self) -> str:
        """Return the period as Vietnamese write it: "Tuần 27/2025", "Tháng 7/2025"."""
        if self.type == "weekly":
            return (
                f"Tuần {int(self.code[6:])}/{self.code[:4]} ({self.first:%d/%m}–{self.last:%d/%m})"
            )
        return parse_calendar_period(self.code).label

    @property
    def in_text(self) -> str:
        """Return the label as it reads inside a sentence: "tháng 7/2025", "quý III/2025"."""
        label = self.label
        return label[:1].lower() + label[1:]

    def deadline(self, days: int) -> datetime:
        """Return the last instant (local time) a report is on time, ``days`` after the end."""
        return datetime.combine(self.last + timedelta(days=days), time.max, LOCAL_TZ)

    def previous(self) -> ReportPeriod:
        """Return the period of the same type just before."""
        return period_containing(self.type, self.first - timedelta(days=1))

    def next(self) -> ReportPeriod:
        """Return the period of the same type just after."""
        return period_containing(self.type, self.last + timedelta(days=1))


def _bad(code: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"kỳ báo cáo '{code}' không hợp lệ", [FieldError("period", reason, value=code)]
    )


def parse_report_period(code: str) -> ReportPeriod:
    """Return the period named by ``code`` or raise InvalidInput naming the accepted forms."""
    code = (code or "").strip()
    y = _YEAR.match(code)
    if y and not MIN_YEAR <= int(y.group(1)) <= MAX_YEAR:
        raise _bad(code, f"năm từ {MIN_YEAR} đến {MAX_YEAR}")
    m = _WEEK.match(code)
    if m:
        year, week = int(m.group(1)), int(m.group(2))
        try:
            first = date.fromisocalendar(year, week, 1)
        except ValueError as exc:
            raise _bad(code, f"năm {year} không có tuần {week}") from exc
        return ReportPeriod(f"{year}-W{week:02d}", "weekly", first, first + timedelta(days=6))
    try:
        p = parse_calendar_period(code)
    except InvalidInput as exc:
        raise _bad(
            code,
            "dùng dạng 2025-W27 (tuần), 2025-07 (tháng), 2025-Q3 (quý), 2025-H1 (6 tháng), 2025 (năm)",
        ) from exc
    return ReportPeriod(p.code, _KIND_TO_TYPE[p.kind], p.first, p.last)


def label_of(code: str) -> str:
    """Return a period code's label inside a sentence ("tháng 7/2025"), or the code itself
    when it is not a period (a damaged template's)."""
    try:
        return parse_report_period(code).in_text
    except InvalidInput:
        return code


def period_containing(period_type: str, day: date) -> ReportPeriod:
    """Return the period of ``period_type`` that contains ``day``."""
    if period_type == "weekly":
        iso = day.isocalendar()
        return parse_report_period(f"{iso.year}-W{iso.week:02d}")
    if period_type == "monthly":
        return parse_report_period(f"{day.year}-{day.month:02d}")
    if period_type == "quarterly":
        return parse_report_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if period_type == "six_monthly":
        return parse_report_period(f"{day.year}-H{1 if day.month <= 6 else 2}")
    return parse_report_period(str(day.year))


def periods_between(period_type: str, first: date, last: date) -> list[ReportPeriod]:
    """Return every period of the type from the one containing ``first`` to the one containing
    ``last``, in order."""
    out: list[ReportPeriod] = []
    p = period_containing(period_type, first)
    while p.first <= last:
        out.append(p)
        p = p.next()
    return out
