"""The 766 index across the reform of 1 July 2025, worked out by hand.

A register of its own (DESIGN.md, "Across the 2025 reform"): a dossier belongs to the units
valid on its local reception day; a period is shown on the units valid on its last day, an old
unit's dossiers counting, through the lineage, for the unit it became (for each part where it
was split, flagged partial) and once for the province; an old unit still answers for its own
time. Indicator 3.3 (dossiers received online ÷ dossiers received) is counted by hand below.

Old (until 30/6/2025)                          New (from 1/7/2025)
Tỉnh Lai Châu 12                               Tỉnh Lai Châu 12 ← old 12
  Phường Đoàn Kết 03388, Phường Quyết Tiến       Phường Đoàn Kết 03388 ← 03388, 03391, 03394
  03391, Phường Tân Phong 03394                    (three merged)
  Thị trấn Tam Đường 03397, Xã Sơn Bình 03400,   Xã Tam Đường 03403 ← 03397, 03400
  Xã Bình Lư 03403                               Xã Bình Lư 03397 ← 03403 (the two codes swapped:
                                                   each reused by a different commune)
Tỉnh Yên Bái 10: Xã Nghĩa An 04279             Tỉnh Lào Cai 15 ← old 10, old 15
Tỉnh Lào Cai 15: Thị trấn Bắc Hà 02600,          Xã Nghĩa Lộ 04279 ← 04279, part of 02605
  Xã Tà Chải 02605                               Xã Bắc Hà 02600 ← 02600, part of 02605 (split)

Dossiers (3.3 counts "online" = channel 2; all finished, so only reception matters; P2 and Q1
were finished late):
  P0 2024-11-05 03391 online   P1 2025-03-10 03388 online   P2 2025-03-11 03391 offline
  P3 2025-06-29 03394 online   P4 2025-05-05 03403 online   P5 2025-05-06 03397 offline
  P6 2025-04-01 02605 online   P7 2025-02-02 Sở (no commune) online
  P8 2025-06-30 23:30 03400 online
  P9 2025-07-01 05:00 (+07, still 30 June in UTC) 03397 online: the new Bình Lư
  Q1 2025-08-01 03388 offline  Q2 2025-08-02 03403 online   Q3 2025-09-01 02600 offline
  Q4 2025-09-02 04279 online   Q5 2025-10-10 Sở (no commune) offline
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit.service import Actor, bind_actor
from tinhso.db import Database
from tinhso.lake import Lake
from tinhso.services import qd766, service
from tinhso.services.catalog import load_catalog
from tinhso.services.periods import parse_period
from tinhso.units import changes, register
from tinhso.units.codes import REFORM_DATE
from tinhso.units.models import Unit
from tinhso.workdays import WorkCalendar

CATALOG = load_catalog()
RES = "1670/NQ-UBTVQH15"
FILES: dict[str, tuple[list[str], list[list[str]]]] = {
    "provinces_pre2025.csv": (
        ["code", "name", "type"],
        [
            ["10", "Tỉnh Yên Bái", "tinh"],
            ["12", "Tỉnh Lai Châu", "tinh"],
            ["15", "Tỉnh Lào Cai", "tinh"],
        ],
    ),
    "districts_pre2025.csv": (
        ["code", "name", "type", "province_code"],
        [
            ["105", "Thành phố Lai Châu", "thanh_pho", "12"],
            ["106", "Huyện Tam Đường", "huyen", "12"],
            ["132", "Thị xã Nghĩa Lộ", "thi_xa", "10"],
            ["080", "Huyện Bắc Hà", "huyen", "15"],
        ],
    ),
    "communes_pre2025.csv": (
        ["code", "name", "type", "district_code"],
        [
            ["03388", "Phường Đoàn Kết", "phuong", "105"],
            ["03391", "Phường Quyết Tiến", "phuong", "105"],
            ["03394", "Phường Tân Phong", "phuong", "105"],
            ["03397", "Thị trấn Tam Đường", "thi_tran", "106"],
            ["03400", "Xã Sơn Bình", "xa", "106"],
            ["03403", "Xã Bình Lư", "xa", "106"],
            ["04279", "Xã Nghĩa An", "xa", "132"],
            ["02600", "Thị trấn Bắc Hà", "thi_tran", "080"],
            ["02605", "Xã Tà Chải", "xa", "080"],
        ],
    ),
    "provinces_2025.csv": (
        ["code", "name", "type"],
        [["12", "Tỉnh Lai Châu", "tinh"], ["15", "Tỉnh Lào Cai", "tinh"]],
    ),
    "communes_2025.csv": (
        ["code", "name", "type", "province_code"],
        [
            ["03388", "Phường Đoàn Kết", "phuong", "12"],
            ["03403", "Xã Tam Đường", "xa", "12"],
            ["03397", "Xã Bình Lư", "xa", "12"],
            ["04279", "Xã Nghĩa Lộ", "xa", "15"],
            ["02600", "Xã Bắc Hà", "xa", "15"],
        ],
    ),
    "province_lineage.csv": (
        ["old_code", "new_code", "resolution", "resolution_date"],
        [
            ["10", "15", "202/2025/QH15", "2025-06-12"],
            ["12", "12", "", ""],
            ["15", "15", "202/2025/QH15", "2025-06-12"],
        ],
    ),
    "commune_lineage.csv": (
        ["new_code", "old_code", "share", "resolution", "resolution_date"],
        [
            ["03388", "03388", "whole", RES, "2025-06-16"],
            ["03388", "03391", "whole", RES, "2025-06-16"],
            ["03388", "03394", "whole", RES, "2025-06-16"],
            ["03403", "03397", "whole", RES, "2025-06-16"],
            ["03403", "03400", "whole", RES, "2025-06-16"],
            ["03397", "03403", "whole", RES, "2025-06-16"],
            ["04279", "04279", "whole", RES, "2025-06-16"],
            ["04279", "02605", "part", RES, "2025-06-16"],
            ["02600", "02600", "whole", RES, "2025-06-16"],
            ["02600", "02605", "part", RES, "2025-06-16"],
        ],
    ),
    "lineage_unmatched.csv": (["new_code", "fragment", "reason"], []),
}
AGENCIES = [  # code, name, kind, new unit (level, code), parent
    ("000.00.00.H12", "Ủy ban nhân dân tỉnh Lai Châu", "ubnd_tinh", ("province", "12"), None),
    ("000.00.02.H12", "Sở Khoa học và Công nghệ", "so", ("province", "12"), "000.00.00.H12"),
    (
        "000.00.50.H12",
        "Ủy ban nhân dân phường Đoàn Kết",
        "ubnd_xa",
        ("commune", "03388"),
        "000.00.00.H12",
    ),
    (
        "000.00.51.H12",
        "Ủy ban nhân dân xã Bình Lư",
        "ubnd_xa",
        ("commune", "03397"),
        "000.00.00.H12",
    ),
    (
        "000.00.52.H12",
        "Ủy ban nhân dân xã Tam Đường",
        "ubnd_xa",
        ("commune", "03403"),
        "000.00.00.H12",
    ),
    ("000.00.00.H15", "Ủy ban nhân dân tỉnh Lào Cai", "ubnd_tinh", ("province", "15"), None),
    (
        "000.00.50.H15",
        "Ủy ban nhân dân xã Bắc Hà",
        "ubnd_xa",
        ("commune", "02600"),
        "000.00.00.H15",
    ),
    (
        "000.00.51.H15",
        "Ủy ban nhân dân xã Nghĩa Lộ",
        "ubnd_xa",
        ("commune", "04279"),
        "000.00.00.H15",
    ),
]
SO, DK, BL, TD = "000.00.02.H12", "000.00.50.H12", "000.00.51.H12", "000.00.52.H12"
BH, NL = "000.00.50.H15", "000.00.51.H15"
PROCEDURES_CSV = """Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Mã cơ quan,Mức độ DVC,Phí,Có kết quả,Thời hạn giải quyết,Công dân
1.001,Chứng thực bản sao,Chứng thực,xã,,toàn trình,0,có,3,có
2.001,Cấp giấy phép X,Khoa học,tỉnh,000.00.02.H12,toàn trình,0,có,5,có
"""
LATE = {"P2", "Q1"}  # finished two days after their appointment
DOSSIERS = [  # code, agency, commune, received (local), online
    ("P0", DK, "03391", "2024-11-05T08:00", True),
    ("P1", DK, "03388", "2025-03-10T08:00", True),
    ("P2", DK, "03391", "2025-03-11T08:00", False),
    ("P3", DK, "03394", "2025-06-29T08:00", True),
    ("P4", BL, "03403", "2025-05-05T08:00", True),
    ("P5", TD, "03397", "2025-05-06T08:00", False),
    ("P6", BH, "02605", "2025-04-01T08:00", True),
    ("P7", SO, None, "2025-02-02T08:00", True),
    ("P8", TD, "03400", "2025-06-30T23:30", True),
    ("P9", BL, "03397", "2025-07-01T05:00", True),
    ("Q1", DK, "03388", "2025-08-01T08:00", False),
    ("Q2", TD, "03403", "2025-08-02T08:00", True),
    ("Q3", BH, "02600", "2025-09-01T08:00", False),
    ("Q4", NL, "04279", "2025-09-02T08:00", True),
    ("Q5", SO, None, "2025-10-10T08:00", False),
]


def _record(
    code: str, agency: str, commune: str | None, received: str, online: bool
) -> dict[str, Any]:
    at = datetime.fromisoformat(received + ":00+07:00")
    return {
        "code": code,
        "procedure_code": "2.001" if agency == SO else "1.001",
        "agency_code": agency,
        "commune_code": commune,
        "channel": 2 if online else 1,
        "status": 10,
        "received_at": at.isoformat(),
        "appointment_at": (at + timedelta(days=7)).isoformat(),
        "finished_at": (at + timedelta(days=9 if code in LATE else 1)).isoformat(),
        "returned_at": (at + timedelta(days=9 if code in LATE else 1, hours=2)).isoformat(),
    }


@pytest.fixture
def reform(db: Database, tmp_path: Path) -> Iterator[tuple[Database, Lake]]:
    """The register above, its agencies, procedures and dossiers, and a copy of them."""
    directory = tmp_path / "register"
    directory.mkdir()
    for name, (header, rows) in FILES.items():
        with (directory / name).open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *rows])
    with db.session() as s:
        bind_actor(s, Actor(name="test-setup", client="test"))
        register.load_register(s, data_dir=directory)
        ids: dict[str, int] = {}
        for code, name, kind, (level, ucode), parent in AGENCIES:
            uid = _id(s, level, ucode, new=True)
            a = changes.create_agency(
                s,
                principal=SYSTEM_PRINCIPAL,
                data=changes.AgencyInput(code, name, kind, uid, ids.get(parent or "")),
            )
            ids[code] = a.id
    with db.session() as s:
        rep = service.import_procedures(
            s, principal=SYSTEM_PRINCIPAL, data=PROCEDURES_CSV.encode(), filename="tthc.csv"
        )
        assert rep.committed, rep.errors
    with db.session() as s:
        rep2 = service.ingest_records(
            s, principal=SYSTEM_PRINCIPAL, records=[_record(*d) for d in DOSSIERS]
        )
        assert rep2.created == len(DOSSIERS), rep2.errors
    lake = Lake(db, tmp_path / "lake.duckdb", WorkCalendar.load())
    yield db, lake
    lake.close()


def _id(session: Any, level: str, code: str, *, new: bool) -> int:
    when = Unit.valid_from == REFORM_DATE if new else Unit.valid_from < REFORM_DATE
    return int(
        session.scalars(select(Unit.id).where(Unit.level == level, Unit.code == code, when)).one()
    )


def _ids(db: Database) -> dict[str, int]:
    with db.session() as s:
        out = {
            f"{'new' if new else 'old'} {level} {code}": _id(s, level, code, new=new)
            for new, level, codes in [
                (False, "province", ["10", "12", "15"]),
                (True, "province", ["12", "15"]),
                (False, "commune", ["03388", "03391", "03394", "03397", "03400", "03403", "02605"]),
                (True, "commune", ["03388", "03403", "03397", "04279", "02600"]),
            ]
            for code in codes
        }
        from tinhso.units.models import Agency

        out |= {code: a for code, a in s.execute(select(Agency.code, Agency.id))}
    return out


def online(
    lake: Lake, period: str, kind: str, uid: int, *, on: date | None = None
) -> tuple[float | None, float | None, bool]:
    """Return 3.3's (numerator, denominator, partial) of a unit, or (None, None, False)."""
    scores = qd766.fetch(lake, CATALOG, parse_period(period), kind, [uid], on=on)
    us = scores.get((period, kind, uid))
    if us is None:
        return None, None, False
    return us.scores["3.3"].num, us.scores["3.3"].den, us.partial


