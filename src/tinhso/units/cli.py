"""`tinhso units …`: load the register, list and map units, report lineage, import villages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.clitools import cli_session, console, err_console, print_json, progress_bar
from tinhso.fmt import local_today
from tinhso.units import imports, register, service
from tinhso.units.codes import unit_label
from tinhso.units.lineage_report import lineage_report
from tinhso.units.models import Unit

app = typer.Typer(
    help="Danh mục đơn vị hành chính (trước và sau sắp xếp 2025).", no_args_is_help=True
)


class Level(StrEnum):
    province = "province"
    district = "district"
    commune = "commune"
    village = "village"


class Format(StrEnum):
    table = "table"
    json = "json"


def _unit_dict(u: Unit) -> dict[str, object]:
    return {
        "id": u.id,
        "code": u.code,
        "level": u.level,
        "kind": u.kind,
        "name": u.name,
        "parent_id": u.parent_id,
        "valid_from": u.valid_from.isoformat(),
        "valid_to": u.valid_to.isoformat() if u.valid_to else None,
    }


@app.command(
    "load",
    help="Nạp hai danh mục quốc gia (trước 2025 và 2025) và quan hệ kế thừa giữa chúng.",
)
def load(
    data_dir: Annotated[Path, typer.Option(help="thư mục CSV của danh mục")] = register.DATA_DIR,
) -> None:
    """Load both national registers (pre-2025 and 2025) and the lineage between them."""
    with cli_session() as session, progress_bar() as bar:
        tasks: dict[str, object] = {}

        def report(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)  # type: ignore[arg-type]

        result = register.load_register(session, data_dir=data_dir, progress=report)
    inserted = sum(result.inserted.values())
    console.print(
        f"Đã nạp {inserted} đơn vị mới ({result.existing} đã có sẵn), "
        f"{result.lineage_inserted} liên kết kế thừa."
    )


def _resolve(session: Session, code: str, on: date | None, level: Level | None) -> Unit:
    units = service.find_by_code(
        session,
        principal=SYSTEM_PRINCIPAL,
        code=code,
        level=level.value if level else None,
        on=on,
    )
    if not units:
        when = f" tại ngày {on:%d/%m/%Y}" if on else ""
        err_console.print(f"[red]Không có đơn vị mã {code}{when}.[/]")
        raise typer.Exit(2)
    return units[0]


@app.command(
    "list",
    help="Liệt kê các đơn vị của một cấp còn hiệu lực vào một ngày, có thể chỉ trong một đơn vị cha.",
)
def list_units(
    level: Annotated[Level, typer.Option(help="cấp đơn vị")],
    parent: Annotated[str | None, typer.Option(help="mã đơn vị cấp trên")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="ngày hiệu lực YYYY-MM-DD")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """List the units of a level valid on a date, optionally under a parent."""
    day = _parse_date(as_of) if as_of else local_today()
    with cli_session() as session:
        parent_id = _resolve(session, parent, day, None).id if parent else None
        _total, units = service.list_units(
            session, principal=SYSTEM_PRINCIPAL, level=level.value, parent_id=parent_id, as_of=day
        )
        if fmt is Format.json:
            print_json([_unit_dict(u) for u in units])
            return
        table = Table(
            "Mã", "Tên", "Hiệu lực từ", "đến", title=f"{len(units)} đơn vị tại {day:%d/%m/%Y}"
        )
        for u in units:
            table.add_row(
                u.code,
                unit_label(u.kind, u.name),
                f"{u.valid_from:%d/%m/%Y}",
                f"{u.valid_to:%d/%m/%Y}" if u.valid_to else "nay",
            )
        console.print(table)


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        err_console.print(f"[red]Ngày '{raw}' không hợp lệ (dùng dạng YYYY-MM-DD).[/]")
        raise typer.Exit(2) from exc


@app.command(
    "map",
    help="Cho biết đơn vị tương ứng vào một ngày khác (theo quan hệ kế thừa năm 2025).",
)
def map_unit(
    code: Annotated[str, typer.Argument(help="mã đơn vị")],
    to: Annotated[str, typer.Option(help="ngày đích YYYY-MM-DD")],
    at: Annotated[str | None, typer.Option("--from", help="ngày đơn vị nguồn có hiệu lực")] = None,
    level: Annotated[Level | None, typer.Option(help="cấp, khi mã trùng giữa các cấp")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Map a unit to its counterpart(s) valid on another date (through the 2025 lineage).

    When the code names both an old and a new unit, the one not valid on --to is taken,
    unless --from says which.
    """
    target = _parse_date(to)
    with cli_session() as session:
        if at:
            unit = _resolve(session, code, _parse_date(at), level)
        else:
            found = service.find_by_code(
                session, principal=SYSTEM_PRINCIPAL, code=code, level=level.value if level else None
            )
            if not found:
                err_console.print(f"[red]Không có đơn vị mã {code}.[/]")
                raise typer.Exit(2)
            others = [u for u in found if not service.is_valid_on(u, target)]
            unit = (others or found)[0]
        mapped = service.map_unit(session, principal=SYSTEM_PRINCIPAL, unit=unit, to=target)
        if fmt is Format.json:
            print_json(
                {
                    "unit": _unit_dict(unit),
                    "to": target.isoformat(),
                    "counterparts": [{"share": m.share, **_unit_dict(m.unit)} for m in mapped],
                }
            )
            return
        console.print(f"{unit_label(unit.kind, unit.name)} ({unit.code}) tại {target:%d/%m/%Y}:")
        if not mapped:
            console.print("  không có đơn vị tương ứng")
        for m in mapped:
            part = " (một phần)" if m.share == "part" else ""
            console.print(f"  → {unit_label(m.unit.kind, m.unit.name)} ({m.unit.code}){part}")


