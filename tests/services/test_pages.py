"""The 766 page as people use it: its refresh answered "not modified", the late dossiers with
their procedure, agency, days and total, each dossier's own page (scoped), the running month
marked, and the workbooks written for people (labels, real dates, names)."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime

import openpyxl

from tests.accounts.test_auth import _login
from tests.services import data
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.fmt import local_today
from tinhso.services import service

Q3 = {"period": "2025-Q3", "unit": data.DK}
HX = {"HX-Request": "true"}


def _panel(client, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return client.get("/services", params=Q3, headers=HX | (headers or {}))


def test_panel_refresh_is_not_modified_until_a_dossier_changes(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    _login(client, "leader12")
    first = _panel(client)
    assert first.status_code == 200 and "Hồ sơ trễ hạn" in first.text
    tag = first.headers["etag"]
    # The page that set the panel up carries the same tag, so its first refresh is a 304 too.
    page = client.get("/services", params=Q3)
    assert f'data-etag="{tag.replace(chr(34), "&#34;")}"' in page.text
    again = _panel(client, {"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    # Another unit, another period, another caller: another tag.
    other = client.get("/services", params={"period": "2025-Q3", "unit": data.BL}, headers=HX)
    assert other.headers["etag"] != tag
    # An event moves the dossiers' change number: the next refresh sends the new panel.
    r = client.post(
        "/api/v1/dossiers/D4/events",
        headers=world.auth("system12"),
        json={"event_id": "e1", "ts": "2025-07-23T10:00:00+07:00", "status": 9},
    )
    assert r.status_code == 201
    changed = _panel(client, {"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def _late(world: World, n: int) -> None:
    records = [
        data.d(
            f"L{i:02d}",
            "1.002",
            data.DK,
            "03388",
            1,
            9,
            received_at="2025-08-01T08:00:00+07:00",
            appointment_at="2025-08-04T08:00:00+07:00",
            finished_at=f"2025-08-{5 + i % 20:02d}T08:00:00+07:00",
        )
        for i in range(n)
    ]
    with world.db.session() as s:
        rep = service.ingest_records(s, principal=SYSTEM_PRINCIPAL, records=records)
        assert rep.created == n, rep.errors


def test_late_list_names_procedure_agency_days_and_total(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    _late(world, 25)
    _login(client, "leader12")
    r = client.get("/services", params=Q3)
    assert r.status_code == 200
    section = r.text[r.text.index("Hồ sơ trễ hạn") :]
    # D2 and D4 of the hand-made set, and the 25 above: the total, not "(20+)".
    assert "Hồ sơ trễ hạn (27)" in section and "20+" not in section
    assert "20 hồ sơ trễ nhiều nhất trong 27 hồ sơ" in section
    rows = re.findall(r"<tr><td><a href=\"/dossiers/([^\"]+)\">", section)
    assert len(rows) == 20
    d2 = section[section.index('href="/dossiers/L19"') :]
    d2 = d2[: d2.index("</tr>")]
    assert "Đăng ký khai sinh" in d2 and "Ủy ban nhân dân phường Đoàn Kết" in d2
    # Due Monday 04/08, finished Sunday 24/08: 14 working days late (20 calendar days).
    assert "14 ngày làm việc" in d2
    # The whole list, as a workbook.
    r = client.get("/services/late.xlsx", params=Q3)
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows_x = list(ws.iter_rows(values_only=True))
    assert rows_x[1] == ("Số dòng: 27",) or rows_x[1][0] == "Số dòng: 27"
    header = rows_x[2]
    assert header[:4] == ("Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Cơ quan")
    body = {row[0]: row for row in rows_x[3:]}
    assert set(body) >= {"D2", "D4", "L00"} and len(body) == 27
    assert body["D2"][4] == "Đã xử lý xong" and isinstance(body["D2"][5], datetime)
    assert header[8] == "Số ngày làm việc trễ" and body["L19"][8] == 14


def test_dossier_page_shows_fields_and_events_within_scope(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    r = client.post(
        "/api/v1/dossiers/D4/events",
        headers=world.auth("system12"),
        json={"event_id": "x1", "ts": "2025-07-23T10:00:00+07:00", "status": 5, "note": "thiếu"},
    )
    assert r.status_code == 201
    _login(client, "officer_dk")
    r = client.get("/dossiers/D4")
    assert r.status_code == 200
    text = r.text
    assert "Hồ sơ D4" in text and "Đăng ký khai sinh" in text
    assert "Ủy ban nhân dân phường Đoàn Kết" in text and "Phường Đoàn Kết" in text
    assert "Trực tiếp" in text and "Yêu cầu bổ sung" in text and "thiếu" in text
    assert "21/07/2025 08:00" in text  # received, local time
    assert "Trễ hạn" in text  # open, its appointment long past
    # Another commune's officer: the dossier does not exist for them.
    client.cookies.clear()
    _login(client, "officer_bl")
    r = client.get("/dossiers/D4")
    missing = client.get("/dossiers/KHONG-CO")
    assert r.status_code == missing.status_code == 404  # as if it did not exist
    assert r.text.replace("D4", "KHONG-CO") == missing.text.replace(
        client.cookies.get("tinhso_session") or "-", "-"
    ) or ("Đăng ký khai sinh" not in r.text and "không tìm thấy hồ sơ" in r.text.lower())
    assert client.get("/dossiers/D6").status_code == 200


def _trend(html: str) -> list[dict[str, object]]:
    raw = re.search(r'data-trend="([^"]*)"', html)
    assert raw is not None
    return json.loads(raw.group(1).replace("&#34;", '"').replace("&quot;", '"'))  # type: ignore[no-any-return]


def test_running_month_is_marked_and_later_months_are_empty(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    _login(client, "leader12")
    today = local_today()
    r = client.get("/services", params={"period": str(today.year), "unit": data.DK})
    assert r.status_code == 200
    trend = _trend(r.text)
    ongoing = [t["period"] for t in trend if t["ongoing"]]
    assert ongoing == [f"{today.year}-{today.month:02d}"]
    assert all(t["score"] is None for t in trend[today.month :])
    assert f"Tháng {today.month}/{today.year} đang diễn ra" in r.text
    assert "(đang diễn ra, số liệu đến ngày" in r.text  # the year itself is still running
    # The choice of periods offers nothing that has not begun.
    options = re.findall(r'<option value="(\d{4}(?:-\d\d|-Q\d)?)"', r.text)
    if today.month < 12:
        assert f"{today.year}-12" not in options
    assert f"{today.year}-{today.month:02d}" in options
    # A past year has no running month.
    r = client.get("/services", params=Q3)
    assert not any(t["ongoing"] for t in _trend(r.text)) and 'id="trend-note"' not in r.text
    summary = r.text[
        r.text.index('id="summary"') : r.text.index("</h2>", r.text.index('id="summary"'))
    ]
    assert "đang diễn ra" not in summary


def test_explain_workbook_is_for_people(client, world: World) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    r = client.get(
        "/api/v1/indices/qd766/explain",
        params=Q3 | {"indicator": "2.1", "part": "denominator", "format": "xlsx"},
        headers=world.auth("leader12"),
    )
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[2]]
    assert header[:7] == [
        "Mã hồ sơ",
        "Mã thủ tục",
        "Tên thủ tục",
        "Mã cơ quan",
        "Cơ quan",
        "Kênh",
        "Trạng thái",
    ]
    d1 = {h: c for h, c in zip(header, rows[3], strict=True)}
    assert d1["Mã hồ sơ"].value == "D1" and d1["Tên thủ tục"].value == "Chứng thực bản sao"
    assert d1["Cơ quan"].value == "Ủy ban nhân dân phường Đoàn Kết"
    assert d1["Kênh"].value == "Trực tuyến" and d1["Trạng thái"].value == "Đã trả kết quả"
    received = d1["Tiếp nhận"]
    assert received.value == datetime(2025, 7, 1, 8, 0)  # a real date, in local time
    assert received.number_format == "dd/mm/yyyy hh:mm"
    assert d1["Đúng hạn"].value == "Có"
    # The JSON form keeps the codes and full times for systems.
    r = client.get(
        "/api/v1/indices/qd766/explain",
        params=Q3 | {"indicator": "2.1"},
        headers=world.auth("leader12"),
    )
    row = r.json()["rows"][0]
    assert row["Kênh"] == 2 and row["Tiếp nhận"].startswith("2025-07-01T")
