"""The infrastructure pages in a real headless Chromium, as the roles that use them, on a desktop
and a phone: an officer uploads an operator's file through the page (and reads the refused rows
of a bad one), a leader reads the coverage and the white spots and downloads their
spreadsheet, a commune officer is kept to its commune, and the DTI page marks computed
indicators."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.infrastructure.test_registers import LOCAL, VIETTEL
from tests.web.test_pages import login
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.infrastructure import imports

pytestmark = pytest.mark.browser


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_officer_uploads_an_operator_file_through_the_page(
    device: Any, server: str, world: World, tmp_path: Path
) -> None:
    login(device, server, "officer_bl", next_path="/infrastructure/import")
    assert device.locator("h1").inner_text() == "Nhập số liệu hạ tầng số"
    bad = (
        "Mã xã,Tên thôn,4G,Số hộ,Số hộ có cáp quang\n03390,Nà Tim,có,10,5\n03390,Nà Tăm,có,10,50\n"
    )
    device.select_option("select[name=kind]", "coverage")
    device.select_option("select[name=operator]", "viettel")
    device.fill("input[name=as_of]", "2025-08-01")
    device.set_input_files("input[name=file]", _file(tmp_path, "sai.csv", bad))
    with device.expect_navigation():
        device.click("form.card button[type=submit]")
    report = device.locator("#report").inner_text()
    assert "Không nhập được tệp sai.csv: tệp có 2 lỗi; chưa ghi dòng nào" in report
    assert "gần giống: Bản Nà Tăm" in report and "lớn hơn tổng số hộ" in report
    assert "Tên thôn" in report and "Số hộ có cáp quang" in report  # columns by their names
    good = "\n".join(line for line in VIETTEL.splitlines() if not line.startswith("03388")) + "\n"
    device.select_option("select[name=operator]", "viettel")
    device.fill("input[name=as_of]", "2025-08-01")
    device.set_input_files("input[name=file]", _file(tmp_path, "viettel.csv", good))
    with device.expect_navigation():
        device.click("form.card button[type=submit]")
    assert (
        "Đã ghi tệp viettel.csv (Viettel): 1 dòng — thêm mới 1"
        in device.locator("#report").inner_text()
    )
    width, view = device.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= view + 1


def test_leader_reads_coverage_and_white_spots_and_downloads_them(
    device: Any, server: str, world: World, tmp_path: Path
) -> None:
    for operator, text in (("Viettel", VIETTEL), ("dia_phuong", LOCAL)):
        with world.db.session() as s:
            imports.import_file(
                s,
                principal=SYSTEM_PRINCIPAL,
                operator=operator,
                data=text.encode(),
                filename="f.csv",
                as_of=date(2025, 8, 1),
            )
    login(device, server, "leader12", next_path="/infrastructure?unit=12&as_of=2025-10-01")
    kpis = device.locator("#kpis").inner_text()
    assert "2/2 (100%) thôn được phủ sóng di động" in kpis
    assert "30/200 (15%) hộ gia đình có đường Internet cáp quang" in kpis
    assert "1 thôn chưa có số liệu" in device.locator("main").inner_text()
    with device.expect_navigation():
        device.click("text=Thôn chưa có hạ tầng (vùng trắng, vùng lõm)")
    counts = device.locator("#counts").inner_text()
    assert "Thôn chưa có điện lưới quốc gia\t1" in counts
    assert "Bản Nà Tăm" in device.locator("#villages").inner_text()
    with device.expect_download() as got:
        device.click("text=Tải Excel")
    path = got.value.path()
    book = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0].startswith("Thôn chưa có hạ tầng — Tỉnh Lai Châu — ngày 01/10/2025")
    assert "Bản Nà Tăm" in [r[2] for r in rows[3:]]
    width, view = device.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= view + 1


def test_commune_officer_is_kept_to_its_commune(page: Any, server: str, world: World) -> None:
    login(page, server, "officer_dk", next_path="/infrastructure")
    assert "Phường Đoàn Kết" in page.locator("h1").inner_text()
    assert "Tổ dân phố số 1" in page.locator("#villages").inner_text()
    response = page.goto(f"{server}/infrastructure?unit=03390")
    assert response.status == 404
    response = page.goto(f"{server}/infrastructure/white-spots.xlsx?unit=12")
    assert response.status == 404
    # A leader has no upload: no link, and the page refuses with a reason.
    page.goto(f"{server}/logout")


def test_leader_has_no_upload(page: Any, server: str, world: World) -> None:
    login(page, server, "leader12", next_path="/infrastructure?unit=12")
    assert not page.locator("a[href='/infrastructure/import']").count()
    response = page.goto(f"{server}/infrastructure/import")
    assert response.status == 403
    assert "không nhập số liệu hạ tầng số" in page.locator("main").inner_text()


def test_dti_page_marks_computed_indicators(page: Any, server: str, world: World) -> None:
    from tinhso.indicators import loader

    with world.db.session() as s:
        loader.load(s, principal=SYSTEM_PRINCIPAL, paths=loader.default_files())
    login(
        page,
        server,
        "leader12",
        next_path="/indicators?index=dti-province-2025&period=2025&unit=12",
    )
    tree = page.locator("table.tree")
    row = tree.locator("tr", has_text="Tỷ lệ hộ gia đình có kết nối cáp quang")
    assert row.locator(".source-computed").inner_text() == "Tự tính"
    row = tree.locator("tr", has_text="Có chính sách thu hút, đãi ngộ nhân lực số")
    assert row.locator(".source-reported").inner_text() == "Đơn vị báo cáo"
