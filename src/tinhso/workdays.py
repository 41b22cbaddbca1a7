"""The working-day calendar of Vietnamese state agencies, for deadlines counted in working days.

A day is a working day when it is not a Saturday or Sunday, not a public holiday, not a
compensatory day off (nghỉ bù) and not a weekday swapped off (hoán đổi) — except that the
make-up weekend days named by a swap (làm bù) are working days.

The rules come from the Labour Code 2019 (art. 111(3): a holiday that falls on the weekly rest
day is compensated on the next working day; art. 112: the holidays; art. 112(3): the Prime
Minister sets each year's Tết days and the day adjacent to 2/9). Each year's official
decisions are data, in ``data/workdays.yaml``, which a province can edit; years without
decisions are computed from the rules and ``covered_years()`` tells callers which are which.
The rules are today's: for years before 2021 (the Labour Code 2012 gave one day for 2/9, and
Hùng Kings' day is a holiday only since 2007) they are an approximation unless the data file
carries that year's decisions.

Dates are local dates in Asia/Ho_Chi_Minh (UTC+7, no daylight saving): an aware datetime is
converted to that zone before its date is taken; a naive one is taken as local time already.

Lookups are built lazily, one year at a time, as a sorted array of the year's working days and
the count of working days before it. ``working_day_index`` (a bisect) turns any date into a
running count from 2000-01-01, so ``working_days_between`` is the difference of two counts and
``add_working_days`` finds the date of a count: both O(log n), cheap enough for bulk use.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import yaml
from lunardate import LunarDate  # type: ignore[import-untyped]

__all__ = [
    "COMPENSATORY_NAME",
    "DEFAULT_PATH",
    "EPOCH",
    "LOCAL_TZ",
    "MAX_YEAR",
    "MIN_YEAR",
    "SWAP_NAME",
    "WorkCalendar",
]

LOCAL_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_PATH: Final = Path(__file__).parent / "data" / "workdays.yaml"

# The working-day index counts from here. The lunar calendar library stops at 2099, and the
# platform's records start well after 2000, so the calendar covers the years 2000–2099.
MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2099
EPOCH: Final = date(MIN_YEAR, 1, 1)

COMPENSATORY_NAME: Final = "Nghỉ bù"
SWAP_NAME: Final = "Hoán đổi ngày làm việc"

_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_VI: Final = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_SATURDAY: Final = 5

_ROOT_KEYS: Final = frozenset({"rules", "lunar_calendar", "years"})
_RULE_KEYS: Final = frozenset({"solar_holidays", "national_day_adjacent", "lunar_holidays", "tet"})
_YEAR_KEYS: Final = frozenset(
    {
        "confirmed",
        "note",
        "tet",
        "national_day_adjacent",
        "compensatory",
        "swaps",
        "other_days_off",
    }
)
_MONTH_DAY_RE: Final = re.compile(r"^(\d{2})-(\d{2})$")
_DATE_TOKEN_RE: Final = re.compile(r"(?<![\d-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])")
# An announced Tết break is 5 statutory days plus weekends and compensations: 7 to 9 days in
# every year so far. Anything longer is a typo.
_MAX_TET_BREAK_DAYS: Final = 16
# A swap moves a working day within the same holiday season; weeks apart means a typo.
_MAX_SWAP_DISTANCE_DAYS: Final = 60


def _is_weekend(d: date) -> bool:
    """Return whether ``d`` is a Saturday or a Sunday."""
    return d.weekday() >= _SATURDAY


def _describe(d: date) -> str:
    """Return ``d`` as ISO date with its Vietnamese weekday, for error messages."""
    return f"{d.isoformat()} ({_WEEKDAY_VI[d.weekday()]})"


def _local_date(value: datetime | date) -> date:
    """Return the local (Asia/Ho_Chi_Minh) calendar date of ``value``."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.date()
        return value.astimezone(LOCAL_TZ).date()
    return value


# --------------------------------------------------------------------------------------------
# The parsed data file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FixedRule:
    """A holiday on a fixed month and day, solar or lunar."""

    month: int
    day: int
    name: str


@dataclass(frozen=True)
class _Rules:
    """The recurring rules of ``rules:`` in the data file."""

    solar: tuple[_FixedRule, ...]
    lunar: tuple[_FixedRule, ...]
    adjacent_name: str
    adjacent_offset_by_weekday: tuple[int, ...]
    tet_name: str
    tet_days_before: int
    tet_days_from: int


