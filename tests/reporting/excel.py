"""Filling templates as a person would, with openpyxl or through LibreOffice (headless)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook


def fill(
    template: bytes, values: dict[str, dict[str, Any]], formats: dict[str, str] | None = None
) -> bytes:
    """Return the template with values set: {sheet prefix: {element code: value}}.

    ``formats`` gives a number format per element code (e.g. "0.0%").
    """
    wb = load_workbook(io.BytesIO(template))
    for prefix, by_code in values.items():
        ws = next(ws for ws in wb.worksheets if ws.title.startswith(prefix))
        for row in ws.iter_rows(min_row=7):
            code = row[1].value
            if code in by_code:
                row[4].value = by_code[code]
                if formats and code in formats:
                    row[4].number_format = formats[code]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def cell_of(template: bytes, prefix: str, code: str) -> str:
    """Return the value cell (E7, E8 …) of an element on a sheet."""
    wb = load_workbook(io.BytesIO(template), read_only=True)
    ws = next(ws for ws in wb.worksheets if ws.title.startswith(prefix))
    for i, row in enumerate(ws.iter_rows(min_row=1, max_col=2, values_only=True), start=1):
        if row[1] == code:
            return f"E{i}"
    raise KeyError(code)


def soffice() -> str:
    """Return LibreOffice's executable; fail under CI (or TINHSO_REQUIRE_BROWSER), else skip."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("TINHSO_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail(
                "LibreOffice is required (apt-get install libreoffice-calc-nogui) but not installed"
            )
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return exe


def libreoffice_convert(data: bytes, work: Path) -> bytes:
    """Return the workbook as LibreOffice (headless) reads and writes it back as XLSX."""
    exe = soffice()
    src = work / "in" / "dien.xlsx"
    src.parent.mkdir(parents=True)
    src.write_bytes(data)
    out = work / "out"
    profile = (work / "profile").as_uri()
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (out / "dien.xlsx").read_bytes()
