"""A small world for tests: two new provinces formed from three old ones, across the reform.

Old (until 30/6/2025)                         New (from 1/7/2025)
Tỉnh Lai Châu 12                              Tỉnh Lai Châu 12  ← old 12
  Thành phố Lai Châu 105                        Phường Đoàn Kết 03388 ← 03388, 03391
    Phường Đoàn Kết 03388, Phường Quyết Tiến 03391      thôn: TDP 1, TDP 2
  Huyện Tam Đường 106                           Xã Bình Lư 03390 ← 03397, 03400
    Thị trấn Tam Đường 03397, Xã Sơn Bình 03400          thôn: Bản Nà Tăm
Tỉnh Yên Bái 10                               Tỉnh Lào Cai 15  ← old 10 and old 15
  Thị xã Nghĩa Lộ 132: Xã Nghĩa An 04279        Xã Nghĩa Lộ 04279 ← 04279, part of 02605
Tỉnh Lào Cai 15                                 Xã Bắc Hà 02600 ← 02600, part of 02605
  Huyện Bắc Hà 080: Thị trấn Bắc Hà 02600, Xã Tà Chải 02605
                    Xã Bản Liền 02610 (named by no resolution: unmapped on purpose)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from tinhso.accounts import service as accounts
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit.service import Actor, bind_actor
from tinhso.db import Database
from tinhso.units import changes, register
from tinhso.units.codes import REFORM_DATE
from tinhso.units.models import Unit

PASSWORD = "mat-khau-dai-1"

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
            ["03397", "Thị trấn Tam Đường", "thi_tran", "106"],
            ["03400", "Xã Sơn Bình", "xa", "106"],
            ["04279", "Xã Nghĩa An", "xa", "132"],
            ["02600", "Thị trấn Bắc Hà", "thi_tran", "080"],
            ["02605", "Xã Tà Chải", "xa", "080"],
            ["02610", "Xã Bản Liền", "xa", "080"],
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
            ["03390", "Xã Bình Lư", "xa", "12"],
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
            ["03388", "03388", "whole", "1670/NQ-UBTVQH15", "2025-06-16"],
            ["03388", "03391", "whole", "1670/NQ-UBTVQH15", "2025-06-16"],
            ["03390", "03397", "whole", "1670/NQ-UBTVQH15", "2025-06-16"],
            ["03390", "03400", "whole", "1670/NQ-UBTVQH15", "2025-06-16"],
            ["04279", "04279", "whole", "1673/NQ-UBTVQH15", "2025-06-16"],
            ["04279", "02605", "part", "1673/NQ-UBTVQH15", "2025-06-16"],
            ["02600", "02600", "whole", "1673/NQ-UBTVQH15", "2025-06-16"],
            ["02600", "02605", "part", "1673/NQ-UBTVQH15", "2025-06-16"],
        ],
    ),
    "lineage_unmatched.csv": (
        ["new_code", "fragment", "reason"],
        [["02600", "xã Bản Liền", "tên trùng, không phân biệt được"]],
    ),
}


def write_register(directory: Path) -> Path:
    """Write the small register's CSV files into ``directory``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in FILES.items():
        with (directory / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
    return directory


@dataclass
class World:
    """Ids and credentials of the small world."""

    db: Database
    units: dict[str, int] = field(default_factory=dict)
    agencies: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        """Return the Authorization header of a user's token."""
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def _new(session: object, code: str, level: str) -> int:
    return session.scalars(  # type: ignore[attr-defined,no-any-return]
        select(Unit.id).where(
            Unit.code == code, Unit.level == level, Unit.valid_from == REFORM_DATE
        )
    ).one()


def _old(session: object, code: str, level: str) -> int:
    return session.scalars(  # type: ignore[attr-defined,no-any-return]
        select(Unit.id).where(Unit.code == code, Unit.level == level, Unit.valid_from < REFORM_DATE)
    ).one()


def build_world(db: Database, directory: Path) -> World:
    """Load the small register and create agencies, villages, users and tokens."""
    w = World(db=db)
    with db.session() as s:
        bind_actor(s, Actor(name="test-setup", client="test"))
        register.load_register(s, data_dir=write_register(directory))
        for key, code, level in [
            ("lai_chau", "12", "province"),
            ("lao_cai", "15", "province"),
            ("doan_ket", "03388", "commune"),
            ("binh_lu", "03390", "commune"),
            ("nghia_lo", "04279", "commune"),
            ("bac_ha", "02600", "commune"),
        ]:
            w.units[key] = _new(s, code, level)
        for key, code, level in [
            ("old_lai_chau", "12", "province"),
            ("old_yen_bai", "10", "province"),
            ("old_lao_cai", "15", "province"),
            ("old_doan_ket", "03388", "commune"),
            ("old_quyet_tien", "03391", "commune"),
            ("old_ta_chai", "02605", "commune"),
            ("old_ban_lien", "02610", "commune"),
            ("old_tp_lai_chau", "105", "district"),
        ]:
            w.units[key] = _old(s, code, level)
        p = SYSTEM_PRINCIPAL
        for key, commune, code, name, kind in [
            ("tdp1", "doan_ket", "0338801", "Tổ dân phố số 1", "to_dan_pho"),
            ("tdp2", "doan_ket", "0338802", "Tổ dân phố số 2", "to_dan_pho"),
            ("na_tam", "binh_lu", "0339001", "Bản Nà Tăm", "ban"),
            ("ta_chai", "bac_ha", "0260001", "Thôn Tà Chải", "thon"),
        ]:
            v = changes.create_village(
                s, principal=p, data=changes.VillageInput(w.units[commune], code, name, kind)
            )
            w.units[key] = v.id
        A = changes.AgencyInput
        for key, data in [
            (
                "ubnd_lc",
                A(
                    "000.00.00.H12",
                    "Ủy ban nhân dân tỉnh Lai Châu",
                    "ubnd_tinh",
                    w.units["lai_chau"],
                ),
            ),
            (
                "ubnd_lk",
                A("000.00.00.H15", "Ủy ban nhân dân tỉnh Lào Cai", "ubnd_tinh", w.units["lao_cai"]),
            ),
        ]:
            w.agencies[key] = changes.create_agency(s, principal=p, data=data).id
        for key, data in [
            (
                "so_khcn",
                A(
                    "000.00.02.H12",
                    "Sở Khoa học và Công nghệ",
                    "so",
                    w.units["lai_chau"],
                    w.agencies["ubnd_lc"],
                ),
            ),
            (
                "ubnd_dk",
                A(
                    "000.00.50.H12",
                    "Ủy ban nhân dân phường Đoàn Kết",
                    "ubnd_xa",
                    w.units["doan_ket"],
                    w.agencies["ubnd_lc"],
                ),
            ),
            (
                "ubnd_bl",
                A(
                    "000.00.51.H12",
                    "Ủy ban nhân dân xã Bình Lư",
                    "ubnd_xa",
                    w.units["binh_lu"],
                    w.agencies["ubnd_lc"],
                ),
            ),
            (
                "ubnd_bh",
                A(
                    "000.00.50.H15",
                    "Ủy ban nhân dân xã Bắc Hà",
                    "ubnd_xa",
                    w.units["bac_ha"],
                    w.agencies["ubnd_lk"],
                ),
            ),
        ]:
            w.agencies[key] = changes.create_agency(s, principal=p, data=data).id
        R = accounts.ScopeRoot
        for name, role, scopes in [
            ("admin", "admin", []),
            ("leader12", "leader", [R(unit_id=w.units["lai_chau"])]),
            ("admin12", "admin", [R(unit_id=w.units["lai_chau"])]),
            ("officer_dk", "officer", [R(unit_id=w.units["doan_ket"])]),
            ("officer_bl", "officer", [R(unit_id=w.units["binh_lu"])]),
            ("officer_so", "officer", [R(agency_id=w.agencies["so_khcn"])]),
            ("viewer15", "viewer", [R(unit_id=w.units["lao_cai"])]),
            ("system12", "system", [R(unit_id=w.units["lai_chau"])]),
        ]:
            user = accounts.create_user(
                s,
                principal=p,
                username=name,
                role=role,
                password=None if role == "system" else PASSWORD,
                full_name=name,
                scopes=scopes,
            )
            w.users[name] = user.id
            _tok, w.tokens[name] = accounts.issue_token(
                s, principal=p, user_id=user.id, name="test"
            )
    return w
