"""The 766 page in Chromium: its refresh kept on "304 Not Modified", its chart's tooltip in
Vietnamese numbers under the Content-Security-Policy, its running month marked."""

from __future__ import annotations

import re

import pytest

from tests.services import data
from tests.web.test_pages import login
from tests.world import World

pytestmark = pytest.mark.browser
Q3 = "/services?period=2025-Q3&unit=000.00.50.H12"


def test_refresh_not_modified_keeps_the_panel(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    statuses: list[int] = []
    page.on(
        "response",
        lambda r: (
            statuses.append(r.status)
            if "/services?" in r.url and r.request.headers.get("hx-request")
            else None
        ),
    )
    login(page, server, "leader12", next_path=Q3)
    before = page.locator("#panel").inner_html()
    page.wait_for_timeout(11_000)  # two refreshes
    assert statuses and set(statuses) == {304}, statuses
    assert page.locator("#panel").inner_html() == before  # not emptied by the body-less 304
    assert "50,00%" in page.locator("tr[data-indicator='2.1']").inner_text()


def test_chart_tooltip_in_vietnamese_without_console_errors(
    page, server: str, world: World
) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, server, "leader12", next_path=Q3)
    assert page.evaluate("window.tinhso.number(1234567.891, 2)") == "1.234.567,89"
    assert page.evaluate("window.tinhso.number(-0.004, 2)") == "0,00"
    canvas = page.locator("#trend canvas")
    canvas.wait_for()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    tooltip = page.locator(".chart-tooltip")
    text = ""
    for i in range(1, 24):  # across the months until July's point shows its values
        page.mouse.move(box["x"] + box["width"] * i / 24, box["y"] + box["height"] / 2)
        page.wait_for_timeout(60)
        if tooltip.count() and tooltip.first.is_visible():
            text = tooltip.first.inner_text()
            if "Tháng 7/2025" in text:
                break
    assert "Tháng 7/2025" in text, text
    assert re.search(r"Tỷ lệ đúng hạn \(%\): \d+,\d\d", text), text
    assert re.search(r"Điểm \(thang 100\): \d+,\d\d", text), text
    assert errors == []


def test_phone_menu_folds_and_opens(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, server, "officer_dk")
    logout = page.locator("form[action='/logout'] button")
    assert not logout.is_visible() and page.locator(".nav-toggle").is_visible()
    page.click(".nav-toggle")
    assert page.locator(".nav-toggle").get_attribute("aria-expanded") == "true"
    box = logout.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_phone_keeps_every_indicator_figure_on_screen(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    """At 390 px the indicators' value and points are on the screen, not scrolled off the right
    edge of a table with nothing to show that it scrolls."""
    data.load(world)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, server, "leader12", next_path=Q3)
    row = page.locator("tr[data-indicator='2.1']")
    for cell in row.locator("td").all():
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (
            cell.inner_text()
        )
    assert "50,00%" in row.inner_text()
