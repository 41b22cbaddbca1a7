"""The demo province's digital infrastructure: three operators' coverage of every village with a
history, the commune's own counts, BTS sites and Wi-Fi points, teams and courses.

Everything goes through the registers' own imports (CSV files written here), as an operator's
or a commune's file would. Calibrated on seed 000 (Lai Châu): about 97% of villages with mobile
coverage, 25 without electricity, fibre households near 41,5%, teams nearly all established.
The demo's register holds the villages of the communes formed on 1 July 2025, so its history
runs quarterly from then; the seed's absolute counts (1.055 teams, 1.989 BTS) belong to the
larger pre-reform register and scale down with it.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.infrastructure import imports, registers
from tinhso.infrastructure.models import DigitalTeam, InfraImport
from tinhso.units import service as units
from tinhso.units.codes import REFORM_DATE
from tinhso.units.models import Unit

SNAPSHOTS = (
    REFORM_DATE,
    date(2025, 10, 1),
    date(2026, 1, 1),
    date(2026, 4, 1),
    date(2026, 7, 1),
    date(2026, 10, 1),
)
OPERATORS = ("Viettel", "VNPT", "MobiFone")
NO_POWER = 25
FAMILY_NAMES = ("Nguyễn", "Lò", "Tòng", "Vàng", "Giàng", "Lý", "Đèo", "Hoàng", "Sùng", "Lường")
GIVEN_NAMES = (
    "Văn An",
    "Thị Bình",
    "Văn Chiến",
    "Thị Dung",
    "A Páo",
    "Thị Hoa",
    "Văn Khánh",
    "A Sử",
)


@dataclass
class InfraDemo:
    """What the demo wrote."""

    facts: int = 0
    sites: int = 0
    teams: int = 0
    courses: int = 0


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def _yes(flag: bool) -> str:
    return "có" if flag else "không"


def build_infrastructure(session: Session, *, province: Unit, seed: int = 2025) -> InfraDemo:
    """Write the demo's infrastructure (idempotent: skipped once written)."""
    out = InfraDemo()
    if session.scalar(select(func.count()).select_from(InfraImport)):
        return out
    rng = random.Random(seed + 10)
    villages = units.units_below(session, unit=province, level="village", on=SNAPSHOTS[-1])
    communes = units.units_below(session, unit=province, level="commune", on=SNAPSHOTS[-1])
    if not villages:
        return out
    # A village's remoteness decides what reaches it, and when.
    remote = {v.id: rng.random() for v in villages}
    order = sorted(villages, key=lambda v: remote[v.id], reverse=True)
    no_power = {v.id for v in order[:NO_POWER]}
    households = {v.id: rng.randint(45, 210) for v in villages}
    for step, day in enumerate(SNAPSHOTS):
        progress = step / (len(SNAPSHOTS) - 1)  # 0 at the reform, 1 at the last snapshot
        # The commune's own count: electricity and households, twice a year.
        if step in (0, 3, 5):
            rows = [
                [
                    v.code,
                    _yes(v.id not in no_power),
                    households[v.id],
                    households[v.id] * 4 + rng.randint(0, 40),
                ]
                for v in villages
            ]
            data = _csv(["Mã thôn", "Điện lưới", "Số hộ", "Dân số"], rows)
            rep = imports.import_file(
                session,
                principal=SYSTEM_PRINCIPAL,
                operator="dia_phuong",
                data=data,
                filename=f"dia-phuong-{day}.csv",
                as_of=day,
            )
            out.facts += rep.created
        for k, operator in enumerate(OPERATORS):
            reach = (0.91, 0.78, 0.55)[k] + (0.06, 0.1, 0.15)[k] * progress
            rows = []
            for v in villages:
                r = remote[v.id]
                if v.id in no_power:
                    r = max(r, 0.985)  # no electricity, no mast: white spots stay there
                if r > reach + 0.01:
                    cov = ("không", "không", "không", "không")
                elif r > reach:
                    cov = ("một phần", "một phần", "không", "không")
                else:
                    g4 = r < reach - 0.05 - 0.1 * (1 - progress)
                    g5 = k == 0 and r < 0.03 * progress
                    cov = ("có", "có", _yes(g4), _yes(g5))
                fibre_reach = (0.72, 0.62, 0.2)[k] + 0.12 * progress
                fibre = r < fibre_reach and v.id not in no_power
                share = (0.23, 0.14, 0.04)[k] + 0.05 * progress
                with_fibre = int(households[v.id] * share) if fibre else 0
                rows.append([v.code, *cov, _yes(fibre), households[v.id], with_fibre])
            data = _csv(
                ["Mã thôn", "2G", "3G", "4G", "5G", "Cáp quang", "Số hộ", "Số hộ có cáp quang"],
                rows,
            )
            rep = imports.import_file(
                session,
                principal=SYSTEM_PRINCIPAL,
                operator=operator,
                data=data,
                filename=f"{operator.lower()}-{day}.csv",
                as_of=day,
            )
            out.facts += rep.created
    out.sites = _sites(session, rng, communes, villages)
    out.teams = _teams(session, rng, province, communes, villages, remote)
    out.courses = _courses(session, province, communes)
    return out


