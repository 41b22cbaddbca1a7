"""`tinhso demo`: build the demo province and say how to sign in."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from tinhso.accounts.models import User
from tinhso.accounts.scope import ROLE_LABELS
from tinhso.clitools import cli_session, console
from tinhso.demo.generate import DEMO_PASSWORD, build_demo
from tinhso.fmt import vn_number

# The demo's accounts, listed on every run (the first run creates them, later runs find them).
DEMO_USERS = ("admin", "lanhdao", "canbo.so", "canbo.xa", "antt", "xem", "motcua")


def demo(
    province: Annotated[str, typer.Option(help="mã tỉnh (sau 2025)")] = "12",
) -> None:
    """Build the demo province: register, villages, agencies and one user per role."""
    with cli_session() as session:
        rep = build_demo(session, province_code=province)
        accounts = [
            (u.username, u.role, u.full_name)
            for u in session.scalars(select(User).where(User.username.in_(DEMO_USERS)))
        ]
    console.print(
        f"Tỉnh mẫu: {rep.province} — thêm {vn_number(rep.villages)} thôn, bản (cả thôn, bản trước "
        f"01/7/2025) và {vn_number(rep.agencies)} cơ quan; {vn_number(rep.procedures)} thủ tục và "
        f"{vn_number(rep.dossiers)} hồ sơ một năm."
    )
    if rep.reports:
        console.print(
            f"Báo cáo định kỳ: {vn_number(rep.reports)} báo cáo đã nộp trong một năm; "
            f"{vn_number(rep.reports_missing)} báo cáo chưa nộp (cố ý, để trang theo dõi có đơn vị chậm)."
        )
    if rep.infra_facts:
        console.print(
            f"Hạ tầng số: {vn_number(rep.infra_facts)} số liệu phủ sóng của các thôn (ba doanh "
            f"nghiệp, từ năm 2023), {vn_number(rep.infra_sites)} trạm và điểm Wi-Fi, các tổ công "
            "nghệ số cộng đồng, các lớp tập huấn và danh sách học viên."
        )
    if rep.tasks:
        console.print(
            f"Nhiệm vụ: {vn_number(rep.tasks)} nhiệm vụ của ba kế hoạch năm 2023 (09-KH/BCĐCĐS, "
            "13-KH/BCĐCĐS, kết luận các cuộc họp) và 30 chỉ tiêu."
        )
    if rep.boundaries:
        console.print(
            f"Bản đồ: sơ đồ minh họa {vn_number(rep.boundaries)} xã, phường (không phải ranh giới "
            "thật; nạp ranh giới của tỉnh bằng [bold]tinhso ioc import-boundaries[/])."
        )
    if rep.ranks:
        console.print(
            f"Xếp hạng toàn quốc: bảng DTI 2024, 2025 của {vn_number(rep.ranks // 2)} tỉnh, thành "
            "phố (số liệu minh họa, nạp như Sở nạp tệp Bộ công bố)."
        )
    accounts.sort(key=lambda a: DEMO_USERS.index(a[0]))
    if accounts:
        note = "" if rep.users else " — nếu chưa đổi"
        console.print(f"Tài khoản mẫu (mật khẩu chung: [bold]{DEMO_PASSWORD}[/]{note}):")
        for username, role, name in accounts:
            console.print(f"  {username:<10} {ROLE_LABELS.get(role, role):<32} {name}")
    if rep.token:
        console.print(f"Mã truy cập API của hệ thống một cửa (chỉ hiện một lần): {rep.token}")
    elif any(a[0] == "motcua" for a in accounts):
        console.print(
            "Mã truy cập API chỉ hiện một lần, khi tạo; cấp mã mới cho hệ thống một cửa: "
            "[bold]tinhso users token motcua[/]"
        )
