"""Admission: at most as many requests at work as there are threads and connections for them.

A request holds a database connection from its first dependency (the caller's token) to its
answer, while it also waits, between its dependencies and its handler, for one of the worker
threads. With more requests in flight than threads, connections are held by requests that
wait for a thread, and the requests that have a thread wait for a connection: the pool runs
dry ("QueuePool limit … reached", a 500) although the server is only busy. Admitting at most
``TINHSO_THREADS`` requests at once, the others waiting their turn here in arrival order,
keeps the pool (one connection per thread, see db.py) sufficient. A request that had no turn
within the bounded wait (``TINHSO_DB_POOL_TIMEOUT``) is answered 503 with Retry-After; it did
nothing and may be sent again.

Static files and the health check are not counted: they take no connection of the pool. Nor
is the operations centre's event stream: it holds a connection only while the caller is
recognised, then waits for news for as long as the page is open (bounded per user, see
ioc/live.py), and would otherwise keep a turn for hours.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from tinhso.errors import Busy
from tinhso.web.problems import POOL_BUSY, refusal

FREE = ("/static/", "/healthz", "/ioc/events")


class Admission:
    """Pure ASGI middleware: a bounded queue in front of the application's request threads."""

    def __init__(self, app: ASGIApp, limit: int, wait: float) -> None:
        self.app = app
        self.limit = limit
        self.wait = wait
        self._slots: asyncio.Semaphore | None = None
        # Requests refused for want of a turn (for the record and the tests).
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(FREE):
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # made in the server's event loop
            self._slots = asyncio.Semaphore(self.limit)
        slots = self._slots
        try:
            await asyncio.wait_for(slots.acquire(), self.wait)
        except TimeoutError:
            self.refused += 1
            headers = {"Retry-After": str(Busy.retry_after)}
            await refusal(scope["path"], 503, POOL_BUSY, headers)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()
