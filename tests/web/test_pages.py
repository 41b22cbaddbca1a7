"""The pages, in a real headless Chromium: sign in, browse, search, scope, import, users."""

from __future__ import annotations

import pytest

from tests.world import PASSWORD, World

pytestmark = pytest.mark.browser


def login(page, server: str, username: str, password: str = PASSWORD, next_path: str = "/") -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    page.goto(f"{server}/login?next={quote(next_path)}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_login_then_home(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/units")
    assert page.url.startswith(f"{server}/login")
    login(page, server, "officer_dk", next_path="/units")
    assert page.url == f"{server}/units"
    assert page.locator("h1").inner_text() == "Đơn vị hành chính"


def test_wrong_password_message(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(page, server, "officer_dk", "sai-mat-khau-1")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.locator("[role=alert]").inner_text()


def test_search_without_diacritics_live(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(page, server, "admin", next_path="/units")
    page.fill("input[name=q]", "doan ket")
    page.wait_for_selector("#results td:has-text('Phường Đoàn Kết')")
    assert page.locator("#results tbody tr").count() == 1  # today's only


def test_tree_opens_branches(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(page, server, "admin", next_path="/units")
    page.click("summary:has-text('Tỉnh Lai Châu')")
    page.wait_for_selector("summary:has-text('Phường Đoàn Kết')")
    page.click("summary:has-text('Phường Đoàn Kết')")
    page.wait_for_selector(".leaf:has-text('Tổ dân phố số 2')")
    assert "Xã Bình Lư" in page.locator("#results").inner_text()


def test_unit_page_shows_lineage_and_agencies(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(page, server, "officer_dk")
    page.goto(f"{server}/units/{world.units['doan_ket']}")
    text = page.locator("main").inner_text()
    assert "Phường Quyết Tiến" in text and "Nghị quyết 1670/NQ-UBTVQH15" in text
    assert "Ủy ban nhân dân phường Đoàn Kết" in text and "000.00.50.H12" in text
    assert "Tổ dân phố số 1" in text


def test_commune_officer_cannot_open_another_commune(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(page, server, "officer_dk")
    response = page.goto(f"{server}/units/{world.units['binh_lu']}")
    assert response.status == 404
    assert "Không tìm thấy" in page.locator("h1").inner_text()
    assert "Bình Lư" not in page.content()


def test_import_with_errors_lists_rows(page, server: str, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "thon.csv"
    bad.write_text(
        "Mã,Tên,Loại,Mã xã\n0338830,Tổ 30,tổ dân phố,03388\n0338831,Tổ 31,tổ dân phố,03390\n",
        encoding="utf-8",
    )
    login(page, server, "officer_dk", next_path="/units-import")
    page.set_input_files("input[type=file]", str(bad))
    page.click("form.card button[type=submit]")
    report = page.locator("#report").inner_text()
    assert "có 1 lỗi; chưa ghi dòng nào" in report
    assert "nằm ngoài phạm vi được phân quyền" in report


def test_admin_creates_user_and_issues_token(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(page, server, "admin", next_path="/admin/users")
    page.fill("input[name=username]", "canbo.moi")
    page.fill("input[name=full_name]", "Nguyễn Văn Mới")
    page.select_option("select[name=role]", "officer")
    page.fill("input[name=password]", "mot-mat-khau-dai")
    page.fill("input[name=unit_code]", "03390")
    page.click("section.card button[type=submit]")
    page.wait_for_url("**/admin/users/*")
    assert "Xã Bình Lư" in page.locator("dl.facts").inner_text()
    page.fill("input[name=name]", "Thử")
    page.click("form.card button[type=submit]")
    secret = page.locator("#new-secret").inner_text()
    assert secret.startswith("tsk_")
    page.goto(page.url)
    assert secret not in page.content()  # shown once, kept only hashed
    assert f"tsk_{secret.split('_')[1]}_…" in page.locator("main").inner_text()


def test_officer_has_no_user_admin(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    login(page, server, "officer_dk")
    assert page.locator("a[href='/admin/users']").count() == 0
    response = page.goto(f"{server}/admin/users")
    assert response.status == 403


def test_services_page_shows_index_rankings_late_and_refreshes(
    page, server: str, world: World
) -> None:  # type: ignore[no-untyped-def]
    from tests.services import data

    data.load(world)
    login(page, server, "leader12", next_path="/services?period=2025-Q3&unit=000.00.50.H12")
    assert (
        "Ủy ban nhân dân phường Đoàn Kết — Quý III/2025" in page.locator("#summary h2").inner_text()
    )
    row = page.locator("tr[data-indicator='2.1']").inner_text()
    assert "2" in row and "4" in row and "50,00%" in row
    assert page.locator("table.ranking").count() == 2
    assert "D2" in page.locator("table.late").inner_text()
    # D2: due 7/7 09:00, finished 8/7 10:00 — a day late, said in days.
    assert "1 ngày" in page.locator("table.late tr:has-text('D2')").inner_text()
    # Push an event through the API: the page shows it within 5 seconds, without a reload.
    import httpx

    r = httpx.post(
        f"{server}/api/v1/dossiers/D4/events",
        headers=world.auth("system12"),
        json={"event_id": "live", "ts": "2025-07-23T10:00:00+07:00", "status": 9},
    )
    assert r.status_code == 201
    page.wait_for_selector("tr[data-indicator='2.1']:has-text('75,00%')", timeout=8000)
    page.wait_for_selector("#trend canvas")  # the ECharts trend, served locally


def test_officer_uploads_a_malformed_dossier_file(
    page, server: str, world: World, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.services import data

    data.load(world)
    bad = tmp_path / "hoso.csv"
    bad.write_text(
        "Mã hồ sơ,Mã thủ tục,Mã cơ quan,Mã xã,Kênh,Trạng thái,Ngày tiếp nhận,Ngày hẹn trả\n"
        "U1,1.001,000.00.50.H12,03388,2,4,01/08/2025 08:00,06/08/2025 08:00\n"
        "U2,9.999,000.00.50.H12,03388,2,4,01/08/2025 08:00,06/08/2025 08:00\n"
        "U3,1.001,000.00.51.H12,03390,2,4,01/08/2025 08:00,06/08/2025 08:00\n",
        encoding="utf-8",
    )
    login(page, server, "officer_dk", next_path="/services/upload")
    page.set_input_files("input[type=file]", str(bad))
    page.click("form.card button[type=submit]")
    report = page.locator("#report").inner_text()
    assert "thêm mới 1" in report and "bị từ chối 2" in report
    assert "mã thủ tục không có trong danh mục thủ tục" in report
    assert "cơ quan nằm ngoài phạm vi được phân quyền" in report
