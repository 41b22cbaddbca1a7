"""The Excel round-trip: download a template, fill it (openpyxl, LibreOffice), upload it back;
every refused cell named with its sheet, cell and reason, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.reporting.excel import cell_of, fill, libreoffice_convert
from tests.reporting.helpers import SO, XA, acting, reporting_state
from tests.world import World
from tinhso.errors import InvalidInput
from tinhso.models import DataElement, DataValue
from tinhso.reporting import orgs, service, workbook
from tinhso.reporting.forms import get_form
from tinhso.reporting.periods import parse_report_period

JULY = parse_report_period("2025-07")
FILLED = {
    "XA_TO_CNS_TONG": 12,
    "XA_TO_CNS_HOAT_DONG": 10,
    "XA_THON_TONG": 25,
    "XA_THON_CAP_QUANG": "20",
    "XA_HS_TIEP_NHAN": 1250,
    "XA_HS_TRUC_TUYEN": "800",
    "XA_TL_THANH_TOAN_TT": "53,8%",
    "XA_BCD_KIEN_TOAN": "Có",
}


def _template(world: World, user: str, units: list[str], form: str = XA, period=JULY) -> bytes:  # type: ignore[no-untyped-def]
    with acting(world, user) as (s, p):
        f = get_form(s, form)
        targets = [orgs.resolve(s, p, key=f"u-{world.units[u]}") for u in units]
        return workbook.build_template(s, principal=p, form=f, period=period, targets=targets)


def _upload(
    world: World, user: str, data: bytes, form: str = XA, period=JULY, submit: bool = False
):  # type: ignore[no-untyped-def]
    with acting(world, user) as (s, p):
        return workbook.import_workbook(
            s, principal=p, form=get_form(s, form), period=period, data=data, submit=submit
        )


def _stored(world: World, unit: str) -> dict[str, tuple[float | None, str | None, str]]:
    with world.db.session() as s:
        rows = s.execute(
            select(DataElement.code, DataValue.value_num, DataValue.value_text, DataValue.source)
            .join(DataElement, DataElement.id == DataValue.element_id)
            .where(DataValue.unit_id == world.units[unit], DataValue.period == "2025-07")
        ).all()
    return {c: (n, t, src) for c, n, t, src in rows}


def _round_trip(world: World, convert) -> None:  # type: ignore[no-untyped-def]
    tpl = _template(world, "admin12", ["doan_ket", "binh_lu"])
    assert cell_of(tpl, "03388", "XA_TO_CNS_TONG") == "E8"
    data = fill(
        tpl,
        {
            "03388": dict(FILLED, XA_TL_THANH_TOAN_TT=0.538),
            "03390": dict(FILLED, XA_TL_THANH_TOAN_TT="0,5%"),
        },
        formats={"XA_TL_THANH_TOAN_TT": "0.0%"},  # as Excel stores a typed "53,8%"
    )
    data = convert(data)
    res = _upload(world, "admin12", data, submit=True)
    assert res.created == 16 and res.submitted == 2
    dk = _stored(world, "doan_ket")
    assert dk["XA_HS_TIEP_NHAN"] == (1250.0, None, "excel")
    assert dk["XA_TL_THANH_TOAN_TT"][0] == pytest.approx(53.8)
    assert dk["XA_BCD_KIEN_TOAN"][0] == 1.0
    # 0,5% is stored as 0.5 and, written back into the next template, still reads as 0.5%.
    assert _stored(world, "binh_lu")["XA_TL_THANH_TOAN_TT"][0] == pytest.approx(0.5)
    # The next template carries what is stored; uploading it unchanged writes nothing.
    again = convert(_template(world, "admin12", ["doan_ket", "binh_lu"]))
    state = reporting_state(world)
    res = _upload(world, "admin12", again)
    assert res.created == res.updated == 0 and res.unchanged == 16
    assert reporting_state(world) == state


def test_round_trip_openpyxl(forms: World) -> None:
    _round_trip(forms, lambda data: data)


def test_round_trip_libreoffice(forms: World, tmp_path: Path) -> None:
    n = iter(range(100))
    _round_trip(forms, lambda data: libreoffice_convert(data, tmp_path / str(next(n))))


def _refused(
    world: World, user: str, data: bytes, **kw
) -> list[tuple[str | None, str | None, str]]:  # type: ignore[no-untyped-def]
    state = reporting_state(world)
    with pytest.raises(InvalidInput) as exc:
        _upload(world, user, data, **kw)
    assert reporting_state(world) == state
    return [(e.sheet, e.cell, e.reason) for e in exc.value.errors]


def test_bad_cells_are_named_and_nothing_is_written(forms: World, tmp_path: Path) -> None:
    w = forms
    tpl = _template(w, "officer_dk", ["doan_ket"])
    sheet = "03388 Phường Đoàn Kết"
    bad = dict(FILLED, XA_THON_4G="hai mươi", XA_HS_TRUC_TUYEN=1300, XA_TL_THANH_TOAN_TT=0.538)
    # 0.538 pasted over the template's "%" cell with its own format (General): a fraction or
    # 0.538%? Refused rather than guessed. (Typed into the template's cell, it shows "0,538%".)
    data = fill(tpl, {"03388": bad}, formats={"XA_TL_THANH_TOAN_TT": "General"})
    expected = [
        (sheet, cell_of(tpl, "03388", "XA_THON_4G"), "'hai mươi' không phải là số"),
        (
            sheet,
            cell_of(tpl, "03388", "XA_TL_THANH_TOAN_TT"),
            "tỷ lệ '0.538' không rõ nghĩa: ghi 53,8 hoặc 53,8% nếu là 53,8%, hoặc 0,538% nếu đúng là 0,538%",
        ),
        (
            sheet,
            cell_of(tpl, "03388", "XA_HS_TRUC_TUYEN"),
            "“Số hồ sơ nộp trực tuyến trong tháng” (1.300) không được lớn hơn “Số hồ sơ thủ tục hành chính tiếp nhận trong tháng” (1.250)",
        ),
    ]
    assert _refused(w, "officer_dk", data) == expected
    # LibreOffice keeps the cells where they were: the same errors.
    assert _refused(w, "officer_dk", libreoffice_convert(data, tmp_path)) == expected


def test_template_of_another_form_or_period(forms: World) -> None:
    w = forms
    tpl = _template(w, "officer_dk", ["doan_ket"])
    data = fill(tpl, {"03388": FILLED})
    assert _refused(w, "officer_dk", data, period=parse_report_period("2025-08")) == [
        ("_tinhso", "B4", "tệp là mẫu của tháng 7/2025, không phải tháng 8/2025")
    ]
    assert _refused(w, "officer_so", data, form=SO, period=parse_report_period("2025-Q3")) == [
        ("_tinhso", "B2", "tệp là mẫu của biểu BC-CDS-XA-THANG, không phải biểu BC-CDS-SO-QUY"),
        ("_tinhso", "B4", "tệp là mẫu của tháng 7/2025, không phải quý III/2025"),
    ]
    import io

    from openpyxl import Workbook

    plain = Workbook()
    plain.active.append(["Mã chỉ tiêu", "Giá trị"])
    buf = io.BytesIO()
    plain.save(buf)
    assert _refused(w, "officer_dk", buf.getvalue()) == [
        (
            None,
            None,
            "tệp không phải mẫu Excel của hệ thống (thiếu trang ẩn _tinhso); hãy tải mẫu mới",
        )
    ]
    assert _refused(w, "officer_dk", b"not a workbook") == [
        (None, None, "tệp không phải là bảng tính .xlsx hợp lệ")
    ]


def test_unit_outside_scope_and_locked_period(forms: World) -> None:
    w = forms
    # A province template with both communes, uploaded by Đoàn Kết's officer.
    tpl = _template(w, "admin12", ["doan_ket", "binh_lu"])
    data = fill(tpl, {"03388": FILLED, "03390": FILLED})
    assert _refused(w, "officer_dk", data) == [
        ("03390 Xã Bình Lư", None, "Xã Bình Lư nằm ngoài phạm vi được phân quyền")
    ]
    # Once approved, the period is locked for the unit.
    _upload(
        w,
        "officer_dk",
        fill(_template(w, "officer_dk", ["doan_ket"]), {"03388": FILLED}),
        submit=True,
    )
    with acting(w, "admin12") as (s, p):
        org = orgs.resolve(s, p, key=f"u-{w.units['doan_ket']}")
        service.act(s, principal=p, form=get_form(s, XA), org=org, period=JULY, action="approve")
    assert _refused(w, "admin12", data) == [
        (
            "03388 Phường Đoàn Kết",
            None,
            "báo cáo tháng 7/2025 của Phường Đoàn Kết đã được duyệt; dữ liệu bị khóa",
        )
    ]


def test_a_formula_without_its_result_is_refused_not_read_as_blank(forms: World) -> None:
    # A workbook written by a program (openpyxl, a script) keeps formulas without the result
    # Excel would cache; read as blank, such a cell used to clear the stored value silently.
    w = forms
    tpl = _template(w, "officer_dk", ["doan_ket"])
    _upload(w, "officer_dk", fill(tpl, {"03388": FILLED}))
    cell = cell_of(tpl, "03388", "XA_TO_CNS_TONG")
    data = fill(tpl, {"03388": dict(FILLED, XA_TO_CNS_TONG="=10+2")})
    assert _refused(w, "officer_dk", data) == [
        (
            "03388 Phường Đoàn Kết",
            cell,
            "ô có công thức nhưng tệp không lưu kết quả của nó; "
            "hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi tải lên, hoặc ghi số thay cho công thức",
        )
    ]
    assert _stored(w, "doan_ket")["XA_TO_CNS_TONG"][0] == 12


def test_a_damaged_identity_sheet_is_refused(forms: World) -> None:
    import io

    from openpyxl import load_workbook

    w = forms
    wb = load_workbook(io.BytesIO(_template(w, "officer_dk", ["doan_ket"])))
    wb["_tinhso"].delete_cols(2, 3)  # rows of one cell: "mark", "form", … "sheet"
    buf = io.BytesIO()
    wb.save(buf)
    assert _refused(w, "officer_dk", buf.getvalue()) == [
        ("_tinhso", None, "trang _tinhso không phải của mẫu báo cáo")
    ]
