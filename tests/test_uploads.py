"""Uploads that unpack to more than they weigh: refused before any reader opens them, quickly,
with bounded memory, on every path (CLI, API, page), with the limit named and nothing written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from tests import bombs
from tests.accounts.test_auth import _login
from tests.test_cross_scope import fingerprint
from tests.world import World
from tinhso.errors import InvalidInput
from tinhso.uploads import Limits, check_spreadsheet

RATIO = (
    "phần 'xl/sharedStrings.xml' giải nén ra lớn gấp 1.028 lần (giới hạn 100 lần), "
    "dấu hiệu của một tệp nén độc hại"
)
ROWS = "trang tính có hơn 1.048.576 dòng (giới hạn số dòng)"
WHAT_TO_DO = "hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi tải lên, hoặc chia tệp nhỏ hơn"
MEMORY_BOUND_KB = 400 * 1024


@pytest.fixture(scope="session")
def bomb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 410 KB workbook holding a 400 MB shared string, and a 1.2 M-row one (16 MB)."""
    d = tmp_path_factory.mktemp("bombs")
    bombs.string_bomb(d / "chuoi.xlsx")
    bombs.row_bomb(d / "dong.xlsx")
    return d


def _refusal(path: Path, limits: Limits | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        check_spreadsheet(path, path.name, limits)
    return exc.value


def test_a_string_bomb_is_refused_from_its_directory(bomb_dir: Path) -> None:
    path = bomb_dir / "chuoi.xlsx"
    assert path.stat().st_size < 420_000
    start = time.monotonic()
    err = _refusal(path)
    assert time.monotonic() - start < 1
    assert err.detail == f"tệp 'chuoi.xlsx' bị từ chối: {RATIO}; {WHAT_TO_DO}"
    assert [e.as_dict() for e in err.errors] == [{"field": "tệp", "reason": RATIO}]


def test_a_row_bomb_is_refused_before_reading(bomb_dir: Path) -> None:
    start = time.monotonic()
    err = _refusal(bomb_dir / "dong.xlsx")
    assert time.monotonic() - start < 15
    assert err.detail == f"tệp 'dong.xlsx' bị từ chối: {ROWS}; {WHAT_TO_DO}"


def test_a_member_lying_about_its_size_is_caught_inflating(bomb_dir: Path, tmp_path: Path) -> None:
    """Declared small (ratio 1) in both headers, the shared strings inflate to 400 MB: refused
    as soon as more comes out than declared, not truncated at the declared size."""
    liar = bombs.understate_sizes(
        bombs.string_bomb(tmp_path / "noi-doi.xlsx"), "xl/sharedStrings.xml", 409_000
    )
    err = _refusal(liar)
    assert err.errors[0].reason == (
        "phần 'xl/sharedStrings.xml' giải nén ra nhiều hơn kích thước mà tệp khai báo cho nó"
    )


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (
            Limits(ratio=10**6),
            "phần 'xl/sharedStrings.xml' giải nén ra 400 MB, vượt giới hạn 256 MB một phần",
        ),
        (
            Limits(ratio=10**6, member_bytes=1 << 30, unpacked_bytes=300 << 20),
            "tệp giải nén ra 400 MB, vượt giới hạn 300 MB",
        ),
        (
            Limits(ratio=10**6, member_bytes=1 << 30),
            "phần 'xl/sharedStrings.xml' có một ô dài hơn 32.767 ký tự (giới hạn độ dài một ô)",
        ),
    ],
)
def test_each_limit_is_named(bomb_dir: Path, limits: Limits, reason: str) -> None:
    if "256 MB" in reason:
        limits = Limits(ratio=10**6, member_bytes=256 << 20)
    assert _refusal(bomb_dir / "chuoi.xlsx", limits).errors[0].reason == reason


def test_a_wide_sparse_sheet_is_refused_by_its_cells(tmp_path: Path) -> None:
    """Two cells, A1 and XFD5000: the readers lay the sheet out dense (5,000 × 16,384 cells)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Mã thôn"
    ws["XFD5000"] = 1
    wb.save(tmp_path / "rong.xlsx")
    err = _refusal(tmp_path / "rong.xlsx", Limits(cells=1_000_000))
    assert err.errors[0].reason == (
        "trang tính có 5.000 dòng × 16.384 cột, vượt giới hạn 1.000.000 ô"
    )


def test_an_ordinary_workbook_passes(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(bombs.HEADER))
    for i in range(2000):
        ws.append([f"T{i}", "Bản Nà Nhạn " * 20, "03388"])
    wb.save(tmp_path / "thon.xlsx")
    check_spreadsheet(tmp_path / "thon.xlsx", "thon.xlsx")
    check_spreadsheet((tmp_path / "thon.xlsx").read_bytes(), "thon.xlsx")


# Runs one CLI command in this interpreter and reports its own peak resident memory, read
# from /proc (VmHWM is this process's, unlike ru_maxrss which carries over a fork).
PEAK = """
import atexit, sys
from tinhso.cli import app

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("PEAK", line.split()[1], file=sys.stderr, flush=True)