def test_before_the_reform_old_units_answer_for_their_time(reform: tuple[Database, Lake]) -> None:
    db, lake = reform
    u = _ids(db)
    # 2025-Q1 is shown on the units of 31/3/2025. The old province counts its communes' dossiers
    # (P1, P2) and those of the provincial department (P7), whose agency is attached to today's
    # province: the province that stood for it on the reception day is the old Lai Châu.
    assert online(lake, "2025-Q1", "province", u["old province 12"]) == (2, 3, False)
    assert online(lake, "2025-Q1", "commune", u["old commune 03388"]) == (1, 1, False)
    assert online(lake, "2025-Q1", "commune", u["old commune 03391"]) == (0, 1, False)
    # Today's units did not exist then: nothing is mapped backwards.
    assert online(lake, "2025-Q1", "province", u["new province 12"]) == (None, None, False)
    # Q2: P3, P4, P5, P8 in Lai Châu (P8 at 23:30 on 30 June is still June); P6 in old Lào Cai.
    assert online(lake, "2025-Q2", "province", u["old province 12"]) == (3, 4, False)
    assert online(lake, "2025-Q2", "province", u["old province 15"]) == (1, 1, False)
    assert online(lake, "2025-Q2", "commune", u["old commune 03400"]) == (1, 1, False)
    assert online(lake, "2025-H1", "province", u["old province 12"]) == (5, 7, False)
    # An agency is timeless: UBND phường Đoàn Kết received P1, P2 in Q1.
    assert online(lake, "2025-Q1", "agency", u[DK]) == (1, 2, False)


