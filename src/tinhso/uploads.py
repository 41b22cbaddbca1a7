"""Bounds on what an uploaded spreadsheet may expand to, checked before any reader opens it.

An XLSX (or ODS) file is a ZIP archive of XML parts: 400 KB on disk can hold a 400 MB shared
string, or a million rows, which the readers (python-calamine, openpyxl) would load whole into
memory. Every upload path calls :func:`check_spreadsheet` first. It reads the archive's central
directory (members, declared sizes, compression ratio), then inflates each member in bounded
chunks, counting what really comes out: the declared sizes are the sender's word, and a member
that inflates beyond them, a text longer than a cell may hold, or a sheet with more rows or cells
than allowed is refused there, before a reader starts. The limits are settings (``TINHSO_*``,
docs/operator-guide.md); the ratio bound is the one Apache POI applies to the same files.

The standard library's zipfile stops reading a member at its declared size; the check inflates
the raw data with zlib itself so that a member lying about its size is caught, not truncated.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tinhso.errors import FieldError, InvalidInput
from tinhso.fmt import vn_number as number

MIB = 1 << 20
CHUNK = 1 << 20
MAX_MEMBERS = 10_000
# A small part (styles, a content-types list) may compress far better than the data: the ratio
# applies from this size on.
RATIO_FROM = MIB
# A cell's text in the XML is longer than its characters: UTF-8, entities ("&amp;", "&#x1F600;").
XML_BYTES_PER_CHAR = 10
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".ods")
# The cell reference of each cell; a literal prefix keeps the scan fast.
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})')
_ROW_NUMBER = re.compile(rb'<row r="([0-9]{1,10})"')
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
WHAT_TO_DO = "hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi tải lên, hoặc chia tệp nhỏ hơn"


@dataclass(frozen=True)
class Limits:
    """What one uploaded spreadsheet may hold once unpacked."""

    unpacked_bytes: int = 1024 * MIB
    member_bytes: int = 512 * MIB
    ratio: int = 100
    rows: int = 1_048_576
    cells: int = 20_000_000
    cell_chars: int = 32_767

    @classmethod
    def from_settings(cls) -> Limits:
        """Return the limits the installation's settings give."""
        from tinhso.config import get_settings

        s = get_settings()
        return cls(
            unpacked_bytes=s.upload_unpacked_max_mb * MIB,
            member_bytes=s.upload_member_max_mb * MIB,
            ratio=s.upload_max_ratio,
            rows=s.upload_max_rows,
            cells=s.upload_max_cells,
            cell_chars=s.upload_cell_max_chars,
        )


def _refuse(filename: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"tệp '{Path(filename).name}' bị từ chối: {reason}; {WHAT_TO_DO}",
        [FieldError("tệp", reason)],
    )


def unreadable_spreadsheet(filename: str) -> InvalidInput:
    """Return the refusal of a spreadsheet no reader can open (the readers' own messages are
    English and name the server's temporary files)."""
    reason = (
        "không đọc được tệp như một bảng tính Excel (.xlsx) — tệp bị hỏng, bị cắt cụt hoặc "
        "không phải tệp Excel dù có đuôi như vậy"
    )
    return InvalidInput(
        f"không đọc được tệp '{Path(filename).name}': {reason}; "
        "hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi tải lên",
        [FieldError("tệp", reason)],
    )


def empty_sheet(filename: str) -> InvalidInput:
    """Return the refusal of a workbook whose first sheet holds nothing."""
    reason = "trang tính đầu tiên của tệp trống (không có dòng tiêu đề nào)"
    return InvalidInput(
        f"tệp '{Path(filename).name}' không có dữ liệu: {reason}; hãy đặt dòng tiêu đề và các "
        "dòng dữ liệu ở trang tính đầu tiên",
        [FieldError("tệp", reason, row=1)],
    )


def _mb(size: int) -> str:
    return f"{number(size / MIB, 0)} MB"


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class _Sheet:
    """Counts a worksheet's rows and widest column as its XML streams by: the readers lay a
    sheet out dense, so its size is its last row (or its count of rows, which need not be
    numbered) times its widest column, however few cells it has."""

    def __init__(self) -> None:
        self.count = 0
        self.last = 0
        self.width = 0

    @property
    def rows(self) -> int:
        return max(self.count, self.last)

    def feed(self, text: bytes) -> None:
        self.count += text.count(b"<row ") + text.count(b"<row>")
        numbers = _ROW_NUMBER.findall(text)
        if numbers:
            self.last = max(self.last, max(map(int, numbers)))
        for letters in set(_CELL_COLUMN.findall(text)):
            self.width = max(self.width, _column_number(letters))


