"""Turning errors into RFC 9457 problem documents (API) or Vietnamese error pages."""

from __future__ import annotations

import html
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tinhso.db import is_busy
from tinhso.errors import AppError, Busy, FieldError
from tinhso.web.deps import LoginRequired
from tinhso.web.messages import http_detail, pydantic_reason
from tinhso.web.templating import render

PROBLEM = "application/problem+json"

STATUS_TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa đăng nhập",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột dữ liệu",
    413: "Tệp quá lớn",
    415: "Định dạng không được hỗ trợ",
    422: "Dữ liệu không hợp lệ",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
    503: "Hệ thống đang bận",
}
BUSY = "hệ thống đang bận (cơ sở dữ liệu đang được ghi bởi một tác vụ khác), hãy thử lại sau"
BUSY_RETRY_SECONDS = 30
POOL_BUSY = "hệ thống đang phục vụ nhiều yêu cầu cùng lúc, hãy thử lại sau ít giây"


def retry_headers(exc: AppError) -> dict[str, str] | None:
    """Return the Retry-After header of a refusal that says when to try again."""
    wait = getattr(exc, "retry_after", None)
    return {"Retry-After": str(wait)} if wait else None


def refusal(path: str, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """Return a refusal made before the application (by an ASGI middleware): a problem on the
    API, a short Vietnamese page elsewhere (no template: nothing of the app has run)."""
    if path.startswith("/api/"):
        return problem(status, detail, headers=headers)
    title = STATUS_TITLES.get(status, "Lỗi")
    page = (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{title}</title>'
        f"<h1>{title}</h1><p>{html.escape(detail)}</p></html>"
    )
    return HTMLResponse(page, status_code=status, headers=headers)


def is_api(request: Request) -> bool:
    """Return True for API routes (JSON problems) rather than pages (HTML)."""
    return request.url.path.startswith("/api/")


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """Return a problem+json response (``extra``: members of its own, RFC 9457 §3.2)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": STATUS_TITLES.get(status, "Lỗi"),
        "status": status,
        "detail": detail,
        **(extra or {}),
    }
    if errors:
        body["errors"] = errors
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _page(
    request: Request,
    status: int,
    detail: str,
    errors: list[FieldError],
    headers: dict[str, str] | None = None,
) -> Response:
    response = render(
        request,
        "error.html",
        {
            "status": status,
            "title": STATUS_TITLES.get(status, "Lỗi"),
            "detail": detail,
            "errors": errors,
        },
        status_code=status,
    )
    response.headers.update(headers or {})
    return response


_LOCATIONS = ("body", "query", "path", "header", "cookie")


def _field_error(err: dict[str, Any]) -> FieldError:
    """Return one Pydantic error of a request as a field error, in Vietnamese."""
    loc = list(err.get("loc", ()))
    if loc and loc[0] in _LOCATIONS:
        loc = loc[1:]
    reason = pydantic_reason(err)
    if err.get("type") == "json_invalid" and loc and isinstance(loc[-1], int):
        reason += f" (ở ký tự thứ {loc[-1] + 1})"
        loc = loc[:-1]
    return FieldError(field=".".join(str(p) for p in loc) or "body", reason=reason)


def _refused_parameters(request: Request) -> list[FieldError]:
    """Return the path and query parameters a database cannot take: a NUL in a text, a whole
    number beyond 64 bits (what PostgreSQL refuses when a route let one through)."""
    out = []
    items = [*request.path_params.items(), *request.query_params.multi_items()]
    for name, value in items:
        text = str(value)
        if "\x00" in text:
            out.append(FieldError(name, "có ký tự điều khiển (U+0000) không được phép"))
        elif text.lstrip("-").isdigit() and abs(int(text)) > 2**63 - 1:
            out.append(FieldError(name, "số quá lớn"))
    return out


def install(app: FastAPI) -> None:
    """Register the handlers that turn errors into problems or pages."""

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        headers = retry_headers(exc)
        if is_api(request):
            return problem(exc.status, exc.detail, [e.as_dict() for e in exc.errors], headers)
        return _page(request, exc.status, exc.detail, exc.errors, headers)

    @app.exception_handler(PoolTimeout)
    async def pool_timeout(request: Request, exc: PoolTimeout) -> Response:
        # Every database connection stayed in use for the bounded wait (TINHSO_DB_POOL_TIMEOUT):
        # the request had no turn; it did nothing and may be sent again.
        return await app_error(request, Busy(POOL_BUSY))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [_field_error(err) for err in exc.errors()]
        detail = "yêu cầu có trường không hợp lệ"
        if is_api(request):
            return problem(422, detail, [e.as_dict() for e in errors])
        return _page(request, 422, detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # The libraries' own details are English; a person reads Vietnamese.
        detail = http_detail(exc.status_code, exc.detail)
        headers = dict(exc.headers or {})
        if is_api(request):
            return problem(exc.status_code, detail, headers=headers)
        return _page(request, exc.status_code, detail, [], headers=headers)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        # A value the database itself refuses (PostgreSQL: a NUL character in a text, a number
        # out of its type's range), wherever it came from: the caller's input, not a fault here.
        detail = "giá trị gửi lên không hợp lệ (có ký tự không được phép hoặc vượt giới hạn)"
        errors = _refused_parameters(request)
        if is_api(request):
            return problem(422, detail, [e.as_dict() for e in errors])
        return _page(request, 422, detail, errors)

    @app.exception_handler(OperationalError)
    async def operational_error(request: Request, exc: OperationalError) -> Response:
        # The database stayed locked by another writer (a long CLI import on SQLite, a lock
        # held on PostgreSQL) beyond the bounded wait: busy, try again; nothing was written.
        if not is_busy(exc):
            raise exc
        headers = {"Retry-After": str(BUSY_RETRY_SECONDS)}
        if is_api(request):
            return problem(503, BUSY, headers=headers)
        return _page(request, 503, BUSY, [], headers=headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
