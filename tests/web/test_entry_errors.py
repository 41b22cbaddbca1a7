"""The data-entry page in a real Chromium, as the commune officer: a fraction of villages is
refused as you type and on saving, named by the element's Vietnamese name, and nothing is saved."""

from __future__ import annotations

import pytest

from tests.reporting.conftest import load_catalog_forms
from tests.reporting.helpers import reporting_state
from tests.web.test_pages import login
from tests.world import World

pytestmark = pytest.mark.browser
VILLAGES = "Tổng số thôn, bản, tổ dân phố"


def test_a_fraction_of_villages_is_refused_by_name(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    load_catalog_forms(world)
    path = f"/reporting/entry/BC-CDS-XA-THANG/2025-07/u-{world.units['doan_ket']}"
    login(page, server, "officer_dk", next_path=path)
    before = reporting_state(world)
    page.fill("#v_XA_TO_CNS_TONG", "12")
    page.fill("#v_XA_THON_TONG", "1.234,5")
    page.wait_for_selector("#msg-XA_THON_TONG .error:has-text('không phải là số nguyên')")
    with page.expect_navigation():
        page.click("button[value=save]")
    items = page.locator("[role=alert] ul.errors li")
    assert items.all_inner_texts() == [
        f"{VILLAGES}: '1.234,5' không phải là số nguyên: chỉ tiêu này đếm số lượng, "
        "hãy ghi số nguyên (ví dụ 1.234)"
    ]
    assert "XA_THON_TONG" not in page.locator("[role=alert]").inner_text()
    items.locator("a").click()  # the name leads to the field to correct
    assert page.url.endswith("#v_XA_THON_TONG")
    assert page.input_value("#v_XA_THON_TONG") == "1.234,5"  # what was typed stays
    assert reporting_state(world) == before
