"""Single-flight: concurrent requests for the same figure share one computation.

Fifty readers asking for the same 766 year at once would otherwise compute it fifty times,
one after another on the analytics copy's lock. Here the first caller of a key computes; the
others wait for its result, a bounded time, and get the same value (or the same error). A
few dozen lines on the standard library's ``Future``; no well-kept Python library offers this
for threads (Go has ``golang.org/x/sync/singleflight``), see docs/architecture.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Generic, TypeVar

from tinhso.errors import Busy

V = TypeVar("V")
# How long a request waits for a computation another request is running for it.
WAIT_SECONDS = 60.0


class SingleFlight(Generic[V]):
    """Run one computation per key at a time; callers of a key in flight share its result."""

    def __init__(self, wait: float = WAIT_SECONDS) -> None:
        self.wait = wait
        self._lock = threading.Lock()
        self._calls: dict[Hashable, Future[V]] = {}
        # Computations run (not shared), for the record and the tests.
        self.runs = 0

    def do(self, key: Hashable, compute: Callable[[], V]) -> V:
        """Return ``compute()``, or the result of the same key's computation already running."""
        with self._lock:
            running = self._calls.get(key)
            if running is None:
                mine: Future[V] = Future()
                self._calls[key] = mine
                self.runs += 1
        if running is not None:
            try:
                return running.result(timeout=self.wait)
            except FutureTimeout:
                raise Busy(
                    "hệ thống đang bận tính số liệu này, vui lòng thử lại sau ít phút"
                ) from None
        try:
            value = compute()
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        else:
            mine.set_result(value)
            return value
        finally:
            with self._lock:
                del self._calls[key]
