"""The indicators page in a real headless Chromium: the tree, the chart, drilling down."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.indicators import data
from tests.web.test_pages import login
from tests.world import World

pytestmark = pytest.mark.browser


def test_province_page_tree_chart_and_drill_down(
    page, server: str, world: World, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data.load_catalog(world, tmp_path / "catalog")
    data.put(world, data.VALUES_2025)
    login(page, server, "leader12", next_path="/indicators?index=test-xa&period=2025&unit=12")
    assert page.locator("main h2").first.inner_text().startswith("Tỉnh Lai Châu")
    tree = page.locator("table.tree").inner_text()
    assert "Tỷ lệ hộ có cáp quang" in tree and "51,67 %" in tree  # ratio of sums, 1550 ÷ 3000
    page.wait_for_selector("#main-chart canvas")  # ECharts, served locally
    with page.expect_navigation():
        page.click("text=Xã Bình Lư")
    assert page.locator("main h2").first.inner_text().startswith("Xã Bình Lư")
    assert "1/2" in page.locator(".kpis").inner_text()  # first of the two communes of Lai Châu


def test_commune_officer_sees_only_its_commune(
    page, server: str, world: World, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data.load_catalog(world, tmp_path / "catalog")
    data.put(world, data.VALUES_2025)
    login(page, server, "officer_dk", next_path="/indicators?index=test-xa&period=2025")
    assert page.locator("main h2").first.inner_text().startswith("Phường Đoàn Kết")
    assert "Xã Bình Lư" not in page.content()
    response = page.goto(f"{server}/indicators?index=test-xa&period=2025&unit=03390")
    assert response.status == 404
