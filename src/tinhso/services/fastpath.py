"""The busiest route answered at the ASGI layer: a system's event push with a bearer token.

``POST /api/v1/dossiers/{code}/events`` is what one-stop-shop systems call for every status
change. Through FastAPI each call walks the routing, dependency and validation machinery,
which on two cores costs more interpreter time than recording the event does (the writer
shares the interpreter lock with the server). This middleware takes the common case — a bearer
token, a well-formed JSON body — straight to the event intake and writes the answer itself,
with the same models (:class:`EventCreate` in, :class:`EventResult` out) as the route.

Everything else goes to the application unchanged: a browser (cookie and CSRF token), a body
that does not validate, an unexpected failure. The body already read is handed on, and the route
answers as it always has. A refusal of the intake (unknown dossier, conflicting event, bad token,
impossible time) is answered here with the problem document the application's handler writes
(``web.problems.problem``), so the event is not submitted twice. The checks themselves are shared
(``service.checked_event``, the intake); what the route does on top of them (a header it reads, a
parameter) must be done here too.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tinhso.errors import AppError, InvalidInput
from tinhso.services import service
from tinhso.services.intake import Caller, EventIntake
from tinhso.services.schemas import EventCreate
from tinhso.web.problems import problem, retry_headers

PATH = re.compile(r"/api/v1/dossiers/([^/]+)/events")
_JSON = [(b"content-type", b"application/json")]


class EventFastPath:
    """Pure ASGI middleware: bearer-token event pushes to the intake, the rest to ``app``."""

    def __init__(self, app: ASGIApp, intake: Callable[[], EventIntake]) -> None:
        self.app = app
        self.intake = intake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            PATH.fullmatch(_route_path(scope))
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        secret = _bearer(scope) if match else None
        if match is None or secret is None:
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        answer = None if more is None else await self._answer(scope, match[1], secret, body)
        if answer is None:  # the route answers: with the body already read handed on
            await self.app(scope, _replay(body, more, receive), send)
        elif isinstance(answer, AppError):
            errors = [e.as_dict() for e in answer.errors]
            wait = retry_headers(answer)
            await problem(answer.status, answer.detail, errors, wait)(scope, receive, send)
        else:
            status, payload = answer
            headers = [*_JSON, (b"content-length", str(len(payload)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})

    async def _answer(
        self, scope: Scope, code: str, secret: str, body: bytes
    ) -> tuple[int, bytes] | AppError | None:
        """Return (status, JSON) of a recorded push, the intake's refusal, or None to let the
        route answer."""
        try:
            data = EventCreate.model_validate_json(body)
            event = service.checked_event(
                service.EventInput(data.event_id, data.ts, data.status, data.note)
            )
        except (ValidationError, InvalidInput):
            return None
        client = scope.get("client")
        caller = Caller(secret=secret, ip=client[0] if client else "-")
        try:
            new, result = await asyncio.wrap_future(self.intake().submit(caller, code, event))
        except AppError as refused:
            return refused
        except Exception:  # a failure (the database): the route tries again and says why
            return None
        return (201 if new else 200), result.model_dump_json().encode()


def _route_path(scope: Scope) -> str:
    """Return the path the routes see: without the mount point (``root_path``), if any."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _bearer(scope: Scope) -> str | None:
    """Return the bearer token of a JSON request, or None. The first of a repeated header counts,
    as it does for the route (``request.headers.get``)."""
    auth: bytes | None = None
    kind: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"authorization" and auth is None:
            auth = value
        elif name == b"content-type" and kind is None:
            kind = value
    if auth is None or kind is None:
        return None
    if kind.split(b";", 1)[0].strip().lower() != b"application/json":
        return None
    scheme, _, token = auth.decode("latin-1").partition(" ")
    token = token.strip()
    return token if token and scheme.lower() == "bearer" else None


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """Return the request body and how the stream ended (None: the client went away)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), message


def _replay(body: bytes, last: Message | None, receive: Receive) -> Receive:
    """Return a receive that gives the body read already, then the original stream."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if last is None:
                return {"type": "http.disconnect"}
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
