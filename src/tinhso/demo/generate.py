"""The demo province: Lai Châu's real communes, generated villages and agencies, one user per role.

Everything generated is marked as such (source "demo"); the electronic codes follow the
QCVN 102 form with H + the province code, as a province's real codes would, but are not the
codes the ministry issued.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinhso.accounts import service as accounts
from tinhso.accounts.models import User
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.demo.dossiers import build_dossiers
from tinhso.fmt import local_today
from tinhso.units import changes, register, service
from tinhso.units.codes import PRE_REFORM_FROM, REFORM_DATE
from tinhso.units.models import Agency, Unit, UnitLineage
from tinhso.workdays import WorkCalendar

DEMO_PASSWORD = "TinhSo@2025"

PROVINCIAL_AGENCIES = (
    ("01", "Văn phòng Ủy ban nhân dân tỉnh", "don_vi"),
    ("02", "Sở Khoa học và Công nghệ", "so"),
    ("03", "Sở Nội vụ", "so"),
    ("04", "Sở Tài chính", "so"),
    ("05", "Sở Tư pháp", "so"),
    ("06", "Sở Xây dựng", "so"),
    ("07", "Sở Công Thương", "so"),
    ("08", "Sở Nông nghiệp và Môi trường", "so"),
    ("09", "Sở Giáo dục và Đào tạo", "so"),
    ("10", "Sở Y tế", "so"),
    ("11", "Sở Văn hóa, Thể thao và Du lịch", "so"),
    ("12", "Sở Dân tộc và Tôn giáo", "so"),
    ("13", "Thanh tra tỉnh", "ban"),
    ("14", "Ban Quản lý các Khu kinh tế tỉnh", "ban"),
    ("15", "Công an tỉnh", "nganh"),
)

VILLAGE_HEADS = (
    "Nà",
    "Pá",
    "Huổi",
    "Hua",
    "Phiêng",
    "Sin",
    "Lả",
    "Co",
    "Nậm",
    "Tà",
    "Séo",
    "Ma",
    "Khu",
)
VILLAGE_TAILS = (
    "Cang",
    "Khoang",
    "Chải",
    "Pao",
    "Tăm",
    "Bó",
    "Hồ",
    "Lùng",
    "Sảng",
    "Phìn",
    "Mu",
    "Luông",
    "Đông",
    "Pậu",
    "Củng",
    "Nưa",
    "Then",
    "Sang",
    "Kim",
    "Chá",
)
# Seed 000 (Lai Châu, 2023): "932/940 tổ CNSCĐ cấp thôn/bản/tổ dân phố" — the villages before the
# reform; today's are more, some villages having been split when the communes were rearranged.
PRE_REFORM_VILLAGES = 940


@dataclass
class DemoReport:
    """What the demo created and how to sign in."""

    province: str
    villages: int = 0
    agencies: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)
    token: str | None = None
    procedures: int = 0
    dossiers: int = 0
    reports: int = 0
    reports_missing: int = 0
    infra_facts: int = 0
    infra_sites: int = 0
    tasks: int = 0
    boundaries: int = 0
    ranks: int = 0


def _villages_for(rng: random.Random, commune: Unit) -> list[tuple[str, str]]:
    # Lai Châu had about 1.100 villages before the reform; its 38 communes now about 25 each.
    count = rng.randint(16, 34)
    if commune.kind == "phuong":
        return [("to_dan_pho", f"Tổ dân phố số {i}") for i in range(1, count + 1)]
    names: set[str] = set()
    while len(names) < count:
        names.add(f"{rng.choice(VILLAGE_HEADS)} {rng.choice(VILLAGE_TAILS)}")
    return [("ban", n) for n in sorted(names)]


def build_demo(
    session: Session,
    *,
    province_code: str = "12",
    seed: int = 2025,
    work: Path | None = None,
    dossiers_per_year: int = 30_000,
) -> DemoReport:
    """Return what was created for the demo province (idempotent: a second run adds nothing)."""
    rng = random.Random(seed)
    if session.scalar(select(func.count()).select_from(Unit)) == 0:
        register.load_register(session)
    province = service.find_by_code(
        session, principal=SYSTEM_PRINCIPAL, code=province_code, level="province", on=local_today()
    )[0]
    report = DemoReport(province=province.name)
    communes = service.children(
        session, principal=SYSTEM_PRINCIPAL, unit=province, as_of=local_today()
    )
    for commune in communes:
        if service.children(session, principal=SYSTEM_PRINCIPAL, unit=commune):
            continue
        for i, (kind, name) in enumerate(_villages_for(rng, commune), start=1):
            changes.create_village(
                session,
                principal=SYSTEM_PRINCIPAL,
                data=changes.VillageInput(
                    commune.id, f"{commune.code}{i:03d}", name, kind, REFORM_DATE
                ),
            )
            report.villages += 1
    # Lai Châu's villages of the time (seed 000); another province's, one for each of today's.
    before = PRE_REFORM_VILLAGES if province_code == "12" else None
    report.villages += _pre_reform_villages(session, random.Random(seed + 20), communes, before)
    suffix = f"H{province_code}"
    top = session.scalars(select(Agency).where(Agency.code == f"000.00.00.{suffix}")).first()
    if top is None:
        top = changes.create_agency(
            session,
            principal=SYSTEM_PRINCIPAL,
            data=changes.AgencyInput(
                f"000.00.00.{suffix}",
                f"Ủy ban nhân dân {service.inside_name(province)}",
                "ubnd_tinh",
                province.id,
            ),
        )
        report.agencies += 1
        for num, name, kind in PROVINCIAL_AGENCIES:
            changes.create_agency(
                session,
                principal=SYSTEM_PRINCIPAL,
                data=changes.AgencyInput(f"000.00.{num}.{suffix}", name, kind, province.id, top.id),
            )
            report.agencies += 1
        for i, commune in enumerate(communes[:49], start=50):
            changes.create_agency(
                session,
                principal=SYSTEM_PRINCIPAL,
                data=changes.AgencyInput(
                    f"000.00.{i}.{suffix}",
                    f"Ủy ban nhân dân {service.inside_name(commune)}",
                    "ubnd_xa",
                    commune.id,
                    top.id,
                ),
            )
            report.agencies += 1
    _demo_users(session, province, communes, suffix, report)
    with tempfile.TemporaryDirectory(prefix="tinhso-demo-") as tmp:
        services_report = build_dossiers(
            session,
            province=province,
            calendar=WorkCalendar.default(),
            work=Path(work or tmp),
            today=local_today(),
            per_year=dossiers_per_year,
        )
    report.procedures, report.dossiers = services_report.procedures, services_report.dossiers
    from tinhso.demo.reports import build_reports

    reports = build_reports(session, province=province, seed=seed)
    report.reports, report.reports_missing = reports.reports, reports.missing
    from tinhso.demo.infrastructure import build_infrastructure

    infra = build_infrastructure(session, province=province, seed=seed)
    report.infra_facts, report.infra_sites = infra.facts, infra.sites
    from tinhso.config import get_settings
    from tinhso.demo.tasks import build_tasks

    report.tasks = build_tasks(
        session, province=province, var_dir=get_settings().var_dir, seed=seed
    )
    from tinhso.ioc.boundaries import schematic

    # The demo has no surveyed boundaries: the map draws a schematic, and says so.
    report.boundaries = schematic(session, province=province, seed=seed)
    report.ranks = _national_ranks(session, seed=seed)
    return report


def _national_ranks(session: Session, *, seed: int) -> int:
    """The DTI 2024 and 2025 rankings of the 34 provinces as the ministry would publish them
    (invented scores), loaded as the department loads the downloaded file."""
    from datetime import date as _date

    from tinhso.ioc.ranks import import_ranks

    rng = random.Random(seed + 34)
    written = 0
    for year in (2024, 2025):
        provinces = service.units_below(
            session, unit=None, level="province", on=_date(year, 12, 31)
        )
        if len(provinces) < 2:
            continue
        scored = sorted(((rng.uniform(0.42, 0.78), u) for u in provinces), key=lambda x: -x[0])
        lines = ["Mã tỉnh,Tỉnh/thành phố,Điểm,Xếp hạng"]
        lines += [f'{u.code},"{u.name}",{v:.4f},{i}' for i, (v, u) in enumerate(scored, start=1)]
        rep = import_ranks(
            session,
            principal=SYSTEM_PRINCIPAL,
            data=("\n".join(lines) + "\n").encode(),
            filename=f"xep-hang-dti-{year}.csv",
            index="dti",
            period=str(year),
        )
        written += rep.written
    return written


def _pre_reform_villages(
    session: Session, rng: random.Random, communes: list[Unit], count: int | None
) -> int:
    """Create the villages as they stood before 1 July 2025 under the communes of the time, each
    the origin of one of today's villages, or of two where it was split, linked by lineage.

    Returns how many were created (none once they exist, or where the register holds no
    commune before the reform)."""
    origins = service.formed_from(session, [c.id for c in communes])
    old = service.units_by_id(session, [o for os in origins.values() for o in os])
    if (
        not old
        or session.scalars(
            select(Unit.id).where(Unit.parent_id.in_(list(old)), Unit.level == "village")
        ).first()
    ):
        return 0
    groups: dict[int, list[list[Unit]]] = {o: [] for o in sorted(old)}
    for commune in communes:
        sources = sorted(origins.get(commune.id, []))
        if not sources:
            continue
        todays = service.children(session, principal=SYSTEM_PRINCIPAL, unit=commune)
        for village in sorted(todays, key=lambda v: v.code):
            # Each old commune gets a village first, then at random among the commune's sources.
            empty = [o for o in sources if not groups[o]]
            origin = empty[0] if empty else rng.choice(sources)
            groups[origin].append([village])
    # Splits: two of today's villages that came from one old village, until the count fits.
    surplus = sum(len(g) for g in groups.values()) - count if count else 0
    while surplus > 0:
        pairable = [o for o, g in groups.items() if sum(len(p) == 1 for p in g) >= 2]
        if not pairable:
            break
        g = groups[rng.choice(pairable)]
        singles = [p for p in g if len(p) == 1]
        a, b = rng.sample(singles, 2)
        g.remove(b)
        a.extend(b)
        surplus -= 1
    created = 0
    for origin_id, group in groups.items():
        commune = old[origin_id]
        for j, successors in enumerate(group, start=1):
            first = successors[0]
            village = changes.create_village(
                session,
                principal=SYSTEM_PRINCIPAL,
                data=changes.VillageInput(
                    commune.id, f"{commune.code}{j:03d}", first.name, first.kind, PRE_REFORM_FROM
                ),
            )
            created += 1
            for successor in successors:
                session.add(
                    UnitLineage(
                        source_id=village.id,
                        target_id=successor.id,
                        share="whole" if len(successors) == 1 else "part",
                    )
                )
    session.flush()
    return created


def _demo_users(
    session: Session, province: Unit, communes: list[Unit], suffix: str, report: DemoReport
) -> None:
    if session.scalars(select(User).where(User.username == "admin")).first() is not None:
        return
    commune = next((c for c in communes if c.code == "03388"), communes[0])
    sokhcn = session.scalars(select(Agency).where(Agency.code == f"000.00.02.{suffix}")).one()
    root = accounts.ScopeRoot
    people: tuple[tuple[str, str, str, list[accounts.ScopeRoot]], ...] = (
        ("admin", "admin", "Quản trị hệ thống", []),
        ("lanhdao", "leader", "Lãnh đạo UBND tỉnh", [root(unit_id=province.id)]),
        ("canbo.so", "officer", "Cán bộ Sở Khoa học và Công nghệ", [root(agency_id=sokhcn.id)]),
        (
            "canbo.xa",
            "officer",
            f"Cán bộ {service.inside_name(commune)}",
            [root(unit_id=commune.id)],
        ),
        ("antt", "analyst", "Chuyên viên an toàn thông tin", [root(unit_id=province.id)]),
        ("xem", "viewer", "Người xem", [root(unit_id=province.id)]),
    )
    for username, role, name, scopes in people:
        accounts.create_user(
            session,
            principal=SYSTEM_PRINCIPAL,
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            full_name=name,
            scopes=scopes,
        )
        report.users.append((username, role, name))
    client = accounts.create_user(
        session,
        principal=SYSTEM_PRINCIPAL,
        username="motcua",
        role="system",
        password=None,
        full_name="Hệ thống thông tin giải quyết TTHC (một cửa điện tử)",
        scopes=[root(unit_id=province.id)],
    )
    report.users.append(("motcua", "system", client.full_name))
    _tok, report.token = accounts.issue_token(
        session, principal=SYSTEM_PRINCIPAL, user_id=client.id, name="demo"
    )
