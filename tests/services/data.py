"""A small, hand-checkable set of procedures and dossiers for Q3 2025 (see test_qd766.py)."""

from __future__ import annotations

from typing import Any

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.services import service

PROCEDURES_CSV = """Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Mã cơ quan,Mức độ DVC,Phí,Có kết quả,Thời hạn giải quyết,Công dân
1.001,Chứng thực bản sao,Chứng thực,xã,,toàn trình,50000,có,3,có
1.002,Đăng ký khai sinh,Hộ tịch,xã,,một phần,0,có,3,có
2.001,Cấp giấy phép X,Khoa học,tỉnh,000.00.02.H12,không,0,có,5,có
2.002,Cấp giấy chứng nhận Y,Khoa học,tỉnh,000.00.02.H12,toàn trình,100000,có,5,không
"""


def d(
    code: str, proc: str, agency: str, commune: str | None, channel: int, status: int, **kw: Any
) -> dict[str, Any]:
    base = {
        "code": code,
        "procedure_code": proc,
        "agency_code": agency,
        "commune_code": commune,
        "channel": channel,
        "status": status,
    }
    return base | kw


DK, BL, SO, BH = "000.00.50.H12", "000.00.51.H12", "000.00.02.H12", "000.00.50.H15"

DOSSIERS = [
    d(
        "D1",
        "1.001",
        DK,
        "03388",
        2,
        10,
        received_at="2025-07-01T08:00:00+07:00",
        appointment_at="2025-07-04T08:00:00+07:00",
        finished_at="2025-07-03T10:00:00+07:00",
        returned_at="2025-07-03T15:00:00+07:00",
        payment_flag=1,
        fee=50000,
        e_result=True,
        digitized_inputs=True,
        synced=True,
        vneid=True,
        reused_components=1,
    ),
    d(
        "D2",
        "1.001",
        DK,
        "03388",
        1,
        9,
        received_at="2025-07-02T09:00:00+07:00",
        appointment_at="2025-07-07T09:00:00+07:00",
        finished_at="2025-07-08T10:00:00+07:00",
        fee=50000,
        synced=True,
        rating=-1,
    ),
    d(
        "D3",
        "1.002",
        DK,
        "03388",
        2,
        9,
        received_at="2025-07-10T08:00:00+07:00",
        appointment_at="2025-07-15T08:00:00+07:00",
        finished_at="2025-07-16T08:00:00+07:00",
        supplement_count=1,
        supplement_days=2,
        e_result=True,
        synced=True,
    ),
    d(
        "D4",
        "1.002",
        DK,
        "03388",
        1,
        4,
        received_at="2025-07-21T08:00:00+07:00",
        appointment_at="2025-07-24T08:00:00+07:00",
    ),
    d(
        "D5",
        "1.001",
        DK,
        "03388",
        2,
        3,
        submitted_at="2025-07-22T08:00:00+07:00",
        stopped_at="2025-07-22T09:00:00+07:00",
    ),
    d(
        "D6",
        "1.001",
        BL,
        "03390",
        2,
        9,
        received_at="2025-07-01T08:00:00+07:00",
        appointment_at="2025-07-04T08:00:00+07:00",
        finished_at="2025-07-02T08:00:00+07:00",
        payment_flag=2,
        fee=50000,
    ),
    d(
        "D7",
        "2.002",
        SO,
        None,
        2,
        10,
        received_at="2025-08-05T08:00:00+07:00",
        appointment_at="2025-08-12T08:00:00+07:00",
        returned_at="2025-08-11T08:00:00+07:00",
        payment_flag=1,
        fee=100000,
        e_result=True,
        digitized_inputs=True,
    ),
    d(
        "D8",
        "2.001",
        SO,
        None,
        1,
        2,
        received_at="2025-09-29T08:00:00+07:00",
        appointment_at="2025-10-06T08:00:00+07:00",
    ),
]


def load(world: World) -> None:
    """Import the procedures and the dossiers into the world's database."""
    with world.db.session() as s:
        rep = service.import_procedures(
            s, principal=SYSTEM_PRINCIPAL, data=PROCEDURES_CSV.encode(), filename="tthc.csv"
        )
        assert rep.committed, rep.errors
    with world.db.session() as s:
        rep2 = service.ingest_records(s, principal=SYSTEM_PRINCIPAL, records=DOSSIERS)
        assert rep2.created == len(DOSSIERS), rep2.errors
