"""Values that are not plausible are refused by row and field on every path, on both databases.

One file (or batch) per path holds every bad case, one per row, so that each path is checked
against the same list: a batch, the API's file upload (CSV, XLSX), the page's upload, the CLI
(NDJSON, Parquet, CSV) and pushed events. Each refusal is asserted exactly (row, field,
Vietnamese reason) and the dossier count is unchanged. Then rows the checks would refuse are
written straight into the table (as older versions stored them) and the figures still answer.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from sqlalchemy import func, select, text

from tests.accounts.test_auth import _login
from tests.services import data
from tests.test_cli import run
from tests.world import World
from tinhso.fmt import local_today
from tinhso.services.models import Dossier, DossierEvent, Procedure

GOOD: dict[str, Any] = {
    "procedure_code": "1.001",
    "agency_code": data.DK,
    "commune_code": "03388",
    "channel": "2",
    "status": "4",
    "received_at": "2025-07-01T08:00:00+07:00",
    "appointment_at": "2025-07-04T08:00:00+07:00",
}
COLUMNS = ["code", *GOOD, "supplement_count", "supplement_days", "fee", "reused_components"]
LAST = local_today().year + 10
WINDOW = f"ngày giờ ngoài khoảng cho phép (01/01/2000 – 31/12/{LAST}); hãy kiểm tra năm"
NOT_A_TIME = "ngày giờ không hợp lệ (dùng YYYY-MM-DD HH:MM hoặc DD/MM/YYYY HH:MM)"
FINITE = "phải là một số hữu hạn (không nhận NaN hay Infinity)"
LONG = "B" * (1 << 20)

# (code, the bad values, field, reason). Each is one row of every file.
CASES: list[tuple[str, dict[str, str], str, str]] = [
    ("BV-INF", {"received_at": "infinity", "appointment_at": "infinity"}, "received_at", WINDOW),
    ("BV-NINF", {"received_at": "-infinity"}, "received_at", WINDOW),
    ("BV-Y1", {"received_at": "0001-01-01 08:00:00+07:00"}, "received_at", WINDOW),
    ("BV-Y10K", {"appointment_at": "10000-01-01 08:00:00+07:00"}, "appointment_at", WINDOW),
    ("BV-BC", {"received_at": "0044-03-15 08:00:00 BC"}, "received_at", NOT_A_TIME),
    ("BV-EDGE", {"appointment_at": "9999-12-31T23:59:59-12:00"}, "appointment_at", WINDOW),
    ("BV-OLD", {"received_at": "1999-12-31 08:00:00+07:00"}, "received_at", WINDOW),
    ("BV-SC", {"supplement_count": "100000"}, "supplement_count", "không được lớn hơn 32.767"),
    ("BV-RC", {"reused_components": "40000"}, "reused_components", "không được lớn hơn 32.767"),
    (
        "BV-FEE",
        {"fee": "100000000000000000000000"},
        "fee",
        "không được lớn hơn 1.000.000.000.000",
    ),
    ("BV-FEE-E", {"fee": "1e400"}, "fee", "phải là số nguyên"),
    ("BV-NEG", {"fee": "-5"}, "fee", "không được nhỏ hơn 0"),
    ("BV-NAN", {"supplement_days": "NaN"}, "supplement_days", FINITE),
    ("BV-INFD", {"supplement_days": "Infinity"}, "supplement_days", FINITE),
    (
        "BV-NUL\x00",
        {},
        "code",
        "mã hồ sơ có ký tự điều khiển (U+0000) không được phép; hãy xóa ký tự này",
    ),
    (
        "BV-BEL",
        {"procedure_code": "1.001\x07"},
        "procedure_code",
        "mã thủ tục có ký tự điều khiển (U+0007) không được phép; hãy xóa ký tự này",
    ),
    ("C" * 61, {}, "code", "mã hồ sơ dài 61 ký tự, vượt quá giới hạn 60 ký tự"),
    (LONG, {}, "code", "mã hồ sơ dài 1.048.576 ký tự, vượt quá giới hạn 60 ký tự"),
    (
        "BV-P101",
        {"procedure_code": "P" * 101},
        "procedure_code",
        "mã thủ tục dài 101 ký tự, vượt quá giới hạn 40 ký tự",
    ),
    (
        '"RT-Q1',
        {},
        "code",
        'mã hồ sơ có dấu ngoặc kép (") — có thể dấu ngoặc của tệp CSV bị lệch; hãy sửa tệp',
    ),
    (
        "BV-REUSED",
        {
            "commune_code": "03390",
            "received_at": "2025-03-03 08:00:00+07:00",
            "appointment_at": "2025-03-06 08:00:00+07:00",
        },
        "commune_code",
        "mã xã không có hiệu lực vào ngày 03/03/2025 (ngày tiếp nhận, hoặc ngày nộp, của hồ sơ)",
    ),
]
CONTROL = re.compile(r"[\x00-\x1f]")


def _rows(cases: list[tuple[str, dict[str, str], str, str]]) -> list[dict[str, str]]:
    """Return the records: the good one (first), then one per bad case."""
    good = {"code": "BV-GOOD", **GOOD}
    return [good] + [{"code": code, **GOOD, **bad} for code, bad, _f, _r in cases]


def _count(world: World) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Dossier)) or 0)


def _expected(first_row: int, cases: list[tuple[str, dict[str, str], str, str]]) -> set[tuple]:
    return {(first_row + 2 + i, f, r) for i, (_c, _b, f, r) in enumerate(cases)}


def _write_csv(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows(rows)


def _write_xlsx(rows: list[dict[str, str]], path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    for r in rows:
        sheet.append([r.get(c) for c in COLUMNS])
    book.save(path)


def _write_ndjson(rows: list[dict[str, str]], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def _write_parquet(rows: list[dict[str, str]], path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (" + ", ".join(f"{c} VARCHAR" for c in COLUMNS) + ")")
    con.executemany(
        f"INSERT INTO t VALUES ({', '.join('?' for _ in COLUMNS)})",
        [[r.get(c) for c in COLUMNS] for r in rows],
    )
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()


# Excel cannot hold control characters at all (openpyxl refuses to write them), nor a cell
# longer than 32,767 characters.
XLSX_CASES = [
    c for c in CASES if not any(CONTROL.search(v) for v in (c[0], *c[1].values())) and c[0] != LONG
]


def _via_api_file(
    writer: Callable[[list[dict[str, str]], Path], None], suffix: str
) -> Callable[..., set[tuple]]:
    def send(client: Any, world: World, tmp_path: Path, cases: list) -> set[tuple]:  # type: ignore[type-arg]
        path = tmp_path / f"hoso{suffix}"
        writer(_rows(cases), path)
        r = client.post(
            "/api/v1/dossiers:import",
            headers=world.auth("system12"),
            files={"file": (path.name, path.read_bytes())},
        )
        assert r.status_code < 500, r.text
        body = r.json()
        return {(e["row"], e["field"], e["reason"]) for e in body["errors"]}

    return send


def _via_batch(client: Any, world: World, tmp_path: Path, cases: list) -> set[tuple]:  # type: ignore[type-arg]
    rows: list[dict[str, Any]] = _rows(cases)
    for r in rows:  # numbers as JSON numbers, the way systems send them
        for k in ("supplement_count", "fee", "reused_components", "channel", "status"):
            if k in r and re.fullmatch(r"-?\d+", r[k]):
                r[k] = int(r[k])
        if r.get("supplement_days") in ("NaN", "Infinity"):
            r["supplement_days"] = float(r["supplement_days"])
    body = json.dumps({"items": rows}, ensure_ascii=False).replace('"1e400"', "1e400")
    r = client.post(
        "/api/v1/dossiers:batch",
        headers=world.auth("system12") | {"content-type": "application/json"},
        content=body.encode(),
    )
    assert r.status_code < 500, r.text
    return {(e["row"], e["field"], e["reason"]) for e in r.json()["errors"]}


def _via_page(client: Any, world: World, tmp_path: Path, cases: list) -> set[tuple]:  # type: ignore[type-arg]
    path = tmp_path / "hoso.csv"
    _write_csv(_rows(cases), path)
    _login(client, "officer_dk")
    form = client.get("/services/upload")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/services/upload",
        data={"csrf_token": token},
        files={"file": (path.name, path.read_bytes(), "text/csv")},
    )
    assert r.status_code < 500, r.text
    page = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", r.text)).split())
    return {(row, f, reason) for row, f, reason in _expected(1, cases) if reason in page}


def _via_cli(
    writer: Callable[[list[dict[str, str]], Path], None], suffix: str
) -> Callable[..., set[tuple]]:
    def send(client: Any, world: World, tmp_path: Path, cases: list) -> set[tuple]:  # type: ignore[type-arg]
        path = tmp_path / f"hoso{suffix}"
        writer(_rows(cases), path)
        _code, out = run("services", "import", str(path))
        assert "Traceback" not in out and "Error:" not in out, out
        said = " ".join(out.split())
        first = 1 if suffix in (".csv", ".xlsx") else 0
        return {e for e in _expected(first, cases) if f"dòng {e[0]}, cột {e[1]}: {e[2]}" in said}

    return send


PATHS = {
    "batch": (_via_batch, CASES, 0),
    "api-csv": (_via_api_file(_write_csv, ".csv"), CASES, 1),
    "api-xlsx": (_via_api_file(_write_xlsx, ".xlsx"), XLSX_CASES, 1),
    "page-csv": (_via_page, CASES, 1),
    "cli-csv": (_via_cli(_write_csv, ".csv"), CASES, 1),
    "cli-ndjson": (_via_cli(_write_ndjson, ".ndjson"), CASES, 0),
    "cli-parquet": (_via_cli(_write_parquet, ".parquet"), CASES, 0),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_implausible_values_are_refused_on_every_path(
    client: Any, cli: World, tmp_path: Path, path: str
) -> None:
    world = cli
    data.load(world)
    before = _count(world)
    send, cases, first = PATHS[path]
    found = send(client, world, tmp_path, cases)
    expected = _expected(first, cases)
    assert expected <= found, sorted(expected - found)
    # The good row is written, every bad one refused: one more dossier, no more.
    assert _count(world) == before + 1
    with world.db.session() as s:
        assert s.scalar(select(func.count()).where(Dossier.code.like("BV-%"))) == 1


def test_a_broken_csv_quote_is_refused(cli: World, tmp_path: Path) -> None:
    """A quote opened and never closed, as a hand-edited export has it: the code keeps it."""
    world = cli
    data.load(world)
    before = _count(world)
    path = tmp_path / "hoso.csv"
    path.write_text(
        "Mã hồ sơ,Mã thủ tục,Mã cơ quan,Mã xã,Kênh,Trạng thái,Ngày tiếp nhận,Ngày hẹn trả\n"
        f'"RT-Q1,1.001,{data.DK},03388,2,4,01/08/2025 08:00,06/08/2025 08:00\n',
        "utf-8",
    )
    code, out = run("services", "import", str(path))
    said = " ".join(out.split())
    assert code == 2, out
    # The reader refuses the file at the line where the quote opens (it never reaches the code).
    assert "có dấu ngoặc kép đặt sai ở dòng 2" in said, out
    assert "dòng 2, cột tệp: dấu ngoặc kép mở ở dòng này không được đóng đến hết tệp" in said, out
    assert _count(world) == before


EVENT_CASES = [
    ({"ts": "9999-12-31T23:59:59-12:00"}, "ts", WINDOW),
    ({"ts": "0001-01-01T00:00:00+14:00"}, "ts", WINDOW),
    ({"ts": "1999-06-01T08:00:00+07:00"}, "ts", WINDOW),
    (
        {"note": "thiếu\x00giấy"},
        "note",
        "ghi chú có ký tự điều khiển (U+0000) không được phép; hãy xóa ký tự này",
    ),
    (
        {"event_id": "e\x1b1"},
        "event_id",
        "mã sự kiện có ký tự điều khiển (U+001B) không được phép; hãy xóa ký tự này",
    ),
]


@pytest.mark.parametrize(("bad", "field", "reason"), EVENT_CASES)
def test_implausible_events_are_refused(
    client: Any, world: World, bad: dict[str, str], field: str, reason: str
) -> None:
    data.load(world)
    with world.db.session() as s:
        events = s.scalar(select(func.count()).select_from(DossierEvent))
        as_of = s.scalar(select(Dossier.as_of).where(Dossier.code == "D4"))
    event = {"event_id": "e1", "ts": "2025-07-23T10:00:00+07:00", "status": 5} | bad
    r = client.post("/api/v1/dossiers/D4/events", json=event, headers=world.auth("system12"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["reason"]) for e in r.json()["errors"]] == [(field, reason)]
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(DossierEvent)) == events
        assert s.scalar(select(Dossier.as_of).where(Dossier.code == "D4")) == as_of


PROCEDURE_HEADER = "Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Mã cơ quan,Mức độ DVC,Phí,Có kết quả,Thời hạn giải quyết,Công dân"
PROCEDURE_CASES = [
    (
        "9.001,A,L,xã,,không,100000000000000000000000,có,3,có",
        "fee",
        "phí, lệ phí không được lớn hơn 1.000.000.000.000",
    ),
    (
        "9.002,A,L,xã,,không,1e400,có,3,có",
        "fee",
        "phí, lệ phí phải là một số hữu hạn (không nhận NaN hay Infinity)",
    ),
    ("9.003,A,L,xã,,không,-5,có,3,có", "fee", "phí, lệ phí không được nhỏ hơn 0"),
    (
        "9.004,A,L,xã,,không,0,có,NaN,có",
        "legal_days",
        "thời hạn giải quyết phải là một số hữu hạn (không nhận NaN hay Infinity)",
    ),
    ("9.005,A,L,xã,,không,0,có,-1,có", "legal_days", "thời hạn giải quyết không được nhỏ hơn 0"),
    (
        "9.006,A,L,xã,,không,0,có,Infinity,có",
        "legal_days",
        "thời hạn giải quyết phải là một số hữu hạn (không nhận NaN hay Infinity)",
    ),
    (
        "P" * 101 + ",A,L,xã,,không,0,có,3,có",
        "code",
        "mã thủ tục dài 101 ký tự, vượt quá giới hạn 40 ký tự",
    ),
]


def test_implausible_procedures_are_refused(client: Any, world: World) -> None:
    data.load(world)
    with world.db.session() as s:
        before = s.scalar(select(func.count()).select_from(Procedure))
    body = "\n".join([PROCEDURE_HEADER, *(line for line, _f, _r in PROCEDURE_CASES)]) + "\n"
    r = client.post(
        "/api/v1/procedures:import",
        headers=world.auth("admin"),
        files={"file": ("tthc.csv", body.encode())},
    )
    assert r.status_code < 500, r.text
    found = {(e["row"], e["field"], e["reason"]) for e in r.json()["errors"]}
    expected = {(i + 2, f, reason) for i, (_l, f, reason) in enumerate(PROCEDURE_CASES)}
    assert expected <= found, sorted(expected - found)
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Procedure)) == before


# What older versions let in, written straight into the table: on PostgreSQL the column types
# hold year 1, infinity and NaN; SQLite holds anything.
STORED_BAD = {
    "postgresql": [
        ("received_at", "'0001-01-01 00:00:00+00'"),
        ("received_at", "'infinity'"),
        ("appointment_at", "'-infinity'"),
        ("supplement_days", "'NaN'"),
        ("supplement_days", "'Infinity'"),
        ("finished_at", "'0044-03-15 00:00:00+00 BC'"),
        ("as_of", "'infinity'"),
    ],
    "sqlite": [
        ("received_at", "'10000-01-01 00:00:00.000000'"),
        ("received_at", "'0001-01-01 00:00:00.000000'"),
        ("supplement_count", "100000"),
        ("reused_components", "40000"),
        ("supplement_days", "9e999"),
        ("as_of", "'10000-01-01 00:00:00.000000'"),
    ],
}


def test_figures_answer_whatever_the_database_holds(
    client: Any, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    data.load(world)
    dialect = world.db.engine.dialect.name
    with world.db.session() as s:
        top = int(s.scalar(select(func.max(Dossier.seq))) or 0)
        for i, (column, value) in enumerate(STORED_BAD[dialect], start=1):
            s.execute(
                text(
                    "INSERT INTO dossier (code, procedure_id, agency_id, unit_id, channel, status, "
                    "received_at, appointment_at, supplement_count, supplement_days, fee, "
                    "payment_flag, digitized_inputs, e_result, reused_components, from_data_store, "
                    "vneid, synced, complaint, as_of, seq, source) "
                    "SELECT :code, procedure_id, agency_id, unit_id, channel, status, received_at, "
                    "appointment_at, supplement_count, supplement_days, fee, payment_flag, "
                    "digitized_inputs, e_result, reused_components, from_data_store, vneid, "
                    "synced, complaint, as_of, :seq, source FROM dossier WHERE code = 'D4'"
                ),
                {"code": f"BAD-{i}", "seq": top + i},
            )
            s.execute(
                text(f"UPDATE dossier SET {column} = {value} WHERE code = :c"), {"c": f"BAD-{i}"}
            )
    auth = world.auth("admin")
    with caplog.at_level("WARNING", logger="tinhso.lake"):
        r = client.get(
            "/api/v1/indices/qd766", params={"period": "2025", "unit": data.DK}, headers=auth
        )
    assert r.status_code == 200, r.text
    assert "dossier rows hold values out of range" in caplog.text
    assert "BAD-" not in caplog.text  # no dossier named in the log
    r = client.get("/api/v1/indices/qd766", params={"period": "2025-Q3"}, headers=auth)
    assert r.status_code == 200, r.text
    r = client.get("/api/v1/indicators/values", headers=auth)
    assert r.status_code < 500, r.text
    for i in range(1, len(STORED_BAD[dialect]) + 1):
        r = client.get(f"/api/v1/dossiers/BAD-{i}", headers=auth)
        assert r.status_code == 200, r.text
    # An event on the dossier whose state time cannot be read: recorded, and it gives the state.
    last = len(STORED_BAD[dialect])
    event = {"event_id": "e1", "ts": "2025-07-23T10:00:00+07:00", "status": 5}
    r = client.post(
        f"/api/v1/dossiers/BAD-{last}/events", json=event, headers=world.auth("system12")
    )
    assert r.status_code == 201, r.text
    assert r.json()["dossier"]["as_of"] == "2025-07-23T03:00:00Z"
    _login(client, "admin")
    for i in range(1, last + 1):
        assert client.get(f"/dossiers/BAD-{i}").status_code == 200
