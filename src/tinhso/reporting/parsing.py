"""Reading one typed value as a person writes it: "1.234,5", "53,8%", "có", "31/12/2025".

The same function reads a field of the data-entry page, a cell of an uploaded workbook and an
item of an API batch, so a value means the same wherever it comes from.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from tinhso.fmt import vn_number
from tinhso.text import fold, nfc
from tinhso.textcheck import text_problem

_GROUPED_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
_PLAIN = re.compile(r"^\d+$|^\d*\.\d+$|^\d+\.$")
TRUE_WORDS = {"co", "x", "1", "true", "yes", "dung", "đa co", "da co"}
FALSE_WORDS = {"khong", "0", "false", "no", "chua", "chua co"}
# Value types read as numbers; "integer" is a count and takes whole numbers only.
NUMBER_TYPES = ("number", "integer", "percentage")
MAX_TEXT = 4000


class BadValue(Exception):
    """A value that cannot be read as its element's type; the message is Vietnamese."""


@dataclass(frozen=True)
class Parsed:
    """A value as stored: a number, or a text (dates as ISO text), or nothing (blank)."""

    num: float | None = None
    text: str | None = None

    @property
    def blank(self) -> bool:
        """Return True when there is no value."""
        return self.num is None and self.text is None


def parse_number_text(raw: str) -> float:
    """Return the number written in ``raw`` with Vietnamese or English separators.

    One comma is a decimal comma (53,8); dots in groups of three are thousands (1.234.567);
    with both, the last one is the decimal mark (1.234,5 or 1,234.5). A single dot followed by
    exactly three digits ("1.250") is read the Vietnamese way, as 1250; "0.538" is a decimal.
    """
    s = raw.strip().replace("\u00a0", "").replace(" ", "")
    sign = 1.0
    if s.startswith(("-", "−")):
        sign, s = -1.0, s[1:]
    elif s.startswith("+"):
        s = s[1:]
    if not s or not re.fullmatch(r"[\d.,]+", s):
        raise BadValue(f"'{raw}' không phải là số")
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if dec == "," else ","
        whole, _, frac = s.rpartition(dec)
        grouped = _GROUPED_DOT if thousands == "." else _GROUPED_COMMA
        if not (grouped.match(whole) or whole.isdigit()) or not frac.isdigit():
            raise BadValue(f"'{raw}' không phải là số viết đúng dấu phân cách")
        return sign * float(whole.replace(thousands, "") + "." + frac)
    if "," in s:
        if s.count(",") == 1:
            whole, frac = s.split(",")
            if not frac.isdigit() or (whole and not whole.isdigit()):
                raise BadValue(f"'{raw}' không phải là số")
            return sign * float((whole or "0") + "." + frac)
        if _GROUPED_COMMA.match(s):
            return sign * float(s.replace(",", ""))
        raise BadValue(f"'{raw}' không phải là số viết đúng dấu phân cách")
    if s.count(".") > 1:
        if _GROUPED_DOT.match(s):
            return sign * float(s.replace(".", ""))
        raise BadValue(f"'{raw}' không phải là số viết đúng dấu phân cách")
    if re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", s):
        # Vietnamese write thousands with a dot: 1.250 hồ sơ is one thousand two hundred fifty.
        return sign * float(s.replace(".", ""))
    if not _PLAIN.match(s):
        raise BadValue(f"'{raw}' không phải là số")
    return sign * float(s)


# Far above any count or amount in đồng, low enough that sums over every unit of a province
# stay finite (two values of 1e308 summed to infinity, which no JSON answer can carry).
MAX_NUMBER = 1e15


def _finite(x: float, raw: object) -> float:
    if math.isnan(x) or math.isinf(x):
        raise BadValue(f"'{raw}' không phải là số")
    if abs(x) > MAX_NUMBER:
        raise BadValue(f"'{raw}' vượt quá {vn_number(MAX_NUMBER)} (giá trị tuyệt đối)")
    return x


