"""Spreadsheets that unpack to far more than they weigh, built with zipfile (small on disk)."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER = ("Mã thôn", "Tên thôn", "Mã xã")


def _header_row() -> str:
    cells = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for col, h in zip("ABC", HEADER, strict=True)
    )
    return f'<row r="1">{cells}</row>'


def _write(path: Path, sheet: Iterator[bytes], strings: Iterator[bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, parts in (("xl/sharedStrings.xml", strings), ("xl/worksheets/sheet1.xml", sheet)):
            with z.open(name, "w") as out:
                for part in parts:
                    out.write(part)
    return path


def string_bomb(path: Path, megabytes: int = 400) -> Path:
    """Return an XLSX of one row whose second cell is a shared string of ``megabytes`` MB."""

    def strings() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="1" uniqueCount="1"><si><t>'.encode()
        block = b"A" * (1 << 20)
        for _ in range(megabytes):
            yield block
        yield b"</t></si></sst>"

    def sheet() -> Iterator[bytes]:
        yield (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>{_header_row()}'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>T1</t></is></c><c r="B2" t="s"><v>0</v></c>'
            '<c r="C2" t="inlineStr"><is><t>03388</t></is></c></row></sheetData></worksheet>'
        ).encode()

    return _write(path, sheet(), strings())


def row_bomb(path: Path, rows: int = 1_200_000) -> Path:
    """Return an XLSX of ``rows`` village rows (the same short values on each)."""

    def strings() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="0" uniqueCount="0"/>'.encode()

    def sheet() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>{_header_row()}'.encode()
        for start in range(2, rows + 2, 10_000):
            yield "".join(
                f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c>'
                f'<c r="C{r}"><v>3388</v></c></row>'
                for r in range(start, min(start + 10_000, rows + 2))
            ).encode()
        yield b"</sheetData></worksheet>"

    return _write(path, sheet(), strings())


def understate_sizes(path: Path, member: str, declared: int) -> Path:
    """Rewrite the archive so that ``member`` declares ``declared`` bytes unpacked (a lie: the
    data inflates to more), in its local header and in the central directory."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        n = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + n]) == name:
            struct.pack_into("<I", data, central + 24, declared)
            struct.pack_into("<I", data, central + 20, declared)  # ratio 1
            break
        central = data.find(b"PK\x01\x02", central + 4)
    else:
        raise AssertionError(f"{member} not in the central directory")
    out = path.with_name("liar-" + path.name)
    out.write_bytes(bytes(data))
    return out
