"""`tinhso services …`: import procedures and dossiers, compute and explain the 766 index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.clitools import cli_lake, cli_session, console, err_console, print_json
from tinhso.fmt import vn_number
from tinhso.services import index as idx
from tinhso.services import qd766, service
from tinhso.services.catalog import load_catalog
from tinhso.services.export import rows_to_xlsx
from tinhso.services.periods import parse_period

app = typer.Typer(help="Dịch vụ công: thủ tục, hồ sơ, Chỉ số 766.", no_args_is_help=True)


def _print_report(rep: object) -> None:
    from tinhso.services.ingest import IngestReport

    assert isinstance(rep, IngestReport)
    for e in rep.errors[:50]:
        err_console.print(f"  - {e}")
    if len(rep.errors) > 50:
        err_console.print(f"  … và {len(rep.errors) - 50} lỗi khác")
    console.print(
        f"Tổng {rep.total} dòng: thêm mới {rep.created}, cập nhật {rep.updated}, không đổi {rep.unchanged}, "
        f"cũ hơn dữ liệu đã có {rep.stale}, bị từ chối {rep.refused_rows}."
    )


@app.command(
    "import-procedures",
    help="Nhập danh mục thủ tục hành chính từ CSV/XLSX: ghi tất cả hoặc không ghi gì.",
)
def import_procedures(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import the procedure catalogue (TTHC) from CSV/XLSX: all or nothing."""
    with cli_session() as session:
        rep = service.import_procedures(
            session, principal=SYSTEM_PRINCIPAL, data=file.read_bytes(), filename=file.name
        )
        if not rep.committed:
            session.rollback()
        _print_report(rep)
        if not rep.committed:
            raise typer.Exit(2)


@app.command(
    "import",
    help="Nhập hồ sơ: đọc và kiểm tra theo luồng; ghi các dòng hợp lệ, liệt kê các dòng bị từ chối.",
)
def import_dossiers(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV, XLSX, NDJSON hoặc Parquet")
    ],
    all_or_nothing: Annotated[bool, typer.Option(help="có dòng lỗi thì không ghi gì")] = False,
) -> None:
    """Import dossiers: streamed and checked in DuckDB; accepted rows written, refused rows listed."""
    with cli_session() as session, console.status("Đang kiểm tra và ghi hồ sơ…"):
        rep = service.ingest_file(
            session,
            principal=SYSTEM_PRINCIPAL,
            path=file,
            filename=file.name,
            source="cli",
            all_or_nothing=all_or_nothing,
        )
        if not rep.committed:
            session.rollback()
    _print_report(rep)
    if rep.refused_rows and not rep.accepted:
        raise typer.Exit(2)


@app.command(
    "index",
    help="Tính Chỉ số 766 cho một kỳ (một đơn vị, hoặc mọi đơn vị kèm xếp hạng).",
)
def index(
    period: Annotated[str, typer.Option(help="2025-07, 2025-Q3, 2025-H2 hoặc 2025")],
    unit: Annotated[
        str | None, typer.Option(help="mã tỉnh, mã xã hoặc mã định danh cơ quan")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table hoặc json")] = "table",
) -> None:
    """Compute the 766 index for a period (one unit, or all with ranks)."""
    catalog = load_catalog()
    lake = cli_lake()
    try:
        with cli_session() as session:
            result = idx.index(
                session,
                lake,
                catalog,
                principal=SYSTEM_PRINCIPAL,
                period=parse_period(period),
                unit_code=unit,
            )
    finally:
        lake.close()
    if fmt == "json":
        print_json(result)
        return
    table = Table(
        "Đơn vị",
        "Mã",
        "Điểm (%)",
        "Điểm/tối đa",
        "Xếp hạng",
        title=f"Chỉ số 766 — {result['label']}",
    )
    for u in result["units"]:
        score = vn_number(u["score"], 2)
        rank = f"{u['rank']}/{u['rank_of']}" if u["rank"] else "—"
        table.add_row(
            u["name"], u["code"], score, f"{vn_number(u['points'], 2)}/{u['max_points']:g}", rank
        )
    console.print(table)
    if unit and result["units"]:
        detail = Table("Chỉ số", "Tên", "Tử số", "Mẫu số", "Tỷ lệ", "Điểm")
        for i in result["units"][0]["indicators"]:
            if i["value"] is None:
                value = "—"
            elif i["kind"] == "average":
                value = vn_number(i["value"], 2)
            else:
                value = vn_number(100 * i["value"], 2) + "%"
            pts = "—" if i["points"] is None else f"{vn_number(i['points'], 2)}/{i['max_points']:g}"
            detail.add_row(i["id"], i["name"], _n(i["numerator"]), _n(i["denominator"]), value, pts)
        console.print(detail)


def _n(v: float | None) -> str:
    return "—" if v is None else f"{v:g}"


@app.command(
    "explain",
    help="Liệt kê các hồ sơ đứng sau một chỉ số (ra màn hình dạng JSON, hoặc ra tệp XLSX).",
)
def explain(
    period: Annotated[str, typer.Option(help="kỳ")],
    unit: Annotated[str, typer.Option(help="mã đơn vị hoặc cơ quan")],
    indicator: Annotated[str, typer.Option(help="mã chỉ số, ví dụ 2.1")],
    part: Annotated[
        str, typer.Option(help="numerator (tử số) hoặc denominator (mẫu số)")
    ] = "denominator",
    out: Annotated[Path | None, typer.Option(help="ghi ra tệp XLSX")] = None,
) -> None:
    """List the dossiers behind an indicator (to the screen as JSON, or to an XLSX file)."""
    catalog = load_catalog()
    lake = cli_lake()
    try:
        with cli_session() as session:
            p = parse_period(period)
            ref = idx.resolve(session, SYSTEM_PRINCIPAL, unit, p)
            rows = qd766.explain(lake, catalog, p, ref.kind, ref.id, indicator, part)
    finally:
        lake.close()
    if out is None:
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
        return
    out.write_bytes(rows_to_xlsx(f"Chỉ số {indicator} — {ref.name} — {p.label}", rows))
    console.print(f"Đã ghi {len(rows)} dòng vào {out}.")
