"""One validation path for dossier records, whatever they came in: a file (CSV in any
Vietnamese encoding, XLSX, NDJSON, Parquet) or an API batch.

The records are staged as text in an in-process DuckDB, then checked with set-based SQL:
every field, the references (procedure, agency, commune), the caller's scope, impossible
dates, and a code repeated with different data. Memory stays bounded — DuckDB streams the
file and spills to disk — so a 2 GB export is checked like a 20-row one.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import duckdb

from tinhso.duck import connect
from tinhso.errors import FieldError, InvalidInput
from tinhso.fmt import vn_number
from tinhso.services.fields import CODES, DOSSIER_FIELDS, FIELDS_BY_NAME, Field, date_window
from tinhso.services.filecheck import check_quotes, duck_refusal
from tinhso.text import decode_bytes, fold, repair_text
from tinhso.textcheck import CONTROL_SQL
from tinhso.uploads import check_spreadsheet, empty_sheet, unreadable_spreadsheet

SAMPLE = 1 << 20
CHUNK = 1 << 22
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
}

_TRUE = ("1", "true", "có", "co", "x", "yes", "đúng")
_FALSE = ("0", "false", "không", "khong", "no", "sai", "")
_TS_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def _alias_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for f in DOSSIER_FIELDS:
        for alias in (f.name, *f.aliases):
            out[fold(alias).replace("_", " ")] = f.name
    return out


ALIASES = _alias_map()


class Staged:
    """A staged upload: DuckDB connection with table ``src`` (text columns + row_no)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, encoding: str | None, total: int) -> None:
        self.con = con
        self.encoding = encoding
        self.total = total
        # Agencies whose existing dossiers the caller may replace (None: all of them).
        self.allowed_agencies: set[int] | None = None

    def close(self) -> None:
        """Release the DuckDB connection."""
        self.con.close()


def _transcode(path: Path, encoding: str, work: Path) -> Path:
    """Return a UTF-8 copy of a legacy-encoded CSV, streamed in chunks."""
    if encoding in ("utf-8", "utf-8-sig"):
        return path
    out = work / "transcoded.csv"
    if encoding in ("cp1258", "utf-16"):
        decoder = codecs.getincrementaldecoder(encoding)()
        with path.open("rb") as src, out.open("w", encoding="utf-8") as dst:
            while chunk := src.read(CHUNK):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
        return out
    # TCVN3 is one byte a letter; VNI composes a letter with the byte after it, so a chunk
    # never ends between a letter and its marks: cut at the last newline.
    with path.open("rb") as src, out.open("w", encoding="utf-8") as dst:
        rest = b""
        while chunk := src.read(CHUNK):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            dst.write(_decode(data[:cut], encoding))
            rest = data[cut:]
        if rest:
            dst.write(_decode(rest, encoding))
    return out


def _decode(data: bytes, encoding: str) -> str:
    from tinhso.text import decode_tcvn3, decode_vni

    return decode_tcvn3(data) if encoding == "tcvn3" else decode_vni(data)


def sql_string(value: object) -> str:
    """Return a SQL string literal: headers come from users' files, so quotes are doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """Return a SQL quoted identifier, with embedded double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    """Return a path as a SQL string literal (views cannot take prepared parameters)."""
    return sql_string(path)


def _header_map(headers: Sequence[str]) -> tuple[dict[str, str], list[FieldError]]:
    """Return raw header → field, and the header problems."""
    mapping: dict[str, str] = {}
    errors: list[FieldError] = []
    seen: dict[str, str] = {}
    for i, head in enumerate(headers):
        key = fold(repair_text(head)[0]).replace("_", " ")
        if not key or key.startswith("column"):
            errors.append(
                FieldError(
                    f"cột {i + 1}",
                    "ô tiêu đề trống (có thể do gộp ô); mỗi cột phải có tiêu đề riêng",
                    row=1,
                )
            )
            continue
        name = ALIASES.get(key)
        if name is None:
            continue
        if name in seen:
            errors.append(FieldError(head, f"cột trùng ý nghĩa với cột '{seen[name]}'", row=1))
            continue
        seen[name] = head
        mapping[head] = name
    for f in DOSSIER_FIELDS:
        if f.required and f.name not in seen:
            errors.append(FieldError(f.name, f"thiếu cột bắt buộc '{f.label}' ({f.name})", row=1))
    return mapping, errors


