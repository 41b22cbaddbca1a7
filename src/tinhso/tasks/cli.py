"""`tinhso tasks …`: import a plan's task list and targets, the summary, the status table's
files, and the synchronisation with the ministry's tracking system."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.clitools import cli_session, console, print_json
from tinhso.fmt import vn_number
from tinhso.tasks import exports, imports, service, sync, targets
from tinhso.workdays import WorkCalendar

app = typer.Typer(
    help="Kế hoạch, nhiệm vụ và chỉ tiêu của Ban Chỉ đạo chuyển đổi số.", no_args_is_help=True
)
FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="tệp XLSX hoặc CSV")]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="số, ký hiệu kế hoạch")]
YearOpt = Annotated[int | None, typer.Option("--year", help="năm của kế hoạch")]


class Format(StrEnum):
    table = "table"
    json = "json"


class FileFormat(StrEnum):
    xlsx = "xlsx"
    pdf = "pdf"
    json = "json"


@app.command("import", help="Nhập danh sách nhiệm vụ của kế hoạch (ghi tất cả hoặc không ghi gì).")
def import_tasks(file: FileArg) -> None:
    """Import a task list (all or nothing)."""
    with cli_session() as session:
        rep = imports.import_tasks(
            session, principal=SYSTEM_PRINCIPAL, data=file.read_bytes(), filename=file.name
        )
    console.print(
        f"{vn_number(rep.rows)} dòng — {vn_number(rep.plans_created)} kế hoạch mới; nhiệm vụ: thêm "
        f"{vn_number(rep.created)}, sửa {vn_number(rep.updated)}, không đổi {vn_number(rep.unchanged)}."
    )


@app.command("import-targets", help="Nhập chỉ tiêu của kế hoạch (ghi tất cả hoặc không ghi gì).")
def import_targets(file: FileArg) -> None:
    """Import a plan's targets (all or nothing)."""
    with cli_session() as session:
        rep = imports.import_targets(
            session, principal=SYSTEM_PRINCIPAL, data=file.read_bytes(), filename=file.name
        )
    console.print(
        f"{vn_number(rep.rows)} dòng — thêm {vn_number(rep.created)}, sửa {vn_number(rep.updated)}, "
        f"không đổi {vn_number(rep.unchanged)}."
    )


@app.command("summary", help="Tổng hợp nhiệm vụ (và chỉ tiêu) theo kế hoạch, năm.")
def summary(
    plan: PlanOpt = None,
    year: YearOpt = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Done / in progress / not started / overdue, and the targets' buckets."""
    from tinhso.clitools import cli_lake

    with cli_session() as session:
        out = service.summary(
            session,
            principal=SYSTEM_PRINCIPAL,
            calendar=WorkCalendar.default(),
            plan=plan,
            year=year,
        )
        lake = cli_lake()
        try:
            out["targets"] = targets.targets(
                session, lake, principal=SYSTEM_PRINCIPAL, plan=plan, year=year
            )
        finally:
            lake.close()
    if fmt is Format.json:
        print_json(out)
        return
    console.print(f"[bold]Nhiệm vụ[/]: {out['wording']}.")
    for p in out["plans"]:
        console.print(f"  {p['code']}: {p['wording']}")
    console.print(f"[bold]Chỉ tiêu[/]: {out['targets']['wording']}.")


@app.command(
    "export", help="Xuất bảng tình hình thực hiện nhiệm vụ: xlsx, pdf hoặc json (đồng bộ)."
)
def export(
    fmt: Annotated[FileFormat, typer.Option("--format")] = FileFormat.xlsx,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="tệp ghi ra")] = None,
    plan: PlanOpt = None,
    year: YearOpt = None,
) -> None:
    """Write the status table (or the sync document) to a file, or JSON to the screen."""
    calendar = WorkCalendar.default()
    with cli_session() as session:
        if fmt is FileFormat.json:
            doc = sync.export(
                session, principal=SYSTEM_PRINCIPAL, calendar=calendar, plan=plan, year=year
            )
            if output is None:
                print_json(doc)
                return
            import json

            output.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
            console.print(f"Đã ghi {vn_number(len(doc['tasks']))} nhiệm vụ vào {output}.")
            return
        data, name = exports.export(
            session,
            principal=SYSTEM_PRINCIPAL,
            calendar=calendar,
            fmt=fmt.value,
            plan=plan,
            year=year,
        )
    target = output or Path(name)
    target.write_bytes(data)
    console.print(f"Đã ghi {target}.")


@app.command("sync-import", help="Nhập tệp đồng bộ JSON từ hệ thống theo dõi nhiệm vụ của Bộ.")
def sync_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Apply the newer records of a sync document (idempotent)."""
    with cli_session() as session:
        out = sync.import_sync(session, principal=SYSTEM_PRINCIPAL, data=file.read_bytes())
    console.print(
        f"{vn_number(out['records'])} bản ghi — cập nhật {vn_number(out['applied'])}, "
        f"không đổi {vn_number(out['unchanged'])}."
    )