@app.command(
    "lineage-report",
    help="Báo cáo số xã trước 2025 có đơn vị kế thừa, và liệt kê những xã không có, kèm lý do.",
)
def report(
    province: Annotated[str | None, typer.Option(help="mã tỉnh mới (sau 2025)")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Report how many pre-2025 communes map forward, and list those that do not, with why."""
    with cli_session() as session:
        rep = lineage_report(session, province_code=province)
    if fmt is Format.json:
        print_json(rep.as_dict())
        return
    console.print(
        f"Xã cũ (trước 01/7/2025): {rep.old_total}; có đơn vị kế thừa: {rep.mapped} "
        f"({rep.coverage:.2%}); chưa xác định: {len(rep.unmapped)}."
    )
    table = Table(
        "Mã", "Xã cũ", "Huyện cũ", "Tỉnh cũ", "Lý do", title="Xã cũ chưa xác định đơn vị kế thừa"
    )
    for row in rep.unmapped:
        table.add_row(row.code, row.name, row.district, row.province, row.reason)
    console.print(table)


def _run_import(importer: Callable[..., imports.ImportReport], file: Path, partial: bool) -> None:
    """Run the import the API runs and print its report: a refused file (ImportRefused) is
    printed row by row by ``cli_session``, which exits 2 after its transaction rolled back."""
    with cli_session() as session:
        rep = importer(
            session,
            principal=SYSTEM_PRINCIPAL,
            data=file.read_bytes(),
            filename=file.name,
            partial=partial,
        )
    for e in rep.errors:
        err_console.print(f"  - {e}")
    console.print(
        f"Thêm mới {rep.created}, cập nhật {rep.updated}, không đổi {rep.unchanged}, "
        f"bỏ qua {len(rep.errors)} dòng lỗi."
    )


@app.command(
    "import-agencies",
    help="Nhập cơ quan (mã, tên, loại, mã đơn vị, mã cơ quan cha): ghi tất cả hoặc không ghi gì, trừ khi có --partial.",
)
def import_agencies(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="tệp CSV hoặc XLSX")],
    partial: Annotated[bool, typer.Option(help="ghi các dòng hợp lệ, bỏ các dòng lỗi")] = False,
) -> None:
    """Import agencies (code, name, kind, unit code, parent code): all or nothing unless --partial."""
    _run_import(imports.import_agencies, file, partial)


@app.command(
    "import-villages",
    help="Nhập thôn, bản, tổ dân phố từ CSV/XLSX: ghi tất cả hoặc không ghi gì, trừ khi có --partial.",
)
def import_villages(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="tệp CSV hoặc XLSX")],
    partial: Annotated[bool, typer.Option(help="ghi các dòng hợp lệ, bỏ các dòng lỗi")] = False,
) -> None:
    """Import villages (thôn, bản, tổ dân phố) from CSV/XLSX: all or nothing unless --partial."""
    _run_import(imports.import_villages, file, partial)
