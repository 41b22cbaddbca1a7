"""The villages' infrastructure register on a hand-worked example (SQLite and PostgreSQL).

Files (all in the small world's Lai Châu, code 12):
- Viettel, 1/8/2025: TDP số 2 (Đoàn Kết) 2G, 3G, no 4G/5G, no fibre, 120 households, 0 with
  fibre; Bản Nà Tăm (Bình Lư) 2G, 3G centre only, no 4G, fibre, 80 households, 30 with fibre.
- the commune's own count, 1/8/2025: TDP số 2 has electricity, Nà Tăm has none.
- VNPT, 1/3/2026: TDP số 2 "2G, 3G, LTE", fibre, 50 households with fibre.
TDP số 1 has no data at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.errors import InvalidInput, NotFound
from tinhso.infrastructure import figures as infra_figures
from tinhso.infrastructure import imports, service
from tinhso.infrastructure.models import FULL, NONE, PARTIAL, InfraImport, VillageFact
from tinhso.text import encode_tcvn3
from tinhso.units.models import Unit, UnitLineage

VIETTEL = (
    "Mã xã,Tên thôn,2G,3G,4G,5G,Cáp quang,Số hộ,Số hộ có cáp quang\n"
    "03388,Tổ dân phố số 2,có,có,không,không,không,120,0\n"
    "03390,Nà Tăm,có,một phần,không,,có,80,30\n"
)
LOCAL = "Mã thôn,Điện lưới\n0338802,có\n0339001,không\n"
VNPT = 'Mã thôn,Công nghệ,Cáp quang,Số hộ có cáp quang\n0338802,"2G, 3G, LTE",có,50\n'


def _import(world: World, operator: str, text: str | bytes, day: date, **kw: Any) -> Any:
    data = text.encode() if isinstance(text, str) else text
    with world.db.session() as s:
        return imports.import_file(
            s,
            principal=kw.pop("principal", SYSTEM_PRINCIPAL),
            operator=operator,
            data=data,
            filename=kw.pop("filename", "phu_song.csv"),
            as_of=day,
        )


@pytest.fixture
def loaded(world: World) -> World:
    _import(world, "Viettel", VIETTEL, date(2025, 8, 1))
    _import(world, "dia_phuong", LOCAL, date(2025, 8, 1))
    _import(world, "vinaphone", VNPT, date(2026, 3, 1))
    return world


def _coverage(world: World, unit: str, day: date, principal: Any = SYSTEM_PRINCIPAL) -> Any:
    with world.db.session() as s:
        return service.coverage(s, principal=principal, unit_code=unit, as_of=day)


def test_coverage_as_of_two_dates(loaded: World) -> None:
    before = _coverage(loaded, "12", date(2025, 10, 1))["totals"]
    # Three villages valid then; TDP số 1 has no data, so shares are over the two that do.
    assert (before["villages"], before["reported"]) == (3, 2)
    assert (before["electricity"], before["no_electricity"]) == (1, 1)
    assert (before["mobile"], before["no_mobile"], before["broadband"], before["g4"]) == (
        2,
        0,
        2,
        0,
    )
    assert (before["fibre"], before["no_fibre"]) == (1, 1)
    assert (before["households"], before["households_fibre"]) == (200, 30)
    assert before["wording"]["mobile"] == "2/2 (100%) thôn được phủ sóng di động"
    assert before["wording"]["households_fibre"] == (
        "30/200 (15%) hộ gia đình có đường Internet cáp quang"
    )
    after = _coverage(loaded, "12", date(2026, 6, 1))["totals"]
    # VNPT brought 4G and fibre to TDP số 2: its 50 households with fibre add to Viettel's 0.
    assert (after["g4"], after["fibre"], after["no_fibre"]) == (1, 2, 0)
    assert (after["households"], after["households_fibre"]) == (200, 80)
    assert after["wording"]["fibre"] == "2/2 (100%) thôn có hạ tầng cáp quang"
    # Before any file: no data, not zeros.
    empty = _coverage(loaded, "12", date(2025, 7, 15))["totals"]
    assert empty["reported"] == 0
    assert empty["wording"]["mobile"] == "chưa có số liệu thôn được phủ sóng di động"


def test_a_commune_lists_its_villages(loaded: World) -> None:
    out = _coverage(loaded, "03390", date(2025, 10, 1))
    assert out["unit"]["name"].endswith("Bình Lư")
    (na_tam,) = out["villages"]
    assert na_tam["mobile"] == {"2g": FULL, "3g": PARTIAL, "4g": NONE, "5g": None}
    assert (na_tam["electricity"], na_tam["fibre"]) == (False, True)
    assert na_tam["sources"] == ["dia_phuong", "viettel"]
    province = _coverage(loaded, "12", date(2025, 10, 1))
    by_code = {c["code"]: c for c in province["communes"]}
    assert (by_code["03388"]["villages"], by_code["03388"]["reported"]) == (2, 1)


def test_white_spots(loaded: World) -> None:
    with loaded.db.session() as s:
        out = service.white_spots(
            s, principal=SYSTEM_PRINCIPAL, unit_code="12", as_of=date(2025, 10, 1)
        )
    assert out["counts"] == {
        "no_electricity": 1,
        "no_mobile": 0,
        "partial_mobile": 0,
        "no_broadband": 0,
        "no_fibre": 1,
        "unreported": 1,
    }
    kinds = {v["code"]: v["kinds"] for v in out["villages"]}
    assert kinds == {
        "0339001": ["no_electricity"],
        "0338802": ["no_fibre"],
        "0338801": ["unreported"],
    }
    with loaded.db.session() as s:
        later = service.white_spots(
            s, principal=SYSTEM_PRINCIPAL, unit_code="12", as_of=date(2026, 6, 1), kind="no_fibre"
        )
    assert later["villages"] == []


def test_a_village_merged_in_the_reform_keeps_its_history(world: World) -> None:
    """Two old villages (of old Đoàn Kết and old Quyết Tiến) formed TDP số 1 of new Đoàn Kết."""
    from tinhso.units import changes

    with world.db.session() as s:
        olds = []
        for commune, code, name in (
            ("old_doan_ket", "0338890", "Thôn Cũ Một"),
            ("old_quyet_tien", "0339190", "Thôn Cũ Hai"),
        ):
            v = changes.create_village(
                s,
                principal=SYSTEM_PRINCIPAL,
                data=changes.VillageInput(
                    world.units[commune], code, name, "thon", valid_from=date(2020, 1, 1)
                ),
            )
            olds.append(v.id)
            s.add(UnitLineage(source_id=v.id, target_id=world.units["tdp1"], share="whole"))
    text = (
        "Mã thôn,Ngày số liệu,2G,3G,4G,Cáp quang,Số hộ,Số hộ có cáp quang\n"
        "0338890,01/10/2023,có,có,có,có,100,40\n"
        "0339190,01/10/2023,có,có,không,không,60,0\n"
    )
    rep = _import(world, "Viettel", text, date(2023, 10, 1))
    assert rep.created == 2
    # As of 2023: the old villages, on their old communes (units valid then).
    old = _coverage(world, "03388", date(2024, 1, 1))
    assert [v["code"] for v in old["villages"]] == ["0338890"]
    assert old["villages"][0]["mobile"]["4g"] == FULL
    # Today: TDP số 1 of the new Đoàn Kết inherits both — 4G only in part of it, households added.
    new = _coverage(world, "03388", date(2026, 6, 1))
    tdp1 = next(v for v in new["villages"] if v["code"] == "0338801")
    assert tdp1["inherited"] is True
    assert tdp1["mobile"]["4g"] == PARTIAL and tdp1["mobile"]["3g"] == FULL
    assert (tdp1["households"], tdp1["households_fibre"], tdp1["fibre"]) == (160, 40, True)


def test_figures_family_counts_per_unit(loaded: World) -> None:
    with loaded.db.session() as s:
        vals = infra_figures.values_on(s, date(2026, 6, 1))
    province = vals[loaded.units["lai_chau"]]
    assert province["infra.villages"] == 3
    assert province["infra.villages_reported"] == 2
    assert province["infra.villages_4g"] == 1
    assert province["infra.households_fibre"] == 80
    # A commune whose villages have no data: the village counts are unknown, not zero.
    assert vals[loaded.units["doan_ket"]]["infra.villages_4g"] == 1
    with loaded.db.session() as s:
        s.query(VillageFact).delete()
        service.rebuild(s)  # the states follow the facts
    with loaded.db.session() as s:
        vals = infra_figures.values_on(s, date(2026, 6, 1))
    assert vals[loaded.units["lai_chau"]]["infra.villages_4g"] is None
    assert vals[loaded.units["lai_chau"]]["infra.villages"] == 3


def _imports(world: World) -> tuple[int, int]:
    with world.db.session() as s:
        return (
            int(s.scalar(select(func.count()).select_from(InfraImport)) or 0),
            int(s.scalar(select(func.count()).select_from(VillageFact)) or 0),
        )


def test_reimport_changes_nothing_and_an_earlier_file_does_not_override(loaded: World) -> None:
    held = _imports(loaded)
    rep = _import(loaded, "Viettel", VIETTEL, date(2025, 8, 1))
    assert (rep.created, rep.corrected, rep.unchanged) == (0, 0, 2)
    assert _imports(loaded) == held
    older = VIETTEL.replace("có,có,không,không,không,120,0", "có,không,không,không,không,110,0")
    rep = _import(loaded, "Viettel", older, date(2025, 7, 15))
    assert rep.created == 2
    now = _coverage(loaded, "03388", date(2026, 6, 1))
    tdp2 = next(v for v in now["villages"] if v["code"] == "0338802")
    assert tdp2["households"] == 120  # the August file still holds after the July one
    # A correction of a day already held replaces that day's fact.
    fixed = VIETTEL.replace(",120,0", ",125,0")
    rep = _import(loaded, "Viettel", fixed, date(2025, 8, 1))
    assert (rep.created, rep.corrected, rep.unchanged) == (0, 1, 1)


BAD = [
    (
        "Mã xã,Tên thôn,4G\n03390,Nà Tim,có\n",
        "village",
        "không có thôn 'Nà Tim' trong xã (gần giống: Bản Nà Tăm)",
    ),
    ("Mã xã,Tên thôn,4G\n99999,Nà Tăm,có\n", "commune_code", "không có xã mã '99999'"),
    ('Mã thôn,Công nghệ\n0339001,"4G, 6G"\n', "technologies", "công nghệ '6G' không hợp lệ"),
    (
        "Mã thôn,Số hộ,Số hộ có cáp quang\n0339001,80,90\n",
        "households_fibre",
        "số hộ có cáp quang (90) lớn hơn tổng số hộ (80)",
    ),
    ("Mã thôn,Ngày số liệu,4G\n0339001,01/01/2099,có\n", "date", "ngày 01/01/2099 ở tương lai"),
    ("Mã thôn,4G\n0339001,có\n0339001,không\n", "village", "thôn 'Bản Nà Tăm' đã có ở dòng 3"),
    ("Mã thôn,4G\n0339001,hình như có\n", "cov_4g", "phải là “có” (toàn thôn)"),
    ("Mã thôn,Số hộ\n0339001,-5\n", "households", "phải là số nguyên không âm"),
]


@pytest.mark.parametrize(("text", "field", "reason"), BAD)
def test_bad_rows_are_refused_whole(world: World, text: str, field: str, reason: str) -> None:
    good = "Mã thôn,4G\n0338802,có\n"
    body = good + text.split("\n", 1)[1] if text.startswith("Mã thôn,4G\n") else text
    with pytest.raises(InvalidInput) as caught:
        _import(world, "Viettel", body, date(2025, 8, 1))
    errors = caught.value.errors
    assert any(e.field == field and reason in e.reason for e in errors), errors
    assert all(e.row is not None and e.label for e in errors)
    assert _imports(world) == (0, 0)


def test_unknown_operator_and_legacy_encoding_and_merged_headers(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        _import(world, "Điện thoại ABC", LOCAL, date(2025, 8, 1))
    assert "doanh nghiệp 'Điện thoại ABC' không có trong danh mục" in caught.value.detail
    # A sheet typed in TCVN3 is read as Vietnamese.
    rep = _import(world, "mobifone", encode_tcvn3(VIETTEL), date(2025, 8, 1))
    assert rep.created == 2 and rep.encoding == "tcvn3"
    # A merged header cell leaves a column without a title.
    with pytest.raises(InvalidInput) as caught:
        _import(world, "vnpt", "Mã thôn,,4G\n0339001,có,có\n", date(2025, 8, 1))
    assert "gộp ô" in caught.value.errors[0].reason


def test_scope_of_reads_and_imports(loaded: World) -> None:
    from tinhso.accounts import service as accounts

    with loaded.db.session() as s:
        user = s.get(accounts.User, loaded.users["officer_bl"])
        bl = accounts.principal_cached(s, user)
    with pytest.raises(NotFound):
        _coverage(loaded, "03388", date(2026, 6, 1), principal=bl)
    assert _coverage(loaded, "03390", date(2026, 6, 1), principal=bl)["unit"]["code"] == "03390"
    with pytest.raises(InvalidInput) as caught:
        _import(loaded, "Viettel", "Mã thôn,4G\n0338802,có\n", date(2026, 5, 1), principal=bl)
    assert "ngoài phạm vi" in caught.value.errors[0].reason
    # Named by the column the row used, with its value.
    assert (caught.value.errors[0].field, caught.value.errors[0].value) == (
        "village_code",
        "0338802",
    )
    with loaded.db.session() as s:
        n = s.scalar(select(func.count()).select_from(Unit).where(Unit.level == "village"))
    assert n == 4


def test_states_rebuilt_from_the_facts_equal_those_kept_by_the_imports(loaded: World) -> None:
    """The state table is worked out from the facts: rebuilding it whole gives what the
    imports left, day by day."""
    from tinhso.infrastructure.models import VillageState

    def rows() -> list[tuple[Any, ...]]:
        with loaded.db.session() as s:
            return [
                (
                    r.village_id,
                    r.valid_from,
                    r.valid_to,
                    r.cov_4g,
                    r.fibre,
                    r.households_fibre,
                    r.sources,
                )
                for r in s.scalars(
                    select(VillageState).order_by(VillageState.village_id, VillageState.valid_from)
                )
            ]

    kept = rows()
    with loaded.db.session() as s:
        assert service.rebuild(s) == len(kept)
    assert rows() == kept
    # TDP số 2: from 1/8/2025 (Viettel and the commune's count), then 1/3/2026 (VNPT's 4G).
    tdp2 = [r for r in kept if r[0] == loaded.units["tdp2"]]
    assert [(r[1], r[2], r[3]) for r in tdp2] == [
        (date(2025, 8, 1), date(2026, 3, 1), NONE),
        (date(2026, 3, 1), None, FULL),
    ]


def test_a_later_file_without_a_column_keeps_what_the_source_said_before(loaded: World) -> None:
    """VNPT's next file has only 4G: its fibre and households with fibre still hold."""
    _import(loaded, "VNPT", "Mã thôn,4G\n0338802,không\n", date(2026, 5, 1))
    tdp2 = next(
        v
        for v in _coverage(loaded, "03388", date(2026, 6, 1))["villages"]
        if v["code"] == "0338802"
    )
    assert tdp2["fibre"] is True and tdp2["households_fibre"] == 50
    assert tdp2["mobile"]["4g"] == NONE  # what it did say


