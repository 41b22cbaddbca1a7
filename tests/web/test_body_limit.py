"""No request body is unbounded: a declared or streamed body over its bound is a 413 problem,
on the routes, on the event fast path and on the pages, and nothing is written."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.test_cross_scope import fingerprint
from tests.world import World
from tinhso.app import create_app
from tinhso.config import Settings

JSON_413 = "nội dung yêu cầu lớn hơn giới hạn 1 MB; hãy chia thành nhiều lần gửi nhỏ hơn"
UPLOAD_413 = (
    "tệp tải lên lớn hơn giới hạn 2 MB; hãy chia tệp nhỏ hơn hoặc dùng lệnh nhập của tinhso "
    "trên máy chủ"
)


@pytest.fixture
def small(world: World, settings: Settings) -> Iterator[TestClient]:
    bounded = settings.model_copy(update={"body_max_mb": 1, "upload_max_mb": 2})
    with TestClient(create_app(bounded, db=world.db), base_url="http://testserver") as c:
        yield c


def _batch(size: int) -> bytes:
    item = {
        "code": "P-1",
        "procedure_code": "1.001",
        "agency_code": "000.00.50.H12",
        "channel": 2,
        "status": 4,
        "received_at": "2025-08-01T08:00:00+07:00",
        "note": "x" * 1000,
    }
    n = size // 1100 + 1
    return json.dumps({"items": [{**item, "code": f"P-{i}"} for i in range(n)]}).encode()


def _problem(r, detail: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "about:blank",
        "title": "Tệp quá lớn",
        "status": 413,
        "detail": detail,
    }


def test_a_json_batch_over_the_bound_is_refused(small: TestClient, world: World) -> None:
    before = fingerprint(world.db)
    body = _batch(3 << 20)
    headers = {**world.auth("admin"), "content-type": "application/json"}
    _problem(small.post("/api/v1/dossiers:batch", content=body, headers=headers), JSON_413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    _problem(small.post("/api/v1/dossiers:batch", content=chunks(), headers=headers), JSON_413)
    assert fingerprint(world.db) == before


def test_the_default_bound_refuses_a_large_batch(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """Was accepted at 150 MB: refused over the 16 MB default."""
    headers = {**world.auth("admin"), "content-type": "application/json"}
    r = client.post("/api/v1/dossiers:batch", content=_batch(17 << 20), headers=headers)
    assert r.status_code == 413
    assert r.json()["detail"].startswith("nội dung yêu cầu lớn hơn giới hạn 16 MB")


def test_the_event_fast_path_is_bounded(small: TestClient, world: World) -> None:
    headers = {**world.auth("admin"), "content-type": "application/json"}
    body = json.dumps(
        {"event_id": "e1", "ts": "2025-08-02T08:00:00+07:00", "status": 9, "note": "x" * (2 << 20)}
    ).encode()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    before = fingerprint(world.db)
    for content in (body, chunks()):
        r = small.post("/api/v1/dossiers/F1/events", content=content, headers=headers)
        _problem(r, JSON_413)
    assert fingerprint(world.db) == before


def test_an_upload_over_its_bound_is_refused(small: TestClient, world: World) -> None:
    before = fingerprint(world.db)
    files = {"file": ("hoso.csv", b"a" * (3 << 20), "text/csv")}
    r = small.post("/api/v1/dossiers:import", files=files, headers=world.auth("admin"))
    _problem(r, UPLOAD_413)
    # A file under the upload bound, over the body bound, is an upload: read as one.
    files = {"file": ("hoso.csv", b"Ma ho so\n" + b"x\n" * 600_000, "text/csv")}
    r = small.post("/api/v1/dossiers:import", files=files, headers=world.auth("admin"))
    assert r.status_code == 422 and "thiếu cột bắt buộc" in r.text
    assert fingerprint(world.db) == before


def test_a_page_upload_over_its_bound_is_a_vietnamese_page(small: TestClient) -> None:
    files = {"file": ("thon.csv", b"a" * (3 << 20), "text/csv")}
    r = small.post("/units-import", files=files, data={"csrf_token": "x"})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert UPLOAD_413 in r.text
