"""`tinhso users …`: add users, issue tokens, list users."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from tinhso.accounts import service
from tinhso.accounts.scope import ROLE_LABELS, SYSTEM_PRINCIPAL
from tinhso.clitools import cli_session, console, err_console
from tinhso.fmt import local_today
from tinhso.units import service as units
from tinhso.units.models import Agency

app = typer.Typer(help="Người dùng, vai trò, phạm vi và mã truy cập.", no_args_is_help=True)


class Role(StrEnum):
    admin = "admin"
    leader = "leader"
    officer = "officer"
    analyst = "analyst"
    viewer = "viewer"
    system = "system"


@app.command(
    "add",
    help="Thêm người dùng (mật khẩu được hỏi, hoặc đọc từ đầu vào chuẩn) cùng phạm vi của họ.",
)
def add(
    username: Annotated[str, typer.Argument(help="tên đăng nhập")],
    role: Annotated[Role, typer.Option(help="vai trò")],
    unit: Annotated[
        list[str] | None, typer.Option(help="mã đơn vị trong phạm vi (lặp lại được)")
    ] = None,
    agency: Annotated[
        list[str] | None, typer.Option(help="mã định danh cơ quan trong phạm vi")
    ] = None,
    full_name: Annotated[str, typer.Option(help="họ và tên")] = "",
    password_stdin: Annotated[bool, typer.Option(help="đọc mật khẩu từ stdin")] = False,
) -> None:
    """Add a user (password prompted, or read from stdin) with its scope."""
    password: str | None = None
    if role is not Role.system:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    with cli_session() as session:
        scopes = []
        for code in unit or []:
            found = units.find_by_code(
                session, principal=SYSTEM_PRINCIPAL, code=code, on=local_today()
            )
            if not found:
                err_console.print(f"[red]Không có đơn vị mã {code} đang có hiệu lực.[/]")
                raise typer.Exit(2)
            scopes.append(service.ScopeRoot(unit_id=found[0].id))
        for code in agency or []:
            ag = session.scalars(select(Agency).where(Agency.code == code)).first()
            if ag is None:
                err_console.print(f"[red]Không có cơ quan mã {code}.[/]")
                raise typer.Exit(2)
            scopes.append(service.ScopeRoot(agency_id=ag.id))
        user = service.create_user(
            session,
            principal=SYSTEM_PRINCIPAL,
            username=username,
            role=role.value,
            password=password,
            full_name=full_name,
            scopes=scopes,
        )
        console.print(
            f"Đã tạo người dùng {user.username} ({ROLE_LABELS[user.role]}), mã số {user.id}."
        )


@app.command(
    "token",
    help="Cấp mã truy cập API cho một người dùng và in mã bí mật (chỉ hiện một lần này).",
)
def token(
    username: Annotated[str, typer.Argument(help="tên đăng nhập")],
    name: Annotated[str, typer.Option(help="tên gợi nhớ của mã")] = "",
) -> None:
    """Issue an API token for a user and print its secret (shown only this once)."""
    with cli_session() as session:
        user = service.get_user_by_name(session, username)
        _tok, secret = service.issue_token(
            session, principal=SYSTEM_PRINCIPAL, user_id=user.id, name=name
        )
    err_console.print("Mã truy cập (chỉ hiện một lần):")
    typer.echo(secret)


@app.command(
    "list",
    help="Liệt kê người dùng cùng vai trò và trạng thái.",
)
def list_users() -> None:
    """List users with their roles and state."""
    with cli_session() as session:
        table = Table("Mã số", "Tên đăng nhập", "Họ tên", "Vai trò", "Trạng thái")
        for u in service.list_users(session, principal=SYSTEM_PRINCIPAL):
            table.add_row(
                str(u.id),
                u.username,
                u.full_name,
                ROLE_LABELS.get(u.role, u.role),
                "hoạt động" if u.is_active else "đã khóa",
            )
        console.print(table)
