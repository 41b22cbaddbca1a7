"""Village imports: every bad input gets a per-row reason, and nothing is half-written."""

from __future__ import annotations

import io
import unicodedata

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.errors import InvalidInput
from tinhso.text import encode_tcvn3, encode_vni
from tinhso.units import imports
from tinhso.units.models import Unit

HEADER = "Mã,Tên,Loại,Mã xã"


def _villages(world: World) -> int:
    with world.db.session() as s:
        return int(
            s.scalar(select(func.count()).select_from(Unit).where(Unit.level == "village")) or 0
        )


def _import(
    world: World, data: bytes, filename: str = "thon.csv", partial: bool = False
) -> imports.ImportReport:
    """Run the import in a transaction of its own; a refused file's report (not committed)."""
    try:
        with world.db.session() as s:
            return imports.import_villages(
                s, principal=SYSTEM_PRINCIPAL, data=data, filename=filename, partial=partial
            )
    except imports.ImportRefused as exc:
        return exc.report


def test_good_file_commits_all(world: World) -> None:
    data = (
        f"{HEADER}\n0338810,Tổ dân phố số 10,tổ dân phố,03388\n0339010,Bản Hô Ta,bản,03390\n"
    ).encode()
    rep = _import(world, data)
    assert (rep.committed, rep.created, rep.errors) == (True, 2, [])
    assert _villages(world) == 6


def test_reimport_is_idempotent(world: World) -> None:
    data = f"{HEADER}\n0338810,Tổ dân phố số 10,tổ dân phố,03388\n".encode()
    _import(world, data)
    rep = _import(world, data)
    assert (rep.created, rep.updated, rep.unchanged) == (0, 0, 1)


def test_bad_rows_are_named_and_nothing_is_written(world: World) -> None:
    data = (
        f"{HEADER},Hiệu lực từ\n"
        "0338810,Tổ dân phố số 10,tổ dân phố,03388,2025-07-01\n"  # good
        "0338811,Tổ 11,tổ dân phố,99999,\n"  # unknown commune
        "0338810,Trùng mã,tổ dân phố,03388,\n"  # duplicate code in file
        "0338812,Tổ 12,tổ dân phố,03388,2025-13-45\n"  # invalid date
        "0338813,,tổ dân phố,03388,\n"  # missing name
        "0338814,Tổ 14,khu công nghiệp,03388,\n"  # unknown kind
    ).encode()
    before = _villages(world)
    rep = _import(world, data)
    assert not rep.committed
    assert [(e.row, e.field) for e in rep.errors] == [
        (3, "commune_code"),
        (4, "code"),
        (5, "valid_from"),
        (6, "name"),
        (7, "type"),
    ]
    assert "không có trong danh mục hiện hành" in rep.errors[0].reason
    assert "trùng với dòng 2" in rep.errors[1].reason
    assert _villages(world) == before


def test_partial_commits_exactly_the_accepted_rows(world: World) -> None:
    data = f"{HEADER}\n0338810,Tổ 10,tổ dân phố,03388\n0338811,Tổ 11,tổ dân phố,99999\n".encode()
    rep = _import(world, data, partial=True)
    assert (rep.committed, rep.created, len(rep.errors)) == (True, 1, 1)
    assert _villages(world) == 5


def test_nfd_text_is_stored_nfc(world: World) -> None:
    data = unicodedata.normalize(
        "NFD", f"{HEADER}\n0338815,Tổ dân phố Đồng Tâm,tổ dân phố,03388\n"
    ).encode()
    _import(world, data)
    with world.db.session() as s:
        name = s.scalars(select(Unit.name).where(Unit.code == "0338815")).one()
    assert name == "Tổ dân phố Đồng Tâm" and unicodedata.is_normalized("NFC", name)


