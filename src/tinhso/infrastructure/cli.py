"""`tinhso infra …`: import operators' coverage files, coverage and white spots as of a date."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.clitools import cli_session, console, print_json
from tinhso.fmt import vn_number
from tinhso.infrastructure import courses, imports, registers, service

app = typer.Typer(
    help="Hạ tầng số: điện, sóng di động, cáp quang của từng thôn.", no_args_is_help=True
)


QUALITY = {2: "toàn thôn", 1: "một phần", 0: "không", None: "—"}


class Format(StrEnum):
    table = "table"
    json = "json"


FormatOpt = Annotated[Format, typer.Option("--format")]


UnitOpt = Annotated[str | None, typer.Option(help="mã tỉnh hoặc mã xã (VN: toàn quốc)")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="ngày (mặc định: hôm nay)")]


def _shown(read: Any, unit: str | None, as_of: str | None, fmt: Format) -> dict[str, Any] | None:
    """Return what ``read`` answers for the table to print, or print it as JSON (None)."""
    with cli_session() as session:
        out: dict[str, Any] = read(
            session, principal=SYSTEM_PRINCIPAL, unit_code=unit, as_of=_day(as_of)
        )
    if fmt is Format.json:
        print_json(out)
        return None
    return out


def _heading(out: dict[str, Any]) -> str:
    return f"[bold]{out['unit']['name']}[/] — ngày {date.fromisoformat(out['as_of']):%d/%m/%Y}"


def _day(raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(f"ngày '{raw}' không hợp lệ (dạng 2025-12-31)") from None


@app.command(
    "import",
    help="Nhập tệp CSV/XLSX số liệu phủ sóng của một doanh nghiệp: ghi tất cả hoặc không ghi gì.",
)
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="tệp CSV hoặc XLSX")],
    operator: Annotated[
        str, typer.Option(help="doanh nghiệp: Viettel, VNPT, MobiFone… hoặc dia_phuong")
    ],
    as_of: Annotated[
        str | None, typer.Option("--date", help="ngày số liệu của tệp (2025-12-31)")
    ] = None,
) -> None:
    """Import one operator's coverage file (all or nothing)."""
    with cli_session() as session:
        rep = imports.import_file(
            session,
            principal=SYSTEM_PRINCIPAL,
            operator=operator,
            data=file.read_bytes(),
            filename=file.name,
            as_of=_day(as_of),
        )
    console.print(
        f"{rep.as_dict()['operator_name']}: {vn_number(rep.rows)} dòng — thêm {vn_number(rep.created)}, "
        f"sửa {vn_number(rep.corrected)}, không đổi {vn_number(rep.unchanged)}."
    )


