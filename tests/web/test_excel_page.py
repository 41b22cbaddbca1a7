"""The Excel round trip through its page, in a real Chromium, for every form a role fills:
choose the form (the periods follow it), choose a period, download the template from the page,
fill it with openpyxl, upload it through the page, see it accepted and the values stored."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.reporting.excel import fill
from tests.web.test_pages import login
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit.service import Actor, bind_actor
from tinhso.demo.dti import commune_values, load_catalogs
from tinhso.demo.reports import _agency_values, _base
from tinhso.models import DataValue, Submission
from tinhso.reporting.forms import form_files, load_forms

pytestmark = pytest.mark.browser

GOOD_MONTH = {
    "XA_TO_CNS_TONG": 12,
    "XA_TO_CNS_HOAT_DONG": 10,
    "XA_THON_TONG": 25,
    "XA_THON_CAP_QUANG": 20,
    "XA_THON_4G": 24,
    "XA_HS_TIEP_NHAN": 1250,
    "XA_HS_TRUC_TUYEN": 800,
    "XA_TL_THANH_TOAN_TT": 53.8,
    "XA_BCD_KIEN_TOAN": "Có",
    "XA_KHO_KHAN": "Thiếu thiết bị ở bản vùng cao",
}


def _load_forms(world: World) -> None:
    with world.db.session() as s:
        bind_actor(s, Actor(name="test-setup", client="test"))
        load_catalogs(s)  # the DTI forms report the indicator catalogs' elements
        load_forms(s, principal=SYSTEM_PRINCIPAL, paths=form_files())


def _values(form: str) -> dict[str, object]:
    rng = random.Random(7)
    base = _base(rng, None)  # type: ignore[arg-type]
    if form == "BC-CDS-XA-THANG":
        return dict(GOOD_MONTH)
    if form == "BC-DTI-XA-NAM":
        return commune_values(rng, base, 1)
    return _agency_values(rng, base, 1)


def _round_trip(page, server: str, world: World, form: str, sheet: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/reporting/excel")
    # Choosing the form reloads the periods: a monthly form offers months only.
    if page.input_value("select[name=form]") != form:
        with page.expect_response(lambda r: "/reporting/excel?" in r.url):
            page.select_option("select[name=form]", form)
    page.wait_for_selector(f"#selection:has-text('{form}')")
    labels = page.locator("select[name=period] option").all_inner_texts()
    word = {"BC-CDS-XA-THANG": "Tháng ", "BC-CDS-SO-QUY": "Quý ", "BC-DTI-XA-NAM": "Năm "}[form]
    assert labels and all(label.startswith(word) for label in labels), labels
    # Another period than the default: both steps follow the choice.
    option = page.locator("select[name=period] option").last
    code, label = option.get_attribute("value"), option.inner_text()
    with page.expect_response(lambda r: "/reporting/excel?" in r.url):
        page.select_option("select[name=period]", code)
    page.wait_for_selector(f"#selection:has-text('{label}')")
    assert page.input_value("#upload input[name=form]") == form
    assert page.input_value("#upload input[name=period]") == code
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == f"{form}_{code}_{sheet}.xlsx"
    template = Path(download.value.path()).read_bytes()
    values = _values(form)
    filled = tmp_path / f"{form}.xlsx"
    filled.write_bytes(fill(template, {sheet: values}))
    page.set_input_files("#upload input[type=file]", str(filled))
    page.check("#upload input[name=submit]")
    with page.expect_navigation():
        page.click("#upload button[type=submit]")
    report = page.locator("#report").inner_text()
    assert "Đã ghi tệp" in report and "nộp 1 báo cáo" in report, report
    assert f"thêm mới {sum(1 for v in values.values() if v != '')}" in report, report
    # The page's own content fits a phone (the top bar's layout is base.html's concern).
    assert page.evaluate("document.querySelector('main').scrollWidth <= window.innerWidth")
    with world.db.session() as s:
        stored = s.scalars(select(DataValue).where(DataValue.period == code)).all()
        sub = s.scalars(select(Submission).where(Submission.period == code)).one()
    assert sub.status == "submitted"
    assert {v.source for v in stored} == {"excel"} and {v.status for v in stored} == {"submitted"}
    assert len(stored) == sum(1 for v in values.values() if v != "")


def test_commune_officer_round_trip_for_every_form(
    device, server: str, world: World, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _load_forms(world)
    login(device, server, "officer_dk", next_path="/reporting/excel")
    offered = device.locator("select[name=form] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert offered == ["BC-CDS-XA-THANG", "BC-DTI-XA-NAM"]  # what a commune reports, no more
    for form in offered:
        _round_trip(device, server, world, form, "03388", tmp_path)
        with world.db.session() as s:  # the next form starts from an empty table
            for model in (Submission, DataValue):
                s.query(model).delete()


def test_department_officer_round_trip(device, server: str, world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _load_forms(world)
    login(device, server, "officer_so", next_path="/reporting/excel")
    offered = device.locator("select[name=form] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert offered == ["BC-CDS-SO-QUY"]
    _round_trip(device, server, world, "BC-CDS-SO-QUY", "000.00.02.H12", tmp_path)


def test_readers_are_not_offered_the_excel_page(page, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    _load_forms(world)
    login(page, server, "leader12", next_path="/reporting")
    assert page.locator("a[href='/reporting/excel']").count() == 0
    response = page.goto(f"{server}/reporting/excel")
    assert response.status == 403
    assert "không nộp báo cáo" in page.locator("[role=alert]").inner_text()