def test_a_year_across_the_reform_shows_on_todays_units(reform: tuple[Database, Lake]) -> None:
    db, lake = reform
    u = _ids(db)
    # Phường Đoàn Kết 2025: the three merged communes' P1, P2, P3 and its own Q1.
    assert online(lake, "2025", "commune", u["new commune 03388"]) == (2, 4, False)
    # Codes swapped: 03397 of the old Tam Đường (P5) counts for the new Xã Tam Đường 03403,
    # with the old Sơn Bình's P8 and its own Q2; the new Bình Lư 03397 has the old Bình Lư's P4
    # (code 03403) and P9, received at 05:00 local time on 1 July (30 June in UTC).
    assert online(lake, "2025", "commune", u["new commune 03403"]) == (2, 3, False)
    assert online(lake, "2025", "commune", u["new commune 03397"]) == (2, 2, False)
    # Tà Chải was split: P6 counts for both new communes, flagged partial, once in the province.
    assert online(lake, "2025", "commune", u["new commune 02600"]) == (1, 2, True)
    assert online(lake, "2025", "commune", u["new commune 04279"]) == (2, 2, True)
    # The province holds both parts: it is whole, and counts P6 once.
    assert online(lake, "2025", "province", u["new province 15"]) == (2, 3, False)
    # Lai Châu 2025: P1–P5, P7–P9, Q1, Q2, Q5; online P1, P3, P4, P7, P8, P9, Q2.
    assert online(lake, "2025", "province", u["new province 12"]) == (7, 11, False)
    # The old units are not valid on 31/12/2025: they have no figure of their own for 2025.
    assert online(lake, "2025", "commune", u["old commune 03388"]) == (None, None, False)
    # Q3 on today's units: P9 and Q2, Q1 in Lai Châu.
    assert online(lake, "2025-Q3", "province", u["new province 12"]) == (2, 3, False)
    assert online(lake, "2025", "agency", u[DK]) == (2, 4, False)


