"""The demo province's public services: a procedure catalogue and a year of dossiers.

Distributions are drawn per commune and agency so that the rankings differ: a share of
online dossiers between 15% and 75%, 2–18% late, online payment for 5–45% of fee-bearing
dossiers, digitisation between 30% and 95%. Everything goes through the real ingestion path.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.services import service
from tinhso.services.models import Dossier
from tinhso.units.models import Agency, Unit
from tinhso.workdays import WorkCalendar

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

COMMUNE_PROCEDURES = (
    ("Chứng thực bản sao từ bản chính", "Chứng thực", 1, 2000, "full"),
    ("Chứng thực chữ ký", "Chứng thực", 1, 10000, "partial"),
    ("Đăng ký khai sinh", "Hộ tịch", 1, 0, "full"),
    ("Đăng ký khai tử", "Hộ tịch", 1, 0, "full"),
    ("Đăng ký kết hôn", "Hộ tịch", 5, 0, "partial"),
    ("Cấp bản sao trích lục hộ tịch", "Hộ tịch", 1, 8000, "full"),
    ("Xác nhận tình trạng hôn nhân", "Hộ tịch", 3, 0, "full"),
    ("Đăng ký thường trú", "Cư trú", 7, 15000, "full"),
    ("Đăng ký biến động đất đai", "Đất đai", 10, 50000, "partial"),
    ("Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai", 30, 100000, "partial"),
    ("Đăng ký hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", 3, 100000, "full"),
    ("Trợ cấp xã hội hằng tháng", "Bảo trợ xã hội", 10, 0, "partial"),
    ("Hỗ trợ chi phí mai táng", "Bảo trợ xã hội", 5, 0, "none"),
    ("Cấp phép xây dựng nhà ở riêng lẻ", "Xây dựng", 15, 75000, "partial"),
)
PROVINCIAL_PROCEDURES = (
    ("Cấp giấy phép lái xe", "Đường bộ", 10, 135000, "full"),
    ("Cấp chứng chỉ hành nghề", "Chuyên ngành", 20, 500000, "partial"),
    ("Cấp giấy phép hoạt động", "Chuyên ngành", 15, 1000000, "partial"),
    ("Thẩm định hồ sơ", "Chuyên ngành", 20, 0, "none"),
    ("Cấp giấy chứng nhận đủ điều kiện", "Chuyên ngành", 10, 300000, "full"),
    ("Công nhận, cấp phép", "Chuyên ngành", 7, 0, "full"),
)


@dataclass
class DossierDemo:
    """What the dossier demo created."""

    procedures: int = 0
    dossiers: int = 0
    refused: int = 0


def _procedures_csv(agencies: list[Agency], rng: random.Random) -> str:
    lines = [
        "Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Mã cơ quan,Mức độ DVC,Phí,Có kết quả,"
        "Thời hạn giải quyết,Công dân,Doanh nghiệp"
    ]
    for i, (name, field, days, fee, mode) in enumerate(COMMUNE_PROCEDURES, start=1):
        lines.append(f"1.{i:03d},{name},{field},xã,,{mode},{fee},có,{days},có,không")
    n = 1
    for a in agencies:
        if a.kind not in ("so", "ban"):
            continue
        for name, field, days, fee, mode in rng.sample(PROVINCIAL_PROCEDURES, 3):
            lines.append(
                f'2.{n:03d},"{name} ({a.name})",{field},tỉnh,{a.code},{mode},{fee},có,{days},có,có'
            )
            n += 1
    return "\n".join(lines) + "\n"


def build_dossiers(
    session: Session,
    *,
    province: Unit,
    calendar: WorkCalendar,
    work: Path,
    today: date,
    per_year: int = 30_000,
    seed: int = 766,
) -> DossierDemo:
    """Return what was created: procedures and a year of dossiers up to ``today`` (idempotent)."""
    report = DossierDemo()
    if session.scalar(select(func.count()).select_from(Dossier)):
        return report
    rng = random.Random(seed)
    agencies = list(
        session.scalars(select(Agency).where(Agency.path.like("/%")).order_by(Agency.code))
    )
    csv_text = _procedures_csv(agencies, rng)
    rep = service.import_procedures(
        session, principal=SYSTEM_PRINCIPAL, data=csv_text.encode(), filename="tthc.csv"
    )
    report.procedures = rep.created
    procs = service.list_procedures(session, principal=SYSTEM_PRINCIPAL)
    if per_year <= 0:
        return report
    commune_procs = [p for p in procs if p.level == "commune"]
    commune_agencies = [a for a in agencies if a.kind == "ubnd_xa"]
    units = {
        u.id: u
        for u in session.scalars(select(Unit).where(Unit.id.in_([a.unit_id for a in agencies])))
    }
    profile = {
        a.id: (
            rng.uniform(0.15, 0.75),
            rng.uniform(0.02, 0.18),
            rng.uniform(0.05, 0.45),
            rng.uniform(0.3, 0.95),
        )
        for a in agencies
    }
    by_agency = {a.id: [p for p in procs if p.agency_id == a.id] for a in agencies}
    start = today - timedelta(days=365)
    path = work / "demo-dossiers.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for n in range(per_year):
            if rng.random() < 0.7 and commune_agencies:
                agency = rng.choice(commune_agencies)
                proc = rng.choice(commune_procs)
                commune = units.get(agency.unit_id)
            else:
                agency = rng.choice([a for a in agencies if by_agency.get(a.id)])
                proc = rng.choice(by_agency[agency.id])
                commune = None
            online, late, pay, digit = profile[agency.id]
            day = start + timedelta(days=rng.randrange(365))
            received = datetime.combine(
                day, time(rng.randint(7, 16), rng.choice((0, 15, 30, 45))), LOCAL
            )
            if not calendar.is_working_day(received.date()):
                received = calendar.add_working_days(received, 1)
            legal = max(1, int(proc.legal_days))
            appointment = calendar.add_working_days(received, legal)
            channel = (
                2 if proc.online_mode != "none" and rng.random() < online else rng.choice((1, 1, 3))
            )
            rec: dict[str, object] = {
                "code": f"{agency.code.split('.')[2]}.{day:%y%m%d}.{n:06d}",
                "procedure_code": proc.code,
                "agency_code": agency.code,
                "commune_code": commune.code if commune else None,
                "channel": channel,
                "received_at": received.isoformat(),
                "appointment_at": appointment.isoformat(),
                "fee": proc.fee,
                "synced": rng.random() < 0.93,
                "vneid": channel == 2 and rng.random() < 0.6,
                "reused_components": int(rng.random() < digit * 0.6),
                "from_data_store": rng.random() < 0.08,
            }
            if rng.random() < 0.08:
                rec["supplement_count"] = 1 if rng.random() < 0.85 else 2
                rec["supplement_days"] = rng.randint(1, 4)
            supplement = int(rec.get("supplement_days", 0))  # type: ignore[call-overload]
            if rng.random() < late:
                working = legal + supplement + rng.randint(1, 6)
            else:
                working = rng.randint(0, legal - 1) + supplement
            if working:
                done = calendar.add_working_days(received, working).replace(hour=rng.randint(8, 16))
            else:
                done = received + timedelta(hours=3)
            if done.date() >= today:
                rec["status"] = 4
            else:
                rec["status"] = 10 if rng.random() < 0.9 else 9
                rec["finished_at"] = done.isoformat()
                if rec["status"] == 10:
                    rec["returned_at"] = (done + timedelta(hours=rng.randint(1, 30))).isoformat()
                rec["e_result"] = rng.random() < digit
                rec["digitized_inputs"] = rng.random() < digit
                rec["rating"] = -1 if rng.random() < 0.01 else (1 if rng.random() < 0.7 else 0)
            if proc.fee_bearing and channel == 2 and rng.random() < pay:
                rec["payment_flag"] = rng.choice((1, 2))
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    result = service.ingest_file(
        session, principal=SYSTEM_PRINCIPAL, path=path, filename=path.name, source="demo"
    )
    report.dossiers = result.created
    report.refused = result.refused_rows
    path.unlink()
    return report
