"""Loading forms (bad files refused whole), closing periods, agencies' reports, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.reporting.helpers import SO, XA, acting, reporting_state
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.cli import app
from tinhso.errors import Forbidden, InvalidInput
from tinhso.models import FormAssignment, ReportForm
from tinhso.reporting import orgs, service
from tinhso.reporting.forms import FORMS_DIR, close_period, get_form, load_forms
from tinhso.reporting.periods import parse_report_period
from tinhso.reporting.service import Entry, OrgReport

BAD = """
code: X
name: Biểu lỗi
period_type: daily
sections:
  - name: A
    elements: [A1, A1]
rules:
  - {left: A1, op: "=<", right: B9}
elements:
  - {code: A1, name: Một, value_type: money}
"""


def test_bad_form_file_is_refused_whole(world: World, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(BAD, encoding="utf-8")
    before = reporting_state(world)
    with world.db.session() as s, pytest.raises(InvalidInput) as exc:
        load_forms(s, principal=SYSTEM_PRINCIPAL, paths=[path])
    assert [(e.field, e.reason) for e in exc.value.errors] == [
        ("period_type", "phải là một trong weekly, monthly, quarterly, six_monthly, yearly"),
        ("A1", "chỉ tiêu lặp lại trong biểu"),
        ("A1", "kiểu giá trị không hợp lệ"),
        ("rules[1].op", "phải là một trong <= >= < > =="),
        ("rules[1].right", "'B9' không phải chỉ tiêu của biểu"),
    ]
    with world.db.session() as s:
        assert s.scalars(select(ReportForm)).first() is None
    assert reporting_state(world) == before


def test_an_unknown_department_in_charge_is_refused(world: World, tmp_path: Path) -> None:
    text = (FORMS_DIR / "bc-cds-xa-thang.yaml").read_text(encoding="utf-8")
    path = tmp_path / "x.yaml"
    path.write_text(text.replace('in_charge: "000.00.02.H12"', 'in_charge: "000.00.99.H12"'))
    with world.db.session() as s, pytest.raises(InvalidInput) as exc:
        load_forms(s, principal=SYSTEM_PRINCIPAL, paths=[path])
    assert [(e.sheet, e.field, e.reason) for e in exc.value.errors] == [
        ("x.yaml", "in_charge", "không có cơ quan mã định danh 000.00.99.H12")
    ]
    with world.db.session() as s:
        assert s.scalars(select(ReportForm)).first() is None
    # The catalog's forms name Sở Khoa học và Công nghệ.
    with world.db.session() as s:
        load_forms(s, principal=SYSTEM_PRINCIPAL, paths=[FORMS_DIR / "bc-cds-xa-thang.yaml"])
        assert get_form(s, XA).in_charge_id == world.agencies["so_khcn"]


def test_officer_cannot_load_forms(forms: World) -> None:
    with acting(forms, "officer_dk") as (s, p), pytest.raises(Forbidden):
        load_forms(s, principal=p, paths=[])


def test_closed_period_refuses_entry(forms: World) -> None:
    w = forms
    with w.db.session() as s:
        assert close_period(
            s,
            principal=SYSTEM_PRINCIPAL,
            form=get_form(s, XA),
            period="2025-07",
            reason="đã tổng hợp gửi Bộ",
        )
    before = reporting_state(w)
    with acting(w, "officer_dk") as (s, p), pytest.raises(InvalidInput) as exc:
        org = orgs.resolve(s, p, key=f"u-{w.units['doan_ket']}")
        rep = OrgReport(org, parse_report_period("2025-07"), [Entry("XA_THON_TONG", "25")])
        service.write_values(s, principal=p, form=get_form(s, XA), reports=[rep], source="form")
    assert [e.reason for e in exc.value.errors] == [
        "tháng 7/2025 của biểu BC-CDS-XA-THANG đã khóa sổ (đã tổng hợp gửi Bộ)"
    ]
    assert reporting_state(w) == before


def test_agency_report_and_its_approver(forms: World) -> None:
    w = forms
    q3 = parse_report_period("2025-Q3")
    with acting(w, "officer_so") as (s, p):
        form = get_form(s, SO)
        [org] = service.writable_orgs(s, principal=p, form=form)
        assert org.name == "Sở Khoa học và Công nghệ"
        entries = [
            Entry("SO_HTTT_TONG", 8),
            Entry("SO_HTTT_CAP_DO", 5),
            Entry("SO_TL_VB_DIEN_TU", "96,5%"),
            Entry("SO_NGAY_KH_CDS", "15/02/2025"),
        ]
        res = service.write_values(
            s,
            principal=p,
            form=form,
            reports=[OrgReport(org, q3, entries)],
            source="form",
            submit=True,
        )
        assert res.created == 4 and res.submitted == 1
        with pytest.raises(Forbidden):
            service.act(s, principal=p, form=form, org=org, period=q3, action="approve")
    # A province officer (scope at the province) approves the province's departments.
    with acting(w, "admin12") as (s, p):
        form = get_form(s, SO)
        org = orgs.resolve(s, p, agency_code="000.00.02.H12")
        assert (
            service.act(s, principal=p, form=form, org=org, period=q3, action="approve").status
            == "approved"
        )


runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    # Rich wraps long lines at the terminal's width: compare words, not line breaks.
    return r.exit_code, " ".join(r.output.split()) + (
        f"\n{r.exception!r}" if r.exception and not isinstance(r.exception, SystemExit) else ""
    )


def test_cli_round_trip(cli: World, tmp_path: Path) -> None:
    # The two reporting forms; the DTI forms need `tinhso catalog load` first.
    code, out = _run("reporting", "load-forms", *map(str, sorted(FORMS_DIR.glob("bc-cds-*.yaml"))))
    assert code == 0 and "Đã nạp 2 biểu mẫu" in out, out
    with cli.db.session() as s:
        assert len(list(s.scalars(select(FormAssignment)))) == 3  # two communes, one department
    code, out = _run("reporting", "forms")
    assert code == 0 and "BC-CDS-XA-THANG" in out
    tpl = tmp_path / "mau.xlsx"
    code, out = _run(
        "reporting", "template", "--form", XA, "--period", "2025-07", "--out", str(tpl)
    )
    assert code == 0 and "2 trang" in out, out
    from tests.reporting.excel import fill

    tpl.write_bytes(fill(tpl.read_bytes(), {"03388": {"XA_THON_TONG": 25, "XA_THON_4G": 30}}))
    code, out = _run("reporting", "import", str(tpl), "--form", XA, "--period", "2025-07")
    assert code == 2 and "ô E13" in out and "không được lớn hơn" in out, out
    tpl.write_bytes(fill(tpl.read_bytes(), {"03388": {"XA_THON_4G": 20}}))
    code, out = _run("reporting", "import", str(tpl), "--form", XA, "--period", "2025-07")
    assert code == 0 and "Thêm mới 2" in out, out
    code, out = _run(
        "reporting", "completeness", "--form", XA, "--period", "2025-07", "--format", "json"
    )
    assert code == 0 and json.loads(out)["expected"] == 2
    code, out = _run(
        "reporting", "close-period", "--form", XA, "--period", "2025-07", "--reason", "x"
    )
    assert code == 0 and "Đã khóa sổ" in out
    report = tmp_path / "bc.pdf"
    code, out = _run(
        "reporting", "report", "--form", XA, "--period", "2025-07", "--out", str(report)
    )
    assert code == 0 and report.read_bytes().startswith(b"%PDF")


WEEKLY = """
code: BC-TUAN
name: Báo cáo nhanh hằng tuần
period_type: weekly
deadline_days: 2
open_from: "2025-W01"
assign: {units: ["03388"], agencies: ["000.00.02.H12"]}
sections:
  - name: Số liệu tuần
    elements: [{code: TUAN_HS, required: true}]