@dataclass(frozen=True)
class _Decision:
    """One year's official decisions; ``None`` means "not decided, use the rules"."""

    year: int
    confirmed: bool
    tet: tuple[date, date] | None
    adjacent_decided: bool
    adjacent: date | None
    compensatory: tuple[tuple[date, date], ...] | None
    swaps: tuple[tuple[date, date], ...]
    other: tuple[tuple[date, str], ...]


class _Parser:
    """Turns the loaded YAML into rules and decisions, failing with a message naming the spot."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, reason: str) -> ValueError:
        """Return the error to raise for bad data at ``where``."""
        return ValueError(f"Tệp lịch làm việc {self.path}: {where}: {reason}")

    def mapping(self, value: object, where: str, allowed: Iterable[str]) -> dict[str, Any]:
        """Return ``value`` as a mapping after checking that it has only ``allowed`` keys."""
        if not isinstance(value, dict):
            raise self.fail(where, "phải là một bảng khóa: giá trị")
        allowed_set = frozenset(allowed)
        for key in value:
            if key not in allowed_set:
                valid = ", ".join(sorted(allowed_set))
                # YAML 1.1 reads a bare on/off/yes/no as a boolean: say so, or 'False' baffles.
                hint = " — YAML hiểu on/off/yes/no là true/false" if isinstance(key, bool) else ""
                raise self.fail(
                    where, f"khóa không hợp lệ '{key}'{hint} (các khóa hợp lệ: {valid})"
                )
        return value

    def sequence(self, value: object, where: str) -> list[Any]:
        """Return ``value`` as a list; a missing value is an empty list."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, "phải là một danh sách")
        return value

    def text(self, value: object, where: str) -> str:
        """Return ``value`` as a non-empty string."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "phải là một chuỗi không rỗng")
        return value.strip()

    def parse_date(self, value: object, where: str) -> date:
        """Return ``value`` as a date inside the supported years."""
        if isinstance(value, datetime):
            raise self.fail(where, f"'{value}' phải là ngày (YYYY-MM-DD), không kèm giờ")
        if isinstance(value, date):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = date.fromisoformat(value.strip())
            except ValueError:
                raise self.fail(
                    where, f"'{value}' không phải ngày hợp lệ (định dạng YYYY-MM-DD)"
                ) from None
        else:
            raise self.fail(where, f"'{value}' không phải ngày hợp lệ (định dạng YYYY-MM-DD)")
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise self.fail(where, f"ngày {parsed} nằm ngoài các năm {MIN_YEAR}–{MAX_YEAR}")
        return parsed

    def month_day(self, value: object, where: str) -> tuple[int, int]:
        """Return a quoted "MM-DD" as (month, day), checked against a leap year."""
        match = _MONTH_DAY_RE.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(where, f"'{value}' phải có dạng \"MM-DD\" (đặt trong dấu nháy)")
        month, day = int(match[1]), int(match[2])
        try:
            date(2000, month, day)
        except ValueError:
            raise self.fail(where, f"'{value}' không phải tháng-ngày hợp lệ") from None
        return month, day

    def rules(self, raw: object) -> _Rules:
        """Return the parsed ``rules:`` section."""
        data = self.mapping(raw, "rules", _RULE_KEYS)
        for key in sorted(_RULE_KEYS):
            if key not in data:
                raise self.fail("rules", f"thiếu khóa '{key}'")
        solar = []
        for i, item in enumerate(self.sequence(data["solar_holidays"], "rules.solar_holidays")):
            where = f"rules.solar_holidays[{i}]"
            entry = self.mapping(item, where, ("date", "name"))
            month, day = self.month_day(entry.get("date"), f"{where}.date")
            if (month, day) == (2, 29):
                raise self.fail(f"{where}.date", "ngày lễ cố định không thể là 29/02")
            solar.append(_FixedRule(month, day, self.text(entry.get("name"), f"{where}.name")))
        lunar = []
        for i, item in enumerate(self.sequence(data["lunar_holidays"], "rules.lunar_holidays")):
            where = f"rules.lunar_holidays[{i}]"
            entry = self.mapping(item, where, ("lunar_date", "name"))
            month, day = self.month_day(entry.get("lunar_date"), f"{where}.lunar_date")
            # Lunar months have 29 or 30 days: a holiday on day 30 would vanish in short ones.
            if day > 29:
                raise self.fail(f"{where}.lunar_date", "ngày âm lịch phải từ 01 đến 29")
            lunar.append(_FixedRule(month, day, self.text(entry.get("name"), f"{where}.name")))

        where = "rules.national_day_adjacent"
        adjacent = self.mapping(
            data["national_day_adjacent"], where, ("name", "default_by_weekday_of_sep_2")
        )
        by_weekday = self.mapping(
            adjacent.get("default_by_weekday_of_sep_2"),
            f"{where}.default_by_weekday_of_sep_2",
            _WEEKDAYS,
        )
        offsets = []
        for weekday in _WEEKDAYS:
            offset = by_weekday.get(weekday)
            if offset not in (-1, 1) or isinstance(offset, bool):
                raise self.fail(
                    f"{where}.default_by_weekday_of_sep_2.{weekday}",
                    f"phải là -1 (ngày 1/9) hoặc 1 (ngày 3/9), không phải '{offset}'",
                )
            offsets.append(int(offset))
        adjacent_name = self.text(adjacent.get("name"), f"{where}.name")

        where = "rules.tet"
        tet = self.mapping(
            data["tet"], where, ("name", "days_before_new_year", "days_from_new_year")
        )
        before, after = tet.get("days_before_new_year"), tet.get("days_from_new_year")
        if (
            not (isinstance(before, int) and isinstance(after, int))
            or isinstance(before, bool)
            or isinstance(after, bool)
            or before < 0
            or after < 1
            or before + after != 5
        ):
            raise self.fail(
                where,
                "days_before_new_year và days_from_new_year phải là số nguyên, cộng lại bằng 5 "
                "(Tết Âm lịch nghỉ 05 ngày, Điều 112 Bộ luật Lao động)",
            )
        return _Rules(
            solar=tuple(solar),
            lunar=tuple(lunar),
            adjacent_name=adjacent_name,
            adjacent_offset_by_weekday=tuple(offsets),
            tet_name=self.text(tet.get("name"), f"{where}.name"),
            tet_days_before=before,
            tet_days_from=after,
        )

    def lunar_overrides(self, raw: object) -> dict[tuple[int, int], dict[int, date]]:
        """Return ``lunar_calendar:`` as {(lunar month, day): {year: solar date}}."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise self.fail("lunar_calendar", "phải là một bảng khóa: giá trị")
        result: dict[tuple[int, int], dict[int, date]] = {}
        for key, years in raw.items():
            where = f"lunar_calendar.{key}"
            month, day = self.month_day(key, where)
            if not isinstance(years, dict):
                raise self.fail(where, "phải là một bảng năm: ngày")
            per_year: dict[int, date] = {}
            for year, value in years.items():
                if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
                    raise self.fail(where, f"năm '{year}' không hợp lệ ({MIN_YEAR}–{MAX_YEAR})")
                solar = self.parse_date(value, f"{where}.{year}")
                library = LunarDate(year, month, day).to_solar_date()
                # UTC+7 against UTC+8 can only start a lunar month one day earlier.
                if solar not in (library, library - timedelta(days=1)):
                    raise self.fail(
                        f"{where}.{year}",
                        f"ngày {solar} lệch quá xa ngày {library} do thư viện lịch âm tính "
                        "(chỉ được sớm hơn đúng 1 ngày)",
                    )
                per_year[year] = solar
            result[(month, day)] = per_year
        return result

    def decision(self, year: object, raw: object) -> _Decision:
        """Return one year's ``years.<year>:`` entry, checked on its own."""
        if (
            not isinstance(year, int)
            or isinstance(year, bool)
            or not (MIN_YEAR <= year <= MAX_YEAR)
        ):
            raise self.fail("years", f"năm '{year}' không hợp lệ ({MIN_YEAR}–{MAX_YEAR})")
        base = f"năm {year}"
        data = self.mapping(raw, base, _YEAR_KEYS)

        confirmed = data.get("confirmed", False)
        if not isinstance(confirmed, bool):
            raise self.fail(f"{base}, khóa 'confirmed'", "phải là true hoặc false")
        if "note" in data:
            self.text(data["note"], f"{base}, khóa 'note'")

        def in_year(d: date, where: str) -> date:
            if d.year != year:
                raise self.fail(where, f"ngày {d} không thuộc năm {year}")
            return d

        def source(entry: Mapping[str, Any], where: str) -> None:
            self.text(entry.get("source"), f"{where}.source")

        tet: tuple[date, date] | None = None
        if "tet" in data:
            where = f"{base}, khóa 'tet'"
            entry = self.mapping(data["tet"], where, ("from", "to", "source", "note"))
            start = in_year(self.parse_date(entry.get("from"), f"{where}.from"), f"{where}.from")
            end = in_year(self.parse_date(entry.get("to"), f"{where}.to"), f"{where}.to")
            source(entry, where)
            if end < start:
                raise self.fail(where, f"ngày kết thúc {end} trước ngày bắt đầu {start}")
            if (end - start).days + 1 > _MAX_TET_BREAK_DAYS:
                raise self.fail(where, f"kỳ nghỉ {start}..{end} dài quá {_MAX_TET_BREAK_DAYS} ngày")
            tet = (start, end)

        adjacent_decided = "national_day_adjacent" in data
        adjacent: date | None = None
        if adjacent_decided:
            where = f"{base}, khóa 'national_day_adjacent'"
            entry = self.mapping(data["national_day_adjacent"], where, ("date", "source", "note"))
            source(entry, where)
            if entry.get("date") is not None:
                adjacent = self.parse_date(entry["date"], f"{where}.date")
                if adjacent not in (date(year, 9, 1), date(year, 9, 3)):
                    raise self.fail(
                        f"{where}.date",
                        f"ngày liền kề Quốc khánh phải là {year}-09-01 hoặc {year}-09-03, "
                        f"không phải {adjacent}",
                    )

        compensatory: tuple[tuple[date, date], ...] | None = None
        if "compensatory" in data:
            items = []
            for i, item in enumerate(
                self.sequence(data["compensatory"], f"{base}, khóa 'compensatory'")
            ):
                where = f"{base}, khóa 'compensatory[{i}]'"
                entry = self.mapping(item, where, ("date", "for", "source", "note"))
                day_off = in_year(
                    self.parse_date(entry.get("date"), f"{where}.date"), f"{where}.date"
                )
                for_day = in_year(self.parse_date(entry.get("for"), f"{where}.for"), f"{where}.for")
                source(entry, where)
                if _is_weekend(day_off):
                    raise self.fail(
                        f"{where}.date", f"ngày nghỉ bù {_describe(day_off)} rơi vào cuối tuần"
                    )
                if not _is_weekend(for_day):
                    raise self.fail(
                        f"{where}.for",
                        f"ngày lễ được bù {_describe(for_day)} không trùng thứ Bảy/Chủ nhật",
                    )
                if day_off <= for_day:
                    raise self.fail(
                        f"{where}.date", f"ngày nghỉ bù {day_off} phải sau ngày lễ {for_day}"
                    )
                items.append((day_off, for_day))
            compensatory = tuple(items)

        swaps = []
        for i, item in enumerate(self.sequence(data.get("swaps"), f"{base}, khóa 'swaps'")):
            where = f"{base}, khóa 'swaps[{i}]'"
            entry = self.mapping(item, where, ("day_off", "make_up_day", "source", "note"))
            off = in_year(
                self.parse_date(entry.get("day_off"), f"{where}.day_off"), f"{where}.day_off"
            )
            # A make-up day may sit in the neighbouring year (in 2015 the 2/1 swap was made up
            # on Saturday 27/12/2014), so only its distance is checked.
            work = self.parse_date(entry.get("make_up_day"), f"{where}.make_up_day")
            source(entry, where)
            if _is_weekend(off):
                raise self.fail(
                    f"{where}.day_off",
                    f"ngày được nghỉ {_describe(off)} vốn đã là ngày nghỉ cuối tuần",
                )
            if not _is_weekend(work):
                raise self.fail(
                    f"{where}.make_up_day",
                    f"ngày làm bù {_describe(work)} không phải thứ Bảy hoặc Chủ nhật",
                )
            if abs((work - off).days) > _MAX_SWAP_DISTANCE_DAYS:
                raise self.fail(
                    where,
                    f"ngày làm bù {work} cách ngày nghỉ {off} quá {_MAX_SWAP_DISTANCE_DAYS} ngày",
                )
            swaps.append((off, work))

        other = []
        for i, item in enumerate(
            self.sequence(data.get("other_days_off"), f"{base}, khóa 'other_days_off'")
        ):
            where = f"{base}, khóa 'other_days_off[{i}]'"
            entry = self.mapping(item, where, ("date", "name", "source", "note"))
            day_off = in_year(self.parse_date(entry.get("date"), f"{where}.date"), f"{where}.date")
            source(entry, where)
            other.append((day_off, self.text(entry.get("name"), f"{where}.name")))

        return _Decision(
            year=year,
            confirmed=confirmed,
            tet=tet,
            adjacent_decided=adjacent_decided,
            adjacent=adjacent,
            compensatory=compensatory,
            swaps=tuple(swaps),
            other=tuple(other),
        )


