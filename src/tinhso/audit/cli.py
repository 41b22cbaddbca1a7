"""`tinhso audit …`: verify the hash-chained log, print its head for publishing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tinhso.audit import service
from tinhso.clitools import cli_session, console, err_console
from tinhso.db import utcnow

app = typer.Typer(help="Nhật ký thay đổi (chuỗi băm).", no_args_is_help=True)


def _anchors(expect_head: list[str], anchors_file: Path | None) -> list[service.Anchor]:
    """Return the published heads to find in the chain; exit 2 naming what cannot be read."""
    lines = list(expect_head)
    source = "--expect-head"
    try:
        found = service.parse_anchors("\n".join(lines))
        if anchors_file is not None:
            source = anchors_file.name
            found += service.parse_anchors(anchors_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        err_console.print(f"[bold red]Lỗi:[/] không đọc được tệp mốc {source} (tệp văn bản UTF-8)")
        raise typer.Exit(2) from None
    except ValueError as exc:
        err_console.print(f"[bold red]Lỗi:[/] {source}, {exc}")
        raise typer.Exit(2) from None
    return found


@app.command(
    "verify",
    help="Tính lại chuỗi băm; thoát với mã khác 0 và nêu từng mục bị sửa, xóa hoặc đổi chỗ, "
    "đầu chuỗi bị mất hay sai, nhật ký bị xóa hết, và từng mốc đã công bố không còn trong chuỗi.",
)
def verify(
    expect_head: Annotated[
        list[str] | None,
        typer.Option(
            "--expect-head",
            help="mã băm cuối đã công bố trước đây (có thể kèm số mục: '#123 <mã băm>'); "
            "phải còn trong chuỗi; dùng nhiều lần được",
        ),
    ] = None,
    anchors: Annotated[
        Path | None,
        typer.Option("--anchors", help="tệp các mốc đã công bố, mỗi dòng một mã băm (kèm số mục)"),
    ] = None,
) -> None:
    """Recompute the chain; exit non-zero and name each entry modified, deleted or moved, a
    missing or wrong head, an emptied log, and each published head no longer in the chain."""
    wanted = _anchors(expect_head or [], anchors)
    with cli_session() as session:
        checked, problems = service.verify(session, wanted)
        head = session.get(service.AuditHead, 1)
    if problems:
        for p in problems:
            err_console.print(f"[bold red]LỖI[/] mục #{p.entry_id} ({p.kind}): {p.message}")
        err_console.print(f"Nhật ký KHÔNG toàn vẹn: {len(problems)} lỗi trong {checked} mục.")
        raise typer.Exit(1)
    last = head.last_hash if head else service.GENESIS
    mark = f"; khớp {len(wanted)} mốc đã công bố" if wanted else ""
    console.print(
        f"Nhật ký toàn vẹn: {checked} mục{mark}; mục cuối #{head.last_id if head else 0}, "
        f"mã băm cuối {last}."
    )


@app.command(
    "head",
    help="In đầu chuỗi thành một dòng để công bố (thời điểm, số mục, mã băm), dùng cho --anchors.",
)
def head() -> None:
    """Print the head as one line to publish (time, entry number, hash), for `--anchors`."""
    with cli_session() as session:
        row = session.get(service.AuditHead, 1)
    if row is None:
        err_console.print(f"[bold red]LỖI[/] {service.HEAD_MISSING}.")
        raise typer.Exit(1)
    stamp = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    typer.echo(f"{stamp} #{row.last_id} {row.last_hash}")
