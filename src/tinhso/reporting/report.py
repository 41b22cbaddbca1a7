"""The periodic report to the ministry: the province's header, the national motto, a title,
the completeness of the period, the province's totals and the figures by organisation — from
a template the province edits (``catalog/reports/*.yaml``), written as XLSX or PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import InvalidInput, NotFound
from tinhso.fmt import local_today, vn_number
from tinhso.indicators.models import DataElement
from tinhso.reporting.completeness import completeness
from tinhso.reporting.forms import form_elements
from tinhso.reporting.models import DataValue, ReportForm
from tinhso.reporting.orgs import Org
from tinhso.reporting.parsing import NUMBER_TYPES, display
from tinhso.reporting.periods import ReportPeriod
from tinhso.services.catalog import CATALOG_DIR

REPORTS_DIR = CATALOG_DIR / "reports"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@dataclass
class Block:
    """A titled table (or a paragraph when ``rows`` is empty) of the report."""

    title: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


@dataclass
class Document:
    """The report's content, independent of the file format."""

    issuer: str
    issuer_unit: str
    number: str
    place_date: str
    title: str
    subtitle: str
    recipient: str
    intro: str
    blocks: list[Block]
    closing: str
    signer_title: str
    signer_name: str
    copies: list[str]
    file_name: str


def load_template(form: ReportForm, path: Path | None = None) -> dict[str, Any]:
    """Return the report template of the form (the first file in catalog/reports naming it)."""
    paths = [path] if path else sorted(REPORTS_DIR.glob("*.yaml"))
    for p in paths:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("form") == form.code:
            return doc
    raise NotFound(f"chưa có mẫu báo cáo gửi Bộ cho biểu {form.code} (catalog/reports/)")


def _date_words(d: date) -> str:
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def _aggregate(how: str, values: list[float]) -> float | None:
    if not values:
        return None
    if how in ("sum", "last"):
        # One period, one value per organisation: "last" (each one's latest) sums them, as the
        # indicator engine rolls it up.
        return sum(values)
    if how == "average":
        return sum(values) / len(values)
    if how == "max":
        return max(values)
    return None


def build_document(
    session: Session,
    *,
    principal: Principal,
    form: ReportForm,
    period: ReportPeriod,
    province: Org,
    template: dict[str, Any] | None = None,
) -> Document:
    """Return the report of ``period`` for the province from the form's submitted values."""
    principal.require("read")
    if province.level != "province":
        raise InvalidInput("báo cáo gửi Bộ lập cho một tỉnh: hãy chọn mã tỉnh")
    tpl = template or load_template(form)
    name = province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    words = {
        "province": name,
        "province_upper": name.upper(),
        "period": period.label.lower() if period.type != "weekly" else period.label,
        "form": form.name,
        "today": _date_words(local_today()),
    }

    def t(key: str, default: str = "") -> str:
        return str(tpl.get(key, default)).format(**words)

    c = completeness(session, principal=principal, form=form, period=period)
    c.rows = [r for r in c.rows if r.org.unit_path.startswith(province.path)]
    elements = form_elements(session, form)
    aggregation = dict(session.execute(select(DataElement.id, DataElement.aggregation)).all())
    done = [r.org for r in c.rows if r.done]
    values: dict[tuple[str, str], DataValue] = {}
    by_id = {e.id: e.code for e in elements}
    unit_ids = [o.id for o in done if o.kind == "unit"]
    agency_ids = [o.id for o in done if o.kind == "agency"]
    for kind, ids in (("unit", unit_ids), ("agency", agency_ids)):
        if not ids:
            continue
        col = DataValue.unit_id if kind == "unit" else DataValue.agency_id
        for dv in session.scalars(
            select(DataValue).where(
                and_(
                    col.in_(ids),
                    DataValue.period == period.code,
                    DataValue.element_id.in_(list(by_id)),
                    DataValue.status.in_(("submitted", "approved")),
                )
            )
        ):
            key = f"{kind[0]}-{dv.unit_id if kind == 'unit' else dv.agency_id}"
            values[(key, by_id[dv.element_id])] = dv
    blocks: list[Block] = []
    for s in tpl.get("sections") or []:
        kind = s.get("table")
        block = Block(
            str(s.get("title", "")).format(**words), note=str(s.get("note", "")).format(**words)
        )
        if kind == "completeness":
            block.header = ["Nội dung", "Số đơn vị", "Tỷ lệ (%)"]
            exp = c.expected or 1
            for label, n in (
                ("Đơn vị phải báo cáo", c.expected),
                ("Đã nộp báo cáo", c.submitted),
                ("Nộp đúng hạn", c.on_time),
                ("Đã được duyệt", c.approved),
                ("Chưa nộp", c.expected - c.submitted),
            ):
                block.rows.append([label, vn_number(n), vn_number(100 * n / exp, 1)])
            late = [r.org.name for r in c.rows if not r.done]
            if late:
                block.note = "Đơn vị chưa nộp: " + ", ".join(late) + "."
        elif kind == "totals":
            block.header = ["STT", "Chỉ tiêu", "Đơn vị tính", "Toàn tỉnh", "Số đơn vị có số liệu"]
            for n, e in enumerate(elements, start=1):
                how = aggregation.get(e.id, "sum")
                nums = [
                    v.value_num
                    for o in done
                    if (v := values.get((o.key, e.code))) is not None and v.value_num is not None
                ]
                total = _aggregate(how, nums) if e.value_type in NUMBER_TYPES else None
                if e.value_type == "boolean":
                    total_text = f"{vn_number(sum(nums))}/{vn_number(len(nums))} đơn vị có"
                else:
                    total_text = (
                        "—"
                        if total is None
                        else vn_number(total, 0 if float(total).is_integer() else 1)
                    )
                block.rows.append([str(n), e.name, e.unit, total_text, vn_number(len(nums))])
        elif kind == "by_org":
            cols = [
                e for e in elements if e.code in (s.get("columns") or [x.code for x in elements])
            ]
            block.header = [
                "STT",
                "Đơn vị",
                *[f"{e.name} ({e.unit})" if e.unit else e.name for e in cols],
            ]
            for n, o in enumerate(done, start=1):
                cells = []
                for e in cols:
                    v = values.get((o.key, e.code))
                    cells.append(display(e.value_type, v.value_num, v.value_text) if v else "")
                block.rows.append([str(n), o.name, *cells])
        blocks.append(block)
    return Document(
        issuer=t("issuer", "UBND TỈNH {province_upper}"),
        issuer_unit=t("issuer_unit"),
        number=t("number"),
        place_date=f"{name}, {_date_words(local_today())}",
        title=t("title", "BÁO CÁO"),
        subtitle=t("subtitle"),
        recipient=t("recipient"),
        intro=" ".join(t("intro").split()),
        blocks=blocks,
        closing=t("closing"),
        signer_title=t("signer_title"),
        signer_name=t("signer_name"),
        copies=[str(x).format(**words) for x in tpl.get("copies") or []],
        file_name=f"{tpl.get('file_name', form.code)}_{period.code}",
    )