@app.command(
    "coverage",
    help="Phủ sóng, cáp quang, điện lưới của tỉnh (theo xã) hoặc của một xã (theo thôn) tại một ngày.",
)
def coverage(unit: UnitOpt = None, as_of: AsOfOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Coverage of a province (by commune) or a commune (by village) on a day."""
    out = _shown(service.coverage, unit, as_of, fmt)
    if out is None:
        return
    console.print(_heading(out))
    for line in out["totals"]["wording"].values():
        console.print(f"  {line}")
    rows: list[dict[str, Any]] = out.get("communes") or out.get("villages") or []
    table = Table("Mã", "Tên", "Có số liệu", "Phủ sóng", "3G/4G/5G", "Cáp quang", "Điện lưới")
    for r in rows:
        if "totals" in r or "villages" in r:
            table.add_row(
                r["code"],
                r["name"],
                f"{r['reported']}/{r['villages']}",
                str(r["mobile"]),
                str(r["broadband"]),
                str(r["fibre"]),
                str(r["electricity"]),
            )
        else:
            best = max((q for q in r["mobile"].values() if q is not None), default=None)
            bb = max(
                (q for t, q in r["mobile"].items() if t != "2g" and q is not None), default=None
            )
            yes = {True: "có", False: "không", None: "—"}
            table.add_row(
                r["code"],
                r["name"],
                "có" if r["reported"] else "chưa",
                QUALITY[best],
                QUALITY[bb],
                yes[r["fibre"]],
                yes[r["electricity"]],
            )
    console.print(table)


@app.command(
    "white-spots",
    help="Thôn chưa có điện, chưa có sóng (vùng trắng, vùng lõm), chưa có cáp quang tại một ngày.",
)
def white_spots(
    unit: UnitOpt = None,
    as_of: AsOfOpt = None,
    kind: Annotated[str | None, typer.Option(help=", ".join(service.SPOT_KINDS))] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Villages without electricity, mobile coverage or fibre on a day."""
    with cli_session() as session:
        out = service.white_spots(
            session, principal=SYSTEM_PRINCIPAL, unit_code=unit, as_of=_day(as_of), kind=kind
        )
    if fmt is Format.json:
        print_json(out)
        return
    console.print(
        f"[bold]{out['unit']['name']}[/] — ngày {date.fromisoformat(out['as_of']):%d/%m/%Y}, {vn_number(out['villages_total'])} thôn"
    )
    for k, label in service.SPOT_KINDS.items():
        console.print(f"  {label}: {vn_number(out['counts'][k])}")
    table = Table("Xã", "Mã thôn", "Thôn", "Thuộc loại")
    for v in out["villages"]:
        table.add_row(
            v["commune"]["name"] if v["commune"] else "",
            v["code"],
            v["name"],
            "; ".join(service.SPOT_KINDS[k] for k in v["kinds"]),
        )
    console.print(table)


REGISTER_IMPORTS = {
    "sites": (registers.import_sites, "trạm BTS, điểm Wi-Fi công cộng, điểm bưu điện – văn hóa xã"),
    "teams": (registers.import_teams, "tổ công nghệ số cộng đồng, tổ chỉ đạo"),
    "members": (registers.import_members, "thành viên các tổ"),
    "courses": (courses.import_courses, "lớp tập huấn, bồi dưỡng và số người tham gia"),
    "participants": (courses.import_participants, "danh sách người tham gia các lớp"),
    "it_staff": (registers.import_it_staff, "cán bộ chuyên trách CNTT, ATTT của các cơ quan"),
    "activities": (registers.import_activities, "hoạt động của các tổ công nghệ số cộng đồng"),
}


def _register_import(kind: str, file: Path, **extra: Any) -> None:
    importer, _label = REGISTER_IMPORTS[kind]
    with cli_session() as session:
        rep = importer(
            session, principal=SYSTEM_PRINCIPAL, data=file.read_bytes(), filename=file.name, **extra
        )
    console.print(
        f"{vn_number(rep.rows)} dòng — thêm {vn_number(rep.created)}, sửa {vn_number(rep.updated)}, "
        f"không đổi {vn_number(rep.unchanged)}"
        + (f", bỏ {vn_number(rep.removed)}" if rep.removed else "")
        + "."
    )


FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="tệp CSV hoặc XLSX")]


@app.command(
    "import-sites",
    help="Nhập trạm BTS, điểm Wi-Fi công cộng, điểm bưu điện – văn hóa xã (ghi tất cả hoặc không ghi gì).",
)
def import_sites(
    file: FileArg,
    operator: Annotated[
        str | None, typer.Option(help="doanh nghiệp, khi tệp không có cột Doanh nghiệp")
    ] = None,
) -> None:
    """Import sites (all or nothing)."""
    _register_import("sites", file, operator=operator)


@app.command(
    "import-teams",
    help="Nhập tổ công nghệ số cộng đồng, tổ chỉ đạo các cấp (ghi tất cả hoặc không ghi gì).",
)
def import_teams(file: FileArg) -> None:
    """Import teams (all or nothing)."""
    _register_import("teams", file)


@app.command(
    "import-members", help="Nhập thành viên các tổ đang hoạt động (ghi tất cả hoặc không ghi gì)."
)
def import_members(file: FileArg) -> None:
    """Import team members (all or nothing)."""
    _register_import("members", file)


@app.command(
    "import-courses",
    help="Nhập lớp tập huấn, bồi dưỡng và số người tham gia (ghi tất cả hoặc không ghi gì).",
)
def import_courses(file: FileArg) -> None:
    """Import courses (all or nothing)."""
    _register_import("courses", file)


@app.command(
    "import-participants",
    help="Nhập danh sách người tham gia các lớp (mỗi dòng một người của một lớp; "
    "ghi tất cả hoặc không ghi gì).",
)
def import_participants(file: FileArg) -> None:
    """Import the lists of participants (all or nothing)."""
    _register_import("participants", file)


