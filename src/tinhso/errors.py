"""Errors a caller can cause, each carrying what the user needs to fix it (in Vietnamese)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One refused value: where it is (row, sheet, cell, field) and why."""

    field: str
    reason: str
    row: int | None = None
    sheet: str | None = None
    cell: str | None = None
    value: str | None = None
    # What a person calls the field when ``field`` is a code they would not know (a data
    # element's name for "XA_TO_CNS_TONG"); shown instead of the code.
    label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the error without its empty parts, for JSON."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"trang {self.sheet}")
        if self.row is not None:
            where.append(f"dòng {self.row}")
        if self.cell:
            where.append(f"ô {self.cell}")
        where.append(self.label or f"cột {self.field}")
        return f"{', '.join(where)}: {self.reason}"


class AppError(Exception):
    """Base of the errors a user can cause; ``status`` is the HTTP status it maps to."""

    status = 400
    title = "Yêu cầu không hợp lệ"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class InvalidInput(AppError):
    """The input was refused; ``errors`` names each row, field and reason."""

    status = 422
    title = "Dữ liệu không hợp lệ"


class Unauthenticated(AppError):
    """No valid credentials came with the request (HTTP 401)."""

    status = 401
    title = "Chưa đăng nhập"


class NotFound(AppError):
    """Missing, or outside the caller's scope: the two are not told apart."""

    status = 404
    title = "Không tìm thấy"


class Forbidden(AppError):
    """The caller's role does not allow the operation."""

    status = 403
    title = "Không có quyền"


class Conflict(AppError):
    """The change clashes with what is stored (a duplicate code, a record in use)."""

    status = 409
    title = "Xung đột dữ liệu"


class TooManyRequests(AppError):
    """Too many attempts; try again later."""

    status = 429
    title = "Quá nhiều yêu cầu"
    # Seconds to wait, sent as Retry-After.
    retry_after: int | None = None


class Busy(AppError):
    """The server had no turn for the request within its bounded wait (HTTP 503 with
    Retry-After): nothing was done, try again shortly."""

    status = 503
    title = "Hệ thống đang bận"
    retry_after = 5
