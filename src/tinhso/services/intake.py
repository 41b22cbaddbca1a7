"""Group commit of event pushes: many concurrent requests, one transaction.

Each ``POST /api/v1/dossiers/{code}/events`` hands its (already checked) event to the intake
and waits. One writer thread takes everything that is waiting, up to ``BATCH_MAX``,
authenticates the callers, records the events set by set (:func:`service.push_events`) in one
transaction, and answers each request only once that transaction has committed: a client told
201 can rely on its event being stored. While a batch commits the next one gathers, so under
load the cost of a transaction (the SQLite writer lock, the WAL append, PostgreSQL's round
trips) is shared by many events, and with a single client it is exactly one event per
transaction, as before.

If a batch fails as a whole (a value the database refuses, say), it is rolled back and its
pushes are recorded one by one, each in its own transaction, so that one bad event refuses
itself and nothing else.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tinhso.accounts import service as accounts
from tinhso.accounts.scope import Principal
from tinhso.db import Database
from tinhso.errors import AppError, Unauthenticated
from tinhso.services import service
from tinhso.services.schemas import DossierPublic, EventPublic, EventResult
from tinhso.workdays import WorkCalendar

log = logging.getLogger(__name__)

BATCH_MAX = 256
UNAUTHENTICATED = "mã truy cập không hợp lệ, đã bị thu hồi hoặc tài khoản đã bị khóa"


@dataclass(frozen=True)
class Caller:
    """Who pushes: a bearer secret to check in the writer, or a principal already resolved
    (a signed-in browser, checked with its CSRF token by the route)."""

    secret: str | None = None
    ip: str = "-"
    principal: Principal | None = None


@dataclass
class Push:
    """A queued event and the future its request waits on."""

    caller: Caller
    code: str
    event: service.EventInput
    future: Future[tuple[bool, EventResult]]


class EventIntake:
    """The writer thread of one database's event pushes (one per application)."""

    def __init__(self, db: Database, calendar: WorkCalendar) -> None:
        self.db = db
        self.calendar = calendar
        self._queue: queue.SimpleQueue[Push | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(
        self, caller: Caller, code: str, event: service.EventInput
    ) -> Future[tuple[bool, EventResult]]:
        """Queue an event; the future gives (whether it was new, the answer) after the commit,
        or raises the error that refuses it."""
        future: Future[tuple[bool, EventResult]] = Future()
        self._start()
        self._queue.put(Push(caller, code, service.checked_event(event), future))
        return future

    def close(self) -> None:
        """Answer what is queued, then stop the writer."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="tinhso-event-intake", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < BATCH_MAX:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            try:
                self.record(batch)
            except BaseException as exc:  # pragma: no cover - the writer must answer everyone
                log.exception("event intake: batch failed")
                for push in batch:
                    if not push.future.done():
                        push.future.set_exception(exc)
            if stop:
                return

    def record(self, batch: list[Push]) -> None:
        """Record a batch in one transaction and answer each push (the writer's step, public so
        that a batch can be given whole)."""
        try:
            with self.db.session() as session:
                answers = self._answers(session, batch)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].future.set_exception(exc)
            else:
                log.warning("event intake: a batch of %d failed, recording one by one", len(batch))
                for push in batch:
                    self.record([push])
            return
        for push, answer in zip(batch, answers, strict=True):
            if isinstance(answer, BaseException):
                push.future.set_exception(answer)
            else:
                push.future.set_result(answer)

    def _answers(
        self, session: Session, batch: list[Push]
    ) -> list[tuple[bool, EventResult] | AppError]:
        principals: dict[tuple[str, str], Principal | AppError | None] = {}
        for push in batch:
            c = push.caller
            if c.principal is None and c.secret is not None and (c.secret, c.ip) not in principals:
                try:
                    found = accounts.principal_for_token(session, c.secret, c.ip)
                except AppError as waiting:  # the address sent too many wrong tokens
                    principals[(c.secret, c.ip)] = waiting
                else:
                    principals[(c.secret, c.ip)] = found
        answers: list[tuple[bool, EventResult] | AppError | None] = [None] * len(batch)
        pushes: list[service.EventPush] = []
        where: list[int] = []
        for i, push in enumerate(batch):
            c = push.caller
            principal = c.principal or principals.get((c.secret or "", c.ip))
            if isinstance(principal, AppError):
                answers[i] = principal
                continue
            if principal is None:
                answers[i] = Unauthenticated(UNAUTHENTICATED)
                continue
            pushes.append(service.EventPush(principal, push.code, push.event))
            where.append(i)
        done = service.push_events(session, pushes, self.calendar)
        for i, outcome in zip(where, done.outcomes, strict=True):
            if isinstance(outcome, AppError):
                answers[i] = outcome
                continue
            dossier, new = outcome
            body = DossierPublic.model_validate(dossier)
            body.events = [EventPublic.model_validate(e) for e in done.events.get(dossier.id, [])]
            answers[i] = (new, EventResult(changed=new, dossier=body))
        return [a for a in answers if a is not None]
