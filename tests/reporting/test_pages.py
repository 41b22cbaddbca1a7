"""The reporting pages over HTTP (the browser test drives them in Chromium)."""

from __future__ import annotations

import re

from tests.accounts.test_auth import _login
from tests.reporting.helpers import XA
from tests.world import World


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_entry_check_save_submit_approve(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    w = forms
    _login(client, "officer_dk")
    r = client.get("/reporting")
    assert r.status_code == 200 and "Phường Đoàn Kết" in r.text and "Xã Bình Lư" not in r.text
    url = f"/reporting/entry/{XA}/2025-07/u-{w.units['doan_ket']}"
    r = client.get(url)
    assert r.status_code == 200 and "Số tổ công nghệ số cộng đồng đã thành lập" in r.text
    token = _csrf(r.text)
    r = client.post(url + "/check", data={"csrf_token": token, "v_XA_THON_TONG": "hai"})
    assert r.status_code == 200
    assert (
        '<span class="msg" id="msg-XA_THON_TONG" hx-swap-oob="true"><span class="error">&#39;hai&#39; không phải là số</span></span>'
        in r.text
    )
    r = client.post(url, data={"csrf_token": token, "action": "save", "v_XA_THON_TONG": "hai"})
    assert r.status_code == 422 and "chưa ghi giá trị nào" in r.text and 'value="hai"' in r.text
    form = {
        "csrf_token": token,
        "action": "save",
        "v_XA_TO_CNS_TONG": "12",
        "v_XA_TO_CNS_HOAT_DONG": "10",
        "v_XA_THON_TONG": "25",
        "v_XA_HS_TIEP_NHAN": "1.250",
        "c_XA_HS_TIEP_NHAN": "gồm hồ sơ liên thông",
    }
    r = client.post(url, data=form)
    assert r.status_code == 200 and "Đã lưu nháp." in r.text and 'value="1.250"' in r.text
    r = client.post(url, data={**form, "action": "submit"})
    assert (
        r.status_code == 200 and "Đã nộp báo cáo." in r.text and "<strong>Đã nộp</strong>" in r.text
    )
    assert "Duyệt và khóa số liệu" not in r.text  # a unit does not approve itself
    client.post("/logout", data={"csrf_token": token})
    _login(client, "admin12")
    r = client.get(url)
    assert "Duyệt và khóa số liệu" in r.text
    r = client.post(url, data={"csrf_token": _csrf(r.text), "action": "approve"})
    assert "Đã duyệt báo cáo; số liệu đã được khóa." in r.text and "disabled" in r.text


def test_pages_across_scope_and_completeness(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    w = forms
    _login(client, "officer_dk")
    r = client.get(f"/reporting/entry/{XA}/2025-07/u-{w.units['binh_lu']}")
    assert r.status_code == 404 and "Bình Lư" not in r.text
    r = client.get("/reporting/completeness", params={"form": XA, "period": "2025-07"})
    assert r.status_code == 200 and "Phường Đoàn Kết" in r.text and "Bình Lư" not in r.text
    _login(client, "leader12")
    r = client.get("/reporting/completeness", params={"form": XA, "period": "2025-07"})
    missing = r.text[r.text.index('id="missing"') : r.text.index('id="done"')]
    assert "Xã Bình Lư" in missing and "Quá hạn, chưa nộp" in missing
    # A leader reads reports; the Excel page is for those who enter them.
    r = client.get("/reporting/excel")
    assert r.status_code == 403 and "Vai trò Lãnh đạo không nộp báo cáo" in r.text


def test_home_reminds_late_units(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    _login(client, "officer_dk")
    r = client.get("/")
    start = r.text.index('id="reminders"')
    box = r.text[start : r.text.index("</section>", start)]
    # Every month since the form opened is overdue for this unit; the three latest are listed.
    assert box.count("Phường Đoàn Kết") == 3 and "Quá hạn, chưa nộp" in box
    _login(client, "leader12")
    r = client.get("/")
    assert 'id="reminders"' not in r.text
    assert "2 đơn vị chưa nộp" in r.text


def test_excel_page_lists_refused_cells(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    from tests.reporting.excel import fill

    _login(client, "officer_dk")
    r = client.get("/reporting/excel", params={"form": XA})
    token = _csrf(r.text)
    tpl = client.get("/api/v1/reporting/template", params={"form": XA, "period": "2025-07"}).content
    bad = fill(tpl, {"03388": {"XA_THON_TONG": "hai mươi", "XA_TL_THANH_TOAN_TT": "53,8%"}})
    data = {"csrf_token": token, "form": XA, "period": "2025-07"}
    r = client.post("/reporting/excel", data=data, files={"file": ("mau.xlsx", bad)})
    assert r.status_code == 422
    assert (
        '<td>03388 Phường Đoàn Kết</td><td>E11</td><td>Tổng số thôn, bản, tổ dân phố <span class="code">XA_THON_TONG</span></td><td>&#39;hai mươi&#39; không phải là số</td>'
        in r.text
    )
    good = fill(tpl, {"03388": {"XA_THON_TONG": 25, "XA_TL_THANH_TOAN_TT": "53,8%"}})
    # Submitting needs every required element: refused, each named.
    r = client.post(
        "/reporting/excel", data={**data, "submit": "true"}, files={"file": ("mau.xlsx", good)}
    )
    assert r.status_code == 422
    assert r.text.count("chỉ tiêu bắt buộc chưa có giá trị") == 3
    r = client.post("/reporting/excel", data=data, files={"file": ("mau.xlsx", good)})
    assert r.status_code == 200 and "thêm mới 2, cập nhật 0, không đổi 0." in r.text


def test_excel_page_refuses_a_file_over_the_limit(client, forms: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The page read the whole upload into memory, whatever its size; the API refused it.
    import tinhso.units.routes

    monkeypatch.setattr(tinhso.units.routes, "MAX_UPLOAD", 1024 * 1024)
    _login(client, "officer_dk")
    token = _csrf(client.get("/reporting/excel", params={"form": XA}).text)
    data = {"csrf_token": token, "form": XA, "period": "2025-07"}
    big = b"PK" + b"\0" * (1024 * 1024)
    r = client.post("/reporting/excel", data=data, files={"file": ("mau.xlsx", big)})
    assert r.status_code == 422 and "tệp lớn hơn 1 MB" in r.text


def test_a_form_nobody_in_scope_reports_says_so(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    """A commune officer is not expected to report the departments' quarterly form: the page says
    so, instead of "đã nộp 0/0 đơn vị, đúng hạn 0, đã duyệt 0"."""
    _login(client, "officer_dk")
    r = client.get("/reporting")
    assert r.status_code == 200
    so = r.text[r.text.index("Mã biểu BC-CDS-SO-QUY") :]
    so = so[: so.index("</section>")]
    assert "0/0" not in so and "Xem chi tiết" not in so
    assert "không có đơn vị nào trong phạm vi của anh/chị phải báo cáo biểu này" in so
    xa = r.text[r.text.index("Mã biểu BC-CDS-XA-THANG") :]
    assert "/1</strong> đơn vị" in xa[: xa.index("</section>")]
