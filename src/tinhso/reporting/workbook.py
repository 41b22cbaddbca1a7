"""The Excel round-trip: a template per form, period and organisation (one sheet each), filled
offline and uploaded back through the same checks as the data-entry page.

A template carries its identity in a hidden sheet ``_tinhso`` (form, definition digest,
period, and which organisation each sheet is for), which survives Excel and LibreOffice, so a
template of another form or period, or of an older definition of the form, is recognised and
refused with the cell that says so.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from sqlalchemy.orm import Session

from tinhso.accounts.scope import SYSTEM_PRINCIPAL, Principal
from tinhso.errors import FieldError, InvalidInput, NotFound
from tinhso.fmt import vn_date
from tinhso.reporting import orgs
from tinhso.reporting.forms import ElementSpec, form_elements
from tinhso.reporting.models import DataValue, ReportForm
from tinhso.reporting.orgs import Org
from tinhso.reporting.parsing import NUMBER_TYPES, display
from tinhso.reporting.periods import ReportPeriod, label_of
from tinhso.reporting.service import Entry, OrgReport, WriteResult, stored_values, write_values
from tinhso.uploads import check_spreadsheet

META = "_tinhso"
MARK = "tinhso-mau-bao-cao"
FIRST_ROW = 7
HEADER = ("STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Giá trị", "Ghi chú")
TYPE_HINTS = {
    "number": "số",
    "integer": "số nguyên",
    "percentage": "%, ghi 53,8",
    "boolean": "Có/Không",
    "date": "ngày dd/mm/yyyy",
    "text": "văn bản",
}
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_QUOTED = re.compile(r'"[^"]*"|\\.')
PERCENT_LITERAL = '#,##0.0##"%"'


def _title(org: Org, used: set[str]) -> str:
    base = _BAD_TITLE.sub(" ", f"{org.code} {org.name}")[:31].strip()
    title, n = base, 2
    while title.lower() in used or title == META:
        title = f"{base[:27]} ({n})"
        n += 1
    used.add(title.lower())
    return title


def _stored_cell(e: ElementSpec, v: DataValue | None) -> Any:
    if v is None:
        return None
    if e.value_type in NUMBER_TYPES:
        return v.value_num
    if e.value_type == "date" and v.value_text:
        return date.fromisoformat(v.value_text)
    return display(e.value_type, v.value_num, v.value_text) or None


def build_template(
    session: Session,
    *,
    principal: Principal,
    form: ReportForm,
    period: ReportPeriod,
    targets: list[Org],
) -> bytes:
    """Return an XLSX template: one sheet per organisation, filled with what is stored."""
    principal.require("read")
    elements = form_elements(session, form)
    wb = Workbook()
    wb.remove(wb.active)
    meta = wb.create_sheet(META)
    meta.append(["mark", MARK])
    meta.append(["form", form.code])
    meta.append(["digest", form.digest])
    meta.append(["period", period.code])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF7D6")
    used: set[str] = set()
    for org in targets:
        ws = wb.create_sheet(_title(org, used))
        meta.append(["sheet", ws.title, org.key, org.code])
        stored = stored_values(session, elements, org, period.code)
        ws["A1"] = form.name
        ws["A1"].font = Font(bold=True, size=13)
        ws["A2"] = f"Đơn vị báo cáo: {org.name} (mã {org.code}) — Kỳ: {period.label}"
        ws["A3"] = (
            f"Hạn nộp: {vn_date(period.deadline(form.deadline_days))} — Biểu {form.code}, phiên bản {form.version}"
        )
        ws["A4"] = (
            "Nhập giá trị vào cột E và ghi chú vào cột F; không sửa các cột khác. "
            "Tỷ lệ ghi 53,8 hoặc 53,8%; câu hỏi Có/Không ghi Có hoặc Không; ngày ghi dd/mm/yyyy."
        )
        ws.append([])
        ws.append(list(HEADER))
        for c in ws[FIRST_ROW - 1]:
            c.font = bold
        yes_no = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
        ws.add_data_validation(yes_no)
        section = None
        for n, e in enumerate(elements, start=1):
            if e.section != section:
                section = e.section
                ws.append(["", "", section])
                ws.cell(ws.max_row, 3).font = bold
            v = stored.get(e.code)
            unit = e.unit + (f" ({TYPE_HINTS[e.value_type]})" if e.value_type != "number" else "")
            name = e.name + (" (*)" if e.required else "")
            ws.append([n, e.code, name, unit, _stored_cell(e, v), v.comment if v else None])
            row = ws.max_row
            for col in (5, 6):
                cell = ws.cell(row, col)
                cell.protection = Protection(locked=False)
                cell.fill = fill
            if e.value_type == "date":
                ws.cell(row, 5).number_format = "DD/MM/YYYY"
            elif e.value_type == "number":
                ws.cell(row, 5).number_format = "#,##0.##"
            elif e.value_type == "integer":
                ws.cell(row, 5).number_format = "#,##0"
            elif e.value_type == "percentage":
                # A literal "%" (quoted): the cell holds 53.8 and shows 53,8%; typing "53,8%"
                # makes Excel switch the cell to a real percentage (0.538), read as such.
                ws.cell(row, 5).number_format = PERCENT_LITERAL
            if e.value_type == "boolean":
                yes_no.add(ws.cell(row, 5))
        for letter, width in zip("ABCDEF", (6, 22, 60, 18, 16, 40), strict=True):
            ws.column_dimensions[letter].width = width
        for row_cells in ws.iter_rows(min_row=FIRST_ROW, max_col=3, min_col=3):
            row_cells[0].alignment = Alignment(wrap_text=True)
        ws.protection.sheet = True
        ws.protection.formatCells = False
        ws.protection.formatColumns = False
    meta.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _meta(wb: Any, errors: list[FieldError]) -> dict[str, Any] | None:
    if META not in wb.sheetnames:
        errors.append(
            FieldError(
                "tệp",
                "tệp không phải mẫu Excel của hệ thống (thiếu trang ẩn _tinhso); hãy tải mẫu mới",
            )
        )
        return None
    out: dict[str, Any] = {"sheets": []}
    for i, cells in enumerate(wb[META].iter_rows(values_only=True), start=1):
        row = (*cells, None, None, None)  # a damaged sheet may hold rows of one cell
        if row[0] is None:
            continue
        key = str(row[0])
        if key == "sheet":
            out["sheets"].append((str(row[1]), str(row[2]), i))
        else:
            out[key] = (str(row[1]) if row[1] is not None else "", i)
    if out.get("mark", ("",))[0] != MARK:
        errors.append(FieldError("tệp", "trang _tinhso không phải của mẫu báo cáo", sheet=META))
        return None
    return out


def read_upload(
    session: Session,
    *,
    principal: Principal,
    form: ReportForm,
    period: ReportPeriod,
    data: bytes,
    filename: str = "mau.xlsx",
) -> list[OrgReport]:
    """Return the reports of an uploaded template; raise InvalidInput naming each refused cell
    when the workbook is not a template of this form and period."""
    principal.require("read")
    check_spreadsheet(data, filename)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not XLSX
        raise InvalidInput(
            f"không đọc được tệp Excel '{filename}'",
            [FieldError("tệp", "tệp không phải là bảng tính .xlsx hợp lệ")],
        ) from exc
    try:
        reports = _reports(session, wb, form, period)
    finally:
        wb.close()
    _refuse_formulas_without_result(data, reports)
    return reports


FORMULA_WITHOUT_RESULT = (
    "ô có công thức nhưng tệp không lưu kết quả của nó; "
    "hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi tải lên, hoặc ghi số thay cho công thức"
)


def _refuse_formulas_without_result(data: bytes, reports: list[OrgReport]) -> None:
    """Raise InvalidInput naming the blank value cells that hold a formula.

    Excel and LibreOffice keep a formula's result, which is what is read; a file written by a
    program may keep the formula alone, and read as blank it would clear the stored value.
    """
    blank = {(e.sheet, e.cell): e for r in reports for e in r.entries if e.raw is None}
    if not blank:
        return
    errors: list[FieldError] = []
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for title in dict.fromkeys(sheet for sheet, _ in blank):
            rows = wb[title].iter_rows(min_row=FIRST_ROW, min_col=5, max_col=5, values_only=True)
            for r, row in enumerate(rows, start=FIRST_ROW):
                entry = blank.get((title, f"E{r}"))
                v = row[0] if row else None
                formula = isinstance(v, ArrayFormula | DataTableFormula) or (
                    isinstance(v, str) and v.startswith("=")
                )
                if entry is not None and formula:
                    errors.append(
                        FieldError(entry.code, FORMULA_WITHOUT_RESULT, sheet=title, cell=f"E{r}")
                    )
    finally:
        wb.close()
    if errors:
        raise InvalidInput(f"có {len(errors)} giá trị không hợp lệ; chưa ghi giá trị nào", errors)


def _reports(session: Session, wb: Any, form: ReportForm, period: ReportPeriod) -> list[OrgReport]:
    errors: list[FieldError] = []
    meta = _meta(wb, errors)
    if meta is None:
        raise InvalidInput("tệp không phải mẫu báo cáo", errors)
    got_form, form_row = meta.get("form", ("", 2))
    got_period, period_row = meta.get("period", ("", 4))
    if got_form != form.code:
        errors.append(
            FieldError(
                "form",
                f"tệp là mẫu của biểu {got_form}, không phải biểu {form.code}",
                sheet=META,
                cell=f"B{form_row}",
            )
        )
    elif meta.get("digest", ("", 3))[0] != form.digest:
        errors.append(
            FieldError(
                "form",
                f"mẫu được tạo từ định nghĩa cũ của biểu {form.code}; hãy tải mẫu mới",
                sheet=META,
                cell=f"B{meta.get('digest', ('', 3))[1]}",
            )
        )
    if got_period != period.code:
        errors.append(
            FieldError(
                "period",
                f"tệp là mẫu của {label_of(got_period)}, không phải {period.in_text}",
                sheet=META,
                cell=f"B{period_row}",
            )
        )
    if errors:
        raise InvalidInput("tệp là mẫu của biểu hoặc kỳ khác; chưa ghi giá trị nào", errors)
    reports: list[OrgReport] = []
    for title, key, meta_row in meta["sheets"]:
        if title not in wb.sheetnames:
            errors.append(
                FieldError(
                    "sheet", f"thiếu trang '{title}' của mẫu", sheet=META, cell=f"B{meta_row}"
                )
            )
            continue
        try:
            org = orgs.resolve(session, SYSTEM_PRINCIPAL, key=key)
        except NotFound:
            errors.append(FieldError("unit", "đơn vị của trang không còn tồn tại", sheet=title))
            continue
        rep = OrgReport(org, period, sheet=title)
        for r, row in enumerate(wb[title].iter_rows(min_row=FIRST_ROW, max_col=6), start=FIRST_ROW):
            cells = list(row) + [None] * (6 - len(row))
            code = getattr(cells[1], "value", None)
            if code is None or str(code).strip() == "":
                continue
            value_cell = cells[4]
            raw = getattr(value_cell, "value", None)
            fmt = str(getattr(value_cell, "number_format", "") or "")
            scaled = "%" in _QUOTED.sub("", fmt)
            comment = getattr(cells[5], "value", None)
            rep.entries.append(
                Entry(
                    str(code).strip(),
                    raw,
                    comment="" if comment is None else str(comment).strip(),
                    percent_format=scaled and isinstance(raw, int | float),
                    in_percent=not scaled and "%" in fmt,
                    sheet=title,
                    cell=f"E{r}",
                )
            )
        reports.append(rep)
    if errors:
        raise InvalidInput("tệp thiếu trang hoặc đơn vị; chưa ghi giá trị nào", errors)
    return reports


def import_workbook(
    session: Session,
    *,
    principal: Principal,
    form: ReportForm,
    period: ReportPeriod,
    data: bytes,
    filename: str = "mau.xlsx",
    submit: bool = False,
) -> WriteResult:
    """Check and write a filled template (all or nothing); raise InvalidInput naming each
    refused cell (sheet, cell, reason)."""
    reports = read_upload(
        session, principal=principal, form=form, period=period, data=data, filename=filename
    )
    return write_values(
        session, principal=principal, form=form, reports=reports, source="excel", submit=submit
    )
