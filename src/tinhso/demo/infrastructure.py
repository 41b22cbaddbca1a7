"""The demo province's digital infrastructure: three operators' coverage of every village with a
history, the commune's own counts, BTS sites and Wi-Fi points, teams and courses.

Everything goes through the registers' own imports (CSV files written here), as an operator's
or a commune's file would. Calibrated on seed 000 (Lai Châu, October 2023): as of 1 October
2023 the province reads 914/940 villages (97%) with mobile coverage, 25 without electricity (and so without a mast),
776/940 with fibre (the seed: 166 without), 41,5% of households with fibre (as the seed) and
1.046/1.055 teams (the province's, 8/8 districts', 105/106 communes', 932/940 villages'); then
fibre and 4G keep spreading while the villages without electricity stay white spots.

The history runs half-yearly from 2023 on the villages as they were before the reform (under the
communes and districts of the time) and quarterly from 1 July 2025 on today's, which the lineage
joins (940 villages then, 1.019 now: some were split). The BTS count (seed: 1.989) belongs to a
larger network and scales down with the register.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.infrastructure import courses, imports, registers, service
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
# Before the reform, half-yearly, on the villages of the time.
PRE_REFORM_SNAPSHOTS = (
    date(2023, 1, 1),
    date(2023, 7, 1),
    date(2024, 1, 1),
    date(2024, 7, 1),
    date(2025, 1, 1),
)
HISTORY = (PRE_REFORM_SNAPSHOTS[0], SNAPSHOTS[-1])
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
    # A town's residential groups (tổ dân phố) are never far from the network.
    remote = {v.id: rng.random() * (0.3 if v.kind == "to_dan_pho" else 1) for v in villages}
    order = sorted(villages, key=lambda v: remote[v.id], reverse=True)
    no_power = {v.id for v in order[:NO_POWER]}
    households = {v.id: rng.randint(45, 210) for v in villages}
    # Before the reform: the same places under the villages they were, found through the lineage
    # (a village split in two was as remote as the more remote half, its households both halves').
    origins = units.formed_from(session, [v.id for v in villages])
    before = units.units_by_id(session, [o for os in origins.values() for o in os])
    old = sorted(before.values(), key=lambda u: u.path)
    for v in villages:
        for o in origins.get(v.id, []):
            remote[o] = max(remote.get(o, 0.0), remote[v.id])
            households[o] = households.get(o, 0) + households[v.id]
    if old:  # the 25 without electricity are the old register's (unsplit), and today the same
        split = {o for v in villages for o in origins.get(v.id, []) if len(origins[v.id]) > 1}
        split |= {o for o, n in Counter(o for os in origins.values() for o in os).items() if n > 1}
        whole = [o for o in old if o.id not in split]
        no_power = {
            o.id for o in sorted(whole, key=lambda u: remote[u.id], reverse=True)[:NO_POWER]
        }
        no_power |= {v.id for v in villages if no_power & set(origins.get(v.id, []))}
    old_rng = random.Random(seed + 11)
    for day in PRE_REFORM_SNAPSHOTS if old else ():
        out.facts += _snapshot(
            session, old_rng, old, day, remote, no_power, households, own_count=day.month == 1
        )
    for step, day in enumerate(SNAPSHOTS):
        out.facts += _snapshot(
            session, rng, villages, day, remote, no_power, households, own_count=step in (0, 3, 5)
        )
    service.rebuild(session, [*remote])  # the states of the whole history, once
    out.sites = _sites(session, rng, communes, villages)
    if old:
        _pre_reform_teams(session, random.Random(seed + 12), old, remote)
    out.teams = _teams(session, rng, province, communes, villages, remote)
    out.courses = _courses(session, province, communes, seed)
    return out


def _snapshot(
    session: Session,
    rng: random.Random,
    villages: list[Unit],
    day: date,
    remote: dict[int, float],
    no_power: set[int],
    households: dict[int, int],
    *,
    own_count: bool,
) -> int:
    """Import the operators' files of a day (and the communes' own count where ``own_count``)."""
    # 0 on the first day of the history, 1 on the last; seed 000 reads at 0,13 (October 2023).
    progress = (day - HISTORY[0]).days / (HISTORY[-1] - HISTORY[0]).days
    facts = 0
    if own_count:  # the commune's own count: electricity, households and population
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
            rebuild=False,
        )
        facts += rep.created
    for k, operator in enumerate(OPERATORS):
        reach = (0.985, 0.7, 0.4)[k] + (0.01, 0.2, 0.3)[k] * progress
        rows = []
        for v in villages:
            r = remote[v.id]
            if v.id in no_power:
                r = 2.0  # no electricity, no mast: white spots stay there
            if r > reach + 0.01:
                cov = ("không", "không", "không", "không")
            elif r > reach:
                cov = ("một phần", "một phần", "không", "không")
            else:
                g4 = r < reach - 0.15 * (1 - progress)
                g5 = k == 0 and r < 0.03 * (progress - 0.65) / 0.35
                cov = ("có", "có", _yes(g4), _yes(g5))
            fibre_reach = (0.8, 0.68, 0.3)[k] + 0.12 * progress
            fibre = r < fibre_reach and v.id not in no_power
            share = (0.3, 0.19, 0.08)[k] + 0.08 * progress
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
            rebuild=False,
        )
        facts += rep.created
    return facts


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


def _pre_reform_teams(
    session: Session, rng: random.Random, villages: list[Unit], remote: dict[int, float]
) -> None:
    """The teams of the units before the reform, set up in 2022–2023 and ended with them on
    1 July 2025: the province's, every district's, all communes' but the most remote one's, and
    all villages' but the most remote 8 (seed 000's 1.046/1.055 at the end of 2023)."""
    communes = units.units_by_id(session, sorted({v.parent_id for v in villages if v.parent_id}))
    districts = units.units_by_id(
        session, sorted({c.parent_id for c in communes.values() if c.parent_id})
    )
    provinces = units.units_by_id(
        session, sorted({d.parent_id for d in districts.values() if d.parent_id})
    )
    end = "01/07/2025"  # the first day without them
    rows: list[list[object]] = [
        [p.code, "Tổ chỉ đạo chuyển đổi số tỉnh", "15/03/2022", "352/QĐ-UBND", end]
        for p in provinces.values()
    ]
    for d in sorted(districts.values(), key=lambda u: u.code):
        rows.append([d.code, "", f"{rng.randint(1, 28):02d}/0{rng.randint(4, 6)}/2022", "", end])
    worst = {c: max(remote[v.id] for v in villages if v.parent_id == c) for c in communes}
    last = max(worst, key=lambda c: worst[c])
    for c in sorted(communes.values(), key=lambda u: u.code):
        if c.id != last:
            rows.append(
                [c.code, "", f"{rng.randint(1, 28):02d}/{rng.randint(6, 12):02d}/2022", "", end]
            )
    missing = {v.id for v in sorted(villages, key=lambda v: remote[v.id], reverse=True)[:8]}
    for v in villages:
        if v.id not in missing:
            day = date(2022, 6, 1) + timedelta(days=rng.randint(0, 470))  # by mid-September 2023
            rows.append([v.code, "", day.strftime("%d/%m/%Y"), "", end])
    header = ["Mã đơn vị", "Tên tổ", "Ngày thành lập", "Quyết định", "Ngày giải thể"]
    registers.import_teams(
        session, principal=SYSTEM_PRINCIPAL, data=_csv(header, rows), filename="to-cnscd-2023.csv"
    )


def _unique(rows: list[list[object]]) -> list[list[object]]:
    seen: set[tuple[object, object]] = set()
    out = []
    for r in rows:
        if (r[0], r[1]) not in seen:
            seen.add((r[0], r[1]))
            out.append(r)
    return out


def _courses(session: Session, province: Unit, communes: list[Unit], seed: int) -> int:
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
    rows.append(  # the year's course for every public servant, its list below
        [
            "KNS-2025",
            "Bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức",
            "kỹ năng số",
            so,
            province.code,
            "Trực tuyến",
            "03/11/2025",
            "28/11/2025",
            *[""] * 6,
        ]
    )
    rep = courses.import_courses(
        session, principal=SYSTEM_PRINCIPAL, data=_csv(header, rows), filename="lop.csv"
    )
    _participants(session, province, communes, seed)
    return rep.created


MIDDLE_NAMES = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Hữu", "Thanh", "Kim")
OWN_NAMES = (
    "An",
    "Bình",
    "Chiến",
    "Dung",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phúc",
    "Quân",
    "Sơn",
    "Thảo",
    "Tuấn",
)


def _participants(session: Session, province: Unit, communes: list[Unit], seed: int) -> None:
    """The lists of the officials' courses of 2025: the province's staff (IPv6, leaders, the
    year's digital-skills course), 10–18 of each commune's, some on two courses, each person
    counted once in the DTI's officials trained (4.1) however many courses they attended."""
    rng = random.Random(seed + 30)
    names = [f"{f} {m} {o}" for f in FAMILY_NAMES for m in MIDDLE_NAMES for o in OWN_NAMES]
    rng.shuffle(names)
    rows: list[list[object]] = []
    people = iter(names)
    ipv6 = [(next(people), "Cán bộ" if i < 21 else "Công chức") for i in range(51)]
    leaders = [next(people) for _ in range(48)]
    staff = [(next(people), rng.choice(("Công chức", "Viên chức"))) for _ in range(650)]
    rows += [["IPV6-2025", n, "", province.code, kind] for n, kind in ipv6]
    rows += [["CDS-2025-01", n, "Lãnh đạo", province.code, "Lãnh đạo"] for n in leaders]
    rows += [["KNS-2025", n, "", province.code, kind] for n, kind in ipv6[:20] + staff]
    in_communes: list[list[object]] = []
    for c in communes:
        here = rng.sample(names, 18)
        for person in here[: rng.randint(10, 18)]:
            kind = rng.choice(("Cán bộ", "Công chức"))
            in_communes.append(["KNS-2025", person, "", c.code, kind])
    rows += in_communes
    # The online course on public services (22 cán bộ, 31 công chức): the communes' own people,
    # who took the year's course too.
    for kind, count in (("Cán bộ", 22), ("Công chức", 31)):
        again = [r for r in in_communes if r[4] == kind][:count]
        rows += [["CDS-2025-03", *r[1:]] for r in again]
    header = ["Mã lớp", "Họ và tên", "Chức vụ", "Mã đơn vị", "Đối tượng"]
    courses.import_participants(
        session, principal=SYSTEM_PRINCIPAL, data=_csv(header, rows), filename="hoc-vien.csv"
    )