def test_a_past_period_on_todays_units(reform: tuple[Database, Lake]) -> None:
    """To compare with it (the DTI's change, the trend), a period is shown on later units."""
    db, lake = reform
    u = _ids(db)
    day = date(2025, 12, 31)
    # 2024's P0 at the old Quyết Tiến counts for today's Phường Đoàn Kết.
    assert online(lake, "2024", "commune", u["new commune 03388"], on=day) == (1, 1, False)
    assert online(lake, "2024", "commune", u["old commune 03391"]) == (1, 1, False)
    # 2025-Q1 on today's Lai Châu: the same dossiers as on the old one.
    assert online(lake, "2025-Q1", "province", u["new province 12"], on=day) == (2, 3, False)
    assert online(lake, "2025-Q2", "commune", u["new commune 03397"], on=day) == (1, 1, False)


def test_explanations_and_late_lists_follow_the_same_bridge(reform: tuple[Database, Lake]) -> None:
    db, lake = reform
    u = _ids(db)

    def codes(period: str, kind: str, uid: int, part: str = "denominator") -> list[str]:
        rows = qd766.explain(lake, CATALOG, parse_period(period), kind, uid, "3.3", part)
        return sorted(str(r["Mã hồ sơ"]) for r in rows)

    assert codes("2025-Q1", "province", u["old province 12"]) == ["P1", "P2", "P7"]
    assert codes("2025", "commune", u["new commune 03388"]) == ["P1", "P2", "P3", "Q1"]
    assert codes("2025", "commune", u["new commune 03388"], "numerator") == ["P1", "P3"]
    assert codes("2025", "province", u["new province 15"]) == ["P6", "Q3", "Q4"]


