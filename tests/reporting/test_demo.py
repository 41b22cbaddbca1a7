"""The demo's reports: a year of submitted data, some units late or missing on purpose."""

from __future__ import annotations

from sqlalchemy import select

from tests.reporting.helpers import XA
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.demo.reports import build_reports
from tinhso.models import Submission, Unit
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
    q = {"index": "dti-province-2025", "period": "2025", "unit": "12"}
    r = client.get("/api/v1/indicators/values", params=q, headers=world.auth("leader12"))
    assert r.status_code == 200, r.text
    (lai_chau,) = r.json()["units"]
    assert lai_chau["points"] > 300
    nodes = {n["code"]: n for n in lai_chau["nodes"]}
    # 1.1: the steering committee is headed by the chairman (2) → full 25 points.
    assert nodes["1.1"]["points"] == 25
    # 3.1 counts households with fibre reported by the communes (ratio of the sums).
    cap = nodes["3.1"]["indicator"]
    assert cap["denominator"] > 0 and 0 < cap["value"] < 100
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
