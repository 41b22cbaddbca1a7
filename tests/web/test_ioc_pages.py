"""The operations centre in a real headless Chromium, on a desktop and a phone: the leader
lands on the overview after signing in, changes the period, drills from a tile to the records
behind it and from a ranking to a commune's overview and on to its records; a commune officer
sees the commune only. Screenshots are kept under test-artifacts/ioc/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.services import data
from tests.web.conftest import ARTIFACTS
from tests.web.test_pages import login
from tests.world import World

pytestmark = pytest.mark.browser


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def _shot(page: Any, name: str) -> None:
    (ARTIFACTS / "ioc").mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(ARTIFACTS / "ioc" / f"{name}-{width}.png"), full_page=True)


def test_the_leader_drills_from_the_overview_to_the_records(
    device: Any, server: str, world: World
) -> None:
    data.load(world)
    login(device, server, "leader12")
    assert device.locator("h1").inner_text() == "Trung tâm điều hành — Tỉnh Lai Châu"
    with device.expect_navigation():
        device.select_option("#period-form select[name=period]", "2025-Q3")
        device.click("#period-form button[type=submit]")
    tile = device.locator("#tile-services-online")
    assert "Quý III/2025" in tile.inner_text() and "%" in tile.inner_text()
    assert tile.locator(".badge").inner_text() in ("Đạt mục tiêu", "Gần đạt", "Chưa đạt")
    assert _fits(device)
    _shot(device, "leader")
    with device.expect_navigation():
        tile.locator("a.drill").click()
    assert "/services?period=2025-Q3&unit=12" in device.url
    device.go_back()
    rankings = device.locator("#rankings")
    with device.expect_navigation():
        rankings.locator("select[name=rank]").select_option("services.on_time")
        rankings.locator("button[type=submit]").click()
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in device.locator("#rankings").inner_text()
    with device.expect_navigation():
        device.locator("#rankings ol.rank a", has_text="Phường Đoàn Kết").first.click()
    assert device.locator("h1").inner_text() == "Trung tâm điều hành — Phường Đoàn Kết"
    with device.expect_navigation():
        device.locator("#tile-services-on_time a.drill").click()
    assert "/services?period=2025-Q3&unit=03388" in device.url
    assert "Phường Đoàn Kết" in device.locator("main").inner_text()


def test_a_commune_officer_sees_the_commune(device: Any, server: str, world: World) -> None:
    data.load(world)
    login(device, server, "officer_dk", next_path="/?period=2025-Q3")
    assert device.locator("h1").inner_text() == "Trung tâm điều hành — Phường Đoàn Kết"
    text = device.locator("main").inner_text()
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in text and "Cao nhất" not in text
    assert _fits(device)
    _shot(device, "commune")
    device.goto(f"{server}/?unit=12")
    assert "Không mở được trung tâm điều hành" in device.locator("main").inner_text()


def test_new_dossiers_reach_the_open_overview_without_a_reload(
    device: Any, server: str, world: World
) -> None:
    """The page keeps one event stream open; a dossier pushed meanwhile changes the online
    tile of the quarter under way, and a new alert appears, without the page being reloaded."""
    from datetime import datetime, timedelta

    from tinhso.accounts.scope import SYSTEM_PRINCIPAL
    from tinhso.fmt import LOCAL_TZ as LOCAL
    from tinhso.services import service

    data.load(world)
    login(device, server, "leader12")
    tile = device.locator("#tile-services-online")
    assert "chưa có số liệu" in tile.inner_text()
    device.evaluate("window.__marker = 1")  # gone if the page were reloaded
    now = datetime.now(LOCAL) - timedelta(minutes=5)
    records = [
        data.d(
            f"LIVE{i}",
            "1.001",
            data.DK,
            "03388",
            1 if i % 2 else 2,  # two online, two at the counter
            2,  # received
            received_at=now.isoformat(),
            appointment_at=(now + timedelta(days=3)).isoformat(),
        )
        for i in range(4)
    ]
    with world.db.session() as s:
        rep = service.ingest_records(s, principal=SYSTEM_PRINCIPAL, records=records)
        assert rep.created == 4, rep.errors
    tile.locator(".value:has-text('%')").wait_for(timeout=10_000)
    assert device.evaluate("window.__marker") == 1


AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def test_the_overview_is_light_and_accessible(browser: Any, server: str, world: World) -> None:
    """The first load of the overview (every byte over the network, compressed as sent) is
    under 1.5 MB; axe-core finds no serious or critical WCAG 2 A/AA problem (contrast, names,
    labels) on it, the public page and the wall; the period form works from the keyboard."""
    data.load(world)
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 1280, "height": 800}, bypass_csp=True
    )
    page = context.new_page()
    try:
        login(page, server, "leader12", next_path="/alerts")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        sizes: dict[str, float] = {}
        cdp.on(
            "Network.loadingFinished",
            lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        page.goto(f"{server}/?period=2025-Q3", wait_until="networkidle")
        total = sum(sizes.values())
        assert total < 1.5 * 1024 * 1024, f"{total / 1024:.0f} KB"
        assert page.locator("#ioc-map canvas").count() or page.locator("#map").count() == 0
        for url in ("/?period=2025-Q3", "/cong-khai?period=2025-Q3", "/ioc/wall"):
            page.goto(server + url, wait_until="load")
            page.add_script_tag(path=str(AXE))
            found = page.evaluate(
                "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}))"
                ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"
            )
            assert found == [], (url, found)
        page.goto(f"{server}/?period=2025-Q3", wait_until="load")
        page.focus("#period-form select[name=period]")
        page.keyboard.press("ArrowDown")  # one period earlier
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "period=2025-Q2" in page.url
    finally:
        context.close()


def test_the_public_page_and_the_wall(browser: Any, server: str, world: World) -> None:
    """Without signing in: the public figures of an ended period, no internal code, a second
    look answered 304; a period not ended is refused. The wall turns its views by itself."""
    import urllib.error
    import urllib.request

    data.load(world)
    anonymous = browser.new_context(locale="vi-VN")
    page = anonymous.new_page()
    try:
        page.goto(f"{server}/cong-khai?period=2025-Q3", wait_until="load")
        text = page.locator("main").inner_text()
        assert "Tỉnh Lai Châu" in text and "Tỷ lệ hồ sơ giải quyết đúng hạn" in text
        html = page.content()
        assert "000.00." not in html and "03388" not in html and "/services?" not in html
        _shot(page, "public")
    finally:
        anonymous.close()
    with urllib.request.urlopen(f"{server}/cong-khai?period=2025-Q3") as r:
        tag = r.headers["ETag"]
        assert "public" in r.headers["Cache-Control"]
    req = urllib.request.Request(
        f"{server}/cong-khai?period=2025-Q3", headers={"If-None-Match": tag}
    )
    try:
        urllib.request.urlopen(req)
        raise AssertionError("expected 304")
    except urllib.error.HTTPError as exc:
        assert exc.code == 304
    for period in ("2099", "2010-Q4"):  # not ended; not offered (nobody computes old years)
        try:
            urllib.request.urlopen(f"{server}/cong-khai?period={period}")
            raise AssertionError("expected 422")
        except urllib.error.HTTPError as exc:
            assert exc.code == 422
    try:
        urllib.request.urlopen(f"{server}/cong-khai?period=2099")
        raise AssertionError("expected 422")
    except urllib.error.HTTPError as exc:
        assert exc.code == 422
    context = browser.new_context(locale="vi-VN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        login(page, server, "leader12", next_path="/ioc/wall?seconds=8")
        first = page.locator(".wall-view.active").get_attribute("data-view")
        _shot(page, "wall")
        page.locator(f".wall-view.active:not([data-view='{first}'])").wait_for(timeout=15_000)
        assert page.locator("form, input, button").count() == 0  # nothing to click
    finally:
        context.close()


def test_a_map_area_and_an_alert(device: Any, server: str, world: World, tmp_path: Path) -> None:
    """The leader clicks a commune on the map (its overview opens), then opens an alert from the
    overview and takes it in hand with a comment."""
    from tinhso.ioc import alerts, boundaries
    from tinhso.units import service as units

    data.load(world)
    with world.db.session() as s:
        province = units.units_by_id(s, [world.units["lai_chau"]])[world.units["lai_chau"]]
        boundaries.schematic(s, province=province)
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        "rules:\n  - {code: dung-han, name: Đúng hạn dưới 99%, tile: services.on_time,"
        " below: 99, levels: [commune]}\n",
        encoding="utf-8",
    )
    old = alerts.RULES_FILE
    alerts.RULES_FILE = rules
    try:
        login(device, server, "leader12", next_path="/?period=2025-Q3&layer=services.on_time")
        canvas = device.locator("#ioc-map canvas").first
        canvas.wait_for()
        canvas.scroll_into_view_if_needed()
        # Where the schematic put Phường Đoàn Kết, in the page's pixels.
        x, y = device.evaluate(
            """() => {
                const chart = echarts.getInstanceByDom(document.getElementById('ioc-map'));
                const f = chart.getModel().getSeriesByIndex(0).coordinateSystem;
                const region = f.getRegion('03388');
                const [px, py] = chart.convertToPixel({seriesIndex: 0}, region.getCenter());
                const box = document.querySelector('#ioc-map canvas').getBoundingClientRect();
                return [box.left + px, box.top + py];
            }"""
        )
        with device.expect_navigation():
            device.mouse.click(x, y)
        assert "unit=03388" in device.url
        assert device.locator("h1").inner_text() == "Trung tâm điều hành — Phường Đoàn Kết"
        link = device.locator("#alerts a").first
        assert "Phường Đoàn Kết" in link.inner_text()
        with device.expect_navigation():
            link.click()
        device.fill("#acknowledge textarea[name=comment]", "Đã giao phường rà soát hồ sơ trễ")
        with device.expect_navigation():
            device.click("#acknowledge button[type=submit]")
        assert "Đã ghi tiếp nhận" in device.locator("main").inner_text()
        assert "Đã giao phường rà soát hồ sơ trễ" in device.locator("#history").inner_text()
        _shot(device, "alert")
    finally:
        alerts.RULES_FILE = old
