"""Plans, tasks and targets through the API as the agencies and the department would use them,
on SQLite and PostgreSQL: a 75-task workbook of three plans, progress, acceptance, the seed's
"50 hoàn thành, 19 đang thực hiện, 06 chưa thực hiện", the 30 targets' "10 / 6 / 7 / 7"."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL

HEADER = [
    "Số, ký hiệu kế hoạch",
    "Loại văn bản",
    "Ngày ban hành",
    "Trích yếu kế hoạch",
    "Cơ quan theo dõi",
    "Mã nhiệm vụ",
    "Tên nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Ngày bắt đầu",
    "Thời hạn hoàn thành",
    "Sản phẩm",
]
PLANS = (
    ("09-KH/BCĐCĐS", "Kế hoạch", "10/03/2023", "Kế hoạch chuyển đổi số năm 2023", 23),
    ("13-KH/BCĐCĐS", "Kế hoạch", "27/04/2023", "Kế hoạch bổ sung nhiệm vụ năm 2023", 22),
    ("TB-01/BCĐCĐS", "Kết luận cuộc họp", "14/07/2023", "Kết luận cuộc họp quý II", 30),
)
# Leads: the department by its code, the communes' people's committees by name (as typed).
LEADS = ("000.00.02.H12", "Ủy ban nhân dân phường Đoàn Kết", "ủy ban nhân dân xã binh lu")
LEAD_USER = {0: "officer_so", 1: "officer_dk", 2: "officer_bl"}


def workbook(rows: list[list[Any]] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows if rows is not None else task_rows():
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def task_rows() -> list[list[Any]]:
    out = []
    n = 0
    for code, kind, issued, title, count in PLANS:
        for _ in range(count):
            n += 1
            deadline = "30/06/2023" if n in (70, 71, 72) else "31/12/2030"  # three late ones
            out.append(
                [
                    code,
                    kind,
                    issued,
                    title,
                    "Sở Khoa học và Công nghệ",
                    f"NV-{n:02d}",
                    f"Nhiệm vụ số {n}",
                    LEADS[n % 3],
                    "Sở Khoa học và Công nghệ" if n % 3 else "",
                    "01/06/2023" if n in (70, 71, 72) else issued,
                    deadline,
                    "Báo cáo",
                ]
            )
    return out


def _post(client: Any, world: World, url: str, user: str, **kw: Any) -> Any:
    return client.post(url, headers=world.auth(user), **kw)


def _import(client: Any, world: World, data: bytes, user: str = "officer_so") -> Any:
    return _post(
        client,
        world,
        "/api/v1/tasks:import",
        user,
        files={"file": ("nhiem-vu.xlsx", data, "application/octet-stream")},
    )


@pytest.fixture
def planned(client: Any, world: World) -> World:
    r = _import(client, world, workbook())
    assert r.status_code == 200, r.text
    assert (r.json()["plans_created"], r.json()["created"]) == (3, 75)
    return world


def _progress(client: Any, world: World, code: str, user: str, **data: Any) -> Any:
    return _post(client, world, f"/api/v1/tasks/{code}/progress", user, data=data)


def test_a_year_of_tasks_reads_as_the_seed(client: Any, planned: World) -> None:
    """50 completions reported by their leads and accepted by the department, 19 tasks with
    progress, 6 untouched: the seed's sentence, per plan and for the year."""
    world = planned
    again = _import(client, world, workbook())
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 75)
    for n in range(1, 76):
        code, user = f"NV-{n:02d}", LEAD_USER[n % 3]
        if n <= 50:
            r = _progress(client, world, code, user, percent=100, text="Xong", complete="true")
            assert r.status_code == 200, r.text
            assert r.json()["awaiting_review"] is True and r.json()["status"] == "in_progress"
            r = _post(
                client, world, f"/api/v1/tasks/{code}/review", "officer_so", data={"accept": "true"}
            )
            assert r.status_code == 200 and r.json()["status"] == "done", r.text
        elif n <= 69:
            r = _progress(client, world, code, user, percent=40, text="Đang làm")
            assert r.status_code == 200 and r.json()["status"] == "in_progress", r.text
    r = client.get("/api/v1/tasks/summary", params={"year": 2023}, headers=world.auth("leader12"))
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["done"], s["in_progress"], s["not_started"], s["total"]) == (50, 19, 6, 75)
    assert (
        "50 nhiệm vụ đã hoàn thành; 19 nhiệm vụ đang thực hiện và 06 nhiệm vụ chưa thực hiện"
        in s["wording"]
    )
    # NV-70..72 were due 30/06/2023 and are open: overdue, sorted by days late.
    assert s["overdue"] == 3
    late = client.get("/api/v1/tasks", params={"overdue": "true"}, headers=world.auth("leader12"))
    assert [t["code"] for t in late.json()["tasks"]] == ["NV-70", "NV-71", "NV-72"]
    assert all(t["days_late"] > 800 for t in late.json()["tasks"])
    assert [p["code"] for p in s["plans"]] == ["09-KH/BCĐCĐS", "13-KH/BCĐCĐS", "TB-01/BCĐCĐS"]
    assert sum(p["total"] for p in s["plans"]) == 75
    # The history of a task: completion, acceptance.
    h = client.get("/api/v1/tasks/NV-03/progress", headers=world.auth("officer_so")).json()
    assert [x["kind"] for x in h["history"]] == ["completion", "accepted"]
    # An officer sees the tasks its agency leads or co-leads; a commune's one of another: none.
    mine = client.get("/api/v1/tasks", headers=world.auth("officer_bl")).json()["tasks"]
    assert mine and all(t["lead"]["code"] == "000.00.51.H12" for t in mine)


