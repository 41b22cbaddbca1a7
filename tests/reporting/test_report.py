"""The report to the ministry: XLSX and PDF with the province's header and the national motto."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.reporting.helpers import XA
from tests.world import World

VALUES = {
    "XA_TO_CNS_TONG": 12,
    "XA_TO_CNS_HOAT_DONG": 10,
    "XA_THON_TONG": 25,
    "XA_HS_TIEP_NHAN": 1250,
    "XA_HS_TRUC_TUYEN": 800,
    "XA_TL_THANH_TOAN_TT": "53,8%",
}


def _submit(client, world: World) -> None:  # type: ignore[no-untyped-def]
    items = [
        {"unit": "03388", "period": "2025-07", "element": c, "value": v} for c, v in VALUES.items()
    ]
    r = client.post(
        "/api/v1/datavalues",
        json={"form": XA, "items": items, "submit": True},
        headers=world.auth("admin12"),
    )
    assert r.status_code == 200, r.text


def test_xlsx_report(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    _submit(client, forms)
    r = client.get(
        "/api/v1/reporting/report",
        params={"form": XA, "period": "2025-07"},
        headers=forms.auth("leader12"),
    )
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells[:3] == [
        "UBND TỈNH LAI CHÂU",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
    ]
    assert "Độc lập - Tự do - Hạnh phúc" in cells
    assert "Tình hình chuyển đổi số cấp xã tháng 7/2025" in cells
    assert "Đơn vị chưa nộp: Xã Bình Lư." in cells
    i = cells.index("Số hồ sơ thủ tục hành chính tiếp nhận trong tháng")
    assert cells[i + 1 : i + 4] == ["hồ sơ", "1.250", "1"]


def test_pdf_report_renders_vietnamese(client, forms: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _submit(client, forms)
    r = client.get(
        "/api/v1/reporting/report",
        params={"form": XA, "period": "2025-07", "format": "pdf", "unit": "12"},
        headers=forms.auth("admin12"),
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("TINHSO_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail("poppler-utils (pdftotext) is required but not installed")
        pytest.skip("poppler-utils is not installed")
    pdf = tmp_path / "bc.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        [exe, "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    for phrase in (
        "UBND TỈNH LAI CHÂU",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Kính gửi: Bộ Khoa học và Công nghệ",
        "Phường Đoàn Kết",
    ):
        assert phrase in text, phrase
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, check=True, text=True
    ).stdout
    assert "TrueType" in fonts and " yes " in fonts  # embedded


def test_report_of_another_province_is_not_found(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        "/api/v1/reporting/report",
        params={"form": XA, "period": "2025-07", "unit": "12"},
        headers=forms.auth("viewer15"),
    )
    assert r.status_code == 404


def test_a_last_value_element_totals_each_units_latest(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    # "last" rolls up as each organisation's latest value, summed (as the indicator engine
    # does); the report used to show the value of whichever unit came last by name.
    from sqlalchemy import update

    from tinhso.models import DataElement

    with forms.db.session() as s:
        s.execute(
            update(DataElement)
            .where(DataElement.code == "XA_TO_CNS_TONG")
            .values(aggregation="last")
        )
    items = [
        {"unit": u, "period": "2025-07", "element": "XA_TO_CNS_TONG", "value": n}
        for u, n in (("03388", 12), ("03390", 7))
    ]
    items += [
        {"unit": u, "period": "2025-07", "element": c, "value": v}
        for u in ("03388", "03390")
        for c, v in (("XA_TO_CNS_HOAT_DONG", 5), ("XA_THON_TONG", 25), ("XA_HS_TIEP_NHAN", 10))
    ]
    r = client.post(
        "/api/v1/datavalues",
        json={"form": XA, "items": items, "submit": True},
        headers=forms.auth("admin12"),
    )
    assert r.status_code == 200, r.text
    r = client.get(
        "/api/v1/reporting/report",
        params={"form": XA, "period": "2025-07"},
        headers=forms.auth("leader12"),
    )
    ws = load_workbook(io.BytesIO(r.content)).active
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    i = cells.index("Số tổ công nghệ số cộng đồng đã thành lập")
    assert cells[i + 1 : i + 4] == ["tổ", "19", "2"]