def _read_yaml(path: Path) -> object:
    """Return the parsed YAML document at ``path``, with a Vietnamese message on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"Không đọc được tệp lịch làm việc {path}: {exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"Tệp lịch làm việc {path} không đúng cú pháp YAML: {exc}") from exc
    except ValueError:
        # PyYAML turns an unquoted YYYY-MM-DD into a date and lets the ValueError of an
        # impossible one (2025-02-30) escape without a position: find the token ourselves.
        for number, line in enumerate(text.splitlines(), start=1):
            for match in _DATE_TOKEN_RE.finditer(line.split("#", 1)[0]):
                try:
                    date(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    raise ValueError(
                        f"Tệp lịch làm việc {path}: dòng {number}: '{match[0]}' không phải "
                        "ngày hợp lệ"
                    ) from None
        raise


# --------------------------------------------------------------------------------------------
# Per-year tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Year:
    """Everything about one year: its named days, make-up days and sorted working days."""

    names: dict[date, str]  # every named day off, weekends included
    days_off: dict[date, str]  # the named days that are not on a weekend
    make_up: frozenset[date]
    working: list[int]  # ordinals of the working days, ascending
    base: int  # working days from EPOCH up to the last day of the previous year


class WorkCalendar:
    """The working days of state agencies: rules plus each year's official decisions."""

    def __init__(
        self,
        rules: _Rules,
        lunar_overrides: dict[tuple[int, int], dict[int, date]],
        decisions: dict[int, _Decision],
    ) -> None:
        self._rules = rules
        self._lunar_overrides = lunar_overrides
        self._decisions = decisions
        # Make-up days may be declared in the neighbouring year's entry: index them by date.
        self._make_up: dict[date, date] = {
            work: off for decision in decisions.values() for off, work in decision.swaps
        }
        self._years: list[_Year] = []  # built in order: _years[i] is year MIN_YEAR + i
        self._ends: list[int] = []  # _ends[i]: working-day index of the last day of that year
        self._lock = threading.Lock()

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> WorkCalendar:
        """Return the calendar read from ``path`` (default: the packaged data file), validated.

        Raises ``ValueError`` with a Vietnamese message naming the year, key and date of the
        first bad entry: an unknown key, a bad date, a make-up day that is not a weekend day, a
        day that is both off and made up, and the like.
        """
        path = DEFAULT_PATH if path is None else path
        parser = _Parser(path)
        data = parser.mapping(_read_yaml(path), "cấp gốc", _ROOT_KEYS)
        if "rules" not in data:
            raise parser.fail("cấp gốc", "thiếu khóa 'rules'")
        rules = parser.rules(data["rules"])
        overrides = parser.lunar_overrides(data.get("lunar_calendar"))
        raw_years = data.get("years") or {}
        if not isinstance(raw_years, dict):
            raise parser.fail("years", "phải là một bảng năm: quyết định")
        decisions = {}
        for year, raw in raw_years.items():
            decision = parser.decision(year, raw)
            decisions[decision.year] = decision
        calendar = cls(rules, overrides, decisions)
        calendar._check_consistency(parser)
        return calendar

    @classmethod
    def default(cls) -> WorkCalendar:
        """Return the calendar of the packaged data file, loaded once per process."""
        return _default_calendar()

    def _check_consistency(self, parser: _Parser) -> None:
        """Raise if a declared day clashes with another: checks that need the whole calendar."""
        for year, decision in sorted(self._decisions.items()):
            base = f"năm {year}"
            statutory = self._statutory_holidays(year)
            tet_range = self._tet_range(year)
            if decision.tet is not None:
                new_year = self.lunar_new_year(year)
                start, end = decision.tet
                if not start <= new_year <= end:
                    raise parser.fail(
                        f"{base}, khóa 'tet'",
                        f"kỳ nghỉ {start}..{end} không chứa mùng 1 Tết ({new_year})",
                    )
            seen: dict[date, str] = {}

            def claim(d: date, what: str, where: str, seen: dict[date, str] = seen) -> None:
                if d in seen:
                    raise parser.fail(where, f"ngày {d} đã được khai báo là {seen[d]}")
                seen[d] = what

            for i, (day_off, for_day) in enumerate(decision.compensatory or ()):
                where = f"{base}, khóa 'compensatory[{i}]'"
                if day_off in statutory:
                    raise parser.fail(
                        f"{where}.date",
                        f"ngày nghỉ bù {day_off} đã là ngày lễ {statutory[day_off]}",
                    )
                if for_day not in statutory and for_day not in tet_range:
                    raise parser.fail(f"{where}.for", f"ngày {for_day} không phải ngày lễ, Tết")
                claim(day_off, "ngày nghỉ bù", f"{where}.date")
            for i, (off, _work) in enumerate(decision.swaps):
                where = f"{base}, khóa 'swaps[{i}]'"
                if off in statutory or off in tet_range:
                    raise parser.fail(f"{where}.day_off", f"ngày {off} vốn đã là ngày nghỉ lễ, Tết")
                claim(off, "ngày nghỉ hoán đổi", f"{where}.day_off")
            for i, (day_off, _name) in enumerate(decision.other):
                claim(day_off, "ngày nghỉ khác", f"{base}, khóa 'other_days_off[{i}]'.date")
        # A make-up day must not be a day off of its own year, whichever entry declared it.
        for year, decision in sorted(self._decisions.items()):
            for i, (_off, work) in enumerate(decision.swaps):
                names = self._names_of_year(work.year)
                if work in names:
                    raise parser.fail(
                        f"năm {year}, khóa 'swaps[{i}]'.make_up_day",
                        f"ngày {work} vừa là ngày nghỉ ({names[work]}) vừa là ngày làm bù",
                    )
        seen_work: set[date] = set()
        for year, decision in sorted(self._decisions.items()):
            for i, (_off, work) in enumerate(decision.swaps):
                if work in seen_work:
                    raise parser.fail(
                        f"năm {year}, khóa 'swaps[{i}]'.make_up_day",
                        f"ngày làm bù {work} đã được khai báo cho một lần hoán đổi khác",
                    )
                seen_work.add(work)

    # ---- lunar dates and the holidays of a year --------------------------------------------

    def _lunar_to_solar(self, year: int, month: int, day: int) -> date:
        """Return the solar date of a lunar date in the Vietnamese (UTC+7) calendar."""
        override = self._lunar_overrides.get((month, day), {}).get(year)
        if override is not None:
            return override
        solar: date = LunarDate(year, month, day).to_solar_date()
        return solar

    def lunar_new_year(self, year: int) -> date:
        """Return the date of mùng 1 Tết (lunar new year's day) of ``year``, Vietnamese calendar."""
        self._check_year(year)
        return self._lunar_to_solar(year, 1, 1)

    def _tet_range(self, year: int) -> set[date]:
        """Return the days of the Tết break: as decided, or the statutory five by the rules."""
        decision = self._decisions.get(year)
        if decision is not None and decision.tet is not None:
            start, end = decision.tet
        else:
            new_year = self._lunar_to_solar(year, 1, 1)
            start = new_year - timedelta(days=self._rules.tet_days_before)
            end = new_year + timedelta(days=self._rules.tet_days_from - 1)
        return {start + timedelta(days=i) for i in range((end - start).days + 1)}

    def _statutory_holidays(self, year: int) -> dict[date, str]:
        """Return the year's holidays other than Tết, weekends included, with their names."""
        names: dict[date, str] = {}

        def add(d: date, name: str) -> None:
            # Two holidays on one day keep both names; the law gives no extra day for it.
            names[d] = f"{names[d]}; {name}" if d in names and name not in names[d] else name

        for rule in self._rules.solar:
            add(date(year, rule.month, rule.day), rule.name)
        for rule in self._rules.lunar:
            add(self._lunar_to_solar(year, rule.month, rule.day), rule.name)
        decision = self._decisions.get(year)
        if decision is not None and decision.adjacent_decided:
            adjacent = decision.adjacent
        else:
            sep_2 = date(year, 9, 2)
            offset = self._rules.adjacent_offset_by_weekday[sep_2.weekday()]
            adjacent = sep_2 + timedelta(days=offset)
        if adjacent is not None:
            add(adjacent, self._rules.adjacent_name)
        return names

    def _names_of_year(self, year: int) -> dict[date, str]:
        """Return every named day off of ``year`` (weekends included), most specific name first."""
        decision = self._decisions.get(year)
        statutory = self._statutory_holidays(year)
        tet = self._tet_range(year)
        names: dict[date, str] = dict.fromkeys(sorted(tet), self._rules.tet_name)
        names.update(statutory)

        if decision is not None and decision.compensatory is not None:
            compensatory = [day_off for day_off, _for in decision.compensatory]
        else:
            compensatory = self._rule_compensatory(statutory, tet, decision)
        for day_off in compensatory:
            names[day_off] = COMPENSATORY_NAME
        if decision is not None:
            for off, _work in decision.swaps:
                names[off] = SWAP_NAME
            for day_off, name in decision.other:
                names[day_off] = name
        return dict(sorted(names.items()))

    def _rule_compensatory(
        self,
        statutory: dict[date, str],
        tet: set[date],
        decision: _Decision | None,
    ) -> list[date]:
        """Return the compensatory days off of Labour Code art. 111(3) for a year without a list.

        Each holiday on a Saturday or Sunday gives the next weekday that is neither a holiday
        nor already given. A decided Tết break is taken as announced, compensations included,
        so only the rule-made Tết days are compensated here.
        """
        holidays = set(statutory)
        decided_tet = decision is not None and decision.tet is not None
        if not decided_tet:
            holidays |= tet
        blocked = holidays | tet
        if decision is not None:
            blocked |= {off for off, _work in decision.swaps}
            blocked |= {day_off for day_off, _name in decision.other}
        given: list[date] = []
        for holiday in sorted(holidays):
            if not _is_weekend(holiday):
                continue
            candidate = holiday + timedelta(days=1)
            while _is_weekend(candidate) or candidate in blocked or candidate in given:
                candidate += timedelta(days=1)
            given.append(candidate)
        return given

    def _build_year(self, year: int, base: int) -> _Year:
        """Return the table of ``year``, whose first working day gets index ``base + 1``."""
        names = self._names_of_year(year)
        make_up = frozenset(d for d in self._make_up if d.year == year)
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        working = []
        for ordinal in range(first, last + 1):
            d = date.fromordinal(ordinal)
            if d in make_up or (not _is_weekend(d) and d not in names):
                working.append(ordinal)
        days_off = {d: name for d, name in names.items() if not _is_weekend(d)}
        return _Year(names=names, days_off=days_off, make_up=make_up, working=working, base=base)

    def _check_year(self, year: int) -> None:
        """Raise ``ValueError`` unless ``year`` is one the calendar covers."""
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(
                f"Lịch ngày làm việc chỉ hỗ trợ các năm {MIN_YEAR}–{MAX_YEAR}, không có năm {year}"
            )

    def _year(self, year: int) -> _Year:
        """Return the table of ``year``, building it and every year before it on first use."""
        self._check_year(year)
        i = year - MIN_YEAR
        if i < len(self._years):
            return self._years[i]
        # Indices run from EPOCH, so a year needs the ones before it; build them in order.
        with self._lock:
            while len(self._years) <= i:
                built = len(self._years)
                base = self._ends[-1] if self._ends else 0
                table = self._build_year(MIN_YEAR + built, base)
                self._years.append(table)
                self._ends.append(base + len(table.working))
        return self._years[i]

    # ---- queries ---------------------------------------------------------------------------

    def covered_years(self) -> tuple[int, ...]:
        """Return the years whose official decisions are in the data file and confirmed.

        Other years are computed from the rules alone (and unconfirmed entries are used as
        given); callers should warn when a deadline falls in such a year.
        """
        return tuple(sorted(y for y, d in self._decisions.items() if d.confirmed))

    def is_working_day(self, d: date) -> bool:
        """Return whether ``d`` is a working day (make-up weekend days included)."""
        table = self._year(d.year)
        i = bisect.bisect_left(table.working, d.toordinal())
        return i < len(table.working) and table.working[i] == d.toordinal()

    def holiday_name(self, d: date) -> str | None:
        """Return the Vietnamese name of the day off ``d`` (holiday, nghỉ bù, swap), else None.

        Holidays falling on a weekend keep their name; every day of an announced Tết break is
        named "Tết Nguyên đán"; a make-up Saturday is a working day and has no name.
        """
        table = self._year(d.year)
        if d in table.make_up:
            return None
        return table.names.get(d)

    def days_off(self, year: int) -> dict[date, str]:
        """Return the days off of ``year`` that are not Saturdays or Sundays, with their names."""
        return dict(self._year(year).days_off)

    def make_up_days(self, year: int) -> list[date]:
        """Return the weekend days of ``year`` that are working days (làm bù), ascending."""
        return sorted(self._year(year).make_up)

    def working_day_index(self, d: date) -> int:
        """Return the number of working days from 2000-01-01 up to and including ``d``.

        The index never decreases and grows by one exactly on working days, so the difference
        of two indices is the number of working days after the first date up to the second:
        analytics code can subtract indices in bulk instead of calling this class per row.
        """
        table = self._year(d.year)
        return table.base + bisect.bisect_right(table.working, d.toordinal())

    def _date_of_index(self, index: int) -> date:
        """Return the working day whose working-day index is ``index`` (index >= 1)."""
        while not self._ends or self._ends[-1] < index:
            built = len(self._years)
            if MIN_YEAR + built > MAX_YEAR:
                raise ValueError(
                    f"Hạn tính được vượt quá năm {MAX_YEAR}, ngoài phạm vi lịch ngày làm việc"
                )
            self._year(MIN_YEAR + built)
        i = bisect.bisect_left(self._ends, index)
        table = self._years[i]
        return date.fromordinal(table.working[index - table.base - 1])

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Return the datetime ``n`` working days after ``start``, at the same local clock time.

        Counting starts from the day after ``start``'s local date, skipping weekends, holidays,
        compensatory and swapped days off, and counting make-up weekend days, so the result
        always falls on a working day. ``n = 0`` returns ``start`` unchanged, even on a day
        off: "no working days" means no delay. An aware ``start`` is read in Asia/Ho_Chi_Minh
        and the result is returned in ``start``'s own zone; a naive one is taken as local time
        and the result is naive.
        """
        if n < 0:
            raise ValueError(f"Số ngày làm việc phải không âm, không phải {n}")
        if n == 0:
            return start
        local = start.astimezone(LOCAL_TZ) if start.tzinfo is not None else start
        target = self._date_of_index(self.working_day_index(local.date()) + n)
        # Asia/Ho_Chi_Minh has kept UTC+7 without daylight saving since 1975, so every local
        # clock time exists exactly once on every date.
        result = datetime.combine(target, local.timetz())
        return result if start.tzinfo is None else result.astimezone(start.tzinfo)

    def working_days_between(self, start: datetime | date, end: datetime | date) -> int:
        """Return the working days after ``start``'s local date up to and including ``end``'s.

        This is how a dossier's processing time is counted: received on day D and returned on
        the next working day is 1. Returns 0 when ``end`` is not after ``start``.
        """
        first = self.working_day_index(_local_date(start))
        last = self.working_day_index(_local_date(end))
        return max(0, last - first)

    def index_table(self, start_year: int, end_year: int) -> list[tuple[date, int, bool]]:
        """Return (date, working-day index, is working day) for every date of the years given.

        Both years are included. Meant to be loaded into an analytics engine (DuckDB) as a
        dimension table and joined on the date.
        """
        if start_year > end_year:
            raise ValueError(f"Năm bắt đầu {start_year} sau năm kết thúc {end_year}")
        self._year(end_year)
        self._check_year(start_year)
        rows: list[tuple[date, int, bool]] = []
        for year in range(start_year, end_year + 1):
            table = self._year(year)
            working = set(table.working)
            index = table.base
            ordinal = date(year, 1, 1).toordinal()
            while ordinal <= date(year, 12, 31).toordinal():
                is_working = ordinal in working
                index += is_working
                rows.append((date.fromordinal(ordinal), index, is_working))
                ordinal += 1
        return rows


@functools.cache
def _default_calendar() -> WorkCalendar:
    """Return the calendar of the packaged data file (cached: it never changes at run time)."""
    return WorkCalendar.load()
