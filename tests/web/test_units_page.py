"""A unit's page says what the caller may not see instead of showing a wrong zero: the
province seen by a commune officer has agencies, communes and a lineage it cannot open."""

from __future__ import annotations

import pytest

from tests.web.test_pages import login
from tests.world import World

pytestmark = pytest.mark.browser


def test_province_page_seen_by_a_commune_officer(device, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(device, server, "officer_dk")
    response = device.goto(f"{server}/units/{world.units['lai_chau']}")
    assert response.status == 200
    agencies = device.locator("#agencies").inner_text()
    assert "Cơ quan (2)" in agencies  # UBND tỉnh and Sở Khoa học và Công nghệ
    assert "Đơn vị có 2 cơ quan; danh sách nằm ngoài phạm vi được phân quyền" in agencies
    assert "Chưa có cơ quan nào" not in agencies
    children = device.locator("#children").inner_text()
    assert "Đơn vị trực thuộc (2)" in children
    assert "Anh/chị xem được 1 trong 2 đơn vị trực thuộc" in children
    assert "Xã Bình Lư" not in device.content()  # counted, never named
    main = device.locator("main").inner_text()
    # The lineage is public: the old province is named, not linked (outside the scope).
    assert "Không có thông tin sắp xếp" not in main
    assert "Tỉnh Lai Châu (12)" in device.locator("ul.lineage").inner_text()
    assert device.locator(f"ul.lineage a[href='/units/{world.units['old_lai_chau']}']").count() == 0
    assert "nằm ngoài phạm vi được phân quyền" in device.locator("#lineage-scope").inner_text()
    assert device.evaluate("document.querySelector('main').scrollWidth <= window.innerWidth")


def test_own_commune_page_lists_everything(device, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(device, server, "officer_dk")
    device.goto(f"{server}/units/{world.units['doan_ket']}")
    main = device.locator("main").inner_text()
    assert "Cơ quan (1)" in main and "ngoài phạm vi" not in main
    assert (
        device.locator(f"ul.lineage a[href='/units/{world.units['old_quyet_tien']}']").count() == 1
    )
