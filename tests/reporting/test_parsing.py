"""Values as people write them, and reporting periods of every type."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.errors import InvalidInput
from tinhso.fmt import vn_number
from tinhso.reporting.parsing import BadValue, Parsed, display, parse_number_text, parse_value
from tinhso.reporting.periods import parse_report_period, period_containing, periods_between


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("53,8", 53.8),
        ("1.250", 1250.0),
        ("1.234.567", 1234567.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        ("0.538", 0.538),
        ("12.5", 12.5),
        ("-3", -3.0),
        (" 7 ", 7.0),
    ],
)
def test_numbers(raw: str, expected: float) -> None:
    assert parse_number_text(raw) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("hai mươi", "'hai mươi' không phải là số"),
        ("1.23.4", "'1.23.4' không phải là số viết đúng dấu phân cách"),
        ("1,2,3", "'1,2,3' không phải là số viết đúng dấu phân cách"),
        ("12a", "'12a' không phải là số"),
    ],
)
def test_not_numbers(raw: str, reason: str) -> None:
    with pytest.raises(BadValue) as exc:
        parse_number_text(raw)
    assert str(exc.value) == reason


def test_percentages() -> None:
    assert parse_value("percentage", "53,8%") == Parsed(num=53.8)
    assert parse_value("percentage", "53,8") == Parsed(num=53.8)
    assert parse_value("percentage", 0.538, percent_format=True).num == pytest.approx(53.8)
    assert parse_value("percentage", "0,5%") == Parsed(num=0.5)
    assert parse_value("percentage", 0) == Parsed(num=0.0)
    with pytest.raises(BadValue, match="không rõ nghĩa"):
        parse_value("percentage", "0.538")
    with pytest.raises(BadValue, match="không rõ nghĩa"):
        parse_value("percentage", 0.538)
    # A template cell that shows a literal "%" holds percent: 0.5 there is 0.5%.
    assert parse_value("percentage", 0.5, in_percent=True) == Parsed(num=0.5)
    assert display("percentage", 0.5, None) == "0,5%"
    assert parse_value("percentage", display("percentage", 0.5, None)) == Parsed(num=0.5)
    with pytest.raises(BadValue, match="chỉ tiêu không phải là tỷ lệ"):
        parse_value("number", "12%")


def test_other_types() -> None:
    assert parse_value("boolean", "có") == Parsed(num=1.0)
    assert parse_value("boolean", "Không") == Parsed(num=0.0)
    assert parse_value("date", "31/12/2025") == Parsed(text="2025-12-31")
    assert parse_value("date", date(2025, 2, 1)) == Parsed(text="2025-02-01")
    assert parse_value("text", "  Khó khăn  ") == Parsed(text="Khó khăn")
    assert parse_value("number", "") == Parsed()
    with pytest.raises(BadValue, match="Có/Không"):
        parse_value("boolean", "chắc là có")
    with pytest.raises(BadValue, match="dd/mm/yyyy"):
        parse_value("date", "32/13/2025")
    assert (
        display("boolean", 1.0, None) == "Có"
        and display("date", None, "2025-12-31") == "31/12/2025"
    )


@given(st.integers(min_value=0, max_value=10**12))
def test_vietnamese_written_integers_read_back(n: int) -> None:
    assert parse_number_text(vn_number(n)) == n


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_vietnamese_written_decimals_read_back(x) -> None:  # type: ignore[no-untyped-def]
    text = vn_number(float(x), 2)
    assert parse_number_text(text) == pytest.approx(float(x))


def test_periods() -> None:
    w = parse_report_period("2025-W27")
    assert (w.type, w.first, w.last) == ("weekly", date(2025, 6, 30), date(2025, 7, 6))
    assert w.label == "Tuần 27/2025 (30/06–06/07)"
    assert parse_report_period("2025-H1").type == "six_monthly"
    assert parse_report_period("2025-Q3").previous().code == "2025-Q2"
    assert parse_report_period("2025-01").previous().code == "2024-12"
    assert parse_report_period("2026-W01").previous().code == "2025-W52"
    assert period_containing("weekly", date(2024, 12, 30)).code == "2025-W01"
    assert [p.code for p in periods_between("six_monthly", date(2024, 5, 1), date(2025, 7, 1))] == [
        "2024-H1",
        "2024-H2",
        "2025-H1",
        "2025-H2",
    ]
    with pytest.raises(InvalidInput) as exc:
        parse_report_period("2025-W54")
    assert exc.value.errors[0].reason == "năm 2025 không có tuần 54"


@pytest.mark.parametrize("code", ["0000", "0001-01", "0001-W01", "9999", "9999-12", "9999-W52"])
def test_periods_beyond_the_calendar_are_refused(code: str) -> None:
    # Years the calendar cannot hold (or whose neighbours and deadlines it cannot) used to
    # raise ValueError or OverflowError, a 500 on every route taking a period.
    with pytest.raises(InvalidInput) as exc:
        parse_report_period(code)
    assert exc.value.errors[0].reason == "năm từ 1900 đến 2999"


def test_a_number_too_large_for_a_float_is_refused() -> None:
    with pytest.raises(BadValue) as exc:
        parse_value("number", 10**400)
    assert str(exc.value) == f"'{10**400}' không phải là số"


@pytest.mark.parametrize("raw", [1e308, -(10**16), "10.000.000.000.000.000"])
def test_numbers_beyond_what_a_sum_can_hold_are_refused(raw: object) -> None:
    # Two communes reporting 1e308 summed to infinity in the province's roll-up, which no JSON
    # answer can carry; a bound far above any count or amount in đồng keeps sums finite.
    with pytest.raises(BadValue) as exc:
        parse_value("number", raw)
    assert "vượt quá 1.000.000.000.000.000" in str(exc.value)
    assert parse_value("number", 10**15).num == 1e15
