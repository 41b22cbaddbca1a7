"""`tinhso ioc …`: the communes' boundaries for the operations centre's map, a schematic for a
province without them, and the overview of a unit for a period in the terminal."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.clitools import cli_lake, cli_session, console, print_json
from tinhso.config import get_settings
from tinhso.fmt import local_today, vn_number
from tinhso.ioc import boundaries, ranks
from tinhso.ioc import service as ioc
from tinhso.services.periods import parse_period
from tinhso.units import service as units

app = typer.Typer(help="Trung tâm điều hành: bản đồ, tổng quan.", no_args_is_help=True)


class Format(StrEnum):
    table = "table"
    json = "json"


@app.command(
    "import-boundaries",
    help="Nạp ranh giới xã, phường từ tệp GeoJSON (WGS 84, mã đơn vị trong thuộc tính; kiểm tra "
    "từng đối tượng, đơn giản hóa cho bản đồ; ghi tất cả hoặc không ghi gì).",
)
def import_boundaries(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="tệp GeoJSON")],
) -> None:
    """Import the communes' boundaries (all or nothing)."""
    if file.stat().st_size > boundaries.MAX_BYTES:
        raise typer.BadParameter(f"tệp lớn hơn {boundaries.MAX_BYTES // 1024 // 1024} MB")
    with cli_session() as session:
        rep = boundaries.import_boundaries(
            session, principal=SYSTEM_PRINCIPAL, data=file.read_bytes(), filename=file.name
        )
    console.print(
        f"{vn_number(rep.features)} đối tượng — đã ghi ranh giới {vn_number(rep.written)} đơn vị; "
        f"{vn_number(rep.points_before)} điểm tọa độ, còn {vn_number(rep.points_after)} sau khi đơn "
        "giản hóa."
    )


@app.command(
    "schematic",
    help="Vẽ sơ đồ minh họa các xã, phường của tỉnh chưa có ranh giới (không phải ranh giới thật; "
    "bản đồ ghi rõ là sơ đồ).",
)
def schematic(
    province: Annotated[
        str | None, typer.Option(help="mã tỉnh; mặc định tỉnh của hệ thống")
    ] = None,
) -> None:
    """Generate a schematic map of a province's communes that have no boundary."""
    code = province or get_settings().province_code
    with cli_session() as session:
        found = units.find_data_unit(
            session, principal=SYSTEM_PRINCIPAL, code=code, on=local_today(), levels=("province",)
        )
        n = boundaries.schematic(session, province=found)
    console.print(f"Đã vẽ sơ đồ {vn_number(n)} xã, phường của {found.name}.")


@app.command(
    "import-ranks",
    help="Nạp bảng xếp hạng toàn quốc do Bộ công bố (CSV, XLSX: tỉnh hoặc mã tỉnh, điểm, xếp "
    "hạng) cho một bộ chỉ số và kỳ; thay bảng cũ của kỳ; ghi tất cả hoặc không ghi gì.",
)
def import_ranks(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="tệp CSV hoặc XLSX")],
    index: Annotated[str, typer.Option(help="dti hoặc qd766")],
    period: Annotated[str, typer.Option(help="kỳ xếp hạng: 2025, 2025-Q3")],
) -> None:
    """Import a published national ranking."""
    with cli_session() as session:
        rep = ranks.import_ranks(
            session,
            principal=SYSTEM_PRINCIPAL,
            data=file.read_bytes(),
            filename=file.name,
            index=index,
            period=period,
        )
    console.print(
        f"{vn_number(rep.rows)} dòng — đã ghi thứ hạng của {vn_number(rep.written)} tỉnh, thành phố."
    )


@app.command("overview", help="Các ô số liệu của một đơn vị trong kỳ (như trang tổng quan).")
def overview(
    unit: Annotated[
        str | None, typer.Option(help="mã tỉnh, xã; mặc định tỉnh của hệ thống")
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="2026, 2026-Q4, 2026-11; mặc định quý này")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table hoặc json")] = Format.table,
) -> None:
    """Print a unit's headline tiles for a period."""
    selected = parse_period(period or ioc.default_period())
    lake = cli_lake()
    try:
        with cli_session() as session, console.status("Đang tính…"):
            who = ioc.subject(
                session,
                SYSTEM_PRINCIPAL,
                unit=unit or get_settings().province_code,
                province_code=get_settings().province_code,
                day=local_today(),
            )
            views = ioc.overview(session, lake, SYSTEM_PRINCIPAL, who, selected)
    finally:
        lake.close()
    if fmt == Format.json:
        print_json(
            {"subject": who.code, "period": selected.code, "tiles": [ioc.as_json(v) for v in views]}
        )
        return
    console.print(f"[bold]{who.name}[/] — {selected.label}", highlight=False)
    for v in views:
        value = "chưa có số liệu" if v.value is None else vn_number(v.value, v.tile.decimals)
        unit_of = f" {v.tile.measure}" if v.value is not None and v.tile.measure else ""
        when = v.period.label + ("" if v.complete else ", tạm tính")
        console.print(
            f"{v.tile.name}: {value}{unit_of} ({when}) — {v.status_label}", highlight=False
        )