def _project(
    con: duckdb.DuckDBPyConnection, raw: str, offset: int, row_no: str | None = None
) -> int:
    """Create table ``src`` with the canonical columns; return the row count.

    ``row_no`` is the source's own row number column (0-based), when it has one: numbering by
    a window instead makes DuckDB read the whole source in one thread.
    """
    headers = [r[0] for r in con.execute(f'DESCRIBE "{raw}"').fetchall()]
    if row_no == "rowid" and "rowid" in headers:  # a column of the file shadows the row id
        row_no = None
    headers = [h for h in headers if h != row_no]
    mapping, errors = _header_map(headers)
    if errors:
        raise InvalidInput("tiêu đề của tệp không hợp lệ", errors)
    by_field = {v: k for k, v in mapping.items()}
    cols = []
    for f in DOSSIER_FIELDS:
        if f.name in by_field:
            cols.append(
                f"nullif(trim(CAST({sql_ident(by_field[f.name])} AS VARCHAR)), '') AS {f.name}"
            )
        else:
            cols.append(f"CAST(NULL AS VARCHAR) AS {f.name}")
    number = f"{row_no} + 1" if row_no else "row_number() OVER ()"
    con.execute(
        f"CREATE OR REPLACE TABLE src AS SELECT {number} + {offset} AS row_no, "
        f'{", ".join(cols)} FROM "{raw}"'
    )
    return int(con.execute("SELECT count(*) FROM src").fetchone()[0])  # type: ignore[index]


def stage_file(path: Path, filename: str, work: Path) -> Staged:
    """Return the upload staged as text; raise InvalidInput for an unreadable file or header."""
    kind = FORMATS.get(Path(filename).suffix.lower())
    if kind is None:
        raise InvalidInput(
            f"định dạng tệp '{Path(filename).suffix}' không được hỗ trợ (CSV, XLSX, NDJSON, Parquet)"
        )
    con = connect(temp_dir=work / "spill")
    encoding: str | None = None
    row_no: str | None = "rowid"  # tables number their rows in insertion (file) order
    try:
        if kind == "csv":
            with path.open("rb") as f:
                sample = f.read(SAMPLE)
            encoding = decode_bytes(sample)[1]
            src = _transcode(path, encoding, work)
            # The quoting is RFC 4180's once checked: a doubled quote is a quote (DuckDB's
            # sniffer may take it for none), and DuckDB's parallel reader cannot pad short
            # rows when a quoted cell spans lines.
            quoting = check_quotes(src, filename)
            serial = "" if quoting is None else ", quote='\"', escape='\"'"
            serial += ", parallel=false" if quoting else ""
            con.execute(
                "CREATE TABLE raw AS SELECT * FROM read_csv(?, all_varchar=true, header=true, "
                f"auto_detect=true, strict_mode=false, null_padding=true{serial})",
                [str(src)],
            )
            offset = 1
        elif kind == "parquet":
            con.execute(
                f"CREATE VIEW raw AS SELECT * FROM read_parquet({_literal(path)}, file_row_number=true)"
            )
            row_no, offset = "file_row_number", 0
        elif kind == "ndjson":
            con.execute(
                f"CREATE VIEW raw AS SELECT * FROM read_json({_literal(path)}, "
                "format='newline_delimited', sample_size=-1)"
            )
            row_no, offset = None, 0
        else:
            offset = _stage_xlsx(con, path, filename, work)
        total = _project(con, "raw", offset, row_no)
    except duckdb.Error as exc:
        con.close()
        raise duck_refusal(kind, filename, exc) from exc
    except BaseException:
        con.close()
        raise
    return Staged(con, encoding, total)


