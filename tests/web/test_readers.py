"""Concurrent readers: a bounded wait, never a 500; one computation per figure; no wait on a
large sync."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.services import data
from tests.world import World
from tinhso.app import create_app
from tinhso.config import Settings
from tinhso.db import POOL_OVERFLOW, Database
from tinhso.services import qd766
from tinhso.services.models import Dossier


@pytest.fixture
def small(world: World, settings: Settings) -> Iterator[tuple[TestClient, Database]]:
    """The application over the world's database with a small pool (3 + overflow) and three
    request threads, as an installation with TINHSO_THREADS=3 has."""
    data.load(world)
    db = Database(world.db.url, pool_size=3, pool_timeout=5)
    tight = settings.model_copy(update={"threads": 3, "db_pool_timeout": 20.0})
    with TestClient(create_app(tight, db=db), base_url="http://testserver") as c:
        yield c, db
    db.dispose()


def test_thirty_concurrent_readers_all_answered_one_computation(
    small: tuple[TestClient, Database], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _db = small
    computed: Counter[str] = Counter()
    count_rows = qd766._count_rows

    def counting(lake: Any, catalog: Any, period: Any, *args: Any, **kw: Any) -> Any:
        computed[period.code] += 1
        time.sleep(0.3)  # a computation long enough for the others to arrive meanwhile
        return count_rows(lake, catalog, period, *args, **kw)

    monkeypatch.setattr(qd766, "_count_rows", counting)
    auth = world.auth("leader12")
    urls = ["/api/v1/indices/qd766?period=2025-Q3"] * 20 + [
        "/api/v1/units?level=commune",
        "/api/v1/indices/qd766?period=2025",
    ] * 5

    def get(url: str) -> tuple[str, int, str | None]:
        r = client.get(url, headers=auth)
        return url, r.status_code, r.headers.get("retry-after")

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(get, urls))
    statuses = Counter(st for _u, st, _r in answers)
    # More readers than threads and connections: each waited its turn, none failed.
    assert statuses == {200: 30}, answers
    # Twenty concurrent requests for the same 766 quarter, five for the year: each computed once.
    assert computed == {"2025-Q3": 1, "2025": 1}


def test_no_free_connection_is_503_with_retry_after(world: World, settings: Settings) -> None:
    data.load(world)
    db = Database(world.db.url, pool_size=1, pool_timeout=0.2)
    with TestClient(create_app(settings, db=db), base_url="http://testserver") as client:
        auth = world.auth("leader12")
        assert client.get("/api/v1/units?level=province", headers=auth).status_code == 200
        held = [db.engine.connect() for _ in range(1 + POOL_OVERFLOW)]  # every connection taken
        try:
            r = client.get("/api/v1/units?level=province", headers=auth)
        finally:
            for conn in held:
                conn.close()
        assert r.status_code == 503
        assert r.headers["retry-after"] == "5"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == (
            "hệ thống đang phục vụ nhiều yêu cầu cùng lúc, hãy thử lại sau ít giây"
        )
        assert client.get("/api/v1/units?level=province", headers=auth).status_code == 200
    db.dispose()


def test_reader_does_not_wait_for_a_sync_running_behind(client: Any, world: World) -> None:
    data.load(world)
    auth = world.auth("leader12")
    q = {"period": "2025-Q3", "unit": data.DK}

    def on_time() -> tuple[int, int]:
        unit = client.get("/api/v1/indices/qd766", params=q, headers=auth).json()["units"][0]
        ind = {i["id"]: i for i in unit["indicators"]}
        return ind["2.1"]["numerator"], ind["2.1"]["denominator"]

    assert on_time() == (2, 4)
    lake = client.app.state.lake
    # A large import's sync is running in the background: it holds the sync lock.
    lake.sync_lock.acquire()
    lake.syncing_in_background.set()
    try:
        r = client.post(
            "/api/v1/dossiers/D4/events",
            json={"event_id": "x", "ts": "2025-07-23T10:00:00+07:00", "status": 9},
            headers=world.auth("system12"),
        )
        assert r.status_code == 201
        began = time.monotonic()
        # The copy as it stood: the reader neither waits for the sync nor sees a half of it.
        assert on_time() == (2, 4)
        assert time.monotonic() - began < 1.5
    finally:
        lake.syncing_in_background.clear()
        lake.sync_lock.release()
    assert on_time() == (3, 4)  # the next reader brings the copy up to date
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Dossier)) == len(data.DOSSIERS)