atexit.register(peak)
app(sys.argv[1:], prog_name="tinhso")
"""


def _cli_peak(world: World, tmp_path: Path, *args: str) -> tuple[int, str, int]:
    env = {
        **os.environ,
        "TINHSO_DATABASE_URL": world.db.url,
        "TINHSO_VAR_DIR": str(tmp_path / "var"),
        "COLUMNS": "400",
    }
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    peak = re.search(r"^PEAK (\d+)$", done.stderr, re.M)
    assert peak, done.stderr
    output = " ".join((done.stdout + done.stderr.replace(peak.group(0), "")).split())
    return done.returncode, output, int(peak.group(1))


@pytest.mark.parametrize(
    ("command", "bomb", "reason"),
    [
        (("services", "import"), "chuoi.xlsx", RATIO),
        (("services", "import"), "dong.xlsx", ROWS),
        (("units", "import-villages"), "chuoi.xlsx", RATIO),
        (("units", "import-villages"), "dong.xlsx", ROWS),
        (("units", "import-agencies"), "chuoi.xlsx", RATIO),
        (("services", "import-procedures"), "dong.xlsx", ROWS),
    ],
)
def test_cli_imports_refuse_bombs_in_bounded_memory(
    world: World, tmp_path: Path, bomb_dir: Path, command: tuple[str, ...], bomb: str, reason: str
) -> None:
    before = fingerprint(world.db)
    code, output, peak_kb = _cli_peak(world, tmp_path, *command, str(bomb_dir / bomb))
    assert code != 0
    assert reason in output, output
    assert str(bomb_dir) not in output  # no server path
    assert peak_kb < MEMORY_BOUND_KB, f"peak {peak_kb} kB"
    assert fingerprint(world.db) == before


@pytest.mark.parametrize(
    "route",
    [
        "/api/v1/dossiers:import",
        "/api/v1/units:import",
        "/api/v1/agencies:import",
        "/api/v1/procedures:import",
    ],
)
def test_api_imports_refuse_a_bomb(client, world: World, bomb_dir: Path, route: str) -> None:  # type: ignore[no-untyped-def]
    before = fingerprint(world.db)
    data = (bomb_dir / "chuoi.xlsx").read_bytes()
    r = client.post(route, files={"file": ("chuoi.xlsx", data)}, headers=world.auth("admin"))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["detail"] == f"tệp 'chuoi.xlsx' bị từ chối: {RATIO}; {WHAT_TO_DO}"
    assert body["errors"] == [{"field": "tệp", "reason": RATIO}]
    assert fingerprint(world.db) == before


@pytest.mark.parametrize("page", ["/services/upload", "/units-import"])
def test_upload_pages_refuse_a_bomb(client, world: World, bomb_dir: Path, page: str) -> None:  # type: ignore[no-untyped-def]
    """Through the page's form, signed in, with its CSRF token, as a browser posts it."""
    _login(client, "admin")
    html = client.get(page).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    before = fingerprint(world.db)
    data = (bomb_dir / "dong.xlsx").read_bytes()
    r = client.post(page, data={"csrf_token": token}, files={"file": ("dong.xlsx", data)})
    assert r.status_code == 422
    assert ROWS in r.text
    assert fingerprint(world.db) == before


def test_the_report_workbook_upload_refuses_a_bomb(client, world: World, bomb_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.reporting.conftest import load_catalog_forms

    load_catalog_forms(world)
    before = fingerprint(world.db)
    data = (bomb_dir / "chuoi.xlsx").read_bytes()
    r = client.post(
        "/api/v1/reporting/upload",
        params={"form": "BC-CDS-XA-THANG", "period": "2025-07"},
        files={"file": ("chuoi.xlsx", data)},
        headers=world.auth("admin"),
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [{"field": "tệp", "reason": RATIO}]
    assert fingerprint(world.db) == before


LONG = "ô dài 200.000 ký tự, vượt giới hạn 32.767 ký tự một ô"
CSV_FILES = {
    "/api/v1/units:import": "Mã thôn,Tên thôn,Loại,Mã xã\nT9,{long},Thôn,03388\n",
    "/api/v1/agencies:import": (
        "Mã định danh,Tên cơ quan,Loại,Mã đơn vị\n000.09.50.H12,{long},Khác,12\n"
    ),
    "/api/v1/procedures:import": "Mã thủ tục,Tên thủ tục\n9.999,{long}\n",
}


@pytest.mark.parametrize("route", list(CSV_FILES))
def test_a_csv_field_over_128_kb_is_refused_by_row_and_field(
    client, world: World, route: str
) -> None:  # type: ignore[no-untyped-def]
    """Was a 500 (the csv module's own field limit): refused naming the row and the field."""
    before = fingerprint(world.db)
    text = CSV_FILES[route].format(long="Bản " + "x" * 199_996)
    files = {"file": ("tep.csv", text.encode(), "text/csv")}
    r = client.post(route, files=files, headers=world.auth("admin"))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["detail"] == (
        "tệp 'tep.csv' có 1 ô dài quá giới hạn 32.767 ký tự; không ghi dòng nào"
    )
    assert body["errors"] == [{"field": "name", "row": 2, "reason": LONG}]
    assert fingerprint(world.db) == before
