"""The add-user form in a real Chromium, as the administrator: every problem at once."""

from __future__ import annotations

import pytest

from tests.test_cross_scope import fingerprint
from tests.web.test_pages import login
from tests.world import World

pytestmark = pytest.mark.browser


def test_add_user_shows_all_errors_then_adds(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(page, server, "admin", next_path="/admin/users")
    before = fingerprint(world.db)
    page.fill("input[name=username]", "nguoi moi!")
    page.fill("input[name=full_name]", "Nguyễn Văn Mới")
    page.select_option("select[name=role]", "officer")
    page.fill("input[name=password]", "ngan")
    page.fill("input[name=unit_code]", "99999")
    with page.expect_navigation():
        page.click("form[action='/admin/users'] button[type=submit]")
    alert = page.locator("[role=alert]")
    assert alert.locator("p").inner_text() == "Thông tin người dùng không hợp lệ (3 lỗi)."
    assert alert.locator("li").all_inner_texts() == [
        "Phạm vi: mã đơn vị '99999' không có hoặc ngoài phạm vi",
        "Tên đăng nhập: tên đăng nhập gồm chữ, số, dấu chấm, gạch dưới hoặc gạch ngang, "
        "tối đa 80 ký tự",
        "Mật khẩu: mật khẩu phải có ít nhất 10 ký tự",
    ]
    assert page.locator("[aria-invalid=true]").count() == 3
    assert page.input_value("input[name=full_name]") == "Nguyễn Văn Mới"
    assert fingerprint(world.db) == before
    # Corrected all at once, the user is added.
    page.fill("input[name=username]", "nguoi.moi")
    page.fill("input[name=password]", "mat-khau-rat-dai")
    page.fill("input[name=unit_code]", "03388")
    with page.expect_navigation():
        page.click("form[action='/admin/users'] button[type=submit]")
    assert "/admin/users/" in page.url
    assert "nguoi.moi" in page.locator("main").inner_text()
