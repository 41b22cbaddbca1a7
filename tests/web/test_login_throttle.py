"""The login page in a real Chromium while an address is slowed down after wrong passwords."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.web.test_pages import login
from tests.world import World
from tinhso.accounts.models import LoginAttempt
from tinhso.db import utcnow

pytestmark = pytest.mark.browser


def test_a_throttled_login_says_when_to_retry_and_the_known_browser_gets_in(  # type: ignore[no-untyped-def]
    browser, server: str, world: World
) -> None:
    own = browser.new_context(locale="vi-VN")
    mine = own.new_page()
    login(mine, server, "leader12")  # the leader's own browser, once signed in
    assert mine.url == f"{server}/"
    with mine.expect_navigation():
        mine.click("form[action='/logout'] button")
    # Then someone at the same address (the office's one Internet address) guesses ten times.
    now = utcnow()
    with world.db.session() as s:
        for i in range(10):
            s.add(
                LoginAttempt(
                    username="leader12",
                    ip="127.0.0.1",
                    ts=now + timedelta(milliseconds=i),
                    success=False,
                )
            )
    other = browser.new_context(locale="vi-VN")
    page = other.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, server, "leader12")
    assert page.url.startswith(f"{server}/login")
    message = page.locator("[role=alert]").inner_text()
    assert re.fullmatch(
        r"Đăng nhập sai quá nhiều lần; vui lòng thử lại sau (2\d|3\d) giây \(lúc \d\d:\d\d:\d\d\)\.",
        message,
    ), message
    assert page.title().startswith("Đăng nhập")
    assert [e for e in errors if "429" not in e] == []
    with world.db.session() as s:  # the refused try is not counted
        assert s.scalar(select(func.count()).select_from(LoginAttempt)) == 11
    # The leader's own browser is known (its device cookie): not held up by the guessing.
    login(mine, server, "leader12")
    assert mine.url == f"{server}/"
    assert mine.locator("h1").inner_text().startswith("Trung tâm điều hành")
    own.close()
    other.close()