def to_xlsx(doc: Document) -> bytes:
    """Return the report as an XLSX workbook (one sheet, printable)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    width = max([5, *(len(b.header) for b in doc.blocks)])
    bold, center = Font(bold=True), Alignment(horizontal="center", wrap_text=True)
    thin = Side(style="thin")
    half = max(2, width // 2)

    def put(row: int, col: int, text: str, *, font: Font | None = None, span: int = 1) -> None:
        ws.cell(row, col, text)
        if font is not None:
            ws.cell(row, col).font = font
        ws.cell(row, col).alignment = center
        if span > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + span - 1)

    put(1, 1, doc.issuer, span=half)
    put(2, 1, doc.issuer_unit, font=bold, span=half)
    put(3, 1, doc.number, span=half)
    put(1, half + 1, MOTTO[0], font=bold, span=width - half)
    put(2, half + 1, MOTTO[1], font=bold, span=width - half)
    put(3, half + 1, doc.place_date, font=Font(italic=True), span=width - half)
    put(5, 1, doc.title, font=Font(bold=True, size=14), span=width)
    put(6, 1, doc.subtitle, font=bold, span=width)
    put(7, 1, doc.recipient, span=width)
    row = 9
    ws.cell(row, 1, doc.intro).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[row].height = 60
    row += 2
    for b in doc.blocks:
        ws.cell(row, 1, b.title).font = bold
        row += 1
        for i, h in enumerate(b.header, start=1):
            c = ws.cell(row, i, h)
            c.font, c.alignment = bold, center
            c.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        row += 1
        for r in b.rows:
            for i, v in enumerate(r, start=1):
                ws.cell(row, i, v).border = Border(top=thin, bottom=thin, left=thin, right=thin)
                ws.cell(row, i).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
        if b.note:
            ws.cell(row, 1, b.note).font = Font(italic=True)
            row += 1
        row += 1
    ws.cell(row, 1, doc.closing)
    row += 2
    put(row, half + 1, doc.signer_title, font=bold, span=width - half)
    ws.cell(row, 1, "Nơi nhận:").font = Font(bold=True, italic=True)
    for i, line in enumerate(doc.copies, start=1):
        ws.cell(row + i, 1, f"- {line}")
    if doc.signer_name:
        put(row + 4, half + 1, doc.signer_name, font=bold, span=width - half)
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 45
    for letter in "CDEFGHIJ"[: max(0, width - 2)]:
        ws.column_dimensions[letter].width = 18
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def province_code(session: Session, form: ReportForm) -> str:
    """Return the code of the province whose organisations report the form (the first one)."""
    from tinhso.reporting.models import FormAssignment
    from tinhso.units.models import Agency, Unit

    row = (
        session.execute(
            select(Unit.path)
            .join(FormAssignment, FormAssignment.unit_id == Unit.id)
            .where(FormAssignment.form_id == form.id)
            .limit(1)
        ).first()
        or session.execute(
            select(Unit.path)
            .join(Agency, Agency.unit_id == Unit.id)
            .join(FormAssignment, FormAssignment.agency_id == Agency.id)
            .where(FormAssignment.form_id == form.id)
            .limit(1)
        ).first()
    )
    if row is None:
        raise NotFound(f"biểu {form.code} chưa giao cho đơn vị nào")
    root_id = int(row[0].strip("/").split("/")[0])
    code = session.scalars(select(Unit.code).where(Unit.id == root_id)).one()
    return str(code)
