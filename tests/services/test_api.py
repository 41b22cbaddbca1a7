"""The public-services API: batches, bad input, idempotency, events, the index, explanations."""

from __future__ import annotations

import io
import time

import openpyxl

from tests.services import data
from tests.world import World


def _load(world: World) -> None:
    data.load(world)


def test_batch_bad_input_names_row_field_reason(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _load(world)
    items = [
        data.d(
            "X1",
            "9.999",
            data.DK,
            "03388",
            2,
            4,
            received_at="2025-07-01T08:00:00+07:00",
            appointment_at="2025-07-04T08:00:00+07:00",
        ),  # unknown procedure
        data.d(
            "X2",
            "1.001",
            "000.00.99.H12",
            "03388",
            2,
            4,
            received_at="2025-07-01T08:00:00+07:00",
            appointment_at="2025-07-04T08:00:00+07:00",
        ),  # unknown agency
        data.d(
            "X3",
            "1.001",
            data.DK,
            "03388",
            2,
            9,
            received_at="2025-07-05T08:00:00+07:00",
            appointment_at="2025-07-09T08:00:00+07:00",
            finished_at="2025-07-01T08:00:00+07:00",
        ),  # before
        data.d(
            "X4",
            "1.001",
            data.DK,
            "03388",
            2,
            11,
            received_at="2025-07-01T08:00:00+07:00",
            appointment_at="2025-07-04T08:00:00+07:00",
        ),  # status 11
        data.d(
            "X5",
            "1.001",
            data.DK,
            "03388",
            2,
            4,
            received_at="2025-07-01T08:00:00+07:00",
            appointment_at="2025-07-04T08:00:00+07:00",
        ),  # good
        data.d(
            "X5",
            "1.001",
            data.DK,
            "03388",
            1,
            4,
            received_at="2025-07-01T08:00:00+07:00",
            appointment_at="2025-07-04T08:00:00+07:00",
        ),  # same code, other data
        data.d(
            "X6", "1.001", data.DK, "03388", "hai", 4, received_at="ngày mai"
        ),  # not a number, bad date
    ]
    r = client.post("/api/v1/dossiers:batch", json={"items": items}, headers=world.auth("system12"))
    assert r.status_code == 200, r.text
    body = r.json()
    got = {(e["row"], e["field"]) for e in body["errors"]}
    assert {
        (1, "procedure_code"),
        (2, "agency_code"),
        (3, "finished_at"),
        (4, "status"),
        (6, "code"),
        (7, "channel"),
        (7, "received_at"),
    } <= got
    reasons = {(e["row"], e["field"]): e["reason"] for e in body["errors"]}
    assert reasons[(3, "finished_at")] == "ngày xử lý xong trước ngày tiếp nhận"
    assert reasons[(6, "code")] == "mã hồ sơ trùng với dòng 5 nhưng dữ liệu khác"
    assert reasons[(4, "status")].startswith("phải là một trong")
    assert (body["created"], body["refused"]) == (1, 6)
    assert client.get("/api/v1/dossiers/X5", headers=world.auth("system12")).status_code == 200
    assert client.get("/api/v1/dossiers/X1", headers=world.auth("system12")).status_code == 404


def test_batch_is_idempotent_and_never_goes_backwards(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _load(world)
    auth = world.auth("system12")
    r = client.post("/api/v1/dossiers:batch", json={"items": data.DOSSIERS}, headers=auth)
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 8)
    older = data.DOSSIERS[0] | {"status": 4, "as_of": "2025-07-02T00:00:00+07:00"}
    r = client.post("/api/v1/dossiers:batch", json={"items": [older]}, headers=auth)
    assert r.json()["stale"] == 1
    assert client.get("/api/v1/dossiers/D1", headers=auth).json()["status"] == 10


def test_events_out_of_order_and_idempotent(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _load(world)
    auth = world.auth("system12")
    done = {"event_id": "e-9", "ts": "2025-07-25T10:00:00+07:00", "status": 9}
    supp = {"event_id": "e-5", "ts": "2025-07-22T10:00:00+07:00", "status": 5}
    r = client.post("/api/v1/dossiers/D4/events", json=done, headers=auth)
    assert r.status_code == 201 and r.json()["dossier"]["status"] == 9
    r = client.post("/api/v1/dossiers/D4/events", json=supp, headers=auth)  # older, arrives later
    body = r.json()["dossier"]
    assert body["status"] == 9  # not moved backwards
    assert body["supplement_count"] == 1 and body["supplement_days"] == 3  # 23, 24, 25 July
    r = client.post("/api/v1/dossiers/D4/events", json=done, headers=auth)
    assert r.status_code == 200 and r.json()["changed"] is False
    r = client.post("/api/v1/dossiers/D4/events", json=done | {"status": 10}, headers=auth)
    assert r.status_code == 409


def test_event_validation(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _load(world)
    r = client.post(
        "/api/v1/dossiers/D4/events",
        json={"event_id": "a", "ts": "2025-07-25T10:00:00", "status": 12},
        headers=world.auth("system12"),
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"status", "ts"}


def test_pushed_event_shows_in_index_within_5_seconds(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _load(world)
    auth = world.auth("leader12")
    q = {"period": "2025-Q3", "unit": data.DK}
    before = client.get("/api/v1/indices/qd766", params=q, headers=auth).json()["units"][0]
    ind = {i["id"]: i for i in before["indicators"]}
    assert (ind["2.1"]["numerator"], ind["2.1"]["denominator"]) == (2, 4)
    start = time.monotonic()
    r = client.post(
        "/api/v1/dossiers/D4/events",
        json={"event_id": "x", "ts": "2025-07-23T10:00:00+07:00", "status": 9},
        headers=world.auth("system12"),
    )
    assert r.status_code == 201
    after = client.get("/api/v1/indices/qd766", params=q, headers=auth).json()["units"][0]
    elapsed = time.monotonic() - start
    ind = {i["id"]: i for i in after["indicators"]}
    assert (ind["2.1"]["numerator"], ind["2.1"]["denominator"]) == (3, 4)  # D4 now done on time
    assert elapsed < 5


def test_index_lists_units_with_ranks(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _load(world)
    r = client.get(
        "/api/v1/indices/qd766", params={"period": "2025-Q3"}, headers=world.auth("leader12")
    )
    units = r.json()["units"]
    kinds = [u["kind"] for u in units]
    assert kinds[0] == "province" and "commune" in kinds and "agency" in kinds
    communes = [u for u in units if u["kind"] == "commune"]
    assert sorted(u["rank"] for u in communes) == [1, 2]


def test_officer_sees_only_own_commune_index(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _load(world)
    r = client.get(
        "/api/v1/indices/qd766", params={"period": "2025-Q3"}, headers=world.auth("officer_dk")
    )
    names = {u["name"] for u in r.json()["units"]}
    assert names == {"Phường Đoàn Kết", "Ủy ban nhân dân phường Đoàn Kết"}
    r = client.get(
        "/api/v1/indices/qd766",
        params={"period": "2025-Q3", "unit": data.BL},
        headers=world.auth("officer_dk"),
    )
    assert r.status_code == 404


def test_explain_lists_the_dossiers_and_exports_xlsx(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _load(world)
    q = {"period": "2025-Q3", "unit": data.DK, "indicator": "2.1", "part": "numerator"}
    r = client.get("/api/v1/indices/qd766/explain", params=q, headers=world.auth("leader12"))
    assert [row["Mã hồ sơ"] for row in r.json()["rows"]] == ["D1", "D3"]
    r = client.get(
        "/api/v1/indices/qd766/explain",
        params=q | {"part": "denominator", "format": "xlsx"},
        headers=world.auth("leader12"),
    )
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in rows[0][0]
    assert [row[0] for row in rows[3:]] == ["D1", "D2", "D3", "D4"]


def test_bad_period_is_a_problem(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        "/api/v1/indices/qd766", params={"period": "2025-Q5"}, headers=world.auth("leader12")
    )
    assert r.status_code == 422 and "2025-Q3 (quý)" in r.json()["errors"][0]["reason"]
    # A year the calendar cannot hold is refused the same way, not a 500.
    for period in ("0000", "9999-12", "0001-Q1"):
        r = client.get(
            "/api/v1/indices/qd766", params={"period": period}, headers=world.auth("leader12")
        )
        assert r.status_code == 422 and "năm từ 1900 đến 2999" in r.json()["errors"][0]["reason"]


def test_a_nul_character_is_refused_not_an_error(client, world: World) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL refuses NUL in text: a problem for the caller (422), never a 500. SQLite takes
    # the text and finds nothing.
    for path, params in (("/api/v1/units", {"q": "Đoàn\x00Kết"}), ("/api/v1/dossiers/D%001", {})):
        r = client.get(path, params=params, headers=world.auth("admin"))
        assert r.status_code in (200, 404, 422), r.text
        if r.status_code == 422:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "không hợp lệ" in r.json()["detail"]


def test_an_event_before_reception_is_refused(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """The rule imports apply (finished, returned, stopped not before received), for events:
    D4 was received on 21/7/2025 08:00, D1 finished on 3/7/2025 10:00; nothing is written."""
    _load(world)
    auth = world.auth("system12")
    early = {"event_id": "e-early", "ts": "2025-07-20T10:00:00+07:00", "status": 9}
    r = client.post("/api/v1/dossiers/D4/events", json=early, headers=auth)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {
            "field": "ts",
            "reason": "thời điểm trước ngày tiếp nhận hồ sơ (21/07/2025 08:00)",
            "value": "2025-07-20T10:00:00+07:00",  # as it was sent
        }
    ]
    late = {"event_id": "e-late", "ts": "2025-07-05T08:00:00+07:00", "status": 2}
    r = client.post("/api/v1/dossiers/D1/events", json=late, headers=auth)
    assert r.status_code == 422
    assert r.json()["errors"][0]["reason"] == (
        "ngày tiếp nhận sau ngày hồ sơ đã xử lý xong (03/07/2025 10:00)"
    )
    for code in ("D4", "D1"):
        dossier = client.get(f"/api/v1/dossiers/{code}", headers=auth).json()
        assert dossier["events"] == [] and dossier["finished_at"] in (None, "2025-07-03T03:00:00Z")
    on_time = early | {"event_id": "e-ok", "ts": "2025-07-21T08:00:00+07:00"}  # same instant
    assert client.post("/api/v1/dossiers/D4/events", json=on_time, headers=auth).status_code == 201


def test_an_agency_moved_out_of_scope_takes_its_dossiers_with_it(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """The officer of Đoàn Kết sends events for the dossiers of its UBND; once that agency is
    moved to Bình Lư, the next event is refused at once (the scope is not remembered past a
    change of the register)."""
    from tinhso.accounts.scope import SYSTEM_PRINCIPAL
    from tinhso.audit.service import Actor, bind_actor
    from tinhso.units import changes
    from tinhso.units.models import Agency

    _load(world)
    auth = world.auth("officer_dk")
    event = {"event_id": "mv-1", "ts": "2025-07-22T10:00:00+07:00", "status": 5}
    assert client.post("/api/v1/dossiers/D4/events", json=event, headers=auth).status_code == 201
    with world.db.session() as s:
        bind_actor(s, Actor(name="test", client="test"))
        agency = s.get(Agency, world.agencies["ubnd_dk"])
        assert agency is not None
        data = changes.AgencyInput(
            code=agency.code, name=agency.name, kind=agency.kind, unit_id=world.units["binh_lu"]
        )
        changes.update_agency(s, principal=SYSTEM_PRINCIPAL, agency_id=agency.id, data=data)
    event = event | {"event_id": "mv-2", "ts": "2025-07-23T10:00:00+07:00", "status": 4}
    r = client.post("/api/v1/dossiers/D4/events", json=event, headers=auth)
    assert r.status_code == 404, r.text
    assert (
        client.post(
            "/api/v1/dossiers/D4/events", json=event, headers=world.auth("officer_bl")
        ).status_code
        == 201
    )


def test_a_stored_event_sent_again_is_a_repeat_even_if_now_impossible(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """An event accepted, then a snapshot that moves the reception later: the same event sent
    again (a retry) is answered as a repeat (200), not refused; a new one that early is."""
    _load(world)
    auth = world.auth("system12")
    event = {"event_id": "rt-1", "ts": "2025-07-22T10:00:00+07:00", "status": 5}
    assert client.post("/api/v1/dossiers/D4/events", json=event, headers=auth).status_code == 201
    later = {
        "code": "D4",
        "procedure_code": "1.002",
        "agency_code": "000.00.50.H12",
        "commune_code": "03388",
        "channel": 1,
        "status": 4,
        "received_at": "2025-07-23T08:00:00+07:00",
        "appointment_at": "2025-07-28T08:00:00+07:00",
        "as_of": "2025-07-30T08:00:00+07:00",
    }
    r = client.post("/api/v1/dossiers:batch", json={"items": [later]}, headers=auth)
    assert r.status_code == 200 and r.json()["updated"] == 1, r.text
    again = client.post("/api/v1/dossiers/D4/events", json=event, headers=auth)
    assert again.status_code == 200 and again.json()["changed"] is False
    other = event | {"event_id": "rt-2"}
    assert client.post("/api/v1/dossiers/D4/events", json=other, headers=auth).status_code == 422


def test_a_refused_batch_is_a_problem_document(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """A batch, or a file, that writes nothing answers an RFC 9457 problem (as every other
    refusal does) carrying the report, its row-level errors included."""
    _load(world)
    bad = {
        "code": "P-BAD",
        "procedure_code": "1.003",
        "agency_code": data.DK,
        "channel": 9,
        "status": 4,
        "received_at": "2025-08-01T08:00:00+07:00",
    }
    r = client.post("/api/v1/dossiers:batch", json={"items": [bad]}, headers=world.auth("system12"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422 and body["title"] and "1 dòng bị từ chối" in body["detail"]
    assert body["created"] == 0 and body["refused"] == 1
    assert {e["row"] for e in body["errors"]} == {1}
    assert "channel" in {e["field"] for e in body["errors"]}