def test_late_lists_follow_the_same_bridge(reform: tuple[Database, Lake]) -> None:
    db, lake = reform
    u = _ids(db)

    def late(period: str, kind: str, uid: int) -> list[str]:
        rows = qd766.late_dossiers(lake, CATALOG, parse_period(period), kind, uid)
        return sorted(str(r["code"]) for r in rows)

    assert late("2025-Q1", "commune", u["old commune 03391"]) == ["P2"]
    assert late("2025-Q1", "province", u["old province 12"]) == ["P2"]
    # The year on today's Phường Đoàn Kết: the old Quyết Tiến's P2 and its own Q1.
    assert late("2025", "commune", u["new commune 03388"]) == ["P2", "Q1"]
    assert late("2025", "agency", u[DK]) == ["P2", "Q1"]
    assert late("2025", "commune", u["new commune 03403"]) == []


def test_ranks_need_something_to_compare_with(reform: tuple[Database, Lake]) -> None:
    db, lake = reform
    u = _ids(db)
    scores = qd766.fetch(lake, CATALOG, parse_period("2025"))

    def rank(kind: str, uid: int, period: str = "2025") -> tuple[int, int] | None:
        got = scores if period == "2025" else qd766.fetch(lake, CATALOG, parse_period(period))
        return got[(period, kind, uid)].rank

    # Communes are ranked within their province: three in Lai Châu, two in Lào Cai.
    assert rank("commune", u["new commune 03397"]) == (1, 3)  # Bình Lư: 2 of 2 online
    assert rank("commune", u["new commune 02600"])[1] == 2  # type: ignore[index]
    # Provinces among provinces; agencies among those of their province: Sở KH&CN and the
    # three UBND xã of Lai Châu, the two of Lào Cai.
    assert rank("province", u["new province 12"])[1] == 2  # type: ignore[index]
    assert rank("agency", u[SO])[1] == 4  # type: ignore[index]
    assert rank("agency", u[BH])[1] == 2  # type: ignore[index]
    # 2025-Q1: only the old Lai Châu has dossiers (P1, P2, P7): alone, it is not ranked (a
    # province with no dossier in the period has no index, not a catalogue-only 100%).
    assert rank("province", u["old province 12"], "2025-Q1") is None
    assert ("2025-Q1", "province", u["old province 15"]) not in qd766.fetch(
        lake, CATALOG, parse_period("2025-Q1")
    )
    # 2025-Q2 on the old units: the UBND xã of Lai Châu are grouped under the province that
    # stood then (their agencies are attached to today's); Bắc Hà's is alone in old Lào Cai.
    assert rank("agency", u[DK], "2025-Q2")[1] == 3  # type: ignore[index]
    assert rank("agency", u[BH], "2025-Q2") is None


