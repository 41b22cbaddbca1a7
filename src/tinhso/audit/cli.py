"""`tinhso audit …`: verify the hash-chained log."""

from __future__ import annotations

import typer

from tinhso.audit import service
from tinhso.clitools import cli_session, console, err_console

app = typer.Typer(help="Nhật ký thay đổi (chuỗi băm).", no_args_is_help=True)


@app.command(
    "verify",
    help="Tính lại chuỗi băm; thoát với mã khác 0 và nêu từng mục bị sửa, xóa hoặc đổi chỗ.",
)
def verify() -> None:
    """Recompute the chain; exit non-zero and name each entry modified, deleted or moved."""
    with cli_session() as session:
        checked, problems = service.verify(session)
        head = session.get(service.AuditHead, 1)
    if problems:
        for p in problems:
            err_console.print(f"[bold red]LỖI[/] mục #{p.entry_id} ({p.kind}): {p.message}")
        err_console.print(f"Nhật ký KHÔNG toàn vẹn: {len(problems)} lỗi trong {checked} mục.")
        raise typer.Exit(1)
    last = head.last_hash if head else service.GENESIS
    console.print(f"Nhật ký toàn vẹn: {checked} mục; mã băm cuối {last}.")
