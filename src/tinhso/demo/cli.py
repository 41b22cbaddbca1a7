"""`tinhso demo`: build the demo province and say how to sign in."""

from __future__ import annotations

from typing import Annotated

import typer

from tinhso.accounts.scope import ROLE_LABELS
from tinhso.clitools import cli_session, console
from tinhso.demo.generate import DEMO_PASSWORD, build_demo


def demo(
    province: Annotated[str, typer.Option(help="mã tỉnh (sau 2025)")] = "12",
) -> None:
    """Build the demo province: register, villages, agencies and one user per role."""
    with cli_session() as session:
        rep = build_demo(session, province_code=province)
    console.print(
        f"Tỉnh mẫu: {rep.province} — thêm {rep.villages} thôn, bản và {rep.agencies} cơ quan; "
        f"{rep.procedures} thủ tục và {rep.dossiers} hồ sơ một năm."
    )
    if rep.reports:
        console.print(
            f"Báo cáo định kỳ: {rep.reports} báo cáo đã nộp trong một năm; "
            f"{rep.reports_missing} báo cáo chưa nộp (cố ý, để trang theo dõi có đơn vị chậm)."
        )
    if rep.users:
        console.print(f"Tài khoản mẫu (mật khẩu chung: [bold]{DEMO_PASSWORD}[/]):")
        for username, role, name in rep.users:
            console.print(f"  {username:<10} {ROLE_LABELS[role]:<32} {name}")
    if rep.token:
        console.print(f"Mã truy cập API của hệ thống một cửa (chỉ hiện một lần): {rep.token}")