def test_procedure_indicators_across_the_reform(reform: tuple[Database, Lake]) -> None:
    db, lake = reform
    u = _ids(db)

    def s31(period: str, kind: str, uid: int) -> tuple[float | None, float | None]:
        us = qd766.fetch(lake, CATALOG, parse_period(period), kind, [uid])[(period, kind, uid)]
        return us.scores["3.1"].num, us.scores["3.1"].den

    # 3.1: procedures with an online service ÷ procedures in the remit, both online here: the
    # province's remit is every procedure, a commune's the commune-level one.
    assert s31("2025-Q1", "province", u["old province 12"]) == (2, 2)
    assert s31("2025", "commune", u["new commune 03388"]) == (1, 1)
    assert s31("2025-Q2", "commune", u["old commune 03403"]) == (1, 1)


def test_the_trend_of_a_new_commune_reaches_back_through_the_lineage(
    reform: tuple[Database, Lake],
) -> None:
    from tinhso.services import index as idx

    db, lake = reform
    u = _ids(db)

    def on_time(uid: int, code: str) -> dict[str, float | None]:
        ref = idx.UnitRef("commune", uid, code, "")
        with db.session() as s:
            rows = idx.trend(s, lake, CATALOG, principal=SYSTEM_PRINCIPAL, ref=ref, year=2025)
        return {r["label"]: r["on_time"] for r in rows}

    new = on_time(u["new commune 03388"], "03388")
    # March on today's Phường Đoàn Kết: P1 (on time) and the old Quyết Tiến's P2 (late).
    assert (new["T1"], new["T3"], new["T6"], new["T8"]) == (None, 0.5, 1.0, 0.0)
    old = on_time(u["old commune 03388"], "03388")
    assert (old["T3"], old["T8"]) == (1.0, None)  # its own P1; it ended on 30 June