def test_progress_and_review_refuse_what_they_must(client: Any, planned: World) -> None:
    w = planned
    r = _progress(client, w, "NV-01", "officer_dk", percent=120)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert "0 đến 100" in r.text
    assert _progress(client, w, "NV-01", "officer_dk", percent=60).status_code == 200
    r = _progress(client, w, "NV-01", "officer_dk", percent=30)
    assert r.status_code == 422 and "phải ghi lý do" in r.text
    assert (
        _progress(client, w, "NV-01", "officer_dk", percent=30, text="Làm lại phần mềm").status_code
        == 200
    )
    r = _progress(client, w, "NV-01", "officer_dk", percent=90, complete="true")
    assert r.status_code == 422 and "100%" in r.text
    # Only the lead or a co-agency reports; only the department in charge reviews.
    assert _progress(client, w, "NV-01", "officer_bl", percent=50).status_code == 404
    assert (
        _progress(client, w, "NV-01", "officer_dk", percent=100, complete="true").status_code == 200
    )
    r = _post(client, w, "/api/v1/tasks/NV-01/review", "officer_dk", data={"accept": "true"})
    assert r.status_code == 403
    r = _post(client, w, "/api/v1/tasks/NV-01/review", "officer_so", data={"accept": "false"})
    assert r.status_code == 422 and "lý do" in r.text
    r = _post(
        client,
        w,
        "/api/v1/tasks/NV-01/review",
        "officer_so",
        data={"accept": "false", "reason": "Thiếu sản phẩm"},
    )
    assert (
        r.status_code == 200
        and r.json()["status"] == "in_progress"
        and not r.json()["awaiting_review"]
    )
    kinds = [
        x["kind"]
        for x in client.get("/api/v1/tasks/NV-01/progress", headers=w.auth("leader12")).json()[
            "history"
        ]
    ]
    assert kinds == ["progress", "progress", "completion", "refused"]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_evidence_is_sniffed_stored_and_served_in_scope(client: Any, planned: World) -> None:
    w = planned
    files = [("files", ("bao-cao.pdf", PDF, "application/pdf"))]
    r = _post(
        client, w, "/api/v1/tasks/NV-01/progress", "officer_dk", data={"percent": "50"}, files=files
    )
    assert r.status_code == 200, r.text
    h = client.get("/api/v1/tasks/NV-01/progress", headers=w.auth("officer_dk")).json()
    (e,) = h["history"][-1]["evidence"]
    assert e["sha256"] and e["kind"] == "pdf"
    got = client.get(e["url"], headers=w.auth("leader12"))
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    # Another commune's officer may not download it.
    assert client.get(e["url"], headers=w.auth("officer_bl")).status_code == 404
    # An .exe renamed .pdf, a forbidden type, an oversized file: refused, nothing written.
    bad = [
        ("files", ("bao-cao.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")),
    ]
    r = _post(
        client, w, "/api/v1/tasks/NV-01/progress", "officer_dk", data={"percent": "60"}, files=bad
    )
    assert r.status_code == 422 and "nội dung không khớp tên tệp" in r.text
    r = _post(
        client,
        w,
        "/api/v1/tasks/NV-01/progress",
        "officer_dk",
        data={"percent": "60"},
        files=[("files", ("cai-dat.exe", b"MZ" + b"\x00" * 50, "application/octet-stream"))],
    )
    assert r.status_code == 422 and "chỉ nhận PDF, DOCX, XLSX, PNG, JPEG" in r.text
    big = PDF + b"0" * (20 * 1024 * 1024)
    r = _post(
        client,
        w,
        "/api/v1/tasks/NV-01/progress",
        "officer_dk",
        data={"percent": "60"},
        files=[("files", ("lon.pdf", big, "application/pdf"))],
    )
    assert r.status_code == 422 and "lớn hơn 20 MB" in r.text
    after = client.get("/api/v1/tasks/NV-01/progress", headers=w.auth("officer_dk")).json()
    assert len(after["history"]) == len(h["history"]) and after["task"]["percent"] == 50