def _sites(session: Session, rng: random.Random, communes: list[Unit], villages: list[Unit]) -> int:
    rows: list[list[object]] = []
    under: dict[int, list[Unit]] = {}
    for v in villages:
        under.setdefault(v.parent_id or 0, []).append(v)
    n = 0
    for c in communes:
        for operator, (low, high) in zip(OPERATORS, ((3, 7), (2, 5), (1, 3)), strict=True):
            for _ in range(rng.randint(low, high)):
                n += 1
                start = date(rng.randint(2012, 2025), rng.randint(1, 12), 1)
                tech = "2G, 3G, 4G" if start.year >= 2016 or rng.random() < 0.7 else "2G, 3G"
                here = under.get(c.id, [])
                village = rng.choice(here).code if here else ""
                rows.append(
                    [
                        f"{operator[:2].upper()}{n:05d}",
                        "BTS",
                        operator,
                        tech,
                        c.code,
                        village,
                        start.strftime("%d/%m/%Y"),
                        "",
                    ]
                )
    for i, c in enumerate(communes[:5], start=1):  # the province's first 5G stations
        rows.append([f"VT5G{i:03d}", "BTS", "Viettel", "4G, 5G", c.code, "", "01/03/2026", ""])
    for i, c in enumerate(communes[:15], start=1):  # 15/15 public Wi-Fi points
        rows.append([f"WF{i:03d}", "Wi-Fi công cộng", "VNPT", "", c.code, "", "01/09/2025", ""])
    header = [
        "Mã trạm",
        "Loại",
        "Doanh nghiệp",
        "Công nghệ",
        "Mã xã",
        "Mã thôn",
        "Ngày hoạt động",
        "Ngày ngừng",
    ]
    rep = registers.import_sites(
        session, principal=SYSTEM_PRINCIPAL, data=_csv(header, rows), filename="tram.csv"
    )
    return rep.created


