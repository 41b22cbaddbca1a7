"""Turning errors into RFC 9457 problem documents (API) or Vietnamese error pages."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tinhso.errors import AppError, FieldError
from tinhso.web.deps import LoginRequired
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
    422: "Dữ liệu không hợp lệ",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
}

VIETNAMESE_DETAILS = {
    404: "không tìm thấy địa chỉ này",
    405: "địa chỉ này không nhận phương thức yêu cầu đã gửi",
    413: "nội dung gửi lên quá lớn",
}
ENGLISH_PHRASES = {s.phrase for s in HTTPStatus}

PYDANTIC_REASONS = {
    "missing": "bắt buộc phải có",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "date_from_datetime_parsing": "ngày không hợp lệ (dùng dạng YYYY-MM-DD)",
    "date_parsing": "ngày không hợp lệ (dùng dạng YYYY-MM-DD)",
    "string_type": "phải là chuỗi ký tự",
    "string_too_long": "quá dài",
    "string_too_short": "quá ngắn",
    "literal_error": "giá trị không nằm trong danh sách cho phép",
    "enum": "giá trị không nằm trong danh sách cho phép",
    "json_invalid": "JSON không hợp lệ",
    "extra_forbidden": "trường này không được phép",
    "greater_than_equal": "giá trị quá nhỏ",
    "less_than_equal": "giá trị quá lớn",
    "model_attributes_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
}


def is_api(request: Request) -> bool:
    """Return True for API routes (JSON problems) rather than pages (HTML)."""
    return request.url.path.startswith("/api/")


def problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> JSONResponse:
    """Return a problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": STATUS_TITLES.get(status, "Lỗi"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _page(request: Request, status: int, detail: str, errors: list[FieldError]) -> Response:
    return render(
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


def install(app: FastAPI) -> None:
    """Register the handlers that turn errors into problems or pages."""

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        if is_api(request):
            return problem(exc.status, exc.detail, [e.as_dict() for e in exc.errors])
        return _page(request, exc.status, exc.detail, exc.errors)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            reason = PYDANTIC_REASONS.get(str(err.get("type")), str(err.get("msg", "không hợp lệ")))
            errors.append(FieldError(field=".".join(loc) or "body", reason=reason))
        detail = "yêu cầu có trường không hợp lệ"
        if is_api(request):
            return problem(422, detail, [e.as_dict() for e in errors])
        return _page(request, 422, detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own details are English HTTP phrases; say them in Vietnamese.
        detail = VIETNAMESE_DETAILS.get(exc.status_code, STATUS_TITLES.get(exc.status_code, "lỗi"))
        if isinstance(exc.detail, str) and exc.detail not in ENGLISH_PHRASES:
            detail = exc.detail
        if is_api(request):
            return problem(exc.status_code, detail)
        return _page(request, exc.status_code, detail, [])

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        # A value the database itself refuses (PostgreSQL: a NUL character in a text, a number
        # out of its type's range), wherever it came from: the caller's input, not a fault here.
        detail = "giá trị gửi lên không hợp lệ (có ký tự không được phép hoặc vượt giới hạn)"
        if is_api(request):
            return problem(422, detail)
        return _page(request, 422, detail, [])

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