def parse_value(
    value_type: str, raw: object, *, percent_format: bool = False, in_percent: bool = False
) -> Parsed:
    """Return the value of ``raw`` read as ``value_type``; raise BadValue with the reason.

    ``percent_format`` says that a spreadsheet cell was formatted as a percentage, so that
    Excel's 0.538 is the 53.8% the person typed; ``in_percent`` that the number is known to be
    in percent (a template cell showing a literal "%"), so 0.5 is 0.5%. Percentages are stored
    in percent (0–100).
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Parsed()
    if value_type == "integer":
        x = _number("number", raw, False, False)
        if not float(x).is_integer():
            raise BadValue(
                f"'{raw}' không phải là số nguyên: chỉ tiêu này đếm số lượng, "
                "hãy ghi số nguyên (ví dụ 1.234)"
            )
        return Parsed(num=x)
    if value_type in ("number", "percentage"):
        return Parsed(num=_number(value_type, raw, percent_format, in_percent))
    if value_type == "boolean":
        if isinstance(raw, bool):
            return Parsed(num=1.0 if raw else 0.0)
        if isinstance(raw, int | float):
            if raw in (0, 1):
                return Parsed(num=float(raw))
            raise BadValue(f"'{raw}' không phải là Có/Không")
        word = fold(str(raw)).strip()
        if word in TRUE_WORDS:
            return Parsed(num=1.0)
        if word in FALSE_WORDS:
            return Parsed(num=0.0)
        raise BadValue(f"'{raw}' không phải là Có/Không")
    if value_type == "date":
        if isinstance(raw, datetime):
            return Parsed(text=raw.date().isoformat())
        if isinstance(raw, date):
            return Parsed(text=raw.isoformat())
        s = str(raw).strip()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return Parsed(text=datetime.strptime(s, fmt).date().isoformat())
            except ValueError:
                continue
        raise BadValue(f"'{raw}' không phải là ngày (dd/mm/yyyy)")
    return Parsed(text=clean_text(str(raw)).strip())


def clean_text(raw: str, what: str = "văn bản") -> str:
    """Return ``raw`` in NFC; raise BadValue for a control character or a text too long.

    PostgreSQL refuses NUL in text and an XLSX cell cannot hold the other controls (a stored one
    would break every later template); tab and line breaks are kept (``textcheck``)."""
    text = nfc(raw)
    problem = text_problem(text, what=what, max_length=len(text), multiline=True)
    problem = problem or text_problem(text.strip(), what=what, max_length=MAX_TEXT, multiline=True)
    if problem:
        raise BadValue(problem)
    return text


def _number(value_type: str, raw: object, percent_format: bool, in_percent: bool) -> float:
    if isinstance(raw, bool):
        raise BadValue(f"'{raw}' không phải là số")
    if isinstance(raw, int | float):
        try:
            x = _finite(float(raw), raw)
        except OverflowError:  # an integer beyond any float (10**400 in a JSON batch)
            raise BadValue(f"'{raw}' không phải là số") from None
        if value_type == "percentage" and percent_format:
            return round(x * 100, 10)
        return _percent_checked(value_type, x, raw, has_sign=in_percent)
    s = str(raw).strip()
    has_sign = s.endswith("%")
    if has_sign and value_type != "percentage":
        raise BadValue(f"'{raw}' có dấu % nhưng chỉ tiêu không phải là tỷ lệ")
    x = _finite(parse_number_text(s.rstrip("%").strip()), raw)
    return _percent_checked(value_type, x, raw, has_sign=has_sign or in_percent)


def _percent_checked(value_type: str, x: float, raw: object, *, has_sign: bool) -> float:
    if value_type == "percentage" and not has_sign and 0 < x < 1:
        # 0.538 may be 53.8% written as a fraction, or 0.538%: refuse rather than guess.
        raise BadValue(
            f"tỷ lệ '{raw}' không rõ nghĩa: ghi {vn_number(x * 100, 1)} hoặc "
            f"{vn_number(x * 100, 1)}% nếu là {vn_number(x * 100, 1)}%, "
            f"hoặc {vn_number(x, 3)}% nếu đúng là {vn_number(x, 3)}%"
        )
    return x


def display(value_type: str, num: float | None, text: str | None) -> str:
    """Return a stored value as the entry page shows it ("1.234", "53,8", "Có", "31/12/2025")."""
    if value_type in NUMBER_TYPES:
        if num is None:
            return ""
        decimals = 0 if float(num).is_integer() else len(f"{num:.6f}".rstrip("0").split(".")[1])
        # A percentage shows its sign, so that 0,5% reads back as 0.5% and not as a fraction.
        return vn_number(num, decimals) + ("%" if value_type == "percentage" else "")
    if value_type == "boolean":
        return "" if num is None else ("Có" if num else "Không")
    if value_type == "date" and text:
        return date.fromisoformat(text).strftime("%d/%m/%Y")
    return text or ""