def test_the_page_shows_the_unit_of_the_period(
    reform: tuple[Database, Lake], tmp_path: Path
) -> None:
    import re

    from fastapi.testclient import TestClient

    from tinhso.accounts import service as accounts
    from tinhso.app import create_app
    from tinhso.config import Settings

    db, _lake = reform
    with db.session() as s:
        accounts.create_user(
            s,
            principal=SYSTEM_PRINCIPAL,
            username="lanhdao",
            role="leader",
            password="mat-khau-dai-1",
            full_name="Lãnh đạo",
            scopes=[accounts.ScopeRoot(unit_id=_id(s, "province", "12", new=True))],
        )
    app = create_app(Settings(var_dir=tmp_path / "var", database_url=db.url), db=db)
    with TestClient(app) as c:
        page = c.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = c.post(
            "/login",
            data={"username": "lanhdao", "password": "mat-khau-dai-1", "login_csrf": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
        html = c.get("/services", params={"period": "2025-Q1", "unit": "12"}).text
        # The leader of today's Lai Châu reads the province of Q1 2025 (its history is in scope).
        assert "Tỉnh Lai Châu — Quý I/2025" in html
        row = re.search(r'data-indicator="3.3".*?</tr>', html, re.S).group(0)  # type: ignore[union-attr]
        assert ">2</a>" in row and ">3</a>" in row
        html = c.get("/services", params={"period": "2025", "unit": "03388"}).text
        assert "Phường Đoàn Kết — Năm 2025" in html and 'data-testid="partial"' not in html
        # Xã Bắc Hà (Lào Cai) is outside the leader's scope.
        assert c.get("/services", params={"period": "2025", "unit": "02600"}).status_code == 404
    with db.session() as s:
        accounts.create_user(
            s,
            principal=SYSTEM_PRINCIPAL,
            username="quantri",
            role="admin",
            password="mat-khau-dai-1",
            full_name="Quản trị",
            scopes=[],
        )
    app = create_app(Settings(var_dir=tmp_path / "var2", database_url=db.url), db=db)
    with TestClient(app) as c:
        page = c.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        c.post(
            "/login",
            data={"username": "quantri", "password": "mat-khau-dai-1", "login_csrf": token},
        )
        html = c.get("/services", params={"period": "2025", "unit": "02600"}).text
        assert "Xã Bắc Hà — Năm 2025" in html and 'data-testid="partial"' in html


def test_the_api_and_the_cli_answer_for_the_unit_of_the_period(
    reform: tuple[Database, Lake], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from tinhso.accounts import service as accounts
    from tinhso.app import create_app
    from tinhso.cli import app as cli_app
    from tinhso.config import Settings, get_settings

    db, _lake = reform
    with db.session() as s:
        user = accounts.create_user(
            s,
            principal=SYSTEM_PRINCIPAL,
            username="quantri",
            role="admin",
            password="mat-khau-dai-1",
            full_name="sys",
            scopes=[],
        )
        _tok, token = accounts.issue_token(s, principal=SYSTEM_PRINCIPAL, user_id=user.id, name="t")
    app = create_app(Settings(var_dir=tmp_path / "var", database_url=db.url), db=db)
    with TestClient(app) as c:
        r = c.get(
            "/api/v1/indices/qd766",
            params={"period": "2025-Q1", "unit": "12"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.text
        (unit,) = r.json()["units"]
        ind = next(i for i in unit["indicators"] if i["id"] == "3.3")
        assert (ind["numerator"], ind["denominator"]) == (2, 3)
        r = c.get(
            "/api/v1/indices/qd766",
            params={"period": "2025", "unit": "02600"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.json()["units"][0]["partial"] is True
    monkeypatch.setenv("TINHSO_DATABASE_URL", db.url)
    monkeypatch.setenv("TINHSO_VAR_DIR", str(tmp_path / "var-cli"))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(
            cli_app,
            [
                "services",
                "explain",
                "--unit",
                "12",
                "--period",
                "2025-Q1",
                "--indicator",
                "3.3",
            ],
        )
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    assert sorted(r["Mã hồ sơ"] for r in json.loads(out.output)) == ["P1", "P2", "P7"]


def test_the_dti_reads_the_766_figures_across_the_reform(reform: tuple[Database, Lake]) -> None:
    """The DTI's 766 sub-indicators use the same bridge: a new commune's 2025 holds both halves,
    and the previous year is compared on this year's units."""
    from tinhso.indicators import loader
    from tinhso.indicators import service as indicators

    db, lake = reform
    with db.session() as s:
        loader.load(s, principal=SYSTEM_PRINCIPAL, paths=loader.default_files())
    with db.session() as s:
        out = indicators.values(
            s,
            lake,
            principal=SYSTEM_PRINCIPAL,
            index="dti-commune-2025",
            period="2025",
            unit_code="03388",
        )
    (unit,) = out["units"]

    def node(n: dict[str, Any], code: str) -> dict[str, Any]:
        if n.get("code") == code:
            return n
        for c in n.get("nodes", []):
            found = node(c, code)
            if found:
                return found
        return {}

    online_node = node(unit, "6.1")["indicator"]
    # P1, P2, P3 (the three old wards, first half) and Q1: 2 online of 4.
    assert (online_node["numerator"], online_node["denominator"]) == (2, 4)
    # The previous year on this year's communes: the old Quyết Tiến's P0 (online) of 2024.
    assert node(unit, "6.1")["previous"] is not None
    # Xã Bắc Hà holds part of the split Tà Chải: the DTI says so, as the 766 does.
    with db.session() as s:
        bh = indicators.values(
            s,
            lake,
            principal=SYSTEM_PRINCIPAL,
            index="dti-commune-2025",
            period="2025",
            unit_code="02600",
        )
    assert bh["units"][0]["partial"] is True
