"""The tasks' status table as XLSX and as PDF in Vietnamese with the province's header, through
the reporting domain's document machinery (the same header, motto, fonts and layout as the
report to the ministry)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.fmt import local_today
from tinhso.reporting.pdf import to_pdf
from tinhso.reporting.report import Block, Document, to_xlsx
from tinhso.tasks import service
from tinhso.units import service as units
from tinhso.workdays import WorkCalendar

HEADER = [
    "Mã",
    "Nhiệm vụ",
    "Kế hoạch",
    "Cơ quan chủ trì",
    "Thời hạn",
    "Trạng thái",
    "Tiến độ",
    "Quá hạn (ngày làm việc)",
]


def _date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def document(
    session: Session,
    *,
    principal: Principal,
    calendar: WorkCalendar,
    plan: str | None = None,
    year: int | None = None,
    agency: str | None = None,
) -> Document:
    """Return the status table of the tasks in scope as a document."""
    tasks = service.visible_tasks(session, principal, plan=plan, year=year, agency=agency)
    rows = service.task_json(session, tasks, calendar)
    summary = service.summary(
        session, principal=principal, calendar=calendar, plan=plan, year=year, agency=agency
    )
    provinces = units.units_by_id(
        session, [p for p in {service.plan_unit(session, t) for t in tasks} if p]
    )
    province = next(iter(provinces.values()), None)
    name = province.name if province else ""
    inside = units.inside_name(province) if province else ""
    today = local_today()
    scope = " ".join(
        x
        for x in (
            f"kế hoạch {plan}" if plan else "",
            f"năm {year}" if year else "",
            f"cơ quan {agency}" if agency else "",
        )
        if x
    )
    table: list[list[str]] = [
        [
            r["code"],
            r["title"],
            r["plan"],
            r["lead"]["name"],
            _date(r["deadline"]),
            r["status_label"] + (" (chờ duyệt)" if r["awaiting_review"] else ""),
            f"{r['percent']}%",
            str(r["days_late"]) if r["overdue"] else "",
        ]
        for r in rows
    ]
    blocks = [
        Block(
            title="I. Tổng hợp", note=summary["wording"][:1].upper() + summary["wording"][1:] + "."
        ),
        Block(
            title="II. Theo kế hoạch",
            header=[
                "Kế hoạch",
                "Tổng số",
                "Hoàn thành",
                "Đang thực hiện",
                "Chưa thực hiện",
                "Quá hạn",
            ],
            rows=[
                [
                    p["code"],
                    str(p["total"]),
                    str(p["done"]),
                    str(p["in_progress"]),
                    str(p["not_started"]),
                    str(p["overdue"]),
                ]
                for p in summary["plans"]
            ],
        ),
        Block(title="III. Danh sách nhiệm vụ", header=HEADER, rows=table),
    ]
    return Document(
        issuer=f"UBND {inside.upper()}" if inside else "UBND TỈNH",
        issuer_unit="BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ",
        number="Số:      /BC-BCĐCĐS",
        place_date=f"{name.removeprefix('Tỉnh ').removeprefix('Thành phố ')}, ngày {today.day:02d} "
        f"tháng {today.month:02d} năm {today.year}",
        title="BÁO CÁO",
        subtitle="Tình hình thực hiện nhiệm vụ chuyển đổi số" + (f" ({scope})" if scope else ""),
        recipient="",
        intro=f"Số liệu đến ngày {today:%d/%m/%Y}, tính từ sổ theo dõi nhiệm vụ của tỉnh.",
        blocks=blocks,
        closing="",
        signer_title="TM. BAN CHỈ ĐẠO",
        signer_name="",
        copies=["Như trên;", "Lưu: VT."],
        file_name="tinh-hinh-nhiem-vu" + (f"_{year}" if year else ""),
    )


def export(
    session: Session,
    *,
    principal: Principal,
    calendar: WorkCalendar,
    fmt: str,
    **where: Any,
) -> tuple[bytes, str]:
    """Return the file (xlsx or pdf) and its name."""
    doc = document(session, principal=principal, calendar=calendar, **where)
    if fmt == "pdf":
        return to_pdf(doc), f"{doc.file_name}.pdf"
    return to_xlsx(doc), f"{doc.file_name}.xlsx"