def encode_cp1258(text: str) -> bytes:
    """Return text as Windows-1258 writes it: vowel shapes precomposed, tones combining."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        shape = "".join(m for m in marks if m in "\u0302\u0306\u031b")
        tone = "".join(m for m in marks if m not in shape)
        out += unicodedata.normalize("NFC", base + shape).encode("cp1258") + tone.encode("cp1258")
    return out


@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (encode_cp1258, "cp1258"),
        (encode_tcvn3, "tcvn3"),
        (encode_vni, "vni"),
    ],
)
def test_legacy_encodings_are_decoded(world: World, encode, expected: str) -> None:  # type: ignore[no-untyped-def]
    text = (
        f"{HEADER}\n0339020,Bản Nậm Đích,bản,03390\n0339021,Bản Sùng Phài,bản,03390\n"
        "0339022,Thôn Tả Lèng,thôn,03390\n"
    )
    rep = _import(world, encode(text))
    assert rep.encoding == expected and rep.committed, rep.errors
    with world.db.session() as s:
        names = s.scalars(
            select(Unit.name)
            .where(Unit.code.in_(["0339020", "0339021", "0339022"]))
            .order_by(Unit.code)
        ).all()
    assert names == ["Bản Nậm Đích", "Bản Sùng Phài", "Thôn Tả Lèng"]


def _xlsx(rows: list[list[object]], merge: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_import(world: World) -> None:
    data = _xlsx(
        [["Mã thôn", "Tên thôn", "Loại", "Mã xã"], ["0339030", "Bản Thèn Sin", "bản", "03390"]]
    )
    rep = _import(world, data, "thon.xlsx")
    assert rep.committed and rep.created == 1


def test_xlsx_with_merged_header_is_refused(world: World) -> None:
    data = _xlsx(
        [["Mã", "Tên thôn", None, "Mã xã"], ["0339031", "Bản A", "bản", "03390"]], merge="B1:C1"
    )
    with pytest.raises(InvalidInput) as exc:
        _import(world, data, "thon.xlsx")
    assert next((e.row, e.field) for e in exc.value.errors) == (1, "cột 3")
    assert "gộp ô" in exc.value.errors[0].reason


def test_missing_column_is_named(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        _import(world, "Mã,Tên,Mã xã\n1,A,03390\n".encode())
    assert [e.field for e in exc.value.errors] == ["type"]


def test_commune_outside_scope_is_refused_per_row(client, world: World) -> None:  # type: ignore[no-untyped-def]
    files = {
        "file": (
            "t.csv",
            f"{HEADER}\n0338820,Tổ 20,tổ dân phố,03388\n0339040,Bản B,bản,03390\n".encode(),
            "text/csv",
        )
    }
    r = client.post("/api/v1/units:import", files=files, headers=world.auth("officer_dk"))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "commune_code")]
    assert "ngoài phạm vi" in body["errors"][0]["reason"]


AGENCY_HEADER = "Mã định danh,Tên cơ quan,Loại,Mã đơn vị,Mã cơ quan cấp trên"


def _import_agencies(world: World, data: bytes, partial: bool = False) -> imports.ImportReport:
    try:
        with world.db.session() as s:
            return imports.import_agencies(
                s, principal=SYSTEM_PRINCIPAL, data=data, filename="cq.csv", partial=partial
            )
    except imports.ImportRefused as exc:
        return exc.report


def _agencies(world: World) -> int:
    from tinhso.units.models import Agency

    with world.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Agency)) or 0)


def test_agency_import_parents_in_any_order(world: World) -> None:
    data = (
        f"{AGENCY_HEADER}\n"
        "000.01.03.H12,Phòng Hành chính,Khác,12,000.00.03.H12\n"  # child before its parent
        "000.00.03.H12,Sở Nội vụ,Sở,12,000.00.00.H12\n"
    ).encode()
    rep = _import_agencies(world, data)
    assert (rep.committed, rep.created, rep.errors) == (True, 2, [])
    assert _import_agencies(world, data).unchanged == 2


def test_agency_import_bad_rows_write_nothing(world: World) -> None:
    data = (
        f"{AGENCY_HEADER}\n"
        "000.00.03.H12,Sở Nội vụ,Sở,12,000.00.00.H12\n"  # good
        "000.00.3.H12,Sở Sai Mã,Sở,12,\n"  # bad QCVN 102 code
        "000.00.03.H12,Trùng,Sở,12,\n"  # duplicate code
        "000.00.04.H12,Sở Tài chính,Cục,12,\n"  # unknown kind
        "000.00.05.H12,Sở Xây dựng,Sở,99,\n"  # unknown unit
        "000.00.06.H12,Sở Y tế,Sở,15,\n"  # Lào Cai: the importer's scope is all, so fine
        "000.00.07.H12,Sở Tư pháp,Sở,12,000.00.09.H15\n"  # parent code of another province
    ).encode()
    before = _agencies(world)
    rep = _import_agencies(world, data)
    assert not rep.committed
    got = [(e.row, e.field) for e in rep.errors]
    assert (
        (3, "code") in got and (4, "code") in got and (5, "kind") in got and (6, "unit_code") in got
    )
    assert "NNN.NN.NN.Xnn" in next(e.reason for e in rep.errors if e.row == 3)
    assert _agencies(world) == before


def test_agency_import_outside_scope(client, world: World) -> None:  # type: ignore[no-untyped-def]
    files = {
        "file": (
            "cq.csv",
            f"{AGENCY_HEADER}\n000.00.61.H12,UBND X,UBND xã,03390,\n".encode(),
            "text/csv",
        )
    }
    r = client.post("/api/v1/agencies:import", files=files, headers=world.auth("officer_dk"))
    assert r.status_code == 422
    assert "ngoài phạm vi" in r.json()["errors"][0]["reason"]