def test_households_with_fibre_unknown_is_not_zero(world: World) -> None:
    """Only the commune's counts (households, electricity): no share of fibre households."""
    _import(world, "dia_phuong", "Mã thôn,Điện lưới,Số hộ\n0339001,có,80\n", date(2025, 8, 1))
    totals = _coverage(world, "03390", date(2025, 10, 1))["totals"]
    assert (totals["households"], totals["households_fibre_base"]) == (80, 0)
    assert totals["wording"]["households_fibre"].startswith("chưa có số liệu")
    with world.db.session() as s:
        vals = infra_figures.values_on(s, date(2025, 10, 1))
    assert vals[world.units["binh_lu"]]["infra.households_fibre"] is None
    assert vals[world.units["binh_lu"]]["infra.households"] == 80


@pytest.mark.parametrize(
    ("year", "fibre", "g4"),
    [
        # 2025 (as of 31/12/2025): 30 of the 200 households of the villages with a fibre count;
        # no village with data has 4G.
        ("2025", (30, 200, 15.0), (0, 2, 0.0)),
        # 2026 (as of today): VNPT brought fibre (50 households) and 4G to TDP số 2.
        ("2026", (80, 200, 40.0), (1, 2, 50.0)),
    ],
)
def test_dti_sub_indicators_computed_from_the_register(
    loaded: World,
    tmp_path: Any,
    year: str,
    fibre: tuple[int, int, float],
    g4: tuple[int, int, float],
) -> None:
    from tinhso.indicators import loader
    from tinhso.indicators import service as indicators
    from tinhso.lake import Lake
    from tinhso.workdays import WorkCalendar

    with loaded.db.session() as s:
        loader.load(s, principal=SYSTEM_PRINCIPAL, paths=loader.default_files())
    lake = Lake(loaded.db, tmp_path / "lake.duckdb", WorkCalendar.default())
    try:
        with loaded.db.session() as s:
            out = indicators.values(
                s,
                lake,
                principal=SYSTEM_PRINCIPAL,
                index="dti-province-2025",
                period=year,
                unit_code="12",
            )
    finally:
        lake.close()
    nodes = {n["code"]: n for n in out["units"][0]["nodes"]}
    cap, song = nodes["3.1"]["indicator"], nodes["3.2"]["indicator"]
    assert (cap["numerator"], cap["denominator"], cap["value"]) == pytest.approx(fibre)
    assert (song["numerator"], song["denominator"], song["value"]) == pytest.approx(g4)
    assert cap["source"] == song["source"] == "computed"
