"""Live dashboards: one watcher per server process reads what the domains hold every
``INTERVAL`` seconds (:func:`tinhso.ioc.service.data_version`, cheap); when it moves, it
evaluates the alerts and tells every open page, through server-sent events, that the figures
changed — the page then fetches its tiles again (HTMX's SSE extension). At most one stream per
open page, and at most ``MAX_PER_USER`` per user; each stream sends a comment every 15 s so
that proxies keep it open and a closed page is noticed."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from tinhso.lake import Lake

INTERVAL = 2.0
MAX_PER_USER = 4
PING = 15


class Watcher:
    """Reads the data version and wakes the streams when it moves."""

    def __init__(self, lake: Lake, province_code: str, closing: threading.Event) -> None:
        self.lake = lake
        self.province_code = province_code
        self.closing = closing
        self.generation = 0
        self._version: object = None
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.streams: dict[int, int] = {}  # user id -> open streams
        self.lock = threading.Lock()
        self.token = ""  # of the version last read
        self._ready = asyncio.Event()

    def start(self) -> None:
        """Start watching in the running event loop (once)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def _read(self) -> object:
        from tinhso.ioc import alerts
        from tinhso.ioc import service as ioc

        version = ioc.data_version(self.lake)
        if version != self._version:
            alerts.maybe_evaluate(self.lake, province_code=self.province_code, version=version)
        return version

    async def _run(self) -> None:
        while not self.closing.is_set():
            try:
                version = await run_in_threadpool(self._read)
            except Exception:
                version = self._version
            if self._version is not None and version != self._version:
                self.generation += 1
                self._changed.set()
                self._changed = asyncio.Event()
            self._version = version
            self.token = token(version)
            self._ready.set()
            await asyncio.sleep(INTERVAL)

    async def ready(self, timeout: float) -> None:
        """Wait for the first reading (bounded)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)

    async def wait(self, seen: int, timeout: float) -> int:
        """Return the generation once it differs from ``seen``, or after ``timeout``."""
        if self.generation != seen:
            return self.generation
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)
        return self.generation

    def enter(self, user: int) -> bool:
        """Count a new stream of the user; False when it already has ``MAX_PER_USER``."""
        with self.lock:
            if self.streams.get(user, 0) >= MAX_PER_USER:
                return False
            self.streams[user] = self.streams.get(user, 0) + 1
            return True

    def leave(self, user: int) -> None:
        """Count a stream of the user closed."""
        with self.lock:
            left = self.streams.get(user, 1) - 1
            if left > 0:
                self.streams[user] = left
            else:
                self.streams.pop(user, None)


def token(version: object) -> str:
    """Return a short name of a data version (what a page was drawn from)."""
    return hashlib.sha256(repr(version).encode()).hexdigest()[:16]


async def stream(
    watcher: Watcher, request: Any, user: int, drawn: str
) -> AsyncIterator[dict[str, str]]:
    """Yield a ``changed`` event each time the figures move, until the page closes — at once
    when they moved between the page's drawing (``drawn``) and the stream's opening."""
    try:
        await watcher.ready(10)
        seen = watcher.generation
        if drawn and watcher.token and drawn != watcher.token:
            yield {"event": "changed", "data": str(seen)}
        while not watcher.closing.is_set():
            now = await watcher.wait(seen, PING)
            if await request.is_disconnected():
                break
            if now != seen:
                seen = now
                yield {"event": "changed", "data": str(now)}
    finally:
        watcher.leave(user)