def check_spreadsheet(source: bytes | Path, filename: str, limits: Limits | None = None) -> None:
    """Raise InvalidInput (Vietnamese, naming the limit) when an XLSX/ODS upload would unpack
    beyond the limits; return quietly otherwise, or for a file that is not a ZIP archive at all
    (the reader then says it cannot read it)."""
    limits = limits or Limits.from_settings()
    with source.open("rb") if isinstance(source, Path) else io.BytesIO(source) as f:
        try:
            archive = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, OSError, ValueError):
            return
        with archive:
            members = archive.infolist()
            _check_directory(members, filename, limits)
            for info in members:
                _inflate(f, info, filename, limits)


def _check_directory(members: list[zipfile.ZipInfo], filename: str, limits: Limits) -> None:
    """Refuse on the sizes the archive declares, before inflating anything."""
    if len(members) > MAX_MEMBERS:
        raise _refuse(filename, f"tệp nén có hơn {number(MAX_MEMBERS)} phần")
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > limits.member_bytes:
            raise _refuse(
                filename,
                f"phần '{info.filename}' giải nén ra {_mb(info.file_size)}, "
                f"vượt giới hạn {_mb(limits.member_bytes)} một phần",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_FROM and ratio > limits.ratio:
            raise _refuse(
                filename,
                f"phần '{info.filename}' giải nén ra lớn gấp {number(ratio, 0)} lần "
                f"(giới hạn {number(limits.ratio)} lần), dấu hiệu của một tệp nén độc hại",
            )
    if total > limits.unpacked_bytes:
        raise _refuse(
            filename,
            f"tệp giải nén ra {_mb(total)}, vượt giới hạn {_mb(limits.unpacked_bytes)}",
        )


def _raw_start(f: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Return where a member's compressed data starts (after its local header)."""
    f.seek(info.header_offset)
    head = f.read(_LOCAL_HEADER.size)
    if len(head) != _LOCAL_HEADER.size or head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile
    fields = _LOCAL_HEADER.unpack(head)
    return int(info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10])


def _inflate(f: BinaryIO, info: zipfile.ZipInfo, filename: str, limits: Limits) -> None:
    """Inflate one member in bounded chunks, refusing as soon as it exceeds a limit."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _refuse(filename, f"phần '{info.filename}' nén theo kiểu không được hỗ trợ")
    try:
        f.seek(_raw_start(f, info))
    except (zipfile.BadZipFile, OSError):
        raise _refuse(filename, "tệp nén bị hỏng") from None
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    sheet = _Sheet() if _WORKSHEET.fullmatch(info.filename) else None
    text_bytes = limits.cell_chars * XML_BYTES_PER_CHAR
    left, produced, carry = info.compress_size, 0, b""
    while left > 0:
        raw = f.read(min(CHUNK, left))
        if not raw:
            raise _refuse(filename, "tệp nén bị cắt cụt")
        left -= len(raw)
        while raw:
            if inflater is None:
                out, raw = raw, b""
            else:
                try:
                    out = inflater.decompress(raw, CHUNK)
                except zlib.error:
                    raise _refuse(filename, f"phần '{info.filename}' bị hỏng") from None
                raw = inflater.unconsumed_tail
            if not out:
                break
            produced += len(out)
            if produced > info.file_size:
                raise _refuse(
                    filename,
                    f"phần '{info.filename}' giải nén ra nhiều hơn kích thước mà tệp khai báo cho nó",
                )
            carry = _scan(carry + out, sheet, info.filename, filename, limits, text_bytes)
    if sheet is not None:
        _scan(carry + b"<", sheet, info.filename, filename, limits, text_bytes)


def _scan(
    text: bytes,
    sheet: _Sheet | None,
    member: str,
    filename: str,
    limits: Limits,
    text_bytes: int,
) -> bytes:
    """Check the XML up to its last tag; return the rest, to be joined to the next chunk."""
    cut = max(text.rfind(b"<"), 0)
    done, rest = text[:cut], text[cut:]
    if len(rest) > text_bytes or _has_long_text(done, text_bytes):
        raise _refuse(
            filename,
            f"phần '{member}' có một ô dài hơn {number(limits.cell_chars)} ký tự "
            "(giới hạn độ dài một ô)",
        )
    if sheet is not None and done:
        sheet.feed(done)
        if sheet.rows > limits.rows:
            raise _refuse(
                filename, f"trang tính có hơn {number(limits.rows)} dòng (giới hạn số dòng)"
            )
        if sheet.rows * max(sheet.width, 1) > limits.cells:
            raise _refuse(
                filename,
                f"trang tính có {number(sheet.rows)} dòng × {number(sheet.width)} cột, vượt "
                f"giới hạn {number(limits.cells)} ô",
            )
    return rest


def _has_long_text(xml: bytes, longest: int) -> bool:
    """Return True when ``xml`` has a run of more than ``longest`` bytes without a tag: each
    step jumps to the last tag of the next window, so a chunk takes a few searches."""
    i = 0
    while len(xml) - i > longest:
        j = xml.rfind(b"<", i, i + longest + 1)
        if j < 0:
            return True
        i = j + 1
    return False
