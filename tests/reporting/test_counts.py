"""Counts take whole numbers only, and every refusal names the element as a person knows it.

"1.234,5" villages was accepted; the error list after saving said "XA_TO_CNS_TONG: …". The same
value is refused the same way by the page, the Excel upload and the API, named by the element's
Vietnamese name with its cell or item, and nothing is written.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.accounts.test_auth import _login
from tests.reporting.excel import cell_of, fill
from tests.reporting.helpers import XA, reporting_state
from tests.test_cross_scope import fingerprint
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.indicators.models import DataElement
from tinhso.reporting import orgs, workbook
from tinhso.reporting.forms import ensure_elements, get_form
from tinhso.reporting.parsing import BadValue, parse_value
from tinhso.reporting.periods import parse_report_period

VILLAGES = "Tổng số thôn, bản, tổ dân phố"
NOT_WHOLE = (
    "'1.234,5' không phải là số nguyên: chỉ tiêu này đếm số lượng, hãy ghi số nguyên (ví dụ 1.234)"
)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1.234", 1234.0), ("25", 25.0), (12.0, 12.0), ("1,0", 1.0), (0, 0.0)]
)
def test_a_count_reads_whole_numbers(raw: object, expected: float) -> None:
    assert parse_value("integer", raw).num == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1.234,5", NOT_WHOLE),
        (12.5, "'12.5' không phải là số nguyên"),
        ("0,5", "'0,5' không phải là số nguyên"),
        ("12%", "'12%' có dấu % nhưng chỉ tiêu không phải là tỷ lệ"),
        ("hai mươi", "'hai mươi' không phải là số"),
    ],
)
def test_a_count_refuses_anything_else(raw: object, reason: str) -> None:
    with pytest.raises(BadValue) as exc:
        parse_value("integer", raw)
    assert str(exc.value).startswith(reason)


def test_the_forms_counts_are_integers(forms: World) -> None:
    with forms.db.session() as s:
        types = dict(s.execute(select(DataElement.code, DataElement.value_type)).all())
    for code in ("XA_TO_CNS_TONG", "XA_THON_TONG", "XA_HS_TIEP_NHAN", "SO_HTTT_TONG"):
        assert types[code] == "integer"
    assert types["XA_TL_THANH_TOAN_TT"] == "percentage"


def test_a_form_file_makes_its_own_element_a_count(forms: World) -> None:
    """A database loaded before counts were integers follows the form file when reloaded."""
    with forms.db.session() as s:
        element = s.scalars(select(DataElement).where(DataElement.code == "XA_THON_TONG")).one()
        element.value_type = "number"
    definition = {"code": "XA_THON_TONG", "name": VILLAGES, "unit": "thôn", "value_type": "integer"}
    with forms.db.session() as s:
        assert ensure_elements(s, [definition], XA) == 0
    with forms.db.session() as s:
        element = s.scalars(select(DataElement).where(DataElement.code == "XA_THON_TONG")).one()
        assert element.value_type == "integer"
        # An element a catalog owns is the catalog's to change, not a form file's.
        element.catalog = "dti-commune-2025"
        element.value_type = "number"
    with forms.db.session() as s:
        ensure_elements(s, [definition], XA)
    with forms.db.session() as s:
        assert s.scalars(
            select(DataElement.value_type).where(DataElement.code == "XA_THON_TONG")
        ).one() == ("number")


def test_api_refuses_a_fraction_of_villages_by_name(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    before = (reporting_state(forms), fingerprint(forms.db))
    items = [
        {"unit": "03388", "period": "2025-07", "element": "XA_TO_CNS_TONG", "value": 3},
        {"unit": "03388", "period": "2025-07", "element": "XA_THON_TONG", "value": "1.234,5"},
    ]
    r = client.post(
        "/api/v1/datavalues", json={"form": XA, "items": items}, headers=forms.auth("system12")
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {
            "field": "XA_THON_TONG",
            "label": VILLAGES,
            "reason": NOT_WHOLE,
            "row": 2,
            "value": "1.234,5",
        }
    ]
    assert (reporting_state(forms), fingerprint(forms.db)) == before


def test_excel_upload_refuses_it_by_name_and_cell(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    with forms.db.session() as s:
        org = orgs.resolve(s, SYSTEM_PRINCIPAL, key=f"u-{forms.units['doan_ket']}")
        tpl = workbook.build_template(
            s,
            principal=SYSTEM_PRINCIPAL,
            form=get_form(s, XA),
            period=parse_report_period("2025-07"),
            targets=[org],
        )
    cell = cell_of(tpl, "03388", "XA_THON_TONG")
    data = fill(tpl, {"03388": {"XA_TO_CNS_TONG": 3, "XA_THON_TONG": 12.5}})
    before = (reporting_state(forms), fingerprint(forms.db))
    r = client.post(
        "/api/v1/reporting/upload",
        params={"form": XA, "period": "2025-07"},
        files={"file": ("mau.xlsx", data)},
        headers=forms.auth("officer_dk"),
    )
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert (err["label"], err["cell"], err["sheet"]) == (VILLAGES, cell, "03388 Phường Đoàn Kết")
    assert err["reason"].startswith("'12.5' không phải là số nguyên")
    assert (reporting_state(forms), fingerprint(forms.db)) == before


def test_entry_page_lists_errors_by_name(client, forms: World) -> None:  # type: ignore[no-untyped-def]
    _login(client, "officer_dk")
    url = f"/reporting/entry/{XA}/2025-07/u-{forms.units['doan_ket']}"
    r = client.get(url)
    token = re.search(r'name="csrf-token" content="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    before = reporting_state(forms)
    form = {"csrf_token": token, "action": "save", "v_XA_THON_TONG": "1.234,5"}
    form |= {"v_XA_TO_CNS_TONG": "5", "v_XA_TO_CNS_HOAT_DONG": "6"}
    r = client.post(url, data=form)
    assert r.status_code == 422
    listed = re.search(r'<ul class="errors">(.*?)</ul>', r.text, re.S).group(1)  # type: ignore[union-attr]
    items = re.findall(r"<li>(.*?)</li>", listed)
    assert items == [
        f'<a href="#v_XA_THON_TONG">{VILLAGES}</a>: &#39;1.234,5&#39; không phải là số nguyên: '
        "chỉ tiêu này đếm số lượng, hãy ghi số nguyên (ví dụ 1.234)",
        '<a href="#v_XA_TO_CNS_HOAT_DONG">Số tổ công nghệ số cộng đồng hoạt động thường xuyên</a>: '
        "“Số tổ công nghệ số cộng đồng hoạt động thường xuyên” (6) không được lớn hơn "
        "“Số tổ công nghệ số cộng đồng đã thành lập” (5)",
    ]
    assert "XA_THON_TONG:" not in r.text
    assert reporting_state(forms) == before