def test_bad_workbooks_are_refused_whole(client: Any, world: World) -> None:
    rows = task_rows()[:4]
    rows[0][7] = "Sở Khoa hoc va Cong nghe tinh"  # no such agency: the closest suggested
    rows[1][10] = "01/01/2020"  # before its start
    rows[2][5] = rows[3][5]  # a duplicate code
    rows[3][0] = "99-KH/XX"  # a plan that does not exist, given no date nor title
    rows[3][2] = ""
    rows[3][3] = ""
    r = _import(client, world, workbook(rows))
    assert r.status_code == 422, r.text
    errors = {(e["row"], e["field"]): e["reason"] for e in r.json()["errors"]}
    assert "gần giống: Sở Khoa học và Công nghệ" in errors[(2, "lead")]
    assert "trước ngày bắt đầu" in errors[(3, "deadline")]
    assert "đã có ở dòng 4" in errors[(5, "code")]
    assert "chưa có kế hoạch '99-KH/XX'" in errors[(5, "plan")]
    assert client.get("/api/v1/plans", headers=world.auth("leader12")).json()["plans"] == []
    wb = openpyxl.Workbook()
    wb.active.append(["Mã nhiệm vụ", "Tên nhiệm vụ"])
    buf = io.BytesIO()
    wb.save(buf)
    r = _import(client, world, buf.getvalue())
    assert r.status_code == 422 and "thiếu cột bắt buộc" in r.text


def _targets_file(world: World, client: Any) -> tuple[bytes, float]:
    """27 targets by hand and three measured by DTI 3.1 (households with fibre) on the world's
    infrastructure register: its 2025 value from the engine, worked out here from the figures."""
    from tests.infrastructure.test_registers import LOCAL, VIETTEL
    from tinhso.indicators import loader as indicator_catalog
    from tinhso.infrastructure import figures as infra_figures
    from tinhso.infrastructure import imports as infra_imports

    with world.db.session() as s:
        indicator_catalog.load(
            s, principal=SYSTEM_PRINCIPAL, paths=indicator_catalog.default_files()
        )
        for operator, text in (("dia_phuong", LOCAL), ("Viettel", VIETTEL)):
            infra_imports.import_file(
                s,
                principal=SYSTEM_PRINCIPAL,
                operator=operator,
                data=text.encode(),
                filename="t.csv",
                as_of=date(2025, 8, 1),
            )
    with world.db.session() as s:
        v = infra_figures.values_on(s, date(2025, 12, 31), date(2025, 1, 1))[
            world.units["lai_chau"]
        ]
    value = 100 * v["infra.households_fibre"] / v["infra.households_fibre_base"]
    lines = [
        '"Số, ký hiệu kế hoạch",Mã chỉ tiêu,Tên chỉ tiêu,Đơn vị tính,Kế hoạch giao,Chiều,Bộ chỉ số,Mã chỉ số,Kết quả'
    ]
    for code, planned in (("L1", value / 1.2), ("L2", value * 1.2), ("L3", value * 1.8)):
        lines.append(
            f"KH-2025,{code},Hộ có cáp quang,%,{planned:.4f},,dti-province-2025,dtip.i.cap_quang,"
        )
    shares = [1.1] * 8 + [0.8] * 5 + [0.6] * 6 + [0.2] * 6
    for i, share in enumerate(shares, start=1):
        lines.append(f"KH-2025,M{i:02d},Chỉ tiêu {i},chỉ tiêu,100,,,,{100 * share:.0f}")
    # Lower is better: 5 against a plan of 10 reached; 20 against 10 is half (below 50% not above).
    lines.append("KH-2025,M90,Số sự cố chậm xử lý,sự cố,10,thấp hơn là tốt,,,5")
    lines.append("KH-2025,M91,Số ngày xử lý hồ sơ,ngày,10,thấp hơn là tốt,,,20")
    return ("\n".join(lines) + "\n").encode(), value


