"""The demo's reports: a year of submitted data, some units late or missing on purpose."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.reporting.helpers import XA
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.demo.infrastructure import build_infrastructure
from tinhso.demo.reports import build_reports
from tinhso.infrastructure import figures as infra_figures
from tinhso.models import FormElement, Submission, Unit
from tinhso.reporting.completeness import completeness, due_periods
from tinhso.reporting.forms import get_form


def test_demo_reports_have_late_units(world: World) -> None:
    with world.db.session() as s:
        province = s.get(Unit, world.units["lai_chau"])
        assert province is not None
        out = build_reports(s, province=province)
        assert out.forms == 4 and out.reports > 0 and out.missing > 0
        form = get_form(s, XA)
        latest = due_periods(form, 1)[0]
        c = completeness(s, principal=SYSTEM_PRINCIPAL, form=form, period=latest)
        # Phường Đoàn Kết (the demo officer's commune) has not reported the latest month.
        assert "Phường Đoàn Kết" in [r.org.name for r in c.missing]
        assert all(r.overdue for r in c.missing)
        statuses = set(s.scalars(select(Submission.status)))
        assert {"submitted", "approved"} <= statuses
        # A second run adds nothing.
        n = len(list(s.scalars(select(Submission.id))))
        assert build_reports(s, province=province).reports == 0
        assert len(list(s.scalars(select(Submission.id)))) == n


def test_demo_completeness_page_lists_the_late_units(client, world: World) -> None:  # type: ignore[no-untyped-def]
    from tests.accounts.test_auth import _login

    with world.db.session() as s:
        province = s.get(Unit, world.units["lai_chau"])
        assert province is not None
        build_reports(s, province=province)
    _login(client, "leader12")
    r = client.get(
        "/reporting/completeness"
    )  # the form with the most late units, its latest period
    assert r.status_code == 200
    missing = r.text[r.text.index('id="missing"') : r.text.index('id="done"')]
    assert "Quá hạn, chưa nộp" in missing
    r = client.get("/reporting/completeness", params={"form": XA})
    missing = r.text[r.text.index('id="missing"') : r.text.index('id="done"')]
    assert "Phường Đoàn Kết" in missing and "Quá hạn, chưa nộp" in missing


def test_demo_dti_reports_feed_the_dti(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """The yearly DTI forms of the demo carry the figures the DTI catalogs are computed from:
    the province's own (BC-DTI-TINH-NAM) and its communes' (BC-DTI-XA-NAM), summed up."""
    with world.db.session() as s:
        province = s.get(Unit, world.units["lai_chau"])
        assert province is not None
        build_reports(s, province=province)
        build_infrastructure(s, province=province)
    with world.db.session() as s:
        infra = infra_figures.values_on(s, date(2025, 12, 31))[world.units["lai_chau"]]
    q = {"index": "dti-province-2025", "period": "2025", "unit": "12"}
    r = client.get("/api/v1/indicators/values", params=q, headers=world.auth("leader12"))
    assert r.status_code == 200, r.text
    (lai_chau,) = r.json()["units"]
    assert lai_chau["points"] > 300
    nodes = {n["code"]: n for n in lai_chau["nodes"]}
    # 1.1: the steering committee is headed by the chairman (2) → full 25 points.
    assert nodes["1.1"]["points"] == 25
    # 3.1 is computed from the infrastructure register (the operators' households with fibre
    # over the communes' households), not typed again; 2.4 is still reported.
    cap = nodes["3.1"]["indicator"]
    assert (cap["numerator"], cap["denominator"]) == (
        infra["infra.households_fibre"],
        infra["infra.households"],
    )
    assert cap["denominator"] > 0
    assert cap["value"] == pytest.approx(100 * cap["numerator"] / cap["denominator"])
    assert (cap["source"], cap["source_label"]) == ("computed", "Tự tính")
    assert nodes["2.4"]["indicator"]["source"] == "reported"
    # No 2024 figures: no change is shown, for the province nor for its communes on its page.
    assert lai_chau["change"] is None
    r = client.get(
        "/api/v1/indicators/values",
        params=q | {"index": "dti-commune-2025"},
        headers=world.auth("leader12"),
    )
    assert r.status_code == 200 and r.json()["units"][0]["change"] is None
    from tinhso.accounts.scope import SYSTEM_PRINCIPAL as system
    from tinhso.indicators import service as indicators
    from tinhso.lake import Lake
    from tinhso.workdays import WorkCalendar

    lake = Lake(world.db, None, WorkCalendar.default())
    try:
        with world.db.session() as s:
            page = indicators.page(
                s, lake, principal=system, index="dti-commune-2025", period="2025", unit_code="12"
            )
    finally:
        lake.close()
    assert page["children"] and all(c["change"] is None for c in page["children"])


def test_demo_reports_are_approved_by_the_department_in_charge_with_true_times(
    world: World,
) -> None:
    """The department in charge (Sở Khoa học và Công nghệ) approves what the communes and
    departments send it; each value says who entered it, how, and when it would have been."""
    from tinhso.models import DataValue, DataValueHistory

    with world.db.session() as s:
        province = s.get(Unit, world.units["lai_chau"])
        assert province is not None
        build_reports(s, province=province)
    with world.db.session() as s:
        xa = get_form(s, XA)
        subs = list(s.scalars(select(Submission).where(Submission.form_id == xa.id)))
        approved = [x for x in subs if x.status == "approved"]
        assert approved and {x.approved_by for x in approved} == {world.users["officer_so"]}
        for x in approved:
            assert x.submitted_at is not None and x.approved_at is not None
            assert x.submitted_at < x.approved_at
        # Sở Khoa học và Công nghệ's own quarterly report is not approved by itself.
        own = s.scalars(
            select(Submission).where(Submission.agency_id == world.agencies["so_khcn"])
        ).all()
        assert own and all(x.approved_by != world.users["officer_so"] for x in own)
        times = {
            (x.unit_id, x.agency_id, x.form_id, x.period): x.submitted_at
            for x in s.scalars(select(Submission))
        }
        values = list(s.scalars(select(DataValue)))
        assert values
        officers = {
            ("u", world.units["doan_ket"]): "officer_dk",
            ("u", world.units["binh_lu"]): "officer_bl",
            ("a", world.agencies["so_khcn"]): "officer_so",
        }
        # An element may be on two forms (the staff total: the communes' and the province's).
        forms_of: dict[int, set[int]] = {}
        for f, e in s.execute(select(FormElement.form_id, FormElement.element_id)):
            forms_of.setdefault(e, set()).add(f)
        for v in values:
            # Entered when the report was submitted, not when the demo was built.
            sent = {
                times[key]
                for f in forms_of[v.element_id]
                if (key := (v.unit_id, v.agency_id, f, v.period)) in times
            }
            assert sent == {v.updated_at}
            officer = officers.get(("u", v.unit_id) if v.unit_id else ("a", v.agency_id))
            if officer is not None:  # the world's officers enter their own reports
                assert v.updated_by == world.users[officer] and v.source in ("form", "excel")
            else:
                assert v.updated_by is None and v.source == "demo"
        for h in s.scalars(select(DataValueHistory)):
            assert h.replaced_at >= h.updated_at
