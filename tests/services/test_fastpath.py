"""The event push answered at the ASGI layer: the same answers as the route; a refusal of the
intake answered with the application's problem document (the event submitted once); a body that
does not validate still answered by the route."""

from __future__ import annotations

import pytest

from tests.services import data
from tests.world import World
from tinhso.errors import AppError
from tinhso.services import fastpath

EVENT = {"event_id": "x", "ts": "2025-07-25T10:00:00+07:00", "status": 9}
BAD_TOKEN = {"Authorization": "Bearer tinhso_sai_khong-hop-le"}


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The status of each push the fast path answered itself (None: handed to the route)."""
    seen: list[int | None] = []
    original = fastpath.EventFastPath._answer

    async def spy(self, *args):  # type: ignore[no-untyped-def]
        out = await original(self, *args)
        seen.append(None if out is None else out.status if isinstance(out, AppError) else out[0])
        return out

    monkeypatch.setattr(fastpath.EventFastPath, "_answer", spy)
    return seen


def test_a_push_is_answered_like_the_route_would(client, world: World, answered) -> None:  # type: ignore[no-untyped-def]
    """201 then 200 for a repeat; the dossier in the answer is exactly what GET returns; the
    security headers are there as on every response."""
    data.load(world)
    auth = world.auth("system12")
    event = EVENT | {"event_id": "fp-1"}
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
    ("code", "body", "headers", "status", "by"),
    [
        ("NOPE", EVENT, None, 404, 404),  # unknown dossier: the intake's refusal
        ("D4", EVENT | {"ts": "2025-07-20T10:00:00+07:00"}, None, 422, 422),  # before reception
        ("D4", EVENT, BAD_TOKEN, 401, 401),
        ("D4", EVENT | {"ts": "2025-07-25T10:00:00", "status": 12}, None, 422, None),  # the route
        ("D4", EVENT | {"y": 1}, None, 422, None),
        ("D4", EVENT | {"event_id": " "}, None, 422, None),
    ],
)
def test_what_it_does_not_record_is_a_problem(  # type: ignore[no-untyped-def]
    client,
    world: World,
    answered,
    code: str,
    body: dict,
    headers: dict | None,
    status: int,
    by: int | None,
) -> None:
    """An unknown dossier, an impossible time, a bad token: the intake's refusal as a problem
    document (application/problem+json, in Vietnamese; 401 with its challenge), written by the
    fast path; a body that does not validate: the route's, the body handed on intact."""
    data.load(world)
    r = client.post(
        f"/api/v1/dossiers/{code}/events", json=body, headers=headers or world.auth("system12")
    )
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert answered == [by]
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer"
    if body.get("status") == 12:
        assert {e["field"] for e in r.json()["errors"]} == {"status", "ts"}


def test_a_conflicting_repeat_is_a_conflict(client, world: World, answered) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    auth = world.auth("system12")
    event = EVENT | {"event_id": "fp-2"}
    assert client.post("/api/v1/dossiers/D4/events", json=event, headers=auth).status_code == 201
    r = client.post("/api/v1/dossiers/D4/events", json=event | {"status": 10}, headers=auth)
    assert r.status_code == 409 and "khác" in r.json()["detail"]
    assert answered == [201, 409]


def test_the_first_of_repeated_headers_counts_and_a_mount_point_is_stripped() -> None:
    scope = {
        "path": "/tinhso/api/v1/dossiers/D4/events",
        "root_path": "/tinhso",
        "headers": [
            (b"content-type", b"application/json"),
            (b"authorization", b"Bearer first"),
            (b"authorization", b"Bearer second"),
            (b"content-type", b"text/plain"),
        ],
    }
    assert fastpath._bearer(scope) == "first"
    assert fastpath.PATH.fullmatch(fastpath._route_path(scope))