def test_thirty_targets_read_10_6_7_7_with_the_engine_s_values(client: Any, world: World) -> None:
    rows = [
        [
            "KH-2025",
            "Kế hoạch",
            "05/01/2025",
            "Kế hoạch năm 2025",
            "Sở Khoa học và Công nghệ",
            "K1",
            "Một nhiệm vụ",
            LEADS[0],
            "",
            "05/01/2025",
            "31/12/2030",
            "",
        ]
    ]
    assert _import(client, world, workbook(rows)).status_code == 200
    data, value = _targets_file(world, client)
    r = _post(
        client,
        world,
        "/api/v1/tasks/targets:import",
        "officer_so",
        files={"file": ("ct.csv", data, "text/csv")},
    )
    assert r.status_code == 200 and r.json()["created"] == 30, r.text
    r = client.get("/api/v1/tasks/targets", params={"year": 2025}, headers=world.auth("leader12"))
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["buckets"] == {"dat": 10, "tren_70": 6, "tren_50": 7, "duoi_50": 7}
    assert (
        t["wording"]
        == "30 chỉ tiêu: 10 chỉ tiêu đã hoàn thành và vượt; 06 chỉ tiêu hoàn thành trên 70%; "
        "07 chỉ tiêu đạt trên 50%; 07 chỉ tiêu thực hiện được dưới 50%"
    )
    live = {x["code"]: x for x in t["targets"] if x["source"] == "indicator"}
    assert live["L1"]["value"] == pytest.approx(value, rel=1e-4)
    assert [live[c]["bucket"] for c in ("L1", "L2", "L3")] == ["dat", "tren_70", "tren_50"]
    manual = {x["code"]: x for x in t["targets"] if x["source"] == "manual"}
    assert manual["M01"]["entered_by"] == "officer_so" and manual["M01"]["entered_at"]
    assert (manual["M90"]["bucket"], manual["M91"]["bucket"]) == ("dat", "duoi_50")
    bad = (
        '"Số, ký hiệu kế hoạch",Mã chỉ tiêu,Tên chỉ tiêu,Kế hoạch giao,Bộ chỉ số,Mã chỉ số\n'
        "KH-2025,X1,Sai,abc,dti-province-2025,khong.co\n"
    ).encode()
    r = _post(
        client,
        world,
        "/api/v1/tasks/targets:import",
        "officer_so",
        files={"file": ("ct.csv", bad, "text/csv")},
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"planned", "indicator"} <= fields


