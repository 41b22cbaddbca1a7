"""The event push answered at the ASGI layer: the same answers as the route, and every other
case (a browser, a bad body, a refusal) still answered by the route."""

from __future__ import annotations

import pytest

from tests.services import data
from tests.world import World
from tinhso.services import fastpath


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The status of each push the fast path answered itself (None: handed to the route)."""
    seen: list[int | None] = []
    original = fastpath.EventFastPath._answer

    async def spy(self, *args):  # type: ignore[no-untyped-def]
        out = await original(self, *args)
        seen.append(None if out is None else out[0])
        return out

    monkeypatch.setattr(fastpath.EventFastPath, "_answer", spy)
    return seen


def test_a_push_is_answered_like_the_route_would(client, world: World, answered) -> None:  # type: ignore[no-untyped-def]
    """201 then 200 for a repeat; the dossier in the answer is exactly what GET returns; the
    security headers are there as on every response."""
    data.load(world)
    auth = world.auth("system12")
    event = {"event_id": "fp-1", "ts": "2025-07-25T10:00:00+07:00", "status": 9}
    r = client.post("/api/v1/dossiers/D4/events", json=event, headers=auth)
    assert r.status_code == 201 and r.json()["changed"] is True
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in r.headers["cache-control"]
    stored = client.get("/api/v1/dossiers/D4", headers=auth).json()
    assert r.json()["dossier"] == stored
    again = client.post("/api/v1/dossiers/D4/events", json=event, headers=auth)
    assert again.status_code == 200 and again.json() == {"changed": False, "dossier": stored}
    assert answered == [201, 200]


@pytest.mark.parametrize(
    ("code", "body", "headers", "status"),
    [
        ("NOPE", {"event_id": "x", "ts": "2025-07-25T10:00:00+07:00", "status": 9}, None, 404),
        ("D4", {"event_id": "x", "ts": "2025-07-25T10:00:00", "status": 12}, None, 422),
        (
            "D4",
            {"event_id": "x", "ts": "2025-07-25T10:00:00+07:00", "status": 9, "y": 1},
            None,
            422,
        ),
        ("D4", {"event_id": " ", "ts": "2025-07-25T10:00:00+07:00", "status": 9}, None, 422),
        (
            "D4",
            {"event_id": "x", "ts": "2025-07-25T10:00:00+07:00", "status": 9},
            {"Authorization": "Bearer tinhso_sai_khong-hop-le"},
            401,
        ),
    ],
)
def test_what_it_does_not_record_is_answered_by_the_route(  # type: ignore[no-untyped-def]
    client, world: World, answered, code: str, body: dict, headers: dict | None, status: int
) -> None:
    """An unknown dossier, a body that does not validate, a bad token: the route's problem
    document (application/problem+json, in Vietnamese), the body handed on intact."""
    data.load(world)
    r = client.post(
        f"/api/v1/dossiers/{code}/events", json=body, headers=headers or world.auth("system12")
    )
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert answered == [None]
    if status == 422 and body["status"] == 12:
        assert {e["field"] for e in r.json()["errors"]} == {"status", "ts"}


def test_a_conflicting_repeat_is_a_conflict(client, world: World, answered) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    auth = world.auth("system12")
    event = {"event_id": "fp-2", "ts": "2025-07-25T10:00:00+07:00", "status": 9}
    assert client.post("/api/v1/dossiers/D4/events", json=event, headers=auth).status_code == 201
    r = client.post("/api/v1/dossiers/D4/events", json=event | {"status": 10}, headers=auth)
    assert r.status_code == 409 and "khác" in r.json()["detail"]
    assert answered == [201, None]
