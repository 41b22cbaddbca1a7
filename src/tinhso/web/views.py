"""Pages shared by every domain: sign in, sign out (the home page is the operations centre's
overview, ioc/views.py)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from tinhso.accounts import service as accounts
from tinhso.accounts.throttle import DEVICE_COOKIE, DEVICE_DAYS, LoginPolicy
from tinhso.errors import AppError
from tinhso.web.deps import (
    SESSION_COOKIE,
    PageUser,
    SessionDep,
    SettingsDep,
    check_form_csrf,
    client_ip,
)
from tinhso.web.problems import retry_headers
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "tinhso_login_csrf"


def _secure(request: Request, configured: bool | None) -> bool:
    if configured is not None:
        return configured
    return request.url.scheme == "https"


def _safe_next(target: str) -> str:
    """Return a local path to go to after login; anything else goes home."""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(
    request: Request,
    settings_secure: bool | None,
    next_url: str,
    error: str = "",
    username: str = "",
    status: int = 200,
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"next": next_url, "error": error, "username": username, "login_csrf": token},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings_secure),
        max_age=3600,
    )
    return response


@router.get("/login")
def login_form(request: Request, settings: SettingsDep, next: str = "/") -> Response:
    """The sign-in page."""
    return _login_page(request, settings.cookie_secure, _safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    login_csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the credentials, open a session and go where the user was heading."""
    next_url = _safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), login_csrf.encode()):
        return _login_page(
            request,
            settings.cookie_secure,
            next_url,
            "Phiên đăng nhập đã hết hạn, vui lòng thử lại.",
            username,
            status=400,
        )
    policy = LoginPolicy(
        free_per_user=settings.login_max_failures,
        free_per_address=settings.login_max_failures_per_ip,
        window_minutes=settings.login_window_minutes,
        max_delay_minutes=settings.login_max_delay_minutes,
        alert_failures=settings.login_alert_failures,
    )
    try:
        user = accounts.authenticate(
            session,
            username=username,
            password=password,
            ip=client_ip(request),
            device_cookie=request.cookies.get(DEVICE_COOKIE),
            policy=policy,
        )
    except AppError as exc:
        # The failed attempt (and an alert it raised) must be kept though the login is refused.
        session.commit()
        message = exc.detail[0].upper() + exc.detail[1:] + "."
        page = _login_page(
            request, settings.cookie_secure, next_url, message, username, status=exc.status
        )
        page.headers.update(retry_headers(exc) or {})
        return page
    web = accounts.open_session(
        session, user=user, ip=client_ip(request), hours=settings.session_hours
    )
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        web.id,
        httponly=True,
        samesite="lax",
        secure=_secure(request, settings.cookie_secure),
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    # This browser is now known to have signed in as the user: an attacker's failures from the
    # same address do not hold it up (accounts/throttle.py). Sent back only to the login form.
    response.set_cookie(
        DEVICE_COOKIE,
        accounts.device_cookie_for(user),
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings.cookie_secure),
        max_age=DEVICE_DAYS * 86400,
        path="/login",
    )
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    current: PageUser,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Close the session."""
    _principal, web, _user = current
    check_form_csrf(web, csrf_token)
    accounts.close_session(session, web.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/healthz")
def health(session: SessionDep) -> dict[str, str]:
    """Liveness and database reachability, for the operator's monitoring."""
    from sqlalchemy import text

    session.execute(text("SELECT 1"))
    return {"status": "ok"}
