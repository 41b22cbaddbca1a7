"""The tasks pages in a real headless Chromium, as the roles that use them, on a desktop and a
phone: a commune's officer opens its agency's tasks and records progress with an evidence file
(and reads why a disguised program is refused), the department accepts a completion, and the
leader reads the overdue tasks, the most days late first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tasks.test_tasks import workbook
from tests.web.test_pages import login
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.tasks import imports

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def planned(world: World) -> World:
    with world.db.session() as s:
        imports.import_tasks(s, principal=SYSTEM_PRINCIPAL, data=workbook(), filename="nv.xlsx")
    return world


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_commune_officer_records_progress_with_evidence(
    device: Any, server: str, planned: World, tmp_path: Path
) -> None:
    login(device, server, "officer_dk", next_path="/tasks")
    assert device.locator("h1").inner_text() == "Kế hoạch, nhiệm vụ chuyển đổi số"
    rows = device.locator("#tasks tbody tr").all_inner_texts()
    # Its agency's tasks only (UBND phường Đoàn Kết leads NV-01, NV-04, …: 25 of 75).
    assert len(rows) == 25 and all("phường Đoàn Kết" in r for r in rows)
    assert _fits(device)
    with device.expect_navigation():
        device.click("#tasks a:has-text('NV-01')")
    assert device.locator("h1").inner_text().startswith("NV-01.")
    bad = tmp_path / "bao-cao.pdf"
    bad.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)  # a program named .pdf
    device.fill("input[name=percent]", "40")
    device.set_input_files("input[name=files]", str(bad))
    with device.expect_navigation():
        device.click("#progress button[type=submit]")
    assert "nội dung không khớp tên tệp" in device.locator("#report").inner_text()
    assert "Chưa có cập nhật nào" in device.locator("#history").inner_text()
    good = tmp_path / "ket-qua.pdf"
    good.write_bytes(PDF)
    device.fill("input[name=percent]", "40")
    device.fill("textarea[name=text]", "Đã khảo sát, lập dự toán")
    device.set_input_files("input[name=files]", str(good))
    with device.expect_navigation():
        device.click("#progress button[type=submit]")
    assert "Đã ghi tiến độ" in device.locator("main").inner_text()
    history = device.locator("#history").inner_text()
    assert "Đã khảo sát, lập dự toán" in history and "ket-qua.pdf" in history
    with device.expect_download() as got:
        device.click("#history a:has-text('ket-qua.pdf')")
    assert got.value.suggested_filename == "ket-qua.pdf"
    assert Path(got.value.path()).read_bytes() == PDF
    assert _fits(device)


def test_department_accepts_and_leader_reads_the_overdue(
    device: Any, server: str, planned: World
) -> None:
    login(device, server, "officer_dk", next_path="/tasks/NV-04")
    device.fill("input[name=percent]", "100")
    device.check("input[name=complete]")
    with device.expect_navigation():
        device.click("#progress button[type=submit]")
    assert "chờ cơ quan theo dõi duyệt" in device.locator("dl.facts").inner_text()
    assert device.locator("#review").count() == 0  # the commune does not accept its own
    device.context.clear_cookies()
    login(device, server, "officer_so", next_path="/tasks/NV-04")
    with device.expect_navigation():
        device.click("#review button[value=accept]")
    assert "Đã duyệt hoàn thành" in device.locator("main").inner_text()
    assert "Hoàn thành" in device.locator("dl.facts").inner_text()
    device.context.clear_cookies()
    login(device, server, "leader12", next_path="/tasks/overdue")
    rows = device.locator("#overdue tbody tr").all_inner_texts()
    assert [r.split("\t")[0].strip() for r in rows] == ["NV-70", "NV-71", "NV-72"]
    assert all("ngày làm việc" in r for r in rows)
    assert _fits(device)
    device.goto(f"{server}/tasks?year=2023")
    assert "75 nhiệm vụ; 01 nhiệm vụ đã hoàn thành" in device.locator("#summary").inner_text()
