"""The data-entry page in a real Chromium: a bad value is flagged as you type, then the
report is saved and submitted."""

from __future__ import annotations

import pytest

from tests.reporting.conftest import load_catalog_forms
from tests.web.test_pages import login
from tests.world import World

pytestmark = pytest.mark.browser


def test_type_bad_value_see_error_save_submit(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    load_catalog_forms(world)
    path = f"/reporting/entry/BC-CDS-XA-THANG/2025-07/u-{world.units['doan_ket']}"
    login(page, server, "officer_dk", next_path=path)
    page.fill("#v_XA_TO_CNS_TONG", "12")
    page.fill("#v_XA_TO_CNS_HOAT_DONG", "15")
    page.wait_for_selector("#msg-XA_TO_CNS_HOAT_DONG .error")
    assert "không được lớn hơn" in page.locator("#msg-XA_TO_CNS_HOAT_DONG").inner_text()
    page.fill("#v_XA_THON_TONG", "hai mươi")
    page.wait_for_selector("#msg-XA_THON_TONG .error:has-text('không phải là số')")
    assert "Còn 2 lỗi" in page.locator("#checks").inner_text()
    # Corrected, the inline errors go away.
    page.fill("#v_XA_TO_CNS_HOAT_DONG", "10")
    page.fill("#v_XA_THON_TONG", "25")
    page.wait_for_selector("#checks:has-text('Số liệu hợp lệ')")
    assert page.locator("#msg-XA_THON_TONG").inner_text() == ""
    page.fill("#v_XA_HS_TIEP_NHAN", "1.250")
    page.fill("input[name=c_XA_HS_TIEP_NHAN]", "Gồm hồ sơ liên thông")
    with page.expect_navigation():
        page.click("button[value=save]")
    assert page.locator("[role=status]").inner_text() == "Đã lưu nháp."
    assert page.input_value("#v_XA_HS_TIEP_NHAN") == "1.250"
    with page.expect_navigation():
        page.click("button[value=submit]")
    assert page.locator("[role=status]").inner_text() == "Đã nộp báo cáo."
    assert page.locator("#status strong").inner_text() == "Đã nộp"