@app.command("teams", help="Số tổ đã thành lập / phải thành lập theo cấp tại một ngày.")
def teams(unit: UnitOpt = None, as_of: AsOfOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Teams established / expected per level on a day."""
    out = _shown(registers.teams, unit, as_of, fmt)
    if out is None:
        return
    console.print(f"[bold]{out['unit']['name']}[/]: {out['wording']}")
    table = Table("Cấp", "Đã thành lập", "Phải thành lập")
    for r in out["levels"]:
        table.add_row(r["label"], vn_number(r["established"]), vn_number(r["expected"]))
    console.print(table)


@app.command(
    "training", help="Lớp tập huấn, bồi dưỡng kết thúc trong một khoảng ngày và số người tham gia."
)
def training(
    date_from: Annotated[str, typer.Option("--from", help="từ ngày (2025-01-01)")],
    date_to: Annotated[str, typer.Option("--to", help="đến ngày (2025-12-31)")],
    unit: Annotated[str | None, typer.Option(help="mã tỉnh hoặc mã xã")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Courses that ended in a date range and their participants."""
    first, last = _day(date_from), _day(date_to)
    assert first is not None and last is not None
    with cli_session() as session:
        out = courses.training(
            session, principal=SYSTEM_PRINCIPAL, unit_code=unit, first=first, last=last
        )
    if fmt is Format.json:
        print_json(out)
        return
    console.print(f"[bold]{out['unit']['name']}[/]: {out['wording']}")
    table = Table("Mã lớp", "Tên lớp", "Từ ngày", "Đến ngày", "Số người")
    for c in out["list"]:
        table.add_row(
            c["code"],
            c["title"],
            c["starts"],
            c["ends"],
            vn_number(sum(c["participants"].values())),
        )
    console.print(table)


@app.command(
    "sites",
    help="Trạm BTS, điểm Wi-Fi công cộng đang hoạt động tại một ngày, theo công nghệ và doanh nghiệp.",
)
def sites(unit: UnitOpt = None, as_of: AsOfOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Sites in service on a day."""
    out = _shown(registers.sites, unit, as_of, fmt)
    if out is None:
        return
    console.print(_heading(out))
    console.print(
        f"  Trạm BTS: {vn_number(out['counts']['bts'])} ({', '.join(f'{t.upper()}: {vn_number(n)}' for t, n in sorted(out['bts_by_technology'].items()))})"
    )
    console.print(f"  Điểm Wi-Fi công cộng: {vn_number(out['counts']['wifi'])}")
    console.print(f"  Điểm bưu điện – văn hóa xã: {vn_number(out['counts']['telecentre'])}")


@app.command(
    "rebuild-states",
    help="Tính lại trạng thái của các thôn theo ngày từ các số liệu đã nhập (sau khi nâng cấp hoặc sửa trực tiếp cơ sở dữ liệu).",
)
def rebuild_states() -> None:
    """Work out the villages' states again from their facts."""
    from tinhso.audit import service as audit

    with cli_session() as session:
        n = service.rebuild(session)
        # Audited: what was worked out from the facts changed, so cached figures must go.
        audit.record(
            session,
            action="rebuild",
            entity="infra_village_state",
            entity_id="*",
            after={"rows": n},
        )
    console.print(f"Đã tính lại {vn_number(n)} trạng thái thôn.")


@app.command(
    "import-it-staff",
    help="Nhập số cán bộ chuyên trách CNTT, ATTT của các cơ quan (ghi tất cả hoặc không ghi gì).",
)
def import_it_staff(file: FileArg) -> None:
    """Import agencies' IT and security staff (all or nothing)."""
    _register_import("it_staff", file)


@app.command("it-staff", help="Số cán bộ chuyên trách CNTT, ATTT của từng cơ quan tại một ngày.")
def it_staff(as_of: AsOfOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Agencies' IT and security staff on a day."""
    with cli_session() as session:
        out = registers.it_staff(session, principal=SYSTEM_PRINCIPAL, as_of=_day(as_of))
    if fmt is Format.json:
        print_json(out)
        return
    table = Table("Mã định danh", "Cơ quan", "CNTT", "ATTT", "Từ ngày")
    for a in out["agencies"]:
        if a["it_staff"] is not None:
            table.add_row(
                a["code"],
                a["name"],
                vn_number(a["it_staff"]),
                vn_number(a["security_staff"]),
                a["since"],
            )
    console.print(
        f"{vn_number(out['reported'])}/{vn_number(len(out['agencies']))} cơ quan có số liệu"
    )
    console.print(table)


@app.command(
    "import-activities",
    help="Nhập hoạt động của các tổ công nghệ số cộng đồng (ghi tất cả hoặc không ghi gì).",
)
def import_activities(file: FileArg) -> None:
    """Import teams' activities (all or nothing)."""
    _register_import("activities", file)
