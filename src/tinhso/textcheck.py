"""One check for every text a person, a form or a file sends before it is stored or looked up.

PostgreSQL refuses a NUL in a text and a value longer than its column (a 500 if it reaches the
database); SQLite stores both without complaint. A lone surrogate ("\\ud800" in JSON) cannot be
encoded at all. So every channel (page, API, CLI, file) checks its texts here first, and the
refusal names the row, the field and the reason on both databases alike.
"""

from __future__ import annotations

import re

from tinhso.errors import FieldError
from tinhso.fmt import vn_number
from tinhso.text import nfc

# C0 and C1 controls, DEL and lone surrogates; a multi-line text keeps tab and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same characters as an RE2 class, for checks made in DuckDB (surrogates cannot be in UTF-8).
CONTROL_SQL = r"[\x00-\x1f\x7f-\x9f]"
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, *, what: str, max_length: int, multiline: bool = False) -> str | None:
    """Return why ``value`` (as it would be stored) cannot be stored, in Vietnamese, or None."""
    bad = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value)
    if bad is not None:
        code = ord(bad.group())
        kind = "ký tự không hợp lệ" if 0xD800 <= code <= 0xDFFF else "ký tự điều khiển"
        return f"{what} có {kind} (U+{code:04X}) không được phép; hãy xóa ký tự này"
    if len(value) > max_length:
        return (
            f"{what} dài {vn_number(len(value))} ký tự, "
            f"vượt quá giới hạn {vn_number(max_length)} ký tự"
        )
    return None


def check_text(
    errors: list[FieldError],
    raw: str | None,
    *,
    field: str,
    what: str,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
    row: int | None = None,
) -> str:
    """Return ``raw`` as it is stored (NFC, trimmed); append to ``errors`` why it cannot be.

    The refused value is not echoed back: it may be a megabyte long or hold the very
    characters that cannot be shown.
    """
    value = nfc(raw or "").strip()
    if required and not value:
        errors.append(FieldError(field, f"{what} không được để trống", row=row))
        return value
    problem = text_problem(value, what=what, max_length=max_length, multiline=multiline)
    if problem is not None:
        errors.append(FieldError(field, problem, row=row))
    return value
