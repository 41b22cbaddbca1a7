"""The demo's reports in a real Chromium, desktop and phone: a value says who entered it, how
and when the report was entered (not the build's time and "API · hệ thống"), periods read as
people write them, and the department in charge approves what the communes send it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.reporting.helpers import XA
from tests.web.test_pages import login
from tests.world import World
from tinhso.audit.service import Actor, bind_actor
from tinhso.demo.reports import build_reports
from tinhso.models import Submission, Unit
from tinhso.reporting.forms import get_form

pytestmark = pytest.mark.browser
CODE = re.compile(r"\b20\d\d-(0[1-9]|1[0-2]|Q[1-4]|H[12])\b")


def _build(world: World) -> None:
    with world.db.session() as s:
        bind_actor(s, Actor(name="test-setup", client="test"))
        province = s.get(Unit, world.units["lai_chau"])
        assert province is not None
        build_reports(s, province=province)


def test_a_commune_report_says_who_entered_it_and_when(device, server: str, world: World) -> None:  # type: ignore[no-untyped-def]
    _build(world)
    with world.db.session() as s:
        form = get_form(s, XA)
        sub = s.scalars(
            select(Submission)
            .where(Submission.form_id == form.id, Submission.unit_id == world.units["doan_ket"])
            .order_by(Submission.period)
        ).first()
        assert sub is not None and sub.submitted_at is not None
        period, submitted = sub.period, sub.submitted_at
    login(device, server, "officer_dk")
    device.goto(f"{server}/reporting/entry/{XA}/{period}/u-{world.units['doan_ket']}")
    from tinhso.fmt import vn_date

    day = vn_date(submitted, True)
    assert f"nộp lúc {day}" in device.locator("#status").inner_text()
    sources = device.locator("table.entry td.hint").all_inner_texts()
    filled = [t for t in sources if t.strip()]
    assert filled and all("officer_dk" in t and day in t for t in filled), filled
    assert not [t for t in filled if t.startswith("API")]
    # The other periods are offered by their names, not their codes.
    crumbs = device.locator("dl.facts").inner_text()
    assert "Tháng " in crumbs and not CODE.search(crumbs), crumbs


def test_the_department_in_charge_approves_a_commune_report(
    device, server: str, world: World
) -> None:  # type: ignore[no-untyped-def]
    _build(world)
    login(device, server, "officer_so", next_path=f"/reporting/completeness?form={XA}")
    kpis = device.locator(".kpis").inner_text()
    assert "0/0" not in kpis  # the communes report to the department: it sees them
    # Xã Bình Lư submits this month's report; the department opens and approves it.
    from tests.reporting.helpers import acting
    from tinhso.fmt import local_today
    from tinhso.reporting import orgs, service
    from tinhso.reporting.periods import period_containing
    from tinhso.reporting.service import Entry, OrgReport

    values = {"XA_TO_CNS_TONG": "8", "XA_TO_CNS_HOAT_DONG": "7", "XA_THON_TONG": "9"}
    values |= {"XA_HS_TIEP_NHAN": "120"}
    period = period_containing("monthly", local_today()).code
    with acting(world, "officer_bl") as (s, p):
        form = get_form(s, XA)
        org = orgs.resolve(s, p, key=f"u-{world.units['binh_lu']}")
        report = OrgReport(org, period_containing("monthly", local_today()), [])
        report.entries.extend(Entry(c, v) for c, v in values.items())
        service.write_values(
            s, principal=p, form=form, reports=[report], source="form", submit=True
        )
        sub_id = service.submission(s, form, org, period).id  # type: ignore[union-attr]
    device.goto(f"{server}/reporting/entry/{XA}/{period}/u-{world.units['binh_lu']}")
    assert device.locator("input[name^=v_]").first.is_disabled()  # reads, does not enter
    with device.expect_navigation():
        device.click("#approval button[value=approve]")
    assert device.locator("[role=status]").inner_text() == "Đã duyệt báo cáo; số liệu đã được khóa."
    with world.db.session() as s:
        done = s.get(Submission, sub_id)
        assert done is not None and done.status == "approved"
        assert done.approved_by == world.users["officer_so"]
