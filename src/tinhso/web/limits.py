"""A bound on every request body, at the ASGI layer: nothing reaches a route, the event fast
path or a form parser unbounded.

An uploaded file (``multipart/form-data``) may be as large as ``TINHSO_UPLOAD_MAX_MB``; any
other body (a JSON batch, a form) as ``TINHSO_BODY_MAX_MB``. A declared ``Content-Length`` over
the bound is answered 413 before a byte is read; a body sent without one (chunked) is counted as
it streams and refused the moment it passes the bound. The refusal is an HTTP exception of
status 413, so FastAPI's body parsing lets it through to the problem handler unchanged; when it
escapes a reader that is not FastAPI's (the event fast path), it is answered here.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tinhso.fmt import vn_number

MIB = 1 << 20


class BodyTooLarge(HTTPException):
    """The request body passed its bound (HTTP 413)."""

    def __init__(self, limit: int, upload: bool) -> None:
        what = "tệp tải lên" if upload else "nội dung yêu cầu"
        advice = (
            "hãy chia tệp nhỏ hơn hoặc dùng lệnh nhập của tinhso trên máy chủ"
            if upload
            else "hãy chia thành nhiều lần gửi nhỏ hơn"
        )
        super().__init__(413, f"{what} lớn hơn giới hạn {vn_number(limit / MIB)} MB; {advice}")


def _declared_length(scope: Scope) -> tuple[int | None, bool]:
    """Return the declared Content-Length (None when absent or unreadable) and whether the
    body is an upload."""
    length: int | None = None
    upload = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
        elif name == b"content-type":
            upload = value.split(b";", 1)[0].strip().lower() == b"multipart/form-data"
    return length, upload


class BodyLimit:
    """Pure ASGI middleware bounding the request body (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, body_max: int, upload_max: int) -> None:
        self.app = app
        self.body_max = body_max
        self.upload_max = upload_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, upload = _declared_length(scope)
        limit = self.upload_max if upload else self.body_max
        if length is not None and length > limit:
            await _refuse(scope, send, BodyTooLarge(limit, upload))
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit, upload)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as exc:
            if started:
                raise
            await _refuse(scope, send, exc)


async def _refuse(scope: Scope, send: Send, exc: BodyTooLarge) -> None:
    """Answer 413 (a problem on the API, a short Vietnamese page elsewhere) and close the
    connection: the rest of the body is not read."""
    from tinhso.web.problems import refusal

    answer = refusal(scope["path"], 413, exc.detail, {"Connection": "close"})

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await answer(scope, nothing, send)
