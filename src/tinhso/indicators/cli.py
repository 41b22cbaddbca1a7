"""`tinhso catalog …` and `tinhso indicators …`: load the catalog, compute an index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.clitools import cli_lake, cli_session, console, err_console, print_json
from tinhso.fmt import vn_number
from tinhso.indicators import loader, service
from tinhso.indicators.catalog import CatalogError
from tinhso.indicators.spec import list_indices

catalog_app = typer.Typer(
    help="Bộ danh mục chỉ tiêu, chỉ số (catalog/*.yaml).", no_args_is_help=True
)
app = typer.Typer(help="Chỉ số: tính điểm, xếp hạng (DTI…).", no_args_is_help=True)

COUNT_LABELS = {
    "data_elements": "chỉ tiêu dữ liệu đổi",
    "indicators": "chỉ số đổi",
    "indices": "bộ chỉ số",
    "targets": "chỉ tiêu kế hoạch",
}
STATUS = {"loaded": "đã nạp", "unchanged": "không đổi", "checked": "hợp lệ (Chỉ số 766)"}


@catalog_app.command(
    "load",
    help="Kiểm tra các tệp danh mục cùng nhau và ghi những gì thay đổi (chạy lại không đổi gì, có ghi nhật ký).",
)
def load(
    files: Annotated[
        list[Path] | None,
        typer.Argument(exists=True, dir_okay=False, help="tệp YAML; mặc định: mọi tệp catalog/"),
    ] = None,
) -> None:
    """Check catalog files together and write what changed (idempotent, audited)."""
    paths = files or loader.default_files()
    try:
        with cli_session() as session:
            reports = loader.load(session, principal=SYSTEM_PRINCIPAL, paths=paths)
    except CatalogError as exc:
        err_console.print(
            f"[bold red]Lỗi:[/] bộ danh mục không hợp lệ ({len(exc.errors)} lỗi), chưa ghi gì:"
        )
        for e in exc.errors:
            err_console.print(f"  - {e}")
        raise typer.Exit(2) from exc
    for r in reports:
        detail = ", ".join(f"{COUNT_LABELS[k]} {v}" for k, v in r.counts.items())
        line = f"{r.name} ({r.code} {r.version}): {STATUS[r.status]}"
        console.print(line + (f" — {detail}" if detail else ""), highlight=False)


def _n(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else vn_number(v, digits)


@app.command(
    "list",
    help="Liệt kê các bộ chỉ số tổng hợp trong danh mục.",
)
def list_() -> None:
    """List the composite indices of the catalog."""
    with cli_session() as session:
        table = Table("Mã", "Tên", "Cấp", "Điểm tối đa", "Phiên bản")
        for ix in list_indices(session):
            table.add_row(ix.code, ix.name, ix.level, f"{ix.max_points:g}", ix.version)
    console.print(table)


@app.command(
    "compute",
    help="Tính một bộ chỉ số cho một kỳ: mọi đơn vị kèm xếp hạng, hoặc cây chỉ số của một đơn vị.",
)
def compute(
    index: Annotated[str, typer.Option(help="mã bộ chỉ số, ví dụ dti-province-2025")],
    period: Annotated[str, typer.Option(help="2025, 2025-H1, 2025-Q3 hoặc 2025-07")],
    unit: Annotated[str | None, typer.Option(help="mã đơn vị (tỉnh, xã) hoặc cơ quan")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table hoặc json")] = "table",
) -> None:
    """Compute an index for a period: every unit with ranks, or one unit's tree."""
    lake = cli_lake()
    try:
        with cli_session() as session, console.status("Đang tính chỉ số…"):
            result = service.values(
                session,
                lake,
                principal=SYSTEM_PRINCIPAL,
                index=index,
                period=period,
                unit_code=unit,
            )
    finally:
        lake.close()
    if fmt == "json":
        print_json(result)
        return
    title = f"{result['index']['name']} — {result['label']}"
    table = Table("Đơn vị", "Mã", "Điểm", "Chỉ số (÷)", "Xếp hạng", "Thay đổi", title=title)
    for u in result["units"]:
        rank = f"{u['rank']}/{u['rank_of']}" if u["rank"] else "—"
        table.add_row(
            u["name"], u["code"], _n(u["points"]), _n(u["normalised"], 4), rank, _n(u["change"])
        )
    console.print(table)
    if unit and result["units"]:
        _tree(result["units"][0])


def _tree(u: dict[str, Any]) -> None:
    detail = Table("Mục", "Tên", "Giá trị", "Điểm", "Xếp hạng", "Chỉ tiêu")
    for n in u["nodes"]:
        ind = n.get("indicator")
        value = (
            ""
            if ind is None
            else _n(ind["value"], ind["decimals"]) + (f" {ind['unit']}" if ind["unit"] else "")
        )
        target = n.get("target")
        rank = f"{n['rank']}/{n['rank_of']}" if n["rank"] else "—"
        detail.add_row(
            "  " * n["depth"] + n["code"],
            n["name"],
            value,
            f"{_n(n['points'])}/{n['max_points']:g}",
            rank,
            target["label"] if target else "",
        )
    console.print(detail)
