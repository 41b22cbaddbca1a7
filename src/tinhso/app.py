"""The FastAPI application: every domain's API routes and pages, static assets, errors."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tinhso.accounts import routes as accounts_routes
from tinhso.accounts import views as accounts_views
from tinhso.audit import routes as audit_routes
from tinhso.audit import service as audit
from tinhso.config import Settings, get_settings
from tinhso.db import Database
from tinhso.indicators import routes as indicators_routes
from tinhso.indicators import views as indicators_views
from tinhso.reporting import routes as reporting_routes
from tinhso.reporting import views as reporting_views
from tinhso.services import routes as services_routes
from tinhso.services import views as services_views
from tinhso.services.fastpath import EventFastPath
from tinhso.services.intake import EventIntake
from tinhso.units import routes as units_routes
from tinhso.units import views as units_views
from tinhso.web import problems, views
from tinhso.web.templating import PKG
from tinhso.workdays import WorkCalendar

API_DESCRIPTION = """API của tỉnh số: danh mục đơn vị hành chính (trước và sau sắp xếp 2025),
cơ quan, người dùng, mã truy cập và nhật ký thay đổi. Xác thực bằng `Authorization: Bearer <mã>`.
Lỗi trả về dạng `application/problem+json` (RFC 9457) với danh sách `errors` nêu trường và lý do."""


SECURITY_HEADERS = {
    # Everything is served from this origin: no CDN, no inline script.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

_HEADERS = tuple((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items())
# The API explorer page carries its own inline bootstrap script: no CSP there.
_DOCS_HEADERS = tuple(p for p in _HEADERS if p[0] != b"content-security-policy")
_NO_STORE = ((b"cache-control", b"no-store"),)


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers (and no-store on dynamic responses).

    Written against ASGI rather than as an ``@app.middleware("http")`` function: that form wraps
    every request in extra tasks and streams, which costs more than the headers themselves.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        extra = _DOCS_HEADERS if path.startswith("/api/v1/docs") else _HEADERS
        if not path.startswith("/static/"):
            extra = extra + _NO_STORE

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Raw header pairs, added where the response did not set its own: this runs for
                # every response, so it avoids building a headers object each time.
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                raw.extend(pair for pair in extra if pair[0] not in present)
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Return the application wired to the settings' database (or the one given)."""
    settings = settings or get_settings()
    audit.install()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.intake.close()
        if app.state.lake is not None:
            app.state.lake.close()

    app = FastAPI(
        lifespan=lifespan,
        title="tinhso — tỉnh số",
        version="0.1.0",
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below from local assets: no CDN in an air-gapped data centre
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db or Database(
        settings.resolved_database_url(), busy_timeout=settings.db_busy_timeout
    )
    app.state.lake = None
    app.state.lake_lock = threading.Lock()
    app.state.intake = EventIntake(app.state.db, WorkCalendar.default())
    app.state.catalog = None
    problems.install(app)
    # Added first, so inside the security headers: a system's event push, the busiest call, is
    # answered at the ASGI layer (services/fastpath.py); everything else reaches the routes.
    app.add_middleware(EventFastPath, intake=lambda: app.state.intake)
    app.add_middleware(SecurityHeaders)
    # Front-end packages fetched from the npm registry at set-up (make setup), served locally.
    app.mount(
        "/static/vendor", StaticFiles(directory=settings.assets_dir, check_dir=False), name="vendor"
    )
    app.mount("/static", StaticFiles(directory=PKG / "web" / "static"), name="static")
    # Public services first: event pushes are the busiest route, and routes are tried in order.
    for module in (services_routes, units_routes, accounts_routes, audit_routes, indicators_routes):
        app.include_router(module.router)
    for module in (views, units_views, accounts_views, services_views, indicators_views):
        app.include_router(module.router)

    app.include_router(reporting_routes.router)
    app.include_router(reporting_views.router)

    @app.get("/api/v1/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="tinhso — API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    return app
