"""The event intake: many pushes in one transaction, each answered on its own."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.services import data
from tests.world import World
from tinhso.errors import Conflict, NotFound, Unauthenticated
from tinhso.services import intake as intake_mod
from tinhso.services import service
from tinhso.services.intake import Caller, EventIntake, Push
from tinhso.services.models import Dossier, DossierEvent
from tinhso.workdays import WorkCalendar


def _push(caller: Caller, code: str, event_id: str, ts: str, status: int, note: str = "") -> Push:
    event = service.checked_event(
        service.EventInput(event_id, datetime.fromisoformat(ts), status, note)
    )
    return Push(caller, code, event, Future())


def _events(world: World, code: str) -> list[tuple[str, int]]:
    with world.db.session() as s:
        return [
            (e.event_id, e.status)
            for e in s.scalars(
                select(DossierEvent)
                .join(Dossier, Dossier.id == DossierEvent.dossier_id)
                .where(Dossier.code == code)
                .order_by(DossierEvent.ts)
            )
        ]


def test_one_batch_answers_each_push_on_its_own(world: World) -> None:
    data.load(world)
    system = Caller(secret=world.tokens["system12"], ip="10.0.0.1")
    batch = [
        _push(system, "D4", "e-9", "2025-07-25T10:00:00+07:00", 9),  # new
        _push(system, "D4", "e-5", "2025-07-22T10:00:00+07:00", 5),  # new, older, same batch
        _push(system, "D4", "e-9", "2025-07-25T10:00:00+07:00", 9),  # repeat in the batch
        _push(system, "D4", "e-9", "2025-07-25T10:00:00+07:00", 10),  # same id, other content
        _push(system, "KHONG-CO", "e-1", "2025-07-25T10:00:00+07:00", 9),  # no such dossier
        _push(
            Caller(secret="tsk_sai_ma", ip="10.0.0.2"), "D4", "e-7", "2025-07-25T10:00:00+07:00", 9
        ),
        # Another agency's system: Sở KH&CN's officer cannot send events for Đoàn Kết's dossiers.
        _push(
            Caller(secret=world.tokens["officer_so"]), "D1", "e-x", "2025-07-25T10:00:00+07:00", 9
        ),
    ]
    EventIntake(world.db, WorkCalendar.default()).record(batch)
    new, result = batch[0].future.result()
    assert new and result.changed
    # Both events of the batch derive D4 once: done on the 25th, one supplement request of
    # 3 working days (22 → 25 July 2025: 23, 24, 25), never moved back by the older event.
    assert result.dossier.status == 9
    assert (result.dossier.supplement_count, result.dossier.supplement_days) == (1, 3)
    assert [e.event_id for e in result.dossier.events] == ["e-5", "e-9"]
    assert batch[1].future.result()[0] is True
    assert batch[2].future.result()[0] is False  # a repeat: 200, nothing changed
    for i, kind in ((3, Conflict), (4, NotFound), (5, Unauthenticated), (6, NotFound)):
        with pytest.raises(kind):
            batch[i].future.result()
    assert _events(world, "D4") == [("e-5", 5), ("e-9", 9)]
    assert _events(world, "D1") == []


def test_a_batch_that_fails_whole_is_recorded_one_by_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refusing one event must not refuse the others sent with it."""
    data.load(world)
    system = Caller(secret=world.tokens["system12"])
    real = service.push_events

    def refuse_note(session, pushes, calendar):  # type: ignore[no-untyped-def]
        if any(p.event.note == "hỏng" for p in pushes):
            raise ValueError("cơ sở dữ liệu từ chối giá trị")
        return real(session, pushes, calendar)

    monkeypatch.setattr(intake_mod.service, "push_events", refuse_note)
    batch = [
        _push(system, "D4", "a", "2025-07-23T10:00:00+07:00", 4),
        _push(system, "D4", "b", "2025-07-24T10:00:00+07:00", 4, note="hỏng"),
        _push(system, "D5", "c", "2025-07-24T10:00:00+07:00", 4),
    ]
    EventIntake(world.db, WorkCalendar.default()).record(batch)
    assert batch[0].future.result()[0] and batch[2].future.result()[0]
    with pytest.raises(ValueError):
        batch[1].future.result()
    assert _events(world, "D4") == [("a", 4)]
    assert _events(world, "D5") == [("c", 4)]


def test_a_refused_value_is_a_problem_for_that_push_only(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """A NUL in a note is refused (on both databases: PostgreSQL could not even store it);
    pushed together with good events, the good ones are stored and the bad one answered 422."""
    data.load(world)
    auth = world.auth("system12")
    answers: dict[str, int] = {}

    def send(event_id: str, note: str) -> None:
        r = client.post(
            "/api/v1/dossiers/D4/events",
            json={
                "event_id": event_id,
                "ts": "2025-07-23T10:00:00+07:00",
                "status": 4,
                "note": note,
            },
            headers=auth,
        )
        answers[event_id] = r.status_code

    threads = [threading.Thread(target=send, args=(f"ok-{i}", "")) for i in range(6)]
    threads.append(threading.Thread(target=send, args=("nul", "a\x00b")))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers.pop("nul") == 422
    assert set(answers.values()) == {201}
    stored = sorted(e for e, _ in _events(world, "D4"))
    assert stored == sorted(f"ok-{i}" for i in range(6))


def test_concurrent_pushes_through_the_api_are_all_stored_once(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    auth = world.auth("system12")
    codes: list[int] = []
    lock = threading.Lock()

    def send(k: int) -> None:
        for i in range(10):
            r = client.post(
                "/api/v1/dossiers/D4/events",
                # Every client sends event "same" too: one 201, the rest 200.
                json={
                    "event_id": f"c{k}-{i}" if i else "same",
                    "ts": f"2025-07-{22 + i % 3}T10:00:00+07:00",
                    "status": 4,
                },
                headers=auth,
            )
            with lock:
                codes.append(r.status_code)

    threads = [threading.Thread(target=send, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] * 5 + [201] * 55
    with world.db.session() as s:
        stored = s.scalar(
            select(func.count())
            .select_from(DossierEvent)
            .join(Dossier, Dossier.id == DossierEvent.dossier_id)
            .where(Dossier.code == "D4")
        )
    assert stored == 55


def test_a_reception_in_the_batch_counts_for_the_steps_after_it(world: World) -> None:
    """D4 is stored as received on 21/7 08:00. A batch brings a reception on 20/7 08:00 and a
    processing step on 20/7 09:00: judged as if sent one after the other, both are accepted; a
    step before any reception (19/7) is refused alone, with its reason, and not written."""
    from tinhso.errors import InvalidInput

    data.load(world)
    system = Caller(secret=world.tokens["system12"], ip="10.0.0.1")
    batch = [
        _push(system, "D4", "r-2", "2025-07-20T08:00:00+07:00", 2),
        _push(system, "D4", "r-4", "2025-07-20T09:00:00+07:00", 4),
        _push(system, "D4", "r-0", "2025-07-19T09:00:00+07:00", 4),
    ]
    EventIntake(world.db, WorkCalendar.default()).record(batch)
    assert batch[0].future.result()[0] and batch[1].future.result()[0]
    with pytest.raises(InvalidInput) as exc:
        batch[2].future.result()
    assert exc.value.errors[0].reason == "thời điểm trước ngày tiếp nhận hồ sơ (20/07/2025 08:00)"
    assert _events(world, "D4") == [("r-2", 2), ("r-4", 4)]
    assert (
        batch[1].future.result()[1].dossier.received_at.isoformat() == "2025-07-20T01:00:00+00:00"
    )