def test_exports_read_back_and_sync_round_trip(client: Any, planned: World, tmp_path: Path) -> None:
    w = planned
    _progress(client, w, "NV-01", "officer_dk", percent=40, text="Đang làm")
    r = client.get("/api/v1/tasks/export", params={"format": "xlsx"}, headers=w.auth("leader12"))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ" in cells and "NV-01" in cells and "Nhiệm vụ số 1" in cells
    r = client.get("/api/v1/tasks/export", params={"format": "pdf"}, headers=w.auth("leader12"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("TINHSO_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail("poppler-utils (pdftotext) is required but not installed")
    else:
        (tmp_path / "t.pdf").write_bytes(r.content)
        text = subprocess.run(
            [exe, str(tmp_path / "t.pdf"), "-"], capture_output=True, check=True, text=True
        ).stdout
        assert (
            "Tình hình thực hiện nhiệm vụ chuyển đổi số" in text
            and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        )
        assert "75 nhiệm vụ" in text
    doc = client.get(
        "/api/v1/tasks/export", params={"format": "json"}, headers=w.auth("admin")
    ).json()
    assert doc["format"] == "tinhso.tasks/1" and len(doc["tasks"]) == 75
    one = next(t for t in doc["tasks"] if t["code"] == "NV-02")
    # The ministry's answer: NV-02 at 70%, after the export.
    from datetime import UTC, datetime

    later = datetime.now(UTC).isoformat()
    answer = {
        "format": "tinhso.tasks/1",
        "tasks": [
            {
                **one,
                "status": "in_progress",
                "percent": 70,
                "updated_at": later,
                "note": "Bộ cập nhật",
            }
        ],
    }
    body = json.dumps(answer).encode()

    def send(data: bytes) -> Any:
        return _post(
            client,
            w,
            "/api/v1/tasks/sync:import",
            "admin",
            files={"file": ("s.json", data, "application/json")},
        )

    r = send(body)
    assert r.status_code == 200 and r.json()["applied"] == 1, r.text
    r = send(body)
    assert r.status_code == 200 and (r.json()["applied"], r.json()["unchanged"]) == (0, 1)
    # An older record that says something else is refused, nothing written.
    older = {**answer["tasks"][0], "percent": 10, "updated_at": "2024-01-01T00:00:00+07:00"}
    r = send(json.dumps({"format": "tinhso.tasks/1", "tasks": [older]}).encode())
    assert r.status_code == 422 and "không ghi đè" in r.text
    got = client.get("/api/v1/tasks/NV-02/progress", headers=w.auth("leader12")).json()
    assert got["task"]["percent"] == 70 and got["history"][-1]["kind"] == "sync"
    r = send(b'{"format": "khac"}')
    assert r.status_code == 422


def test_the_tasks_figures_reach_the_engine(client: Any, planned: World) -> None:
    from tinhso.lake import Lake
    from tinhso.services.periods import parse_period
    from tinhso.tasks.figures import FAMILY
    from tinhso.workdays import WorkCalendar

    w = planned
    _progress(client, w, "NV-03", "officer_so", percent=100, complete="true")
    _post(client, w, "/api/v1/tasks/NV-03/review", "officer_so", data={"accept": "true"})
    lake = Lake(w.db, None, WorkCalendar.default())
    try:
        got = FAMILY.fetch(
            lake,
            parse_period("2023"),
            date(2023, 12, 31),
            ("tasks.done", "tasks.total", "tasks.overdue"),
        )
    finally:
        lake.close()
    # On 31/12/2023 the province is the one of the time (the plan is kept under today's).
    with w.db.session() as s:
        from tinhso.units import service as units

        then = next(
            u.id
            for u in units.units_with_code(s, code="12", on=date(2023, 12, 31))
            if u.level == "province"
        )
    assert w.units["lai_chau"] not in got.values
    province = got.values[then]
    assert (province["tasks.total"], province["tasks.done"]) == (75, 1)
    so = got.values[-w.agencies["so_khcn"]]
    assert so["tasks.total"] == 25 and so["tasks.done"] == 1
    assert province["tasks.overdue"] == 3  # on 31/12/2023: NV-70..72, due 30/06/2023


def test_the_department_stops_a_task_and_enters_a_target_s_result(
    client: Any, planned: World
) -> None:
    w = planned
    r = _post(client, w, "/api/v1/tasks/NV-04/cancel", "officer_dk", data={"reason": "Thôi"})
    assert r.status_code == 403
    r = _post(client, w, "/api/v1/tasks/NV-04/cancel", "officer_so", data={})
    assert r.status_code == 422 and "lý do" in r.text
    r = _post(
        client, w, "/api/v1/tasks/NV-04/cancel", "officer_so", data={"reason": "Gộp vào NV-07"}
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert _progress(client, w, "NV-04", "officer_dk", percent=10).status_code == 422
    targets = '"Số, ký hiệu kế hoạch",Mã chỉ tiêu,Tên chỉ tiêu,Kế hoạch giao\n09-KH/BCĐCĐS,CT01,Số hệ thống,10\n'
    files = {"file": ("ct.csv", targets.encode(), "text/csv")}
    assert (
        _post(client, w, "/api/v1/tasks/targets:import", "officer_so", files=files).status_code
        == 200
    )
    form = {"plan": "09-KH/BCĐCĐS", "code": "CT01", "value": "8"}
    assert (
        _post(client, w, "/api/v1/tasks/targets:achieved", "officer_dk", data=form).status_code
        == 404
    )
    r = _post(client, w, "/api/v1/tasks/targets:achieved", "officer_so", data=form)
    assert r.status_code == 200 and r.json()["by"] == "officer_so"
    t = client.get("/api/v1/tasks/targets", headers=w.auth("leader12")).json()["targets"][0]
    assert (t["value"], t["bucket"], t["entered_by"]) == (8.0, "tren_70", "officer_so")


def test_what_the_review_found_stays_refused(client: Any, planned: World) -> None:
    """A lead may not mark its own task done through the sync; two records of one task in a
    file are refused; a task code of another plan is not taken over; a two-digit year is not
    year 25; a parent cycle is refused; a co-agency does not report completion."""
    from datetime import UTC, datetime

    w = planned
    now = datetime.now(UTC).isoformat()

    def sync(user: str, records: list[dict[str, Any]]) -> Any:
        body = json.dumps({"format": "tinhso.tasks/1", "tasks": records}).encode()
        return _post(
            client,
            w,
            "/api/v1/tasks/sync:import",
            user,
            files={"file": ("s.json", body, "application/json")},
        )

    done = {"code": "NV-01", "status": "done", "percent": 100, "updated_at": now}
    r = sync("officer_dk", [done])
    assert r.status_code == 422 and "chỉ cơ quan theo dõi" in r.text
    r = sync("officer_so", [done, {**done, "percent": 20, "status": "in_progress"}])
    assert r.status_code == 422 and "đã có ở bản ghi 1" in r.text
    r = sync("officer_so", [{**done, "percent": 30}])
    assert r.status_code == 422 and "100%" in r.text
    task = client.get("/api/v1/tasks/NV-01/progress", headers=w.auth("leader12")).json()["task"]
    assert task["status"] == "not_started"
    # NV-01 belongs to 09-KH/BCĐCĐS: a row giving it to another plan is refused.
    rows = task_rows()[:1]
    rows[0][0] = "13-KH/BCĐCĐS"
    r = _import(client, w, workbook(rows))
    assert r.status_code == 422 and "đã dùng cho nhiệm vụ của kế hoạch 09-KH/BCĐCĐS" in r.text
    rows = task_rows()[:1]
    rows[0][10] = "31/12/25"
    r = _import(client, w, workbook(rows))
    assert r.status_code == 422 and "năm đủ bốn chữ số" in r.text
    header = [*HEADER, "Nhiệm vụ cha"]
    cyc = [task_rows()[0] + ["NV-02"], task_rows()[1] + ["NV-01"]]
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for row in cyc:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    r = _import(client, w, buf.getvalue())
    assert r.status_code == 422 and "vòng" in r.text
    got = client.get("/api/v1/tasks/NV-01/progress", headers=w.auth("leader12")).json()["task"]
    assert got["parent"] is None
    # NV-02 is led by Bình Lư with the department as co-agency: the department reports
    # progress, not completion.
    r = _progress(client, w, "NV-02", "officer_so", percent=100, complete="true")
    assert r.status_code == 422 and "chỉ cơ quan chủ trì" in r.text
    # The status table of one agency.
    r = client.get(
        "/api/v1/tasks/export",
        params={"format": "xlsx", "agency": "000.00.51.H12"},
        headers=w.auth("leader12"),
    )
    cells = [
        str(c)
        for row in openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)
        for c in row
        if c
    ]
    assert "NV-02" in cells and "NV-01" not in cells


PLAN_CATALOG = """
catalog: ke-hoach-kh-2025
version: "1"
name: Chỉ tiêu của kế hoạch KH-2025 đo bằng chỉ số
data_elements: []
indicators:
  - {code: t.chi_tieu_dat, name: "Số chỉ tiêu đạt", numerator: "tasks.targets_dat", unit: chỉ tiêu}
indices:
  - code: t-chi-tieu
    name: Bộ chỉ số dùng số chỉ tiêu đạt
    version: "1"
    level: province
    max_points: 10
    normalise: 10
    children:
      - {code: "1", indicator: t.chi_tieu_dat, points: 10, scoring: {rule: linear, full: 10}}
targets:
  - {plan: KH-2025, code: L1, name: "Hộ có cáp quang (danh mục)", indicator: dtip.i.cap_quang, year: 2025, level: province, planned: PLANNED}
  - {plan: KH-2025, code: R1, indicator: t.chi_tieu_dat, year: 2025, level: province, planned: 5}
"""


def test_catalog_targets_of_the_plan_and_the_bucket_figures(
    client: Any, world: World, tmp_path: Path
) -> None:
    """A catalog target linked to the plan takes the place of the plan's own of the same code,
    measured live; the buckets reach the engine as figures of the province, with a version that
    moves with what they are worked out from; a target measured by an index that itself uses
    the bucket figures has no value (it is not computed into itself)."""
    from tinhso.indicators import loader as indicator_catalog
    from tinhso.indicators import service as indicators
    from tinhso.lake import Lake
    from tinhso.services.periods import parse_period
    from tinhso.tasks.figures import FAMILY
    from tinhso.workdays import WorkCalendar

    test_thirty_targets_read_10_6_7_7_with_the_engine_s_values(client, world)
    t = client.get(
        "/api/v1/tasks/targets", params={"year": 2025}, headers=world.auth("leader12")
    ).json()
    value = next(x for x in t["targets"] if x["code"] == "L1")["value"]
    lake = Lake(world.db, None, WorkCalendar.default())
    refs = tuple(f"tasks.targets_{k}" for k in ("total", "dat", "tren_70", "tren_50", "duoi_50"))
    try:
        period = parse_period("2025")
        v0 = FAMILY.version(lake, period, date(2025, 12, 31))
        got = FAMILY.fetch(lake, period, date(2025, 12, 31), (*refs, "tasks.targets_unknown"))
        province = got.values[world.units["lai_chau"]]
        assert [province[r] for r in refs] == [30, 10, 6, 7, 7]
        assert province["tasks.targets_unknown"] == 0
        assert -world.agencies["so_khcn"] not in got.values or all(
            got.values[-world.agencies["so_khcn"]].get(r) is None for r in refs
        )
        drill = FAMILY.drill(None, SYSTEM_PRINCIPAL, "tasks.targets_dat", "province", "12", period)  # type: ignore[arg-type]
        assert drill.page == "/tasks?year=2025#targets"

        # The catalog links two targets to KH-2025: L1 (it replaces the plan's own L1, reached, by
        # one planned at 1.8 times the value: above 50%) and R1, measured by an index built on the
        # bucket figures.
        path = tmp_path / "kh.yaml"
        path.write_text(PLAN_CATALOG.replace("PLANNED", f"{value * 1.8:.4f}"), encoding="utf-8")
        with world.db.session() as s:
            indicator_catalog.load(
                s, principal=SYSTEM_PRINCIPAL, paths=[*indicator_catalog.default_files(), path]
            )
        t = client.get(
            "/api/v1/tasks/targets", params={"year": 2025}, headers=world.auth("leader12")
        ).json()
        assert t["total"] == 31
        l1 = [x for x in t["targets"] if x["code"] == "L1"]
        assert len(l1) == 1 and l1[0]["catalog"] == "ke-hoach-kh-2025"
        assert l1[0]["name"] == "Hộ có cáp quang (danh mục)" and l1[0]["bucket"] == "tren_50"
        assert l1[0]["value"] == pytest.approx(value)
        r1 = next(x for x in t["targets"] if x["code"] == "R1")
        assert r1["index"] == "t-chi-tieu" and r1["value"] is None and r1["bucket"] is None
        assert t["buckets"] == {"dat": 9, "tren_70": 6, "tren_50": 8, "duoi_50": 7}
        v1 = FAMILY.version(lake, period, date(2025, 12, 31))
        assert v1 != v0  # the catalog's targets moved
        got = FAMILY.fetch(lake, period, date(2025, 12, 31), (*refs, "tasks.targets_unknown"))
        province = got.values[world.units["lai_chau"]]
        assert [province[r] for r in refs] == [31, 9, 6, 8, 7]
        assert province["tasks.targets_unknown"] == 1
        # The index on the bucket figures computes (no recursion) and reads them.
        with world.db.session() as s:
            out = indicators.values(
                s, lake, principal=SYSTEM_PRINCIPAL, index="t-chi-tieu", period="2025"
            )
        mine = next(u for u in out["units"] if u["id"] == world.units["lai_chau"])
        assert mine["nodes"][0]["indicator"]["value"] == 9
        # A catalog target is not entered by hand.
        r = _post(
            client,
            world,
            "/api/v1/tasks/targets:achieved",
            "officer_so",
            data={"plan": "KH-2025", "code": "L1", "value": "99"},
        )
        assert r.status_code == 422 and "danh mục chỉ số" in r.json()["detail"], r.text
        # A result entered by hand moves the version.
        r = _post(
            client,
            world,
            "/api/v1/tasks/targets:achieved",
            "officer_so",
            data={"plan": "KH-2025", "code": "M01", "value": "1"},
        )
        assert r.status_code == 200, r.text
        FAMILY.refresh(lake, None)  # type: ignore[misc]
        assert FAMILY.version(lake, period, date(2025, 12, 31)) != v1
    finally:
        lake.close()


def test_catalog_plan_targets_hold_across_the_reform_and_edits(
    client: Any, world: World, tmp_path: Path
) -> None:
    """A 2024 target of the province of the time (code 12) reaches the plan kept under today's
    province; an edit that keeps the counts (a code) moves the figures' version; the DTI's
    scoring goals leave plan targets out; the plan's import refuses a catalog-linked code; the
    loader refuses a second target of one code and a commune's."""
    from tinhso.indicators import loader as indicator_catalog
    from tinhso.indicators.catalog import CatalogError
    from tinhso.indicators.spec import load_spec
    from tinhso.lake import Lake
    from tinhso.services.periods import parse_period
    from tinhso.tasks.figures import FAMILY
    from tinhso.workdays import WorkCalendar

    plan = ["KH-2024", "Kế hoạch", "05/01/2024", "Kế hoạch năm 2024", "Sở Khoa học và Công nghệ"]
    rows = [[*plan, "K1", "Một nhiệm vụ", LEADS[0], "", "05/01/2024", "31/12/2030", ""]]
    assert _import(client, world, workbook(rows)).status_code == 200
    body = """
catalog: kh-2024
version: "1"
name: Chỉ tiêu của kế hoạch KH-2024
targets:
  - {plan: KH-2024, code: CODE, indicator: dtip.i.cap_quang, year: 2024, unit: "12", planned: 40}
"""
    path = tmp_path / "kh.yaml"

    def load(text: str) -> None:
        path.write_text(text, encoding="utf-8")
        with world.db.session() as s:
            indicator_catalog.load(
                s, principal=SYSTEM_PRINCIPAL, paths=[*indicator_catalog.default_files(), path]
            )

    load(body.replace("CODE", "C1"))
    got = client.get(
        "/api/v1/tasks/targets", params={"year": 2024}, headers=world.auth("leader12")
    ).json()
    assert [t["code"] for t in got["targets"]] == ["C1"] and got["targets"][0][
        "catalog"
    ] == "kh-2024"
    with world.db.session() as s:
        assert all(t.year != 2024 for t in load_spec(s, "dti-province-2025").targets)
    lake = Lake(world.db, None, WorkCalendar.default())
    try:
        period = parse_period("2024")
        FAMILY.refresh(lake, None)  # type: ignore[misc]
        before = FAMILY.version(lake, period, date(2024, 12, 31))
        load(body.replace("CODE", "C2"))
        FAMILY.refresh(lake, None)  # type: ignore[misc]
        assert FAMILY.version(lake, period, date(2024, 12, 31)) != before
        # Before the reform the province's figures are the province's of the time.
        got = FAMILY.fetch(lake, period, date(2024, 12, 31), ("tasks.total",)).values
        with world.db.session() as s:
            from tinhso.units import service as units

            then = [u.id for u in units.units_with_code(s, code="12", on=date(2024, 12, 31))]
        assert got[then[0]]["tasks.total"] == 1
    finally:
        lake.close()
    csv = (
        '"Số, ký hiệu kế hoạch",Mã chỉ tiêu,Tên chỉ tiêu,Kế hoạch giao,Kết quả\n'
        "KH-2024,C2,Trùng với danh mục,40,41\n"
    ).encode()
    r = _post(
        client,
        world,
        "/api/v1/tasks/targets:import",
        "officer_so",
        files={"file": ("ct.csv", csv, "text/csv")},
    )
    assert r.status_code == 422 and "đã ghi trong danh mục chỉ số" in r.text
    twice = body.replace("CODE", "C3") + (
        '  - {plan: KH-2024, code: C3, indicator: dtip.i.cap_quang, year: 2024, unit: "12", planned: 50}\n'
        "  - {plan: KH-2024, code: C4, indicator: dtip.i.cap_quang, year: 2024, level: commune, planned: 50}\n"
    )
    with pytest.raises(CatalogError) as exc:
        load(twice)
    text = "\n".join(exc.value.errors)
    assert "kế hoạch KH-2024 đã có chỉ tiêu 'C3' năm 2024" in text
    assert "chỉ tiêu của kế hoạch là của tỉnh" in text