def _teams(
    session: Session,
    rng: random.Random,
    province: Unit,
    communes: list[Unit],
    villages: list[Unit],
    remote: dict[int, float],
) -> int:
    rows: list[list[object]] = [
        [province.code, "Tổ chỉ đạo chuyển đổi số tỉnh", "15/07/2025", "1250/QĐ-UBND", ""]
    ]
    for i, c in enumerate(communes):
        if i == len(communes) - 1:
            continue  # one commune has yet to set up its team
        rows.append(
            [c.code, "", f"{rng.randint(15, 31):02d}/07/2025", f"{rng.randint(10, 99)}/QĐ-UBND", ""]
        )
    missing = {
        v.id
        for v in sorted(villages, key=lambda v: remote[v.id], reverse=True)[
            : max(1, len(villages) // 120)
        ]
    }
    for v in villages:
        if v.id not in missing:
            rows.append(
                [v.code, "", f"{rng.randint(1, 30):02d}/{rng.randint(8, 12):02d}/2025", "", ""]
            )
    header = ["Mã đơn vị", "Tên tổ", "Ngày thành lập", "Quyết định", "Ngày giải thể"]
    rep = registers.import_teams(
        session, principal=SYSTEM_PRINCIPAL, data=_csv(header, rows), filename="to-cnscd.csv"
    )
    members: list[list[object]] = []
    for row in rows[: 1 + len(communes)]:  # members of the province's and communes' teams
        for role in ("Tổ trưởng", "Tổ phó", "Thành viên"):
            name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}"
            members.append([row[0], name, role, f"09{rng.randint(10_000_000, 99_999_999)}"])
    registers.import_members(
        session,
        principal=SYSTEM_PRINCIPAL,
        data=_csv(["Mã đơn vị", "Họ và tên", "Vai trò", "Điện thoại"], _unique(members)),
        filename="thanh-vien.csv",
    )
    return (
        int(session.scalar(select(func.count()).select_from(DigitalTeam)) or 0)
        if rep.created
        else 0
    )


def _unique(rows: list[list[object]]) -> list[list[object]]:
    seen: set[tuple[object, object]] = set()
    out = []
    for r in rows:
        if (r[0], r[1]) not in seen:
            seen.add((r[0], r[1]))
            out.append(r)
    return out


def _courses(session: Session, province: Unit, communes: list[Unit]) -> int:
    header = [
        "Mã lớp",
        "Tên lớp",
        "Chủ đề",
        "Đơn vị tổ chức",
        "Mã đơn vị",
        "Hình thức",
        "Từ ngày",
        "Đến ngày",
        "Lãnh đạo",
        "Cán bộ",
        "Công chức",
        "Viên chức",
        "Người dân",
        "Thành viên tổ công nghệ số cộng đồng",
    ]
    so = "Sở Khoa học và Công nghệ"
    rows: list[list[object]] = [
        [
            "IPV6-2025",
            "Tập huấn triển khai IPv6",
            "IPv6",
            so,
            province.code,
            "Trực tiếp",
            "16/09/2025",
            "17/09/2025",
            "",
            21,
            30,
            "",
            "",
            "",
        ],
        [
            "CDS-2025-01",
            "Bồi dưỡng kiến thức chuyển đổi số cho lãnh đạo",
            "chuyển đổi số",
            so,
            province.code,
            "Trực tiếp",
            "06/10/2025",
            "07/10/2025",
            48,
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "CDS-2025-02",
            "Kỹ năng số cho tổ công nghệ số cộng đồng",
            "chuyển đổi số",
            so,
            communes[0].code,
            "Kết hợp",
            "20/10/2025",
            "21/10/2025",
            "",
            "",
            "",
            "",
            "",
            61,
        ],
        [
            "CDS-2025-03",
            "Dịch vụ công trực tuyến cho cán bộ xã",
            "dịch vụ công",
            so,
            communes[1 % len(communes)].code,
            "Trực tuyến",
            "10/11/2025",
            "10/11/2025",
            "",
            22,
            31,
            "",
            "",
            "",
        ],
        [
            "CDS-2025-04",
            "Chuyển đổi số cho người dân",
            "chuyển đổi số",
            so,
            communes[2 % len(communes)].code,
            "Trực tiếp",
            "02/12/2025",
            "03/12/2025",
            "",
            "",
            "",
            "",
            40,
            "",
        ],
        [
            "CDS-2026-01",
            "An toàn thông tin cho cán bộ, công chức",
            "an toàn thông tin",
            so,
            province.code,
            "Trực tiếp",
            "14/04/2026",
            "15/04/2026",
            "",
            35,
            52,
            18,
            "",
            "",
        ],
    ]
    rep = registers.import_courses(
        session, principal=SYSTEM_PRINCIPAL, data=_csv(header, rows), filename="lop.csv"
    )
    return rep.created