def _stage_xlsx(con: duckdb.DuckDBPyConnection, path: Path, filename: str, work: Path) -> int:
    from python_calamine import CalamineWorkbook

    check_spreadsheet(path, filename)
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_name(book.sheet_names[0])
        rows: Iterator[list[Any]] = iter(sheet.iter_rows())
    except Exception as exc:  # calamine raises its own types (English, with paths)
        raise unreadable_spreadsheet(filename) from exc
    try:
        header = [str(c).strip() if c is not None else "" for c in next(rows)]
    except StopIteration:
        raise empty_sheet(filename) from None
    names = [h or f"column{i}" for i, h in enumerate(header)]
    out = work / "sheet.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for r in rows:
            w.writerow([_xlsx_cell(c) for c in r])
    columns = ", ".join(sql_string(n) + ": 'VARCHAR'" for n in names)
    con.execute(
        "CREATE TABLE raw AS SELECT * FROM read_csv(?, all_varchar=true, header=true, auto_detect=false,"
        f" columns={{{columns}}})",
        [str(out)],
    )
    return 1


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return repair_text(str(value))[0]


def stage_records(records: Sequence[dict[str, Any]], work: Path) -> Staged:
    """Return an API batch staged as text (row_no is the 1-based position in the batch)."""
    con = connect(temp_dir=work / "spill")
    columns = (
        "{'row_no': 'BIGINT', " + ", ".join(f"'{f.name}': 'VARCHAR'" for f in DOSSIER_FIELDS) + "}"
    )
    path = work / "batch.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for i, rec in enumerate(records, start=1):
            row: dict[str, object] = {"row_no": i}
            for f in DOSSIER_FIELDS:
                v = rec.get(f.name)
                row[f.name] = None if v is None or v == "" else str(v)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    con.execute(
        f"CREATE TABLE src AS SELECT * FROM read_json(?, format='newline_delimited', columns={columns})",
        [str(path)],
    )
    return Staged(con, None, len(records))


def typed_expr(f: Field) -> str:
    """Return the DuckDB expression that turns the text column into its typed value (NULL if bad)."""
    c = f.name
    if f.kind == "int":
        return f"TRY_CAST({c} AS BIGINT)"
    if f.kind == "float":
        return f"TRY_CAST(replace({c}, ',', '.') AS DOUBLE)"
    if f.kind == "bool":
        t = ", ".join(f"'{v}'" for v in _TRUE)
        fl = ", ".join(f"'{v}'" for v in _FALSE)
        return f"CASE WHEN lower({c}) IN ({t}) THEN TRUE WHEN lower({c}) IN ({fl}) THEN FALSE END"
    if f.kind == "ts":
        tries = [f"TRY_CAST({c} AS TIMESTAMPTZ)"] + [
            f"CAST(try_strptime({c}, '{fmt}') AS TIMESTAMPTZ)" for fmt in _TS_FORMATS
        ]
        return f"coalesce({', '.join(tries)})"
    return c


def _bounds(f: Field, value: str) -> list[tuple[str, str]]:
    """Return the checks of a number's range: (condition on ``value``, reason)."""
    out = []
    if f.minimum is not None:
        out.append((f"{value} < {f.minimum:g}", f"không được nhỏ hơn {vn_number(f.minimum)}"))
    if f.maximum is not None:
        out.append((f"{value} > {f.maximum:g}", f"không được lớn hơn {vn_number(f.maximum)}"))
    return out


