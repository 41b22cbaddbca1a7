"""The DTI page in a real Chromium, as the roles that met its defects, on a desktop and a phone:
it opens on what the caller can see and most likely wants, offers only the periods a yearly
index has, says when there is nothing to rank against, and every value drills to the reports
(or the 766 dossiers) behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.indicators import data
from tests.web.test_pages import login
from tests.world import World
from tinhso.audit.service import Actor, bind_actor
from tinhso.config import Settings
from tinhso.demo.reports import build_reports
from tinhso.fmt import local_today
from tinhso.models import Unit

pytestmark = pytest.mark.browser


def _demo_reports(world: World) -> None:
    """The demo's forms and a year of reports on the small world (the DTI's data)."""
    with world.db.session() as s:
        bind_actor(s, Actor(name="test-setup", client="test"))
        province = s.get(Unit, world.units["lai_chau"])
        assert province is not None
        build_reports(s, province=province)


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.querySelector('main').scrollWidth <= window.innerWidth"))


def test_department_officer_opens_its_province_and_drills_to_a_commune_report(
    device, server: str, world: World
) -> None:  # type: ignore[no-untyped-def]
    _demo_reports(world)
    login(device, server, "officer_so", next_path="/indicators")
    # Sở Khoa học và Công nghệ is in charge of the DTI's forms: its province's DTI, not an
    # error about unit ''.
    assert device.locator("[role=alert]").count() == 0
    assert device.locator("main h2").first.inner_text().startswith("Tỉnh Lai Châu")
    labels = device.locator("select[name=period] option").all_inner_texts()
    assert labels and all(label.startswith("Năm ") for label in labels), labels
    # A yearly index opens on the last year that has ended.
    assert device.locator("select[name=period]").input_value() == str(local_today().year - 1)
    # One province with figures: nothing to rank against, said in words.
    assert "không có đơn vị cùng cấp có số liệu để so sánh" in device.locator("#rank").inner_text()
    assert "1/1" not in device.locator("main").inner_text()
    assert _fits(device)
    # 4.1 (officials trained): its numerator is counted from the courses' lists of participants,
    # its denominator (the staff) still reported by the communes: the reports behind that.
    row = device.locator(
        "table.tree tr:has-text('Tỷ lệ cán bộ, công chức, viên chức được bồi dưỡng')"
    )
    assert "Tự tính một phần" in row.inner_text()
    with device.expect_navigation():
        row.locator("td a").first.click()
    assert device.locator("h1").inner_text().startswith("4.1.")
    # No list of participants in the world: the numerator is unknown, not a wrong 0.
    assert "chưa có số liệu" in device.locator("main").inner_text()
    table = device.locator("#e-dtip\\.cbccvc_tong table").inner_text()
    # Who entered it, how and when: the commune's own officer, not "API · hệ thống".
    assert "Xã Bình Lư" in table and "Năm 2025" in table and "officer_bl" in table
    assert _fits(device)
    with device.expect_navigation():
        device.click("#e-dtip\\.cbccvc_tong tr:has-text('Xã Bình Lư') a:has-text('Mở báo cáo')")
    # The department reads the commune's report it is in charge of (and may approve it).
    assert device.locator("h1").inner_text().startswith("Báo cáo số liệu Bộ chỉ số")
    assert "Xã Bình Lư" in device.locator("dl.facts").inner_text()
    assert device.locator("#approval").count() == 1


def test_766_values_drill_to_their_dossiers(device, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    from tests.services import data as services_data

    services_data.load(world)
    _demo_reports(world)
    login(device, server, "officer_dk", next_path="/indicators?index=dti-commune-2025&period=2025")
    assert device.locator("main h2").first.inner_text().startswith("Phường Đoàn Kết")
    with device.expect_navigation():
        device.click("table.tree tr:has-text('Tỷ lệ hồ sơ tiếp nhận trực tuyến') td a")
    figure = device.locator("section.figure").first
    assert "Chỉ số 766" in figure.inner_text()
    with device.expect_download() as download:
        figure.locator("a:has-text('Tải danh sách hồ sơ')").click()
    assert download.value.suggested_filename.startswith("qd766_3.3_numerator_03388_2025")


@pytest.fixture
def home15(settings: Settings) -> Settings:
    """An installation whose own province is Lào Cai (15), not the first in the alphabet."""
    settings.province_code = "15"
    return settings


def test_admin_opens_on_the_installations_province(
    home15, device, server: str, world: World, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data.load_catalog(world, tmp_path / "catalog")
    data.put(world, data.VALUES_2025)
    login(device, server, "admin", next_path="/indicators")
    assert device.locator("main h2").first.inner_text().startswith("Tỉnh Lào Cai")
    # A quarter of a yearly index is not offered, and asking for one says why.
    device.goto(f"{server}/indicators?index=test-xa&period=2025-Q3")
    assert "Bộ chỉ số đánh giá theo năm" in device.locator("[role=status]").inner_text()
    assert device.locator("select[name=period]").input_value() == "2025"


def test_a_province_without_figures_shows_no_zeros(
    device, server: str, world: World, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data.load_catalog(world, tmp_path / "catalog")
    data.put(world, [v for v in data.VALUES_2025 if v[1] != "old_ta_chai"])
    login(device, server, "viewer15", next_path="/indicators?index=test-xa&period=2025")
    main = device.locator("main").inner_text()
    assert "chưa có số liệu nào của năm 2025" in device.locator("#no-data").inner_text()
    assert "0,00 /" not in main and device.locator("#main-chart").count() == 0
