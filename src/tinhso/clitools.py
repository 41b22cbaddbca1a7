"""What every domain's CLI shares: the database, the acting operator, output and progress."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from tinhso.audit import service as audit
from tinhso.config import get_settings
from tinhso.db import Database
from tinhso.errors import AppError
from tinhso.lake import Lake
from tinhso.workdays import WorkCalendar

console = Console()
err_console = Console(stderr=True)


def database() -> Database:
    """Return the configured database (SQLite under var/ unless TINHSO_DATABASE_URL is set)."""
    audit.install()
    return Database(get_settings().resolved_database_url())


@contextmanager
def cli_session() -> Iterator[Session]:
    """Yield a committing session whose changes are audited as the operator at the shell."""
    db = database()
    try:
        with db.session() as session:
            audit.bind_actor(session, audit.Actor(name=f"cli:{getpass.getuser()}", client="cli"))
            yield session
    except AppError as exc:
        err_console.print(f"[bold red]Lỗi:[/] {exc.detail}")
        for e in exc.errors:
            err_console.print(f"  - {e}")
        raise typer.Exit(2) from exc
    finally:
        db.dispose()


def cli_lake() -> Lake:
    """Open the analytics copy of the configured database; exit 2 saying why when another
    process (the server) holds its file: DuckDB lets one process open it."""
    import duckdb

    settings = get_settings()
    db = database()
    try:
        return Lake(db, Lake.path_for(settings.var_dir, db.url), WorkCalendar.default())
    except duckdb.IOException as exc:
        db.dispose()
        if "lock" not in str(exc).lower():
            raise
        err_console.print(
            "[bold red]Lỗi:[/] bản sao phân tích đang được một tiến trình khác mở (thường là máy "
            "chủ [bold]tinhso serve[/]): xem số liệu trên trang hoặc qua API, hoặc dừng máy chủ "
            "rồi chạy lại lệnh."
        )
        raise typer.Exit(2) from None


def print_json(data: Any) -> None:
    """Print data as JSON (UTF-8, not escaped), for scripts."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """Yield a Rich progress bar for a long job (quiet when output is not a terminal)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as bar:
        yield bar