def field_checks(f: Field, typed: str | None = None) -> list[tuple[str, str]]:
    """Return (SQL condition that is TRUE when the value is wrong, SQL expression of the
    Vietnamese reason): every check of a record's field, in one place for every channel.

    The conditions read the text column; ``typed`` names its already typed value, if there is one.
    """
    c, typed = f.name, typed or typed_expr(f)
    checks: list[tuple[str, str]] = []
    if f.required:
        checks.append((f"{c} IS NULL", sql_string("bắt buộc phải có")))
    if f.kind == "text":
        checks += _text_checks(f)
    reason = {
        "int": "phải là số nguyên",
        "float": "phải là số (dấu thập phân là dấu phẩy hoặc dấu chấm)",
        "bool": "phải là có/không (1/0)",
        "ts": "ngày giờ không hợp lệ (dùng YYYY-MM-DD HH:MM hoặc DD/MM/YYYY HH:MM)",
    }.get(f.kind)
    number = f"TRY_CAST(replace({c}, ',', '.') AS DOUBLE)"
    bounds = _bounds(f, number)
    if f.kind == "int" and bounds:
        # A whole number too large for BIGINT (10^23) is out of range, not "not a number".
        out_of_range = (
            f"coalesce(isfinite({number}) AND ({' OR '.join(b for b, _ in bounds)}), FALSE)"
        )
        checks.append(
            (
                f"{c} IS NOT NULL AND {typed} IS NULL AND NOT {out_of_range}",
                sql_string(reason or ""),
            )
        )
        for (cond, why), (plain, _why) in zip(_bounds(f, typed), bounds, strict=True):
            checks.append(
                (
                    f"{c} IS NOT NULL AND ({cond} OR ({typed} IS NULL AND "
                    f"coalesce(isfinite({number}) AND {plain}, FALSE)))",
                    sql_string(why),
                )
            )
    elif reason:
        checks.append((f"{c} IS NOT NULL AND {typed} IS NULL", sql_string(reason)))
    if f.kind == "float":
        checks.append(
            (
                f"{typed} IS NOT NULL AND NOT isfinite({typed})",
                sql_string("phải là một số hữu hạn (không nhận NaN hay Infinity)"),
            )
        )
        for cond, why in _bounds(f, typed):
            checks.append((f"isfinite({typed}) AND {cond}", sql_string(why)))
    if f.kind == "ts":
        window = date_window()
        checks.append(
            (
                f"{typed} IS NOT NULL AND NOT ({typed} >= '{window.start.isoformat()}'::TIMESTAMPTZ "
                f"AND {typed} < '{window.end.isoformat()}'::TIMESTAMPTZ)",
                sql_string(window.reason),
            )
        )
    if f.allowed is not None:
        allowed = ", ".join(str(a) for a in f.allowed)
        checks.append(
            (
                f"{typed} IS NOT NULL AND {typed} NOT IN ({allowed})",
                sql_string(f"phải là một trong: {allowed}"),
            )
        )
    return checks


def _text_checks(f: Field) -> list[tuple[str, str]]:
    """Return the checks of a text (the rules of ``textcheck``, as set-based SQL)."""
    c, what = f.name, f.label or f.name
    found = f"regexp_extract({c}, '{CONTROL_SQL}')"
    checks = [
        (
            f"regexp_matches({c}, '{CONTROL_SQL}')",
            f"{sql_string(what + ' có ký tự điều khiển (')} || printf('U+%04X', unicode({found}))"
            f" || {sql_string(') không được phép; hãy xóa ký tự này')}",
        )
    ]
    if f.name in CODES:
        checks.append(
            (
                f"contains({c}, '\"')",
                sql_string(
                    f'{what} có dấu ngoặc kép (") — có thể dấu ngoặc của tệp CSV bị lệch; '
                    "hãy sửa tệp"
                ),
            )
        )
    if f.max_length is not None:
        checks.append(
            (
                f"length({c}) > {f.max_length}",
                f"{sql_string(what + ' dài ')} || replace(format('{{:,}}', length({c})), ',', '.')"
                f" || {sql_string(f' ký tự, vượt quá giới hạn {vn_number(f.max_length)} ký tự')}",
            )
        )
    return checks


__all__ = ["FIELDS_BY_NAME", "Staged", "field_checks", "stage_file", "stage_records", "typed_expr"]
