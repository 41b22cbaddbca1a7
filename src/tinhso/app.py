"""The FastAPI application: every domain's API routes and pages, static assets, errors."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tinhso.accounts import routes as accounts_routes
from tinhso.accounts import throttle
from tinhso.accounts import views as accounts_views
from tinhso.audit import routes as audit_routes
from tinhso.audit import service as audit
from tinhso.config import Settings, get_settings
from tinhso.db import Database
from tinhso.indicators import routes as indicators_routes
from tinhso.indicators import views as indicators_views
from tinhso.infrastructure import routes as infrastructure_routes
from tinhso.infrastructure import views as infrastructure_views
from tinhso.ioc import routes as ioc_routes
from tinhso.ioc import views as ioc_views
from tinhso.reporting import routes as reporting_routes
from tinhso.reporting import views as reporting_views
from tinhso.services import routes as services_routes
from tinhso.services import views as services_views
from tinhso.services.fastpath import EventFastPath
from tinhso.services.intake import EventIntake
from tinhso.tasks import routes as tasks_routes
from tinhso.tasks import views as tasks_views
from tinhso.units import routes as units_routes
from tinhso.units import views as units_views
from tinhso.web import problems, views, warmup
from tinhso.web.admission import Admission
from tinhso.web.answers import Answers
from tinhso.web.assets import Assets
from tinhso.web.limits import MIB, BodyLimit
from tinhso.web.openapi import DESCRIPTION, localise_tags, openapi_tags
from tinhso.web.templating import PKG
from tinhso.workdays import WorkCalendar

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

# Public services first: event pushes are the busiest route, and routes are tried in order.
ROUTE_MODULES = (
    services_routes,
    units_routes,
    accounts_routes,
    audit_routes,
    indicators_routes,
    infrastructure_routes,
    tasks_routes,
    ioc_routes,
)

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
        # The synchronous handlers run on AnyIO's worker threads: as many as the pool has
        # connections for (TINHSO_THREADS); a request beyond them waits for a free thread.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        warming = None
        if settings.warm_up:
            hooks = [getattr(m, "warm_up", None) for m in ROUTE_MODULES]
            warming = warmup.start(app, [h for h in hooks if h is not None])
        yield
        app.state.closing.set()
        if warming is not None:
            warming.join(timeout=30)
        app.state.intake.close()
        app.state.answers.close()
        if app.state.lake is not None:
            app.state.lake.close()

    app = FastAPI(
        lifespan=lifespan,
        title="tinhso — tỉnh số",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=openapi_tags(),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below from local assets: no CDN in an air-gapped data centre
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db or Database(
        settings.resolved_database_url(),
        busy_timeout=settings.db_busy_timeout,
        pool_size=settings.threads,
        pool_timeout=settings.db_pool_timeout,
    )
    app.state.lake = None
    app.state.lake_lock = threading.Lock()
    app.state.intake = EventIntake(app.state.db, WorkCalendar.default())
    app.state.catalog = None
    app.state.answers = Answers(
        app.state.db,
        max_bytes=settings.answer_cache_mb * 1024 * 1024,
        fresh_wait=settings.answer_fresh_wait,
        stale_seconds=settings.answer_stale_seconds,
    )
    app.state.closing = threading.Event()
    problems.install(app)
    # Added first, so inside the security headers: a system's event push, the busiest call, is
    # answered at the ASGI layer (services/fastpath.py); everything else reaches the routes.
    app.add_middleware(EventFastPath, intake=lambda: app.state.intake)
    # Outside the routes, inside the fast path: at most TINHSO_THREADS requests at work, the
    # others waiting their turn (web/admission.py).
    app.add_middleware(Admission, limit=settings.threads, wait=settings.db_pool_timeout)
    # Static files (ours, and the front-end packages fetched from the npm registry at set-up),
    # served locally under fingerprinted names, gzip made once (web/assets.py).
    app.state.assets = Assets(
        [("", PKG / "web" / "static"), ("vendor/", settings.assets_dir)],
        settings.var_dir / "static",
    )
    app.add_middleware(app.state.assets.middleware)
    # Outside the event fast path and the routes, so that no reader of a body is unbounded.
    app.add_middleware(
        BodyLimit,
        body_max=settings.body_max_mb * MIB,
        upload_max=settings.upload_max_mb * MIB,
    )
    app.add_middleware(SecurityHeaders)
    # Outermost: the caller's address and scheme are the proxy's word only when the connection
    # comes from a configured proxy (TINHSO_TRUSTED_PROXIES); anyone else's headers are ignored.
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    throttle.TOKENS.free = settings.token_max_failures
    for module in ROUTE_MODULES:
        app.include_router(module.router)
    for module in (
        views,
        units_views,
        accounts_views,
        services_views,
        indicators_views,
        infrastructure_views,
        tasks_views,
        ioc_views,
    ):
        app.include_router(module.router)

    app.include_router(reporting_routes.router)
    app.include_router(reporting_views.router)

    localise_tags(app)

    @app.get("/docs", include_in_schema=False)
    def docs_redirect() -> RedirectResponse:
        """Where one looks for an API explorer first: it lives under the API's own prefix."""
        return RedirectResponse("/api/v1/docs", status_code=307)

    @app.get("/api/v1/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="tinhso — API",
            swagger_js_url=app.state.assets.url("vendor/swagger-ui-bundle.js"),
            swagger_css_url=app.state.assets.url("vendor/swagger-ui.css"),
            swagger_favicon_url=app.state.assets.url("favicon.svg"),
        )

    return app
