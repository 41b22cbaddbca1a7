"""The working-day calendar: official 2020–2026 decisions, the rules beyond them, the data file.

Each concrete example names the rule or document it checks. The decisions come from the
packaged ``src/tinhso/data/workdays.yaml``, whose entries cite their documents.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from lunardate import LunarDate

from tinhso.workdays import DEFAULT_PATH, LOCAL_TZ, WorkCalendar

CAL = WorkCalendar.load()


def d(text: str) -> date:
    """Return the date written as DD/MM/YYYY, the way the announcements write them."""
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def local(text: str, hour: int = 9, minute: int = 0) -> datetime:
    """Return an aware Asia/Ho_Chi_Minh datetime on the DD/MM/YYYY date."""
    return datetime.combine(d(text), datetime.min.time(), LOCAL_TZ).replace(
        hour=hour, minute=minute
    )


# ---------------------------------------------------------------------------------------------
# The lunar calendar
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "tet"),
    [
        (2020, "25/01/2020"),
        (2021, "12/02/2021"),
        (2022, "01/02/2022"),
        (2023, "22/01/2023"),
        (2024, "10/02/2024"),
        (2025, "29/01/2025"),
        (2026, "17/02/2026"),
        (2027, "06/02/2027"),
        (2028, "26/01/2028"),
        (2029, "13/02/2029"),
        # New moon 2030-02-02 16:07 UTC = 23:07 in Hà Nội but 00:07 on 3/2 in Beijing: the
        # Vietnamese Tết is a day before the Chinese one (lunardate says 3/2).
        (2030, "02/02/2030"),
        # The well-known case: Tết Đinh Hợi was 17/2/2007 in Vietnam, 18/2 in China.
        (2007, "17/02/2007"),
    ],
)
def test_lunar_new_year_follows_the_vietnamese_calendar(year: int, tet: str) -> None:
    assert CAL.lunar_new_year(year) == d(tet)


def test_the_lunar_overrides_are_needed() -> None:
    # Why the data file carries lunar_calendar: the Chinese (UTC+8) library disagrees.
    assert LunarDate(2030, 1, 1).to_solar_date() == date(2030, 2, 3)
    assert LunarDate(2009, 3, 10).to_solar_date() == date(2009, 4, 5)
    # Giỗ Tổ 10/3 âm lịch 2009 was Saturday 4/4/2009 in Vietnam.
    assert CAL.holiday_name(date(2009, 4, 4)) == "Giỗ Tổ Hùng Vương"


# ---------------------------------------------------------------------------------------------
# Official decisions, year by year (non-weekend days off)
# ---------------------------------------------------------------------------------------------


def test_covered_years() -> None:
    assert CAL.covered_years() == (2020, 2021, 2022, 2023, 2024, 2025, 2026)


def test_2025_days_off() -> None:
    # Thông báo 6150/TB-BLĐTBXH (03/12/2024): Tết 25/1–2/2 = 5 Tết days 27–31/1 plus four
    # weekend days, no swap; 30/4–4/5 with Friday 2/5 swapped for Saturday 26/4; Quốc khánh
    # 1/9–2/9. Giỗ Tổ 10/3 âm lịch = Monday 7/4/2025.
    assert CAL.days_off(2025) == {
        d("01/01/2025"): "Tết Dương lịch",
        d("27/01/2025"): "Tết Nguyên đán",
        d("28/01/2025"): "Tết Nguyên đán",
        d("29/01/2025"): "Tết Nguyên đán",
        d("30/01/2025"): "Tết Nguyên đán",
        d("31/01/2025"): "Tết Nguyên đán",
        d("07/04/2025"): "Giỗ Tổ Hùng Vương",
        d("30/04/2025"): "Ngày Chiến thắng",
        d("01/05/2025"): "Ngày Quốc tế Lao động",
        d("02/05/2025"): "Hoán đổi ngày làm việc",
        d("01/09/2025"): "Quốc khánh",
        d("02/09/2025"): "Quốc khánh",
    }
    assert CAL.make_up_days(2025) == [d("26/04/2025")]


def test_2026_days_off() -> None:
    # 12729/VPCP-KGVX: 2/1 swapped for Saturday 10/1. Thông báo 9441/TB-BNV: Tết 16–20/2,
    # Quốc khánh 1/9–2/9 with Monday 31/8 swapped for Saturday 22/8. Giỗ Tổ falls on Sunday
    # 26/4, so Monday 27/4 is nghỉ bù (Labour Code 2019 art. 111(3)).
    assert CAL.days_off(2026) == {
        d("01/01/2026"): "Tết Dương lịch",
        d("02/01/2026"): "Hoán đổi ngày làm việc",
        d("16/02/2026"): "Tết Nguyên đán",
        d("17/02/2026"): "Tết Nguyên đán",
        d("18/02/2026"): "Tết Nguyên đán",
        d("19/02/2026"): "Tết Nguyên đán",
        d("20/02/2026"): "Tết Nguyên đán",
        d("27/04/2026"): "Nghỉ bù",
        d("30/04/2026"): "Ngày Chiến thắng",
        d("01/05/2026"): "Ngày Quốc tế Lao động",
        d("31/08/2026"): "Hoán đổi ngày làm việc",
        d("01/09/2026"): "Quốc khánh",
        d("02/09/2026"): "Quốc khánh",
    }
    assert CAL.make_up_days(2026) == [d("10/01/2026"), d("22/08/2026")]


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        # Labour Code 2012: Quốc khánh is one day; mùng 1–2 Tết on the weekend → bù 28–29/1.
        (2020, "01/01 23/01 24/01 27/01 28/01 29/01 02/04 30/04 01/05 02/09"),
        # 1/5 Saturday → bù Monday 3/5; Quốc khánh 2/9 + 3/9.
        (2021, "01/01 10/02 11/02 12/02 15/02 16/02 21/04 30/04 03/05 02/09 03/09"),
        # 245/VPCP-KGVX: Tết 31/1–4/2; 1/1 Sat → 3/1; Giỗ Tổ Sun 10/4 → 11/4; 30/4–1/5 on the
        # weekend → 2/5 and 3/5; Quốc khánh 1/9 + 2/9.
        (2022, "03/01 31/01 01/02 02/02 03/02 04/02 11/04 02/05 03/05 01/09 02/09"),
        # 8056/VPCP-KGVX: Tết 20–26/1, Quốc khánh 1–4/9; 1/1 Sun → 2/1; Giỗ Tổ Sat 29/4 and
        # 30/4 Sun → 2/5 and 3/5.
        (2023, "02/01 20/01 23/01 24/01 25/01 26/01 01/05 02/05 03/05 01/09 04/09"),
        # 5015/TB-LĐTBXH: Tết 8–14/2, Quốc khánh 2/9 + 3/9; 2450/VPCP-KGVX: 29/4 swapped.
        (2024, "01/01 08/02 09/02 12/02 13/02 14/02 18/04 29/04 30/04 01/05 02/09 03/09"),
    ],
)
def test_earlier_years_days_off(year: int, expected: str) -> None:
    assert sorted(CAL.days_off(year)) == [d(f"{dm}/{year}") for dm in expected.split()]


def test_compensatory_days_are_named() -> None:
    # 5015/TB-LĐTBXH: the 2024 break is "05 ngày nghỉ Tết và 02 ngày nghỉ bù".
    assert CAL.holiday_name(d("13/02/2024")) == "Nghỉ bù"
    assert CAL.holiday_name(d("03/01/2022")) == "Nghỉ bù"


def test_holiday_names() -> None:
    assert CAL.holiday_name(d("01/01/2025")) == "Tết Dương lịch"
    assert CAL.holiday_name(d("29/01/2025")) == "Tết Nguyên đán"
    assert CAL.holiday_name(d("07/04/2025")) == "Giỗ Tổ Hùng Vương"
    assert CAL.holiday_name(d("30/04/2025")) == "Ngày Chiến thắng"
    assert CAL.holiday_name(d("01/05/2025")) == "Ngày Quốc tế Lao động"
    assert CAL.holiday_name(d("02/09/2025")) == "Quốc khánh"
    assert CAL.holiday_name(d("01/09/2025")) == "Quốc khánh"  # the adjacent day
    assert CAL.holiday_name(d("02/05/2025")) == "Hoán đổi ngày làm việc"
    # A holiday on a weekend keeps its name (and gives a nghỉ bù, art. 111(3)).
    assert CAL.holiday_name(d("30/04/2022")) == "Ngày Chiến thắng"
    # Weekend days inside an announced Tết break belong to it.
    assert CAL.holiday_name(d("25/01/2025")) == "Tết Nguyên đán"
    # Ordinary days and make-up Saturdays have no name.
    assert CAL.holiday_name(d("05/02/2025")) is None
    assert CAL.holiday_name(d("26/04/2025")) is None
    assert CAL.holiday_name(d("08/02/2025")) is None


# ---------------------------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------------------------


def test_dossier_received_before_tet_2025() -> None:
    # Received Friday 24/1/2025 10:00 with 3 working days: 25–26/1 weekend, 27–31/1 Tết,
    # 1–2/2 weekend (6150/TB-BLĐTBXH), then Mon 3/2 (1), Tue 4/2 (2), Wed 5/2 (3).
    due = CAL.add_working_days(local("24/01/2025", 10), 3)
    assert due == local("05/02/2025", 10)
    assert CAL.working_days_between(local("24/01/2025", 15), local("05/02/2025", 8)) == 3


def test_make_up_saturday_is_a_working_day() -> None:
    # 6150/TB-BLĐTBXH: Saturday 26/4/2025 is worked in exchange for Friday 2/5/2025.
    assert CAL.is_working_day(d("26/04/2025"))
    assert not CAL.is_working_day(d("02/05/2025"))
    assert CAL.add_working_days(local("25/04/2025", 9), 1) == local("26/04/2025", 9)
    # Then 27/4 Sun, 28/4 (2), 29/4 (3), 30/4–1/5 holidays, 2/5 swapped off, 3–4/5 weekend.
    assert CAL.add_working_days(local("25/04/2025", 9), 4) == local("05/05/2025", 9)
    assert CAL.working_days_between(d("25/04/2025"), d("05/05/2025")) == 4
    # Saturday 8/2/2025 is an ordinary Saturday: Tết 2025 had no swap.
    assert not CAL.is_working_day(d("08/02/2025"))


def test_national_day_2025() -> None:
    # Quốc khánh 2025: Monday 1/9 (adjacent day) and Tuesday 2/9 off.
    assert CAL.add_working_days(local("29/08/2025", 16, 30), 1) == local("03/09/2025", 16, 30)
    assert CAL.working_days_between(d("29/08/2025"), d("03/09/2025")) == 1


def test_national_day_2026_swap() -> None:
    # 9441/TB-BNV: work Saturday 22/8/2026, rest Monday 31/8 to Wednesday 2/9.
    assert CAL.is_working_day(d("22/08/2026"))
    assert CAL.add_working_days(local("21/08/2026"), 1) == local("22/08/2026")
    assert CAL.add_working_days(local("28/08/2026"), 1) == local("03/09/2026")


def test_received_on_a_day_off_counts_from_the_next_working_day() -> None:
    # Received Saturday 1/2/2025 (Tết break): the first working day after it is Monday 3/2.
    assert CAL.add_working_days(local("01/02/2025", 14), 1) == local("03/02/2025", 14)


def test_zero_days_returns_start_unchanged() -> None:
    start = local("29/01/2025", 11)  # mùng 1 Tết: still returned as is
    assert CAL.add_working_days(start, 0) is start


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="không âm"):
        CAL.add_working_days(local("24/01/2025"), -1)


def test_aware_datetimes_use_the_local_date_and_keep_their_zone() -> None:
    # 20:00 UTC on Friday 24/1/2025 is 03:00 on Saturday 25/1 in Hà Nội: the local date is in
    # the Tết break, so 1 working day is Monday 3/2 at 03:00 local = Sunday 2/2 20:00 UTC.
    start = datetime(2025, 1, 24, 20, 0, tzinfo=UTC)
    due = CAL.add_working_days(start, 1)
    assert due == datetime(2025, 2, 2, 20, 0, tzinfo=UTC)
    assert due.tzinfo is UTC
    assert CAL.working_days_between(start, due) == 1


def test_naive_datetimes_are_local_time() -> None:
    due = CAL.add_working_days(datetime(2025, 1, 24, 20, 0), 1)
    assert due == datetime(2025, 2, 3, 20, 0)
    assert due.tzinfo is None


def test_working_days_between_edges() -> None:
    assert CAL.working_days_between(d("05/02/2025"), d("05/02/2025")) == 0
    assert CAL.working_days_between(d("05/02/2025"), d("03/02/2025")) == 0
    assert CAL.working_days_between(local("05/02/2025", 8), local("05/02/2025", 17)) == 0
    assert CAL.working_days_between(d("31/12/2024"), d("02/01/2025")) == 1  # 1/1 is off


# ---------------------------------------------------------------------------------------------
# Years beyond the data file: the rules
# ---------------------------------------------------------------------------------------------


def test_2027_follows_the_rules() -> None:
    # Tết 6/2/2027 is a Saturday. Default Tết: last day of the lunar year (Fri 5/2) and mùng
    # 1–4 (6–9/2); mùng 1–2 on the weekend give nghỉ bù 10/2 and 11/2 (art. 111(3)). 1/5 is a
    # Saturday → bù Monday 3/5. 2/9 is a Thursday → adjacent Friday 3/9.
    assert 2027 not in CAL.covered_years()
    assert CAL.days_off(2027) == {
        d("01/01/2027"): "Tết Dương lịch",
        d("05/02/2027"): "Tết Nguyên đán",
        d("08/02/2027"): "Tết Nguyên đán",
        d("09/02/2027"): "Tết Nguyên đán",
        d("10/02/2027"): "Nghỉ bù",
        d("11/02/2027"): "Nghỉ bù",
        d("16/04/2027"): "Giỗ Tổ Hùng Vương",
        d("30/04/2027"): "Ngày Chiến thắng",
        d("03/05/2027"): "Nghỉ bù",
        d("02/09/2027"): "Quốc khánh",
        d("03/09/2027"): "Quốc khánh",
    }


def test_rules_reproduce_the_official_compensatory_days(tmp_path: Path) -> None:
    # Drop every year's compensatory list: art. 111(3) must give the same days off.
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    for decision in data["years"].values():
        decision.pop("compensatory", None)
    path = tmp_path / "rules_only.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules_only = WorkCalendar.load(path)
    for year in range(2020, 2027):
        assert sorted(rules_only.days_off(year)) == sorted(CAL.days_off(year)), year


def test_rules_reproduce_tet_2026(tmp_path: Path) -> None:
    # The default split (1 day before, 4 after) is what 9441/TB-BNV decided for 2026.
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    del data["years"][2026]
    path = tmp_path / "no_2026.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    tet = {k for k, v in WorkCalendar.load(path).days_off(2026).items() if v == "Tết Nguyên đán"}
    assert tet == {d(f"{day}/02/2026") for day in (16, 17, 18, 19, 20)}


def test_years_outside_the_calendar_are_refused() -> None:
    with pytest.raises(ValueError, match="2000–2099"):
        CAL.is_working_day(date(1999, 12, 31))
    with pytest.raises(ValueError, match="2099"):
        CAL.add_working_days(datetime(2099, 12, 1, 9), 100)


# ---------------------------------------------------------------------------------------------
# Indices for bulk analytics
# ---------------------------------------------------------------------------------------------


def test_index_table() -> None:
    rows = CAL.index_table(2025, 2026)
    assert len(rows) == 365 * 2
    assert rows[0][0] == date(2025, 1, 1) and rows[-1][0] == date(2026, 12, 31)
    previous = CAL.working_day_index(date(2024, 12, 31))
    for day, index, working in rows:
        assert index == previous + working
        assert working == CAL.is_working_day(day)
        assert index == CAL.working_day_index(day)
        previous = index
    # 365 days − 104 weekend days − 12 non-weekend days off + 1 make-up Saturday.
    assert sum(working for _, _, working in rows[:365]) == 365 - 104 - 12 + 1


def test_index_starts_at_the_epoch() -> None:
    # 1/1/2000 is a Saturday, so Monday 3/1 is its nghỉ bù (rules, art. 111(3)).
    assert CAL.working_day_index(date(2000, 1, 1)) == 0
    assert CAL.working_day_index(date(2000, 1, 3)) == 0
    assert CAL.working_day_index(date(2000, 1, 4)) == 1


def test_default_calendar_is_shared() -> None:
    assert WorkCalendar.default() is WorkCalendar.default()
    assert WorkCalendar.default().days_off(2025) == CAL.days_off(2025)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 6, 30))
ZONES = st.sampled_from([None, LOCAL_TZ, UTC, timezone(timedelta(hours=-5))])
STARTS = st.builds(
    lambda day, seconds, zone: (
        datetime.combine(day, datetime.min.time()) + timedelta(seconds=seconds)
    ).replace(tzinfo=zone),
    DATES,
    st.integers(0, 86_399),
    ZONES,
)
COUNTS = st.integers(0, 400)


def local_date(value: datetime) -> date:
    return value.astimezone(LOCAL_TZ).date() if value.tzinfo else value.date()


@given(STARTS, st.integers(1, 400))
def test_deadline_is_a_working_day(start: datetime, n: int) -> None:
    assert CAL.is_working_day(local_date(CAL.add_working_days(start, n)))


@given(STARTS, COUNTS)
def test_counting_back_gives_n(start: datetime, n: int) -> None:
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


@given(STARTS, COUNTS)
def test_deadline_keeps_zone_and_local_clock_time(start: datetime, n: int) -> None:
    due = CAL.add_working_days(start, n)
    assert due.tzinfo is start.tzinfo
    if start.tzinfo is None:
        assert due.time() == start.time()
    else:
        assert due.astimezone(LOCAL_TZ).time() == start.astimezone(LOCAL_TZ).time()


@given(STARTS, COUNTS)
def test_deadlines_increase_with_n(start: datetime, n: int) -> None:
    assert CAL.add_working_days(start, n) < CAL.add_working_days(start, n + 1)


@given(DATES, DATES)
def test_index_difference_is_working_days_between(a: date, b: date) -> None:
    expected = CAL.working_days_between(a, b)
    if a <= b:
        assert CAL.working_day_index(b) - CAL.working_day_index(a) == expected
    else:
        assert expected == 0


@given(DATES)
def test_index_is_monotonic(day: date) -> None:
    after = day + timedelta(days=1)
    step = CAL.working_day_index(after) - CAL.working_day_index(day)
    assert step == int(CAL.is_working_day(after))


@given(DATES)
def test_working_day_definition(day: date) -> None:
    weekend = day.weekday() >= 5
    made_up = day in CAL.make_up_days(day.year)
    expected = made_up or (not weekend and day not in CAL.days_off(day.year))
    assert CAL.is_working_day(day) == expected
    if not weekend:
        assert (CAL.holiday_name(day) is None) == expected


@settings(max_examples=30)
@given(st.integers(2000, 2098))
def test_days_off_are_weekdays_and_not_working(year: int) -> None:
    for day in CAL.days_off(year):
        assert day.weekday() < 5 and not CAL.is_working_day(day)
    for day in CAL.make_up_days(year):
        assert day.weekday() >= 5 and CAL.is_working_day(day)


# ---------------------------------------------------------------------------------------------
# Validation of the data file
# ---------------------------------------------------------------------------------------------

RULES = textwrap.dedent(
    """\
    rules:
      solar_holidays:
        - {date: "01-01", name: Tết Dương lịch}
        - {date: "04-30", name: Ngày Chiến thắng}
        - {date: "05-01", name: Ngày Quốc tế Lao động}
        - {date: "09-02", name: Quốc khánh}
      national_day_adjacent:
        name: Quốc khánh
        default_by_weekday_of_sep_2:
          {monday: 1, tuesday: -1, wednesday: -1, thursday: 1, friday: -1, saturday: -1,
           sunday: 1}
      lunar_holidays:
        - {lunar_date: "03-10", name: Giỗ Tổ Hùng Vương}
      tet: {name: Tết Nguyên đán, days_before_new_year: 1, days_from_new_year: 4}
    """
)


def load_text(tmp_path: Path, text: str) -> WorkCalendar:
    path = tmp_path / "workdays.yaml"
    path.write_text(text, encoding="utf-8")
    return WorkCalendar.load(path)


def load_year(tmp_path: Path, year: int, body: str) -> WorkCalendar:
    indented = textwrap.indent(textwrap.dedent(body), "    ")
    return load_text(tmp_path, f"{RULES}years:\n  {year}:\n{indented}")


def test_minimal_file_loads(tmp_path: Path) -> None:
    calendar = load_year(
        tmp_path,
        2025,
        """\
        confirmed: true
        swaps:
          - {day_off: 2025-05-02, make_up_day: 2025-04-26, source: "6150/TB-BLĐTBXH"}
        """,
    )
    assert calendar.covered_years() == (2025,)
    assert calendar.is_working_day(d("26/04/2025"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (RULES + "extra: 1\n", "khóa không hợp lệ 'extra'"),
        ("rules: {}\n", "thiếu khóa"),
        (RULES + "years:\n  abc: {}\n", "năm 'abc' không hợp lệ"),
        (RULES + "years:\n  2150: {}\n", "năm '2150' không hợp lệ"),
        (RULES + "years: [2025]\n", "years"),
        ("rules: [\n", "cú pháp YAML"),
        (RULES.replace('"04-30"', '"04-31"'), r"rules\.solar_holidays\[1\]\.date: '04-31'"),
        (RULES.replace("days_before_new_year: 1", "days_before_new_year: 2"), "cộng lại bằng 5"),
        (RULES.replace("friday: -1", "friday: 2"), "friday"),
        (RULES + 'lunar_calendar:\n  "01-01": {2030: 2030-01-30}\n', "lunar_calendar.01-01"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_text(tmp_path, text)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("swap: []\n", r"năm 2025: khóa không hợp lệ 'swap'"),
        ('tet: {from: "2025-13-01", to: 2025-02-02, source: x}\n', r"tet'\.from: '2025-13-01'"),
        ("tet: {from: 2025-01-25, to: 2025-02-02}\n", r"tet'\.source"),
        ("tet: {from: 2025-02-02, to: 2025-02-09, source: x}\n", "không chứa mùng 1 Tết"),
        ("tet: {from: 2025-01-25, to: 2025-01-20, source: x}\n", "trước ngày bắt đầu"),
        ("tet: {from: 2024-01-25, to: 2025-02-02, source: x}\n", "không thuộc năm 2025"),
        ("tet: {from: 2025-01-10 08:00:00, to: 2025-02-02, source: x}\n", "không kèm giờ"),
        ("confirmed: yes please\n", "confirmed"),
        (
            "national_day_adjacent: {date: 2025-09-05, source: x}\n",
            "phải là 2025-09-01 hoặc 2025-09-03",
        ),
        (
            "swaps:\n  - {day_off: 2025-05-02, make_up_day: 2025-04-25, source: x}\n",
            r"swaps\[0\]'\.make_up_day: ngày làm bù 2025-04-25 \(thứ Sáu\) không phải thứ Bảy",
        ),
        (
            "swaps:\n  - {day_off: 2025-04-26, make_up_day: 2025-04-27, source: x}\n",
            r"swaps\[0\]'\.day_off: ngày được nghỉ 2025-04-26",
        ),
        (
            "swaps:\n  - {day_off: 2025-04-30, make_up_day: 2025-04-26, source: x}\n",
            "vốn đã là ngày nghỉ lễ",
        ),
        (
            # 1/2/2025 is a Saturday inside the rule-made Tết break: off and made up at once.
            "swaps:\n  - {day_off: 2025-02-03, make_up_day: 2025-02-01, source: x}\n",
            r"2025-02-01 vừa là ngày nghỉ \(Tết Nguyên đán\) vừa là ngày làm bù",
        ),
        (
            "swaps:\n  - {day_off: 2025-05-02, make_up_day: 2025-08-30, source: x}\n",
            "quá 60 ngày",
        ),
        (
            "swaps:\n  - {off: 2025-05-02, make_up_day: 2025-04-26, source: x}\n",
            "YAML hiểu on/off/yes/no",
        ),
        (
            "compensatory:\n  - {date: 2025-04-28, for: 2025-04-26, source: x}\n",
            "2025-04-26 không phải ngày lễ",
        ),
        (
            "compensatory:\n  - {date: 2025-04-28, for: 2025-04-25, source: x}\n",
            r"compensatory\[0\]'\.for: ngày lễ được bù 2025-04-25 \(thứ Sáu\)",
        ),
        (
            "compensatory:\n  - {date: 2025-05-03, for: 2025-04-26, source: x}\n",
            "rơi vào cuối tuần",
        ),
        (
            "compensatory:\n  - {date: 2025-04-30, for: 2025-04-26, source: x}\n",
            "đã là ngày lễ Ngày Chiến thắng",
        ),
        (
            "other_days_off:\n  - {date: 2025-05-02, name: A, source: x}\n"
            "swaps:\n  - {day_off: 2025-05-02, make_up_day: 2025-04-26, source: x}\n",
            "ngày 2025-05-02 đã được khai báo là ngày nghỉ hoán đổi",
        ),
    ],
)
def test_bad_year_entries_are_refused(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_year(tmp_path, 2025, body)


def test_the_same_make_up_day_twice_is_refused(tmp_path: Path) -> None:
    body = """\
        swaps:
          - {day_off: 2025-05-02, make_up_day: 2025-04-26, source: x}
          - {day_off: 2025-04-29, make_up_day: 2025-04-26, source: x}
        """
    with pytest.raises(ValueError, match="đã được khai báo cho một lần hoán đổi khác"):
        load_year(tmp_path, 2025, body)


def test_impossible_unquoted_date_names_its_line(tmp_path: Path) -> None:
    # PyYAML itself fails on 2025-02-30 without saying where; the message must.
    body = "tet: {from: 2025-01-25, to: 2025-02-30, source: x}\n"
    with pytest.raises(ValueError, match=r"dòng \d+: '2025-02-30' không phải ngày hợp lệ"):
        load_year(tmp_path, 2025, body)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Không đọc được"):
        WorkCalendar.load(tmp_path / "missing.yaml")


def test_packaged_file_is_the_default() -> None:
    data: Any = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    for year, decision in data["years"].items():
        # Every decided item names its source document.
        for key in ("tet", "national_day_adjacent"):
            assert decision[key]["source"], (year, key)
        for item in decision.get("compensatory", []) + decision.get("swaps", []):
            assert item["source"], year
    assert WorkCalendar.load().days_off(2024) == CAL.days_off(2024)