elements:
  - {code: TUAN_HS, name: Số hồ sơ tiếp nhận trong tuần, unit: hồ sơ}
"""


def test_weekly_form_for_a_unit_and_an_agency(world: World, tmp_path: Path) -> None:
    path = tmp_path / "tuan.yaml"
    path.write_text(WEEKLY, encoding="utf-8")
    with world.db.session() as s:
        rep = load_forms(s, principal=SYSTEM_PRINCIPAL, paths=[path])
        assert (rep.forms, rep.elements_created, rep.assignments) == (["BC-TUAN"], 1, 2)
    week = parse_report_period("2025-W27")
    with acting(world, "officer_dk") as (s, p):
        form = get_form(s, "BC-TUAN")
        org = orgs.resolve(s, p, unit_code="03388")
        res = service.write_values(
            s,
            principal=p,
            form=form,
            reports=[OrgReport(org, week, [Entry("TUAN_HS", "31")])],
            source="form",
            submit=True,
        )
        assert res.submitted == 1
        with pytest.raises(InvalidInput) as exc:
            service.write_values(
                s,
                principal=p,
                form=form,
                reports=[OrgReport(org, parse_report_period("2025-07"), [])],
                source="form",
            )
        assert (
            exc.value.errors[0].reason
            == "biểu BC-TUAN báo cáo theo kỳ tuần, không theo tháng 7/2025"
        )
    from tinhso.reporting.completeness import completeness

    with world.db.session() as s:
        c = completeness(s, principal=SYSTEM_PRINCIPAL, form=get_form(s, "BC-TUAN"), period=week)
        assert [(r.org.name, r.status, r.overdue) for r in c.rows] == [
            ("Phường Đoàn Kết", "submitted", False),
            ("Sở Khoa học và Công nghệ", "none", True),
        ]
        assert c.period.deadline(2).date().isoformat() == "2025-07-08"
