"""The reporting API: batches of values (all or nothing, idempotent, per-item errors),
reads, submissions, completeness, templates and uploads."""

from __future__ import annotations

import unicodedata

from tests.reporting.excel import fill
from tests.reporting.helpers import XA, reporting_state
from tests.world import World

ITEMS = [
    {"unit": "03388", "period": "2025-07", "element": "XA_TO_CNS_TONG", "value": 12},
    {"unit": "03388", "period": "2025-07", "element": "XA_TO_CNS_HOAT_DONG", "value": "10"},
    {"unit": "03388", "period": "2025-07", "element": "XA_HS_TIEP_NHAN", "value": 1250},
    {"unit": "03388", "period": "2025-07", "element": "XA_TL_THANH_TOAN_TT", "value": "53,8%"},
    {
        "unit": "03390",
        "period": "2025-07",
        "element": "XA_TO_CNS_TONG",
        "value": 7,
        "comment": "Mới thành lập 2 tổ",
    },
]


def test_batch_is_idempotent_and_readable(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    w = forms
    r = client.post(
        "/api/v1/datavalues", json={"form": XA, "items": ITEMS}, headers=w.auth("system12")
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 5, "updated": 0, "unchanged": 0, "submitted": 0, "warnings": []}
    r = client.post(
        "/api/v1/datavalues", json={"form": XA, "items": ITEMS}, headers=w.auth("system12")
    )
    assert r.json()["unchanged"] == 5 and r.json()["created"] == 0
    r = client.get(
        "/api/v1/datavalues",
        params={"form": XA, "period": "2025-07", "unit": "03390"},
        headers=w.auth("officer_bl"),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["org_name"] == "Xã Bình Lư" and body["status"] == "draft"
    assert [(v["element"], v["value"], v["comment"], v["source"]) for v in body["values"]] == [
        ("XA_TO_CNS_TONG", 7.0, "Mới thành lập 2 tổ", "api")
    ]


def test_batch_errors_name_each_item_and_write_nothing(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    w = forms
    before = reporting_state(w)
    items = [
        *ITEMS[:2],
        {"unit": "03388", "period": "2025-07", "element": "XA_THON_TONG", "value": "hai mươi lăm"},
        {"unit": "03388", "period": "2025-7", "element": "XA_THON_TONG", "value": 25},
        {"unit": "03388", "period": "2025-07", "element": "KHONG_CO", "value": 1},
        {"unit": "04279", "period": "2025-07", "element": "XA_THON_TONG", "value": 25},
    ]
    r = client.post(
        "/api/v1/datavalues", json={"form": XA, "items": items}, headers=w.auth("system12")
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {"field": "period", "reason": "kỳ báo cáo '2025-7' không hợp lệ", "row": 4},
        {"field": "unit", "reason": "không tìm thấy đơn vị mã '04279'", "row": 6},
    ]
    assert reporting_state(w) == before
    r = client.post(
        "/api/v1/datavalues",
        json={"form": XA, "items": items[:3] + items[4:5]},
        headers=w.auth("system12"),
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "XA_THON_TONG",
            "label": "Tổng số thôn, bản, tổ dân phố",
            "reason": "'hai mươi lăm' không phải là số",
            "row": 3,
            "value": "hai mươi lăm",
        },
        {
            "field": "KHONG_CO",
            "reason": "chỉ tiêu 'KHONG_CO' không thuộc biểu BC-CDS-XA-THANG",
            "row": 4,
        },
    ]
    assert reporting_state(w) == before


def test_submit_approve_and_completeness(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    w = forms
    r = client.post(
        "/api/v1/datavalues",
        json={"form": XA, "items": ITEMS[:4], "submit": True},
        headers=w.auth("system12"),
    )
    assert r.status_code == 422  # the required XA_THON_TONG is missing
    assert r.json()["errors"] == [
        {
            "field": "XA_THON_TONG",
            "label": "Tổng số thôn, bản, tổ dân phố",
            "reason": "chỉ tiêu bắt buộc chưa có giá trị",
            "row": 1,
        }
    ]
    items = [
        *ITEMS[:4],
        {"unit": "03388", "period": "2025-07", "element": "XA_THON_TONG", "value": 25},
    ]
    r = client.post(
        "/api/v1/datavalues",
        json={"form": XA, "items": items, "submit": True},
        headers=w.auth("system12"),
    )
    assert r.status_code == 200 and r.json()["submitted"] == 1
    act = {"form": XA, "period": "2025-07", "unit": "03388"}
    r = client.post(
        "/api/v1/reporting/submissions",
        json={**act, "action": "approve"},
        headers=w.auth("officer_dk"),
    )
    assert r.status_code == 403
    r = client.post(
        "/api/v1/reporting/submissions",
        json={**act, "action": "approve"},
        headers=w.auth("admin12"),
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client.get(
        "/api/v1/reporting/completeness",
        params={"form": XA, "period": "2025-07"},
        headers=w.auth("leader12"),
    )
    body = r.json()
    assert (body["expected"], body["submitted"], body["approved"]) == (2, 1, 1)
    assert [(x["name"], x["status"], x["overdue"]) for x in body["rows"]] == [
        ("Phường Đoàn Kết", "approved", False),
        ("Xã Bình Lư", "none", True),
    ]
    r = client.get(
        "/api/v1/reporting/completeness",
        params={"form": XA, "period": "2025-07"},
        headers=w.auth("officer_bl"),
    )
    assert [x["name"] for x in r.json()["rows"]] == ["Xã Bình Lư"]


def test_forms_template_and_upload(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    w = forms
    r = client.get("/api/v1/reporting/forms", headers=w.auth("viewer15"))
    assert [f["code"] for f in r.json()] == ["BC-CDS-SO-QUY", "BC-CDS-XA-THANG"]
    r = client.get(f"/api/v1/reporting/forms/{XA}", headers=w.auth("officer_dk"))
    assert r.json()["elements"][0]["name"] == "Số tổ công nghệ số cộng đồng đã thành lập"
    assert r.json()["assigned"] == 1
    r = client.get(
        "/api/v1/reporting/template",
        params={"form": XA, "period": "2025-07"},
        headers=w.auth("officer_dk"),
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml")
    template = r.content
    # A monthly form has no template for a quarter (was: BC-CDS-XA-THANG_2026-Q3_03388.xlsx).
    r = client.get(
        "/api/v1/reporting/template",
        params={"form": XA, "period": "2025-Q3"},
        headers=w.auth("officer_dk"),
    )
    assert r.status_code == 422
    assert r.json()["detail"] == "biểu BC-CDS-XA-THANG không có mẫu cho quý III/2025"
    assert r.json()["errors"] == [
        {
            "field": "period",
            "reason": "biểu BC-CDS-XA-THANG báo cáo theo kỳ tháng, không theo quý III/2025",
            "value": "2025-Q3",
        }
    ]
    data = fill(template, {"03388": {"XA_TO_CNS_TONG": 5, "XA_TO_CNS_HOAT_DONG": "6"}})
    files = {"file": ("mau.xlsx", data, "application/octet-stream")}
    r = client.post(
        "/api/v1/reporting/upload",
        params={"form": XA, "period": "2025-07"},
        files=files,
        headers=w.auth("officer_dk"),
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "XA_TO_CNS_HOAT_DONG",
            "reason": "“Số tổ công nghệ số cộng đồng hoạt động thường xuyên” (6) không được lớn hơn “Số tổ công nghệ số cộng đồng đã thành lập” (5)",
            "sheet": "03388 Phường Đoàn Kết",
            "cell": "E9",
            "label": "Số tổ công nghệ số cộng đồng hoạt động thường xuyên",
        }
    ]
    data = fill(data, {"03388": {"XA_TO_CNS_HOAT_DONG": 4}})
    files = {"file": ("mau.xlsx", data, "application/octet-stream")}
    r = client.post(
        "/api/v1/reporting/upload",
        params={"form": XA, "period": "2025-07"},
        files=files,
        headers=w.auth("officer_dk"),
    )
    assert r.status_code == 200 and r.json()["created"] == 2


def test_odd_items_are_refused_not_errors(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    w = forms
    before = reporting_state(w)
    items = [
        {"unit": "03388", "period": "2025-07", "element": "XA_THON_TONG", "value": 10**400},
        {"unit": "03388", "period": "0000", "element": "XA_THON_TONG", "value": 1},
        {"unit": "03388", "period": "9999-12", "element": "XA_THON_TONG", "value": 1},
    ]
    r = client.post(
        "/api/v1/datavalues", json={"form": XA, "items": items}, headers=w.auth("system12")
    )
    assert r.status_code == 422, r.text
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(2, "period"), (3, "period")]
    r = client.post(
        "/api/v1/datavalues", json={"form": XA, "items": items[:1]}, headers=w.auth("system12")
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["reason"] == f"'{10**400}' không phải là số"
    for path in ("datavalues", "reporting/completeness", "reporting/template"):
        r = client.get(
            f"/api/v1/{path}",
            params={"form": XA, "period": "9999-W52", "unit": "03388"},
            headers=w.auth("system12"),
        )
        assert r.status_code == 422, (path, r.text)
    assert reporting_state(w) == before


def test_control_characters_are_refused_and_comments_kept_in_nfc(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL refuses NUL in text, and an Excel template cannot hold the other control
    # characters: both used to end in a 500 (the write, or every later template download).
    w = forms
    before = reporting_state(w)
    items = [
        {"unit": "03388", "period": "2025-07", "element": "XA_TO_CNS_TONG", "value": 1},
        {
            "unit": "03388",
            "period": "2025-07",
            "element": "XA_THON_TONG",
            "value": 2,
            "comment": "a\x00b",
        },
        {"unit": "03388", "period": "2025-07", "element": "XA_KHO_KHAN", "value": "c\x01d"},
    ]
    r = client.post(
        "/api/v1/datavalues", json={"form": XA, "items": items}, headers=w.auth("system12")
    )
    assert r.status_code == 422, r.text
    assert [(e["row"], e["field"], e["reason"]) for e in r.json()["errors"]] == [
        (
            2,
            "XA_THON_TONG",
            "ghi chú có ký tự điều khiển (U+0000) không được phép; hãy xóa ký tự này",
        ),
        (
            3,
            "XA_KHO_KHAN",
            "văn bản có ký tự điều khiển (U+0001) không được phép; hãy xóa ký tự này",
        ),
    ]
    assert reporting_state(w) == before
    decomposed = unicodedata.normalize("NFD", "Mới thành lập")
    items = [
        {
            "unit": "03388",
            "period": "2025-07",
            "element": "XA_TO_CNS_TONG",
            "value": 1,
            "comment": decomposed,
        }
    ]
    r = client.post(
        "/api/v1/datavalues", json={"form": XA, "items": items}, headers=w.auth("system12")
    )
    assert r.status_code == 200, r.text
    r = client.get(
        "/api/v1/datavalues",
        params={"form": XA, "period": "2025-07", "unit": "03388"},
        headers=w.auth("system12"),
    )
    assert r.json()["values"][0]["comment"] == "Mới thành lập"


def test_a_role_that_does_not_approve_is_forbidden_not_told_not_found(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    # Đoàn Kết is in the leader's scope: the report exists for them, approving is what their
    # role does not allow (403), as for every other operation.
    w = forms
    r = client.post(
        "/api/v1/datavalues",
        json={"form": XA, "items": ITEMS[:4], "submit": False},
        headers=w.auth("system12"),
    )
    assert r.status_code == 200, r.text
    body = {"form": XA, "period": "2025-07", "unit": "03388", "action": "approve"}
    r = client.post("/api/v1/reporting/submissions", json=body, headers=w.auth("leader12"))
    assert r.status_code == 403, r.text


def test_a_return_reason_with_a_control_character_is_refused(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    # NUL was a 500 on PostgreSQL, the other control characters broke later exports.
    w = forms
    items = [dict(i, unit="03388") for i in ITEMS[:3]] + [
        {"unit": "03388", "period": "2025-07", "element": "XA_THON_TONG", "value": 25}
    ]
    r = client.post(
        "/api/v1/datavalues",
        json={"form": XA, "items": items, "submit": True},
        headers=w.auth("system12"),
    )
    assert r.status_code == 200, r.text
    before = reporting_state(w)
    body = {"form": XA, "period": "2025-07", "unit": "03388", "action": "return"}
    r = client.post(
        "/api/v1/reporting/submissions",
        json={**body, "reason": "sai số\x00liệu"},
        headers=w.auth("admin12"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {
            "field": "reason",
            "reason": "lý do có ký tự điều khiển (U+0000) không được phép; hãy xóa ký tự này",
        }
    ]
    assert reporting_state(w) == before


def test_a_reused_unit_code_names_the_unit_of_the_period(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    """Code 04279 was Xã Nghĩa An until 30/6/2025 and is Xã Nghĩa Lộ (a merger) from 1/7/2025:
    a figure of March 2025 belongs to the old commune, one of July to the new one."""
    from datetime import date

    from tinhso.accounts.scope import SYSTEM_PRINCIPAL
    from tinhso.reporting import orgs

    with forms.db.session() as s:
        names = {
            on: orgs.resolve(s, SYSTEM_PRINCIPAL, unit_code="04279", on=on).name
            for on in (date(2025, 3, 31), date(2025, 6, 30), date(2025, 7, 1), None)
        }
    assert names == {
        date(2025, 3, 31): "Xã Nghĩa An",
        date(2025, 6, 30): "Xã Nghĩa An",
        date(2025, 7, 1): "Xã Nghĩa Lộ",
        None: "Xã Nghĩa Lộ",  # no day: the current unit
    }
    for period, name in (("2025-03", "Xã Nghĩa An"), ("2025-07", "Xã Nghĩa Lộ")):
        r = client.get(
            "/api/v1/datavalues",
            params={"form": XA, "period": period, "unit": "04279"},
            headers=forms.auth("admin"),
        )
        assert (r.status_code, r.json()["org_name"]) == (200, name), r.text
