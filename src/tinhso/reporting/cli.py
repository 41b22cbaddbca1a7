"""`tinhso reporting …`: load forms, close periods, follow completeness, Excel templates and
imports, the report to the ministry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.clitools import cli_session, console, err_console, print_json
from tinhso.reporting import orgs, report, service, workbook
from tinhso.reporting.completeness import completeness
from tinhso.reporting.forms import close_period, form_files, get_form, list_forms, load_forms
from tinhso.reporting.periods import PERIOD_TYPE_LABELS, parse_report_period

app = typer.Typer(
    help="Hệ thống báo cáo dùng chung: biểu mẫu, số liệu, Excel, báo cáo gửi Bộ.",
    no_args_is_help=True,
)


@app.command(
    "load-forms",
    help="Nạp biểu mẫu báo cáo từ YAML (tạo mới hoặc thay theo mã; số liệu đã có được giữ).",
)
def load_forms_cmd(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="tệp hoặc thư mục YAML; mặc định catalog/forms")
    ] = None,
) -> None:
    """Load report forms from YAML (created or replaced by code; values are kept)."""
    files = form_files(paths)
    with cli_session() as session:
        rep = load_forms(session, principal=SYSTEM_PRINCIPAL, paths=files)
    console.print(
        f"Đã nạp {len(rep.forms)} biểu mẫu ({', '.join(rep.forms)}); tạo {rep.elements_created} chỉ tiêu dữ liệu "
        f"chưa có trong danh mục; {rep.assignments} đơn vị, cơ quan được giao báo cáo."
    )


@app.command(
    "forms",
    help="Liệt kê các biểu mẫu báo cáo.",
)
def forms_cmd() -> None:
    """List the report forms."""
    with cli_session() as session:
        table = Table("Mã biểu", "Tên", "Kỳ", "Hạn (ngày)", "Phiên bản")
        for f in list_forms(session):
            table.add_row(
                f.code, f.name, PERIOD_TYPE_LABELS[f.period_type], str(f.deadline_days), f.version
            )
    console.print(table)


@app.command(
    "close-period",
    help="Khóa nhập liệu một kỳ của biểu mẫu (hoặc mở lại).",
)
def close_period_cmd(
    form: Annotated[str, typer.Option(help="mã biểu")],
    period: Annotated[str, typer.Option(help="kỳ, ví dụ 2025-07")],
    reason: Annotated[str, typer.Option(help="lý do khóa sổ")] = "",
    reopen: Annotated[bool, typer.Option(help="mở lại kỳ đã khóa")] = False,
) -> None:
    """Close a period of a form to data entry (or reopen it)."""
    with cli_session() as session:
        changed = close_period(
            session,
            principal=SYSTEM_PRINCIPAL,
            form=get_form(session, form),
            period=period,
            reason=reason,
            reopen=reopen,
        )
    word = "mở lại" if reopen else "khóa sổ"
    console.print(
        f"Đã {word} kỳ {period} của biểu {form}." if changed else f"Kỳ {period} đã ở trạng thái đó."
    )


@app.command(
    "completeness",
    help="Cho biết ai đã báo cáo một biểu trong kỳ, đúng hạn hay không, và ai chưa báo cáo.",
)
def completeness_cmd(
    form: Annotated[str, typer.Option(help="mã biểu")],
    period: Annotated[str, typer.Option(help="kỳ, ví dụ 2025-07")],
    fmt: Annotated[str, typer.Option("--format", help="table hoặc json")] = "table",
) -> None:
    """Show who reported a form for a period, on time or not, and who has not."""
    with cli_session() as session:
        c = completeness(
            session,
            principal=SYSTEM_PRINCIPAL,
            form=get_form(session, form),
            period=parse_report_period(period),
        )
        if fmt == "json":
            print_json(c.as_dict())
            return
        table = Table("Đơn vị", "Mã", "Tình trạng", title=f"{c.form.name} — {c.period.label}")
        for r in sorted(c.rows, key=lambda r: r.done):
            table.add_row(r.org.name, r.org.code, r.label)
    console.print(table)
    console.print(
        f"Đã nộp {c.submitted}/{c.expected}, đúng hạn {c.on_time}, đã duyệt {c.approved}."
    )


@app.command(
    "template",
    help="Ghi tệp Excel mẫu (mỗi tổ chức một trang tính) cho một biểu và một kỳ.",
)
def template_cmd(
    form: Annotated[str, typer.Option(help="mã biểu")],
    period: Annotated[str, typer.Option(help="kỳ")],
    out: Annotated[Path, typer.Option(help="tệp .xlsx để ghi")],
    unit: Annotated[
        list[str] | None,
        typer.Option(help="mã đơn vị (lặp lại được); mặc định: mọi đơn vị được giao"),
    ] = None,
) -> None:
    """Write an Excel template (one sheet per organisation) for a form and period."""
    with cli_session() as session:
        f = get_form(session, form)
        p = parse_report_period(period)
        targets = [
            orgs.resolve(session, SYSTEM_PRINCIPAL, unit_code=u, on=p.last) for u in unit or []
        ]
        targets = targets or service.orgs_of_form(session, principal=SYSTEM_PRINCIPAL, form=f)
        data = workbook.build_template(
            session, principal=SYSTEM_PRINCIPAL, form=f, period=p, targets=targets
        )
    out.write_bytes(data)
    console.print(f"Đã ghi mẫu {out} ({len(targets)} trang).")


@app.command(
    "import",
    help="Nhập tệp Excel mẫu đã điền (ghi tất cả hoặc không ghi gì; liệt kê ô bị từ chối).",
)
def import_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    form: Annotated[str, typer.Option(help="mã biểu")],
    period: Annotated[str, typer.Option(help="kỳ")],
    submit: Annotated[bool, typer.Option(help="nộp báo cáo sau khi ghi")] = False,
) -> None:
    """Import a filled Excel template (all or nothing; refused cells listed)."""
    with cli_session() as session:
        res = workbook.import_workbook(
            session,
            principal=SYSTEM_PRINCIPAL,
            form=get_form(session, form),
            period=parse_report_period(period),
            data=file.read_bytes(),
            filename=file.name,
            submit=submit,
        )
    for w in res.warnings:
        err_console.print(f"  cảnh báo: {w}")
    console.print(
        f"Thêm mới {res.created}, cập nhật {res.updated}, không đổi {res.unchanged}, nộp {res.submitted} báo cáo."
    )


@app.command(
    "report",
    help="Ghi báo cáo định kỳ gửi Bộ (XLSX hoặc PDF, theo phần mở rộng của tệp).",
)
def report_cmd(
    form: Annotated[str, typer.Option(help="mã biểu")],
    period: Annotated[str, typer.Option(help="kỳ")],
    out: Annotated[Path, typer.Option(help="tệp .xlsx hoặc .pdf để ghi")],
    unit: Annotated[str | None, typer.Option(help="mã tỉnh; mặc định: tỉnh của biểu")] = None,
) -> None:
    """Write the periodic report to the ministry (XLSX or PDF, by the file's extension)."""
    with cli_session() as session:
        f = get_form(session, form)
        p = parse_report_period(period)
        province = orgs.resolve(
            session, SYSTEM_PRINCIPAL, unit_code=unit or report.province_code(session, f), on=p.last
        )
        doc = report.build_document(
            session,
            principal=SYSTEM_PRINCIPAL,
            form=f,
            period=p,
            province=province,
        )
    if out.suffix.lower() == ".pdf":
        from tinhso.reporting.pdf import to_pdf

        out.write_bytes(to_pdf(doc))
    else:
        out.write_bytes(report.to_xlsx(doc))
    console.print(f"Đã ghi báo cáo {out}.")
