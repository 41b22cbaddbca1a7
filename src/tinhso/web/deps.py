"""Typed dependencies shared by every route and page: the session, the caller, CSRF."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import contextmanager_in_threadpool, run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from tinhso.accounts import service as accounts
from tinhso.accounts.models import User, WebSession
from tinhso.accounts.scope import Principal
from tinhso.audit.service import Actor, bind_actor
from tinhso.config import Settings
from tinhso.db import Database
from tinhso.errors import Forbidden, Unauthenticated
from tinhso.lake import Lake
from tinhso.services.catalog import Catalog, load_catalog
from tinhso.services.intake import EventIntake
from tinhso.workdays import WorkCalendar

SESSION_COOKIE = "tinhso_session"


class LoginRequired(Exception):
    """A page needs a signed-in user; the handler redirects to the login page."""


def client_ip(request: Request) -> str:
    """Return the caller's address as the server sees it (behind a proxy: as it tells)."""
    return request.client.host if request.client else "-"


def get_database(request: Request) -> Database:
    """Return the application's database."""
    db: Database = request.app.state.db
    return db


def get_settings_dep(request: Request) -> Settings:
    """Return the application's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def db_session(request: Request) -> AsyncIterator[Session]:
    """Yield the request's session: committed when the handler succeeds, else rolled back.

    A read (GET, HEAD) on PostgreSQL runs its statements in autocommit: under PostgreSQL's
    READ COMMITTED each statement sees what was committed before it, in a transaction or not,
    so a transaction adds nothing to a read but its BEGIN and COMMIT — two of a kept answer's
    four round trips. The few writes a read makes (a token's last use) are single statements.

    Such a session is opened and closed here, on the event loop, because neither does I/O: the
    session takes its connection at its first statement (in the handler's thread), and in
    autocommit neither the commit nor the pool's reset on return sends anything to the server
    (the driver skips both when no transaction is open). That saves two of a request's four
    hand-overs to a worker thread. Every other session (writes, SQLite, whose commit writes the
    file) opens and closes on a worker thread, as a synchronous dependency would."""
    db = get_database(request)
    if request.method in ("GET", "HEAD") and db.engine.dialect.name == "postgresql":
        with db.sessionmaker(bind=db.autocommit_engine) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
        return
    async with contextmanager_in_threadpool(db.session()) as session:
        yield session


# scope="function": the session commits when the handler returns, before the response is sent.
# With the default ("request") FastAPI runs the commit after the response has gone out, so a
# browser following a 303 could read before the write is visible, and a failed commit would
# follow a success already reported.
SessionDep = Annotated[Session, Depends(db_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def bearer_secret(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _from_cookie(request: Request, session: Session) -> tuple[User, WebSession] | None:
    sid = request.cookies.get(SESSION_COOKIE)
    return accounts.user_for_session(session, sid) if sid else None


# Declares the bearer token in the OpenAPI document (the explorer's "Authorize" button); the
# token itself is read and checked below, so that a session cookie can stand in for it.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="Mã truy cập API (tsk_…), cấp ở trang Người dùng hoặc bằng `tinhso users token`.",
)
BearerDoc = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def api_principal(request: Request, session: SessionDep, _bearer: BearerDoc) -> Principal:
    """Return the caller of an API route: a bearer token, or a browser session with CSRF."""
    ip = client_ip(request)
    token = bearer_secret(request)
    if token is not None:
        # Raises TooManyRequests while this address waits after too many wrong tokens.
        principal = accounts.principal_for_token(session, token, ip)
        if principal is None:
            raise Unauthenticated(
                "mã truy cập không hợp lệ, đã bị thu hồi hoặc tài khoản đã bị khóa"
            )
        actor = Actor(name=principal.username, user_id=principal.user_id, client="api", ip=ip)
        bind_actor(session, actor)
        request.state.principal = principal
        return principal
    found = _from_cookie(request, session)
    if found is None:
        raise Unauthenticated("cần đăng nhập hoặc gửi mã truy cập (Authorization: Bearer …)")
    user, web = found
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent.encode(), web.csrf_token.encode()):
            raise Forbidden("thiếu hoặc sai mã chống giả mạo yêu cầu (X-CSRF-Token)")
    bind_actor(session, Actor(name=user.username, user_id=user.id, client="web", ip=ip))
    principal = accounts.principal_cached(session, user)
    request.state.principal = principal
    return principal


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


def principal_of_request(request: Request) -> Principal:
    """Resolve the caller as :func:`api_principal` does, in a session of its own (for routes
    that hand their work to a writer and so hold no session themselves)."""
    with get_database(request).session() as session:
        return api_principal(request, session, None)


def get_intake(request: Request) -> EventIntake:
    """Return the application's event intake."""
    intake: EventIntake = request.app.state.intake
    return intake


def page_user(request: Request, session: SessionDep) -> tuple[Principal, WebSession, User]:
    """Return the signed-in user of a page, or redirect to the login page."""
    found = _from_cookie(request, session)
    if found is None:
        raise LoginRequired()
    user, web = found
    bind_actor(
        session, Actor(name=user.username, user_id=user.id, client="web", ip=client_ip(request))
    )
    principal = accounts.principal_cached(session, user)
    request.state.principal = principal
    request.state.user = UserView(user.id, user.username, user.full_name, user.role)
    request.state.csrf_token = web.csrf_token
    return principal, web, user


@dataclass(frozen=True)
class UserView:
    """What pages show of the signed-in user: plain values, safe after the session ends."""

    id: int
    username: str
    full_name: str
    role: str


PageUser = Annotated[tuple[Principal, WebSession, User], Depends(page_user)]


def check_form_csrf(web: WebSession, token: str) -> None:
    """Raise Forbidden unless the form carried the session's CSRF token."""
    if not hmac.compare_digest((token or "").encode(), web.csrf_token.encode()):
        raise Forbidden("phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; hãy tải lại trang")


def lake_of(app: Any) -> Lake:
    """Return the application's analytics copy, opening it on first use."""
    with app.state.lake_lock:
        if app.state.lake is None:
            settings: Settings = app.state.settings
            db: Database = app.state.db
            path = None if db.url.endswith(":memory:") else Lake.path_for(settings.var_dir, db.url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            app.state.lake = Lake(db, path, WorkCalendar.default())
        lake: Lake = app.state.lake
        return lake


def catalog_of(app: Any) -> Catalog:
    """Return the 766 catalog, loaded once per application."""
    if app.state.catalog is None:
        app.state.catalog = load_catalog()
    catalog: Catalog = app.state.catalog
    return catalog


# Asynchronous, so that FastAPI calls them on the event loop: a synchronous dependency costs a
# hand-over to a worker thread and back on every request, for what is, once opened, a read of
# an attribute. Opening (once) still runs on a worker thread.
async def get_lake(request: Request) -> Lake:
    """Return the application's analytics copy, opening it on first use."""
    lake: Lake | None = request.app.state.lake
    return lake if lake is not None else await run_in_threadpool(lake_of, request.app)


async def get_catalog(request: Request) -> Catalog:
    """Return the 766 catalog, loaded once per application."""
    catalog: Catalog | None = request.app.state.catalog
    return catalog if catalog is not None else await run_in_threadpool(catalog_of, request.app)


LakeDep = Annotated[Lake, Depends(get_lake)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
