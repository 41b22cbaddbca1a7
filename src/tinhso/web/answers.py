"""Finished JSON answers kept per route, query and caller's scope, served while current.

Fifty readers asking for the province's DTI do not need it built fifty times: the answer —
the figures, the caller's units in them, the JSON bytes and their gzip copy — is the same for
every caller with the same scope while what it is worked out from has not changed. A route
names that *version* (the analytics copy's state, the audit log's head, the day…, each domain
says in its ``service.py``) and a ``build`` of the answer; a request whose version matches
the kept one costs a dictionary look-up, and a repeat visit that sends the ETag gets 304.

When the version moved (an import's rows landed), one rebuild runs for all callers (single
flight). A caller waits for it up to ``fresh_wait`` seconds; past that it gets the answer as it
stood, for at most ``stale_seconds`` after a request first found it superseded
(stale-while-revalidate, RFC 5861), marked ``Cache-Status: tinhso; hit; fwd=stale``
(RFC 9211) with its ``Age`` (seconds since it was built). So a recomputation over 1.5 M
dossiers after a sync holds up no reader, and a superseded answer is served for a bounded
time only. With none to fall back on, the caller builds in its own thread and session: the
small pool (2 threads) only runs rebuilds behind kept answers, so a slow rebuild never holds
up another route's first answer.

Why our own: the libraries that cache HTTP responses for Starlette key on the URL alone; here
the key must hold the caller's scope and the version must be worked out by the domain before
anything is built, and the rebuild must run once, off the request. It is a few dozen lines on
the standard library's ``concurrent.futures``.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tinhso.db import Database
from tinhso.errors import Busy
from tinhso.web.plainjson import PlainJSON

log = logging.getLogger(__name__)

# Bodies smaller than this are sent as they are: gzip would gain less than its headers.
GZIP_MIN = 1024
# How long a caller waits for a first answer (none kept) another caller is building.
BUILD_WAIT = 60.0
BUSY = "hệ thống đang bận tính số liệu này, vui lòng thử lại sau ít phút"


@dataclass
class _Kept:
    version: Hashable
    body: bytes
    etag: str
    built: float
    gz: bytes | None = None
    # When the build that made it began (monotonic): an older build never replaces it.
    began: float = 0.0
    # When a request first found the version moved (monotonic), None while current.
    superseded: float | None = None
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.body) + len(self.gz or b"")


def _encode(content: Any) -> tuple[bytes, bytes | None, str]:
    body = bytes(PlainJSON(content).body)
    gz = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN else None
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    return body, gz, etag


class Answers:
    """The kept answers of one application, bounded in bytes (least recently used go first)."""

    def __init__(
        self,
        db: Database,
        *,
        max_bytes: int = 128 * 1024 * 1024,
        fresh_wait: float = 0.25,
        stale_seconds: float = 60.0,
        workers: int = 2,
    ) -> None:
        self.db = db
        self.max_bytes = max_bytes
        self.fresh_wait = fresh_wait
        self.stale_seconds = stale_seconds
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._bytes = 0
        self._building: dict[tuple[Hashable, Hashable], tuple[Future[_Kept], float]] = {}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="tinhso-answer")
        # Counts for the record and the tests.
        self.builds = 0
        self.stale_served = 0

    def close(self) -> None:
        """Stop the builders (waiting for none); whoever waits for a build not started is told
        "busy" at once rather than at the end of the bounded wait."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            waiting = [f for f, _b in self._building.values() if not f.done()]
        for future in waiting:  # builds that will not run now; a running one ends as it may
            _settle(future, error=Busy(BUSY))

    def clear(self) -> None:
        """Forget every kept answer."""
        with self._lock:
            self._kept.clear()
            self._bytes = 0

    def respond(
        self,
        request: Request,
        session: Session,
        scope: Hashable,
        version: Hashable,
        build: Callable[[Session], Any],
    ) -> Response:
        """Answer ``request`` with ``build(session)`` as JSON, kept for callers of the same
        ``scope`` while ``version`` holds.

        With no answer to fall back on, the caller builds in its own thread and ``session``
        (others asking meanwhile wait for it); a rebuild behind a kept answer runs on the
        small pool, in a session of its own, while callers get the kept one."""
        # Sorted on the name only: FastAPI takes the last of a repeated parameter, so the
        # order of one name's values is part of the question.
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        key = (request.url.path, tuple(sorted(pairs, key=lambda kv: kv[0])), scope)
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                if kept.version == version:
                    return self._response(request, kept, now, stale=False)
                if kept.superseded is None:
                    kept.superseded = now
        usable = kept is not None and now - (kept.superseded or now) < self.stale_seconds
        if not usable:
            return self._response(request, self._build_here(key, version, build, session), now)
        future, began = self._build(key, version, build)
        # The rebuild's own wait, not each caller's: those who join a rebuild that has run
        # for ``fresh_wait`` already get the answer as it stood at once.
        try:
            fresh = future.result(timeout=max(0.0, self.fresh_wait - (now - began)))
        except FutureTimeout:
            assert kept is not None
            with self._lock:
                self.stale_served += 1
            return self._response(request, kept, now, stale=True)
        return self._response(request, fresh, time.monotonic())

    def _build_here(
        self, key: Hashable, version: Hashable, build: Callable[[Session], Any], session: Session
    ) -> _Kept:
        """Build in the caller's thread, or wait (bounded) for the same build already running."""
        mine, began, new = self._claim(key, version)
        if not new:
            try:
                return mine.result(timeout=BUILD_WAIT)
            except FutureTimeout:
                raise Busy(BUSY) from None
        return self._finish(key, version, mine, began, lambda: build(session))

    def _finish(
        self,
        key: Hashable,
        version: Hashable,
        future: Future[_Kept],
        began: float,
        content: Callable[[], Any],
    ) -> _Kept:
        """Run a claimed build: keep its answer and give it (or its error) to those waiting."""
        try:
            kept = self._made(version, content())
        except BaseException as exc:
            _settle(future, error=exc)
            raise
        else:
            self._keep(key, kept, began)
            _settle(future, kept)
            return kept
        finally:
            with self._lock:
                self._building.pop((key, version), None)

    def _claim(self, key: Hashable, version: Hashable) -> tuple[Future[_Kept], float, bool]:
        """Return the build of ``key`` at ``version`` in progress, when it began, and whether
        the caller has just claimed it (and must run it)."""
        with self._lock:
            running = self._building.get((key, version))
            if running is not None:
                return running[0], running[1], False
            future: Future[_Kept] = Future()
            began = time.monotonic()
            self._building[(key, version)] = (future, began)
            self.builds += 1
            return future, began, True

    @staticmethod
    def _made(version: Hashable, content: Any) -> _Kept:
        body, gz, etag = _encode(content)
        return _Kept(version, body, etag, time.monotonic(), gz)

    def _build(
        self, key: Hashable, version: Hashable, build: Callable[[Session], Any]
    ) -> tuple[Future[_Kept], float]:
        """Return the one build of ``key`` at ``version`` (started on the pool if none runs)
        and when it began."""
        future, began, new = self._claim(key, version)
        if not new:
            return future, began

        def run() -> None:
            try:
                with self.db.session() as session:
                    self._finish(key, version, future, began, lambda: build(session))
            except BaseException as exc:  # its waiters get the error (a session not had too)
                _settle(future, error=exc)
                with self._lock:
                    self._building.pop((key, version), None)

        try:
            self._pool.submit(run)
        except RuntimeError:  # shutting down
            with self._lock:
                self._building.pop((key, version), None)
            _settle(future, error=Busy(BUSY))
        return future, began

    def _keep(self, key: Hashable, kept: _Kept, began: float) -> None:
        with self._lock:
            old = self._kept.get(key)
            if old is not None and old.began > began:
                return  # a later build (of a newer version) finished first: keep it
            if old is not None:
                del self._kept[key]
                self._bytes -= old.size
            kept.began = began
            if kept.size > self.max_bytes:
                return
            self._kept[key] = kept
            self._bytes += kept.size
            while self._bytes > self.max_bytes:
                _k, gone = self._kept.popitem(last=False)
                self._bytes -= gone.size

    @staticmethod
    def _response(request: Request, kept: _Kept, now: float, *, stale: bool = False) -> Response:
        headers = {"ETag": kept.etag, "Vary": "Accept-Encoding"}
        if stale:
            headers["Cache-Status"] = "tinhso; hit; fwd=stale"
            headers["Age"] = str(int(now - kept.built))
        sent = request.headers.get("if-none-match", "")
        if kept.etag in {t.strip().removeprefix("W/") for t in sent.split(",")}:
            return Response(status_code=304, headers=headers)
        if kept.gz is not None and _accepts_gzip(request.headers.get("accept-encoding", "")):
            headers["Content-Encoding"] = "gzip"
            return Response(kept.gz, media_type="application/json", headers=headers)
        return Response(kept.body, media_type="application/json", headers=headers)


def _settle(
    future: Future[_Kept], result: _Kept | None = None, error: BaseException | None = None
) -> None:
    """Give ``future`` its result or error unless it has one already (a shutdown told its
    waiters "busy" first)."""
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]
    except InvalidStateError:
        pass


def _accepts_gzip(header: str) -> bool:
    """Return True when Accept-Encoding admits gzip (``gzip;q=0`` refuses it)."""
    for item in header.lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            try:
                return not params.strip() or float(q) > 0
            except ValueError:
                return False
    return False


def answers_of(request: Request) -> Answers:
    """Return the application's kept answers."""
    answers: Answers = request.app.state.answers
    return answers
