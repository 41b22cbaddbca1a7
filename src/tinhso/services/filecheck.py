"""What DuckDB's readers let through or say in English: a CSV's broken quotes, and their own
messages, which name the server's temporary files.

DuckDB reads a CSV leniently (``strict_mode=false``, so that rows with fewer or more cells than
the header still load) and then keeps an unclosed quote as text: ``"RT-Q1`` became a code. The
standard csv module, strict, reads the quoting as RFC 4180 defines it; it runs only over a file
that holds a quote character at all, so a machine export without quotes costs one byte search.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from tinhso.errors import FieldError, InvalidInput

CHUNK = 1 << 22
DELIMITERS = ",;|\t"
# DuckDB's own bound on a CSV line; a longer one fails there anyway.
MAX_LINE = 2 << 20
QUOTE_ADVICE = (
    "một ô có dấu phẩy hay xuống dòng phải nằm trọn trong cặp dấu ngoặc kép, dấu ngoặc kép bên "
    'trong ô viết hai lần ("")'
)
_REASONS = (
    ("unexpected end of data", "dấu ngoặc kép mở ở dòng này không được đóng đến hết tệp"),
    ("expected after", "sau dấu ngoặc kép đóng ô phải là dấu phân cách hoặc hết dòng"),
    ("field larger than field limit", "dòng dài hơn 2 MB"),
    ("new-line character seen in unquoted field", "ký tự xuống dòng lạ nằm giữa một ô"),
)


def _has_quote(path: Path) -> bool:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if b'"' in chunk:
                return True
    return False


def check_quotes(path: Path, filename: str) -> bool | None:
    """Raise InvalidInput naming the line of a malformed quote in a UTF-8 CSV; return whether a
    quoted cell spans lines (DuckDB then reads the file in one thread), None with no quote."""
    if not _has_quote(path):
        return None
    if csv.field_size_limit() < MAX_LINE:
        csv.field_size_limit(MAX_LINE)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        first = f.readline()
        delimiter = max(DELIMITERS, key=first.count)
        f.seek(0)
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        spans = False
        while True:
            start = reader.line_num + 1
            try:
                next(reader)
            except StopIteration:
                return spans
            except csv.Error as exc:
                reason = next(
                    (vi for en, vi in _REASONS if en in str(exc)),
                    "dòng không đúng định dạng CSV (dấu ngoặc kép đặt sai)",
                )
                raise InvalidInput(
                    f"tệp '{Path(filename).name}' có dấu ngoặc kép đặt sai ở dòng {start}: "
                    f"{reason}; hãy sửa dòng đó rồi tải lên lại ({QUOTE_ADVICE})",
                    [FieldError("tệp", reason, row=start)],
                ) from None
            spans = spans or reader.line_num > start


_LINE = re.compile(r"(?:Line|line):? (\d+)")

_KINDS = {
    "csv": (
        "tệp không đọc được như một bảng CSV (một dòng có nhiều ô hơn dòng tiêu đề, một dòng "
        "quá dài, hoặc tệp không phải văn bản)",
        "hãy mở tệp bằng Excel hoặc LibreOffice, kiểm tra dòng đó, lưu lại dạng CSV UTF-8 rồi "
        "tải lên",
    ),
    "parquet": (
        "tệp không phải tệp Parquet hợp lệ (bị hỏng, bị cắt cụt hoặc là định dạng khác)",
        "hãy xuất lại tệp từ hệ thống nguồn rồi tải lên",
    ),
    "ndjson": (
        "tệp không phải NDJSON hợp lệ (mỗi dòng phải là một đối tượng JSON)",
        "hãy sửa dòng đó hoặc xuất lại tệp từ hệ thống nguồn rồi tải lên",
    ),
    "xlsx": (
        "không đọc được dữ liệu của trang tính",
        "hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi tải lên",
    ),
}


def duck_refusal(kind: str, filename: str, exc: duckdb.Error) -> InvalidInput:
    """Return a DuckDB reader's failure said in Vietnamese, with the line when it names one
    (its own message is English and holds the server's temporary paths)."""
    reason, advice = _KINDS.get(kind, _KINDS["csv"])
    found = _LINE.search(str(exc))
    row = int(found[1]) if found else None
    if row is not None and kind == "ndjson":
        row -= 1  # its JSON reader counts the lines from 2
    where = f" (dòng {row})" if row is not None else ""
    return InvalidInput(
        f"không đọc được tệp '{Path(filename).name}'{where}: {reason}; {advice}",
        [FieldError("tệp", reason, row=row)],
    )
