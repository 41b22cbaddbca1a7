"""Texts in reports (codes, comments, text values) the databases cannot hold are refused by
row and field on SQLite and PostgreSQL alike, before any lookup, and nothing is written."""

from __future__ import annotations

import json

import pytest

from tests.reporting.helpers import XA, reporting_state
from tests.test_cross_scope import fingerprint
from tests.world import World

GOOD = {"unit": "03388", "period": "2025-07", "element": "XA_THON_TONG", "value": 25}


@pytest.mark.parametrize(
    ("item", "field", "reason"),
    [
        (
            {"unit": "03\x00388"},
            "unit",
            "không tìm thấy đơn vị báo cáo: mã đơn vị có ký tự điều khiển (U+0000)",
        ),
        (
            {"unit": None, "agency": "000.00.50.H12" + "0" * 30},
            "agency",
            "không tìm thấy đơn vị báo cáo: mã định danh cơ quan dài 43 ký tự",
        ),
        (
            {"element": "XA_TO_CNS_TONG", "value": 3, "comment": "ghi chú \ud800"},
            "XA_TO_CNS_TONG",
            "ghi chú có ký tự không hợp lệ (U+D800) không được phép",
        ),
        (
            {"element": "XA_KHO_KHAN", "value": "khó khăn\x85"},
            "XA_KHO_KHAN",
            "văn bản có ký tự điều khiển (U+0085) không được phép",
        ),
    ],
)
def test_refused_with_row_and_field(client, forms: World, item, field: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    before = (reporting_state(forms), fingerprint(forms.db))
    body = {"form": XA, "items": [GOOD, {**GOOD, **item}]}
    r = client.post(
        "/api/v1/datavalues",
        content=json.dumps(body),  # ASCII with \u escapes: a lone surrogate travels as JSON does
        headers={**forms.auth("system12"), "content-type": "application/json"},
    )
    assert r.status_code == 422, r.text
    [err] = r.json()["errors"]
    assert (err["row"], err["field"]) == (2, field)
    assert err["reason"].startswith(reason)
    assert (reporting_state(forms), fingerprint(forms.db)) == before


def test_a_form_code_the_database_cannot_compare_is_not_found(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        "/api/v1/datavalues",
        params={"form": "BC\x00", "period": "2025-07", "unit": "03388"},
        headers=forms.auth("system12"),
    )
    assert r.status_code == 404
    assert r.json()["detail"].startswith("không có biểu mẫu: mã biểu có ký tự điều khiển (U+0000)")


def test_a_closing_reason_with_a_control_character_is_refused(forms: World) -> None:
    from tinhso.accounts.scope import SYSTEM_PRINCIPAL
    from tinhso.errors import InvalidInput
    from tinhso.reporting.forms import close_period, get_form

    before = fingerprint(forms.db)
    with pytest.raises(InvalidInput) as exc, forms.db.session() as s:
        close_period(
            s, principal=SYSTEM_PRINCIPAL, form=get_form(s, XA), period="2025-07", reason="\x1b[31m"
        )
    assert [(e.field, e.reason[:40]) for e in exc.value.errors] == [
        ("reason", "lý do có ký tự điều khiển (U+001B) không")
    ]
    assert fingerprint(forms.db) == before
