"""Dossier files: formats, legacy encodings, broken headers; nothing half-written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import openpyxl
import pytest
from sqlalchemy import func, select

from tests.services import data
from tests.units.test_import import encode_cp1258
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.errors import InvalidInput
from tinhso.services import service
from tinhso.services.models import Dossier
from tinhso.text import encode_tcvn3

HEADER = "Mã hồ sơ,Mã thủ tục,Mã cơ quan,Mã xã,Kênh,Trạng thái,Ngày tiếp nhận,Ngày hẹn trả,Ghi chú"
ROWS = [
    "F1,1.001,000.00.50.H12,03388,2,4,01/08/2025 08:00,06/08/2025 08:00,Hồ sơ của ông Nguyễn Văn Đức",
    "F2,1.002,000.00.50.H12,03388,1,4,2025-08-02 09:00,2025-08-07 09:00,Bà Lò Thị Mỷ nộp tại Bộ phận một cửa",
]


def _count(world: World) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Dossier)) or 0)


def _ingest(world: World, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    with world.db.session() as s:
        rep = service.ingest_file(
            s, principal=SYSTEM_PRINCIPAL, path=path, filename=path.name, **kw
        )  # type: ignore[arg-type]
        if not rep.committed:
            s.rollback()
    return rep


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [("utf-8", lambda t: t.encode("utf-8")), ("cp1258", encode_cp1258), ("tcvn3", encode_tcvn3)],
)
def test_csv_in_vietnamese_encodings(world: World, tmp_path: Path, encoding: str, encode) -> None:  # type: ignore[no-untyped-def]
    data.load(world)
    path = tmp_path / "hoso.csv"
    path.write_bytes(encode("\n".join([HEADER, *ROWS]) + "\n"))
    rep = _ingest(world, path)
    assert (rep.encoding, rep.created, rep.errors) == (encoding, 2, [])
    with world.db.session() as s:
        d = s.scalars(select(Dossier).where(Dossier.code == "F1")).one()
    assert d.received_at.isoformat() == "2025-08-01T01:00:00+00:00"  # 08:00 in Việt Nam


def test_parquet_and_ndjson(world: World, tmp_path: Path) -> None:
    data.load(world)
    ndjson = tmp_path / "hoso.ndjson"
    ndjson.write_text("\n".join(json.dumps(d) for d in data.DOSSIERS[:3]) + "\n", encoding="utf-8")
    parquet = tmp_path / "hoso.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE ('P' || code AS code) FROM read_json('{ndjson}')) TO '{parquet}' (FORMAT parquet)"
    )
    assert _ingest(world, ndjson).unchanged == 3  # already there: idempotent
    assert _ingest(world, parquet).created == 3


def test_xlsx_with_dates_as_cells(world: World, tmp_path: Path) -> None:
    from datetime import datetime

    data.load(world)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "Mã hồ sơ",
            "Mã thủ tục",
            "Mã cơ quan",
            "Kênh",
            "Trạng thái",
            "Ngày tiếp nhận",
            "Ngày hẹn trả",
        ]
    )
    ws.append(
        ["X1", "2.001", "000.00.02.H12", 1, 2, datetime(2025, 9, 1, 8), datetime(2025, 9, 8, 8)]
    )
    path = tmp_path / "hoso.xlsx"
    wb.save(path)
    rep = _ingest(world, path)
    assert (rep.created, rep.errors) == (1, [])


def test_xlsx_with_merged_header_is_refused(world: World, tmp_path: Path) -> None:
    data.load(world)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã hồ sơ", "Thông tin thủ tục", None, "Kênh", "Trạng thái"])
    ws.append(["X1", "2.001", "000.00.02.H12", 1, 2])
    ws.merge_cells("B1:C1")
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "hoso.xlsx"
    path.write_bytes(buf.getvalue())
    before = _count(world)
    with pytest.raises(InvalidInput) as exc:
        _ingest(world, path)
    reasons = [(e.field, e.reason) for e in exc.value.errors]
    assert ("cột 3", "ô tiêu đề trống (có thể do gộp ô); mỗi cột phải có tiêu đề riêng") in reasons
    assert any(f == "procedure_code" for f, _r in reasons)  # and the required columns it hides
    assert _count(world) == before


def test_all_or_nothing_writes_nothing(world: World, tmp_path: Path) -> None:
    data.load(world)
    path = tmp_path / "hoso.csv"
    path.write_text(
        "\n".join([HEADER, ROWS[0], ROWS[1].replace("1.002", "9.999")]) + "\n", encoding="utf-8"
    )
    before = _count(world)
    rep = _ingest(world, path, all_or_nothing=True)
    assert not rep.committed and rep.refused_rows == 1
    assert _count(world) == before


def test_unsupported_format(world: World, tmp_path: Path) -> None:
    path = tmp_path / "hoso.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(InvalidInput) as exc:
        _ingest(world, path)
    assert "không được hỗ trợ" in exc.value.detail


def _dossier_indexes(world: World) -> set[str]:
    from sqlalchemy import inspect

    with world.db.engine.connect() as conn:
        return {ix["name"] for ix in inspect(conn).get_indexes("dossier") if ix["name"]}


def _dossier_keys(world: World) -> set[str]:
    from sqlalchemy import inspect

    with world.db.engine.connect() as conn:
        return {fk["name"] for fk in inspect(conn).get_foreign_keys("dossier") if fk["name"]}


def test_a_large_load_keeps_every_index(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load larger than the table is written with the secondary indexes dropped and built
    again afterwards (the foreign keys stay); they are all there after it, and a repeated load
    (every code already stored) goes through the merge and writes nothing."""
    from tinhso.services import ingest

    data.load(world)  # 8 dossiers stored
    before, keys = _dossier_indexes(world), _dossier_keys(world)
    assert {"ix_dossier_received", "ix_dossier_agency", "ix_dossier_unit"} <= before
    assert len(keys) == 3
    monkeypatch.setattr(ingest, "BULK_ROWS", 20)
    rows = [
        f"L{i},1.001,000.00.50.H12,03388,2,4,{1 + i % 28:02d}/08/2025 08:00,{1 + i % 28:02d}/09/2025 08:00,"
        for i in range(40)
    ]
    path = tmp_path / "lon.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    rep = _ingest(world, path)
    assert (rep.created, rep.errors) == (40, [])
    assert _dossier_indexes(world) == before
    assert _count(world) == 48
    with world.db.session() as s:
        d = s.scalars(select(Dossier).where(Dossier.code == "L3")).one()
        assert d.received_at.isoformat() == "2025-08-04T01:00:00+00:00"  # 08:00 in Việt Nam
        seqs = sorted(s.scalars(select(Dossier.seq).where(Dossier.code.like("L%"))))
    assert seqs == list(range(seqs[0], seqs[0] + 40))  # one change number each
    rep = _ingest(world, path)  # the same file again: all 40 exist
    assert (rep.created, rep.updated, rep.unchanged) == (0, 0, 40)
    assert _dossier_indexes(world) == before and _count(world) == 48
    # Larger than the table again (60 > 48), five of its codes stored with an older state:
    # 55 written new while the table is held, the five merged as updates.
    changed = [
        f"L{i},1.001,000.00.50.H12,03388,2,9,{1 + i % 28:02d}/08/2025 08:00,{1 + i % 28:02d}/09/2025 08:00,"
        for i in range(5)
    ]
    fresh = [
        f"M{i},1.002,000.00.50.H12,03388,1,4,02/10/2025 08:00,09/10/2025 08:00," for i in range(55)
    ]
    path.write_text(
        "\n".join(
            [
                HEADER.replace("Ghi chú", "Ngày xử lý xong"),
                *[r.rstrip(",") + ",20/08/2025 08:00" for r in changed],
                *[f + "" for f in fresh],
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    rep = _ingest(world, path)
    assert (rep.created, rep.updated, rep.errors) == (55, 5, [])
    assert _count(world) == 103
    assert _dossier_indexes(world) == before and _dossier_keys(world) == keys
    with world.db.session() as s:
        assert s.scalar(select(Dossier.status).where(Dossier.code == "L2")) == 9


def _model_indexes() -> set[str]:
    return {str(ix.name) for ix in Dossier.__table__.indexes}  # type: ignore[attr-defined]


def test_a_large_load_that_fails_keeps_every_index(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indexes a large load drops come back with the rows' rollback when it fails after
    the drop (on SQLite the drop used to be committed on its own, leaving 1 index of 6)."""
    from tinhso.services import ingest

    data.load(world)
    before = _dossier_indexes(world)
    assert _model_indexes() <= before
    monkeypatch.setattr(ingest, "BULK_ROWS", 20)

    def broken(*_args: object, **_kw: object) -> int:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(ingest, "_insert_new_sqlite", broken)
    monkeypatch.setattr(ingest, "_copy_new_postgresql", broken)
    rows = [
        f"K{i},1.001,000.00.50.H12,03388,2,4,01/08/2025 08:00,02/09/2025 08:00," for i in range(40)
    ]
    path = tmp_path / "lon.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        _ingest(world, path)
    assert _dossier_indexes(world) == before
    assert _count(world) == 8


def _sqlite_indexes(world: World) -> set[str]:
    with world.db.engine.connect() as conn:
        return {str(r[1]) for r in conn.exec_driver_sql("PRAGMA index_list('dossier')")}


KILLED_LOAD = """
import sys, time
from pathlib import Path
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.db import Database
from tinhso.services import ingest, service

ingest.BULK_ROWS = 20
real = ingest._insert_new_sqlite

def slow(*args, **kw):
    n = real(*args, **kw)
    print("loaded", flush=True)  # the indexes are dropped and the rows written, not committed
    time.sleep(60)
    return n

ingest._insert_new_sqlite = slow
db = Database(sys.argv[1])
with db.session() as s:
    service.ingest_file(s, principal=SYSTEM_PRINCIPAL, path=Path(sys.argv[2]), filename="lon.csv")
"""


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_large_load_killed_leaves_every_index(world: World, tmp_path: Path) -> None:
    """kill -9 during a large SQLite load, after the drop: the next opening finds every index
    the model declares, and none of the load's rows."""
    import os
    import signal
    import subprocess
    import sys

    from tinhso.db import Database

    data.load(world)
    before = _sqlite_indexes(world)
    assert _model_indexes() <= before
    rows = [
        f"K{i},1.001,000.00.50.H12,03388,2,4,01/08/2025 08:00,02/09/2025 08:00," for i in range(40)
    ]
    path = tmp_path / "lon.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    world.db.dispose()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOAD, world.db.url, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TINHSO_VAR_DIR": str(tmp_path / "var")},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "loaded"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    reopened = Database(world.db.url)
    try:
        with reopened.engine.connect() as conn:
            found = {str(r[1]) for r in conn.exec_driver_sql("PRAGMA index_list('dossier')")}
            count = conn.exec_driver_sql("SELECT count(*) FROM dossier").scalar()
    finally:
        reopened.dispose()
    assert found == before and count == 8


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_opening_a_database_restores_lost_indexes(world: World) -> None:
    """A database whose load lost its indexes (an older version committed the drop on its own)
    gets them back at its next opening."""
    from tinhso.db import Database

    before = _sqlite_indexes(world)
    with world.db.engine.begin() as conn:
        for name in ("ix_dossier_received", "ix_dossier_agency", "ix_dossier_seq"):
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    assert len(_sqlite_indexes(world)) == len(before) - 3
    reopened = Database(world.db.url)
    try:
        assert sorted(reopened.restored_indexes) == [
            "ix_dossier_agency",
            "ix_dossier_received",
            "ix_dossier_seq",
        ]
    finally:
        reopened.dispose()
    assert _sqlite_indexes(world) == before


def test_a_database_of_an_older_version_opens_for_its_upgrade(tmp_path: Path) -> None:
    """A database left at an older schema (0006: the sign-in attempts had no device column yet)
    opens without creating the newest model's indexes on columns it lacks, so that
    `tinhso db upgrade` — and any other command — can run; the upgrade then builds them."""
    from tinhso.db import Database
    from tinhso.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    opened = Database(url)
    try:
        assert opened.restored_indexes == []
    finally:
        opened.dispose()
    upgrade(url)
    again = Database(url)
    try:
        assert again.restored_indexes == []
        with again.engine.connect() as conn:
            names = {str(r[1]) for r in conn.exec_driver_sql("PRAGMA index_list('login_attempt')")}
    finally:
        again.dispose()
    assert "ix_login_attempt_device" in names


def _refused(world: World, path: Path) -> InvalidInput:
    before = _count(world)
    with pytest.raises(InvalidInput) as exc:
        _ingest(world, path)
    assert _count(world) == before
    return exc.value


QUOTE_ADVICE = (
    "một ô có dấu phẩy hay xuống dòng phải nằm trọn trong cặp dấu ngoặc kép, dấu ngoặc kép bên "
    'trong ô viết hai lần ("")'
)


def test_a_broken_quote_is_refused_with_its_line(world: World, tmp_path: Path) -> None:
    """DuckDB's lenient reader kept '"RT-Q1' as a code: the file is refused at the line where
    the quote opens."""
    path = tmp_path / "ngoac.csv"
    path.write_text(
        "\n".join([HEADER, ROWS[0], '"RT-Q1' + ROWS[1][2:], ROWS[1]]) + "\n", encoding="utf-8"
    )
    err = _refused(world, path)
    reason = "dấu ngoặc kép mở ở dòng này không được đóng đến hết tệp"
    assert err.detail == (
        f"tệp 'ngoac.csv' có dấu ngoặc kép đặt sai ở dòng 3: {reason}; hãy sửa dòng đó rồi tải "
        f"lên lại ({QUOTE_ADVICE})"
    )
    assert [e.as_dict() for e in err.errors] == [{"field": "tệp", "reason": reason, "row": 3}]
    path.write_text("\n".join([HEADER, '"F1"X' + ROWS[0][2:]]) + "\n", encoding="utf-8")
    err = _refused(world, path)
    assert err.errors[0].row == 2
    assert err.errors[0].reason == "sau dấu ngoặc kép đóng ô phải là dấu phân cách hoặc hết dòng"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "hoso.xlsx",
            b"PK\x03\x04 not really a workbook",
            "không đọc được tệp 'hoso.xlsx': không đọc được tệp như một bảng tính Excel (.xlsx) — "
            "tệp bị hỏng, bị cắt cụt hoặc không phải tệp Excel dù có đuôi như vậy; hãy mở tệp bằng "
            "Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi tải lên",
        ),
        (
            "hoso.parquet",
            b"garbage",
            "không đọc được tệp 'hoso.parquet': tệp không phải tệp Parquet hợp lệ (bị hỏng, bị cắt "
            "cụt hoặc là định dạng khác); hãy xuất lại tệp từ hệ thống nguồn rồi tải lên",
        ),
        (
            "hoso.ndjson",
            b'{"code": "A"}\n{bad\n',
            "không đọc được tệp 'hoso.ndjson' (dòng 2): tệp không phải NDJSON hợp lệ (mỗi dòng phải "
            "là một đối tượng JSON); hãy sửa dòng đó hoặc xuất lại tệp từ hệ thống nguồn rồi tải lên",
        ),
    ],
)
def test_unreadable_files_are_said_in_vietnamese(
    world: World, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    """Were the readers' English with the server's temporary paths ("invalid Zip archive: Could
    not find EOCD", "Cannot detect file format")."""
    path = tmp_path / name
    path.write_bytes(content)
    err = _refused(world, path)
    assert err.detail == message
    assert str(tmp_path) not in err.detail and "tinhso-" not in err.detail


def test_an_empty_sheet_says_why(world: World, tmp_path: Path) -> None:
    """Was "không đọc được tệp Excel: " with no reason."""
    path = tmp_path / "trong.xlsx"
    openpyxl.Workbook().save(path)
    err = _refused(world, path)
    assert err.detail == (
        "tệp 'trong.xlsx' không có dữ liệu: trang tính đầu tiên của tệp trống (không có dòng tiêu "
        "đề nào); hãy đặt dòng tiêu đề và các dòng dữ liệu ở trang tính đầu tiên"
    )
