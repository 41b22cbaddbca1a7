"""The demo province's steering-committee year (seed 004, 2023): 75 tasks from three plans — 23
of Kế hoạch 09-KH/BCĐCĐS (10/3/2023), 22 added by Kế hoạch 13-KH/BCĐCĐS (27/4/2023), 30 from
the quarterly meetings' conclusions — of which 50 done, 19 in progress and 06 not started, some
overdue, evidence on some; and 30 targets (seed 001: 10 reached or exceeded, 6 above 70%, 7
above 50%, 7 below 50%), three of them set in the catalog for the plan and measured by the DTI's
live indicators.

Everything goes through the domain's own import, progress and review, as the agencies would."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.indicators import loader
from tinhso.services.catalog import CATALOG_DIR
from tinhso.tasks import evidence, imports, service
from tinhso.tasks.models import Plan, Task, TaskUpdate
from tinhso.units.models import Unit

PLANS = (
    ("09-KH/BCĐCĐS", "ke_hoach", date(2023, 3, 10), "Kế hoạch chuyển đổi số tỉnh năm 2023", 23),
    (
        "13-KH/BCĐCĐS",
        "ke_hoach",
        date(2023, 4, 27),
        "Kế hoạch bổ sung nhiệm vụ chuyển đổi số năm 2023",
        22,
    ),
    (
        "TB-BCĐCĐS/2023",
        "ket_luan",
        date(2023, 7, 14),
        "Kết luận các cuộc họp Ban Chỉ đạo chuyển đổi số tỉnh các quý năm 2023",
        30,
    ),
)
TOPICS = (
    "Triển khai nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh (LGSP)",
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Xây dựng cơ sở dữ liệu chuyên ngành",
    "Nâng cấp Cổng dịch vụ công và Hệ thống thông tin giải quyết thủ tục hành chính",
    "Triển khai chữ ký số cho cán bộ, công chức",
    "Phê duyệt cấp độ an toàn hệ thống thông tin",
    "Tuyên truyền chuyển đổi số trên phương tiện thông tin đại chúng",
    "Thành lập, kiện toàn tổ công nghệ số cộng đồng",
    "Phổ cập kỹ năng số cho người dân",
    "Phát triển thanh toán không dùng tiền mặt",
    "Đưa sản phẩm OCOP lên sàn thương mại điện tử",
    "Xây dựng Trung tâm giám sát, điều hành thông minh (IOC)",
    "Xây dựng Trung tâm giám sát an toàn thông tin (SOC)",
    "Triển khai Đề án 06 về dữ liệu dân cư, định danh và xác thực điện tử",
    "Bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức",
    "Cập nhật Kiến trúc chính quyền điện tử, chính quyền số",
    "Phủ sóng di động các thôn, bản vùng lõm",
    "Kéo cáp quang đến các thôn, bản",
    "Triển khai hội nghị truyền hình trực tuyến đến cấp xã",
    "Ứng dụng hồ sơ sức khỏe điện tử",
    "Triển khai học bạ số, sổ điểm điện tử",
    "Số hóa di tích, điểm du lịch",
    "Xây dựng bản đồ số nông nghiệp",
    "Kết nối hệ thống quản lý văn bản liên thông bốn cấp",
    "Đánh giá Chỉ số chuyển đổi số cấp xã",
)
# seed 004: 50 done, 19 in progress, 06 not started ("chủ yếu các nhiệm vụ chưa có hướng dẫn …")
STATES = ["done"] * 50 + ["in_progress"] * 19 + ["not_started"] * 6
HEADER = [
    "Số, ký hiệu kế hoạch",
    "Loại văn bản",
    "Ngày ban hành",
    "Trích yếu kế hoạch",
    "Cơ quan ban hành",
    "Cơ quan theo dõi",
    "Mã nhiệm vụ",
    "Tên nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Ngày bắt đầu",
    "Thời hạn hoàn thành",
    "Sản phẩm",
]
# 30 targets: three the catalog links to the plan (catalog/plans/), measured by the DTI's
# indicators on the register's 2023 figures, the rest reported by hand, so that the year reads
# as seed 001: 10 / 6 / 7 / 7.
PLAN_CATALOG = CATALOG_DIR / "plans" / "demo-09-KH-BCDCDS-2023.yaml"
LIVE_TARGETS = 3


def _csv(rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue().encode()


def _at(d: date) -> datetime:
    return datetime.combine(d, time(9, 0), tzinfo=UTC)


def _evidence_pdf() -> bytes:
    """A real PDF (the province's header, a paragraph) to attach as evidence."""
    from tinhso.reporting.pdf import to_pdf
    from tinhso.reporting.report import Block, Document

    return to_pdf(
        Document(
            issuer="UBND TỈNH LAI CHÂU",
            issuer_unit="SỞ KHOA HỌC VÀ CÔNG NGHỆ",
            number="Số: 12/BC-SKHCN",
            place_date="Lai Châu, ngày 15 tháng 11 năm 2023",
            title="BÁO CÁO",
            subtitle="Kết quả thực hiện nhiệm vụ (tài liệu mẫu)",
            recipient="Ban Chỉ đạo chuyển đổi số tỉnh",
            intro="Tài liệu mẫu của dữ liệu trình diễn tinhso.",
            blocks=[Block(title="Kết quả", note="Đã hoàn thành các nội dung được giao.")],
            closing="",
            signer_title="GIÁM ĐỐC",
            signer_name="",
            copies=["Lưu: VT."],
            file_name="minh-chung",
        )
    )


def build_tasks(session: Session, *, province: Unit, var_dir: Path, seed: int = 2025) -> int:
    """Write the demo's plans, tasks and targets (idempotent: skipped once written); return the
    number of tasks."""
    if session.scalar(select(func.count()).select_from(Plan)):
        return 0
    from tinhso.units import service as units

    agencies = [
        a
        for a in units.readable_agencies(session, principal=SYSTEM_PRINCIPAL)
        if a.unit_id == province.id and a.kind in ("so", "ban", "nganh", "don_vi")
    ]
    agencies.sort(key=lambda a: a.code)
    charge = next((a for a in agencies if a.name == "Sở Khoa học và Công nghệ"), None)
    if charge is None or len(agencies) < 3:
        return 0
    rng = random.Random(seed + 40)
    states = STATES[:]
    rng.shuffle(states)
    rows: list[list[object]] = []
    plan_of: dict[str, str] = {}
    n = 0
    for code, kind, issued, title, count in PLANS:
        for i in range(1, count + 1):
            n += 1
            state = states[n - 1]
            lead = agencies[(n * 7) % len(agencies)]
            co = [a.name for a in rng.sample(agencies, 2) if a.id != lead.id][: rng.randint(0, 2)]
            if state == "done":
                deadline = issued + timedelta(days=rng.randint(60, 400))
            elif state == "in_progress":  # about half of them past their deadline
                deadline = date(rng.choice((2024, 2025, 2026, 2027)), rng.randint(1, 12), 28)
            else:
                deadline = date(rng.choice((2025, 2026, 2027)), rng.randint(1, 12), 28)
            task_code = (
                f"{code.split('/')[0].split('-')[0]}-{i:02d}"
                if kind == "ke_hoach"
                else f"KL-{i:02d}"
            )
            task_code = f"NV{issued:%y}-{task_code}"
            plan_of[task_code] = state
            rows.append(
                [
                    code,
                    {"ke_hoach": "Kế hoạch", "ket_luan": "Kết luận cuộc họp"}[kind],
                    issued.strftime("%d/%m/%Y"),
                    title,
                    "Ban Chỉ đạo chuyển đổi số tỉnh",
                    charge.name,
                    task_code,
                    TOPICS[(n - 1) % len(TOPICS)]
                    + (f" (đợt {1 + (n - 1) // len(TOPICS)})" if n > len(TOPICS) else ""),
                    lead.name,
                    "; ".join(co),
                    issued.strftime("%d/%m/%Y"),
                    deadline.strftime("%d/%m/%Y"),
                    "Báo cáo kết quả; sản phẩm theo kế hoạch",
                ]
            )
    imports.import_tasks(
        session, principal=SYSTEM_PRINCIPAL, data=_csv(rows), filename="nhiem-vu-2023.csv"
    )
    pdf = _evidence_pdf()
    for task in session.scalars(select(Task).order_by(Task.code)):
        state = plan_of[task.code]
        if state == "not_started":
            continue
        when = min(task.deadline, date(2023, 12, 20)) - timedelta(days=rng.randint(5, 40))
        percent = 100 if state == "done" else rng.choice((20, 40, 50, 60, 80))
        up = service.report_progress(
            session,
            principal=SYSTEM_PRINCIPAL,
            code=task.code,
            percent=percent,
            text="Đã triển khai theo kế hoạch"
            if state != "done"
            else "Đã hoàn thành, gửi báo cáo kết quả",
            complete=state == "done",
        )
        up.at = _at(max(when, task.starts))
        if state == "done" and rng.random() < 0.3:
            evidence.attach(
                session,
                principal=SYSTEM_PRINCIPAL,
                var_dir=var_dir,
                task=task,
                update_id=up.id,
                filename=f"bao-cao-{task.code}.pdf",
                data=pdf,
            )
        if state == "done":
            ok = service.review(session, principal=SYSTEM_PRINCIPAL, code=task.code, accept=True)
            ok.at = up.at + timedelta(days=rng.randint(2, 10))
            task.finished = ok.at.date()
        last = session.scalar(select(func.max(TaskUpdate.at)).where(TaskUpdate.task_id == task.id))
        task.updated_at = last or task.updated_at
    session.flush()
    _targets(session, rng)
    return len(rows)


def _targets(session: Session, rng: random.Random) -> None:
    """30 targets of the year's plan: three measured live, 27 by hand, read as 10 / 6 / 7 / 7."""
    header = '"Số, ký hiệu kế hoạch",Mã chỉ tiêu,Tên chỉ tiêu,Đơn vị tính,Kế hoạch giao,Chiều,Bộ chỉ số,Mã chỉ số,Kết quả'
    lines = [header]
    loader.load(session, principal=SYSTEM_PRINCIPAL, paths=[*loader.default_files(), PLAN_CATALOG])
    # By hand: achievement shares that with the live three (on the demo's 2023 figures: fibre
    # and teams ≥100%, 4G above 70%) make 10 / 6 / 7 / 7.
    shares = [1.05] * 8 + [0.85] * 5 + [0.6] * 7 + [0.3] * 7
    for i, share in enumerate(shares, start=LIVE_TARGETS + 1):
        planned = rng.choice((10, 20, 50, 80, 100, 120, 200))
        lines.append(
            f'09-KH/BCĐCĐS,CT{i:02d},"{TOPICS[i % len(TOPICS)]} (chỉ tiêu {i})",chỉ tiêu,{planned},,,,{round(planned * share, 1)}'
        )
    imports.import_targets(
        session,
        principal=SYSTEM_PRINCIPAL,
        data=("\n".join(lines) + "\n").encode(),
        filename="chi-tieu-2023.csv",
    )
