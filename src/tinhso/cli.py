"""The `tinhso` command: each domain's commands, plus database, demo and server."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tinhso.accounts.cli import app as users_app
from tinhso.audit.cli import app as audit_app
from tinhso.clitools import console, err_console
from tinhso.clivi import localize
from tinhso.config import get_settings
from tinhso.demo.cli import demo
from tinhso.indicators.cli import app as indicators_app
from tinhso.indicators.cli import catalog_app
from tinhso.infrastructure.cli import app as infra_app
from tinhso.ioc.cli import app as ioc_app
from tinhso.reporting.cli import app as reporting_app
from tinhso.services.cli import app as services_app
from tinhso.tasks.cli import app as tasks_app
from tinhso.units.cli import app as units_app

localize()

app = typer.Typer(
    help="tỉnh số — nền tảng chuyển đổi số cấp tỉnh.", no_args_is_help=True, add_completion=False
)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(units_app, name="units")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(services_app, name="services")
app.add_typer(catalog_app, name="catalog")
app.add_typer(indicators_app, name="indicators")
app.add_typer(infra_app, name="infra")
app.add_typer(tasks_app, name="tasks")
app.add_typer(reporting_app, name="reporting")
app.add_typer(ioc_app, name="ioc")
app.command(
    "demo",
    help="Dựng tỉnh mẫu: danh mục, thôn bản, cơ quan, hồ sơ, báo cáo và mỗi vai trò một tài khoản.",
)(demo)


@db_app.command(
    "upgrade",
    help="Áp dụng mọi bản nâng cấp lược đồ còn thiếu cho cơ sở dữ liệu đang cấu hình và cho biết đã làm gì.",
)
def db_upgrade() -> None:
    """Apply every pending migration to the configured database, and say what it did."""
    from tinhso.migrate import current, upgrade

    url = get_settings().resolved_database_url()
    before = current(url)
    upgrade(url)
    after = current(url)
    if before is None:
        console.print(f"Đã tạo lược đồ cơ sở dữ liệu, phiên bản {after}.")
    elif before != after:
        console.print(f"Đã nâng cấp cơ sở dữ liệu từ phiên bản {before} lên {after}.")
    else:
        console.print(f"Cơ sở dữ liệu đã ở phiên bản mới nhất ({after}); không có gì thay đổi.")


# uvicorn's own proxy handling believes X-Forwarded-For from 127.0.0.1 (or FORWARDED_ALLOW_IPS):
# the application does it (app.py), from TINHSO_TRUSTED_PROXIES only.
SERVER_OPTIONS: dict[str, Any] = {"proxy_headers": False, "log_level": "info"}


@app.command(
    "serve",
    help="Khởi động máy chủ web (trang và API).",
)
def serve(
    host: Annotated[str | None, typer.Option(help="địa chỉ lắng nghe")] = None,
    port: Annotated[int | None, typer.Option(help="cổng")] = None,
    workers: Annotated[int, typer.Option(help="số tiến trình")] = 1,
) -> None:
    """Start the web server (pages and API), on a database at the newest schema only."""
    import uvicorn

    from tinhso.migrate import current, head

    settings = get_settings()
    now, newest = current(settings.resolved_database_url()), head()
    if now != newest:
        err_console.print(
            f"[bold red]Lỗi:[/] cơ sở dữ liệu {'chưa được tạo' if now is None else f'ở phiên bản {now}'}"
            f", phần mềm cần phiên bản {newest}: chạy [bold]tinhso db upgrade[/] rồi khởi động lại."
        )
        raise typer.Exit(2)
    uvicorn.run(
        "tinhso.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        **SERVER_OPTIONS,
    )


def main() -> None:
    """Run the CLI."""
    app()
