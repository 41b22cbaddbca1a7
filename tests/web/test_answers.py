"""Kept answers (web/answers.py): built once per scope and version, 304 and gzip, rebuilt when
what they show changes, and served as they stood (bounded) while a rebuild runs."""

from __future__ import annotations

import gzip
import json
import threading
import time
from typing import Any

import pytest
from starlette.requests import Request

from tests.world import World
from tinhso.db import Database
from tinhso.errors import Busy
from tinhso.web import answers as answers_mod
from tinhso.web.answers import Answers

URLS = [
    "/api/v1/indices/qd766?period=2025",
    "/api/v1/indicators/values?index=dti-province-2025&period=2025",
    "/api/v1/units?level=commune",
]


def _request(path: str = "/x", query: str = "", headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("t", 80),
            "path": path,
            "query_string": query.encode(),
            "headers": raw,
        }
    )


def test_an_answer_is_built_once_per_version_and_scope(world: World, client: Any) -> None:
    """Repeated requests for the same figure by callers of the same scope share one build; a
    caller of another scope gets its own answer; the ETag brings 304; gzip is the same JSON."""
    answers: Answers = client.app.state.answers
    url = "/api/v1/units?level=commune"
    first = client.get(url, headers=world.auth("admin"))
    assert first.status_code == 200, first.text
    builds = answers.builds
    again = client.get(url, headers=world.auth("admin"))
    assert again.json() == first.json()
    assert answers.builds == builds  # kept
    # Another caller of the same scope: the same answer, no build.
    assert client.get(url, headers=world.auth("admin")).json() == first.json()
    assert answers.builds == builds
    # A commune officer sees only their own commune: a build of their own, not the admin's.
    mine = client.get(url, headers=world.auth("officer_dk"))
    assert answers.builds == builds + 1
    assert mine.json()["total"] < first.json()["total"]
    tag = first.headers["etag"]
    not_modified = client.get(url, headers={**world.auth("admin"), "If-None-Match": tag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    zipped = client.get(url, headers={**world.auth("admin"), "Accept-Encoding": "gzip"})
    assert zipped.headers.get("content-encoding") == "gzip"
    assert zipped.json() == first.json()  # the client unpacks it


def test_a_change_of_what_it_shows_rebuilds_the_answer(world: World, client: Any) -> None:
    """A new village (an audited change) is in the commune's children at once: the kept list
    of children is a thing of the past."""
    headers = world.auth("admin")
    uid = world.units["doan_ket"]
    before = client.get(f"/api/v1/units/{uid}/children", headers=headers).json()
    made = client.post(
        "/api/v1/units",
        json={"commune_id": uid, "code": "T-ANS-1", "name": "Thôn Kiểm Thử"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    after = client.get(f"/api/v1/units/{uid}/children", headers=headers).json()
    assert len(after) == len(before) + 1
    assert "Thôn Kiểm Thử" in {u["name"] for u in after}


def test_the_figures_answers_are_kept(world: World, client: Any) -> None:
    """The 766 index and the indicator values are answered from the kept answer the second
    time (no build), with the same body."""
    answers: Answers = client.app.state.answers
    for url in URLS[:2]:
        first = client.get(url, headers=world.auth("leader12"))
        if first.status_code != 200:  # no DTI loaded in this world: a problem, not kept
            assert first.headers["content-type"].startswith("application/problem+json")
            continue
        builds = answers.builds
        assert client.get(url, headers=world.auth("leader12")).content == first.content
        assert answers.builds == builds


def test_stale_while_rebuilding_then_fresh(db: Database) -> None:
    """The version moved and the rebuild is slow: within ``fresh_wait`` the caller gets the
    answer as it stood, marked stale with its age; once rebuilt, the new one."""
    answers = Answers(db, fresh_wait=0.05, stale_seconds=30)
    release = threading.Event()
    try:
        one = answers.respond(_request(), None, "s", 1, lambda _s: {"v": 1})
        assert json.loads(one.body) == {"v": 1}

        def slow(_s: object) -> dict[str, int]:
            release.wait(10)
            return {"v": 2}

        stale = answers.respond(_request(), None, "s", 2, slow)
        assert json.loads(stale.body) == {"v": 1}
        assert stale.headers["cache-status"] == "tinhso; hit; fwd=stale"
        assert int(stale.headers["age"]) >= 0
        assert answers.stale_served == 1
        # A second caller meanwhile joins the same rebuild (one build, not two).
        builds = answers.builds
        joined = answers.respond(_request(), None, "s", 2, slow)
        assert answers.builds == builds
        # The rebuild has run past the fresh wait: the joiner gets the stale answer at once.
        assert joined.headers["cache-status"] == "tinhso; hit; fwd=stale"
        release.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            fresh = answers.respond(_request(), None, "s", 2, slow)
            if "cache-status" not in fresh.headers:
                break
            time.sleep(0.02)
        assert json.loads(fresh.body) == {"v": 2}
    finally:
        release.set()
        answers.close()


def test_too_old_an_answer_is_not_served(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``stale_seconds`` since it was found superseded, the caller builds the new answer
    itself, never shown the old one; a caller joining a build another caller runs waits a
    bounded time, then is told "busy"."""
    monkeypatch.setattr(answers_mod, "BUILD_WAIT", 0.2)
    answers = Answers(db, fresh_wait=0.01, stale_seconds=0)
    release, started = threading.Event(), threading.Event()
    try:
        answers.respond(_request(), None, "s", 1, lambda _s: {"v": 1})
        fresh = answers.respond(_request(), None, "s", 2, lambda _s: {"v": 2})
        assert json.loads(fresh.body) == {"v": 2} and "cache-status" not in fresh.headers

        def slow(_s: object) -> dict[str, int]:
            started.set()
            release.wait(10)
            return {"v": 3}

        builder = threading.Thread(target=answers.respond, args=(_request(), None, "s", 3, slow))
        builder.start()
        assert started.wait(5)
        with pytest.raises(Busy):
            answers.respond(_request(), None, "s", 3, slow)
        release.set()
        builder.join(10)
        assert json.loads(answers.respond(_request(), None, "s", 3, slow).body) == {"v": 3}
    finally:
        release.set()
        answers.close()


def test_the_key_keeps_the_order_of_a_repeated_parameter(db: Database) -> None:
    """FastAPI reads the last of a repeated parameter: ``a=1&a=2`` and ``a=2&a=1`` are two
    questions, not one answer; other parameters' order does not matter."""
    answers = Answers(db)
    try:
        one = answers.respond(_request(query="a=1&a=2"), None, "s", 1, lambda _s: {"a": 2})
        two = answers.respond(_request(query="a=2&a=1"), None, "s", 1, lambda _s: {"a": 1})
        assert json.loads(one.body) == {"a": 2} and json.loads(two.body) == {"a": 1}
        same = answers.respond(_request(query="b=1&a=1&a=2"), None, "s", 1, lambda _s: {"x": 1})
        builds = answers.builds
        again = answers.respond(_request(query="a=1&b=1&a=2"), None, "s", 1, lambda _s: {"x": 2})
        assert again.body == same.body and answers.builds == builds
    finally:
        answers.close()


def test_errors_are_not_kept_and_memory_is_bounded(db: Database) -> None:
    """A build that fails answers its error each time (nothing kept); the kept bytes never pass
    the bound, the least recently used answer going first."""
    answers = Answers(db, max_bytes=6000)
    calls = []
    try:

        def failing(_s: object) -> object:
            calls.append(1)
            raise Busy("bận")

        for _ in range(2):
            with pytest.raises(Busy):
                answers.respond(_request(), None, "s", 1, failing)
        assert len(calls) == 2
        big = {"x": "a" * 2500}
        for i in range(4):
            answers.respond(_request(f"/p{i}"), None, "s", 1, lambda _s: big)
        assert answers._bytes <= 6000
        assert len(answers._kept) == 2
        zipped = answers.respond(
            _request("/p3", headers={"Accept-Encoding": "gzip"}), None, "s", 1, lambda _s: None
        )
        assert json.loads(gzip.decompress(zipped.body)) == big
        refused = answers.respond(
            _request("/p3", headers={"Accept-Encoding": "gzip;q=0, br"}),
            None,
            "s",
            1,
            lambda _s: None,
        )
        assert "content-encoding" not in refused.headers and json.loads(refused.body) == big
    finally:
        answers.close()
