"""Every API route, tried across scope: a commune officer reaching another commune, a
province administrator reaching another province. Each attempt is refused (403/404; an
import names the out-of-scope rows with 422) and nothing in the database changes.

A route added without a case here fails ``test_every_route_has_a_cross_scope_case``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from tests.reporting.conftest import load_catalog_forms
from tests.reporting.helpers import binh_lu_template
from tests.routes import api_routes
from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.db import Base, Database
from tinhso.indicators import loader as indicator_catalog
from tinhso.models import ApiToken

# Columns that legitimately move on a refused request: the token's last use, login records.
VOLATILE = {("api_token", "last_used_at"), ("api_token", "last_used_ip")}
SKIP_TABLES = {"login_attempt", "web_session"}


def fingerprint(db: Database) -> str:
    """Return a hash of every table's content (but for volatile columns)."""
    h = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in SKIP_TABLES:
                continue
            cols = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
            for row in conn.execute(select(*cols).order_by(*table.primary_key.columns)):
                h.update(repr((table.name, tuple(row))).encode())
    return h.hexdigest()


Case = tuple[str, str, str, Callable[[World], dict[str, Any]], tuple[int, ...]]


def _token_of(world: World, user: str) -> int:
    with world.db.session() as s:
        return s.scalars(select(ApiToken.id).where(ApiToken.user_id == world.users[user])).first()  # type: ignore[return-value]


_XA_BL = {"form": "BC-CDS-XA-THANG", "period": "2025-07", "unit": "03390"}

# (who, method, path template, request kwargs, accepted statuses)
CASES: list[Case] = [
    ("officer_dk", "GET", "/api/v1/ioc/overview", lambda w: {"params": {"unit": "03390"}}, (404,)),
    (
        "officer_dk",
        "GET",
        "/api/v1/ioc/overview",
        lambda w: {"params": {"agency": "000.00.02.H12"}},
        (404,),
    ),
    (
        "officer_dk",
        "GET",
        "/api/v1/ioc/map",
        lambda w: {"params": {"layer": "services.on_time", "unit": "12"}},
        (404,),
    ),
    (
        "officer_dk",
        "GET",
        "/api/v1/ioc/ranking",
        lambda w: {"params": {"tile": "services.on_time", "unit": "12"}},
        (404,),
    ),
    ("officer_dk", "GET", "/api/v1/units/{binh_lu}", lambda w: {}, (404,)),
    ("officer_dk", "GET", "/api/v1/units/{binh_lu}/children", lambda w: {}, (404,)),
    ("officer_dk", "GET", "/api/v1/units/{binh_lu}/ancestors", lambda w: {}, (404,)),
    ("officer_dk", "GET", "/api/v1/units/{binh_lu}/subtree", lambda w: {}, (404,)),
    ("officer_dk", "GET", "/api/v1/units/{binh_lu}/lineage", lambda w: {}, (404,)),
    (
        "officer_dk",
        "GET",
        "/api/v1/units/{binh_lu}/map",
        lambda w: {"params": {"to": "2024-01-01"}},
        (404,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/units",
        lambda w: {
            "json": {"commune_id": w.units["binh_lu"], "code": "X1", "name": "Bản X", "kind": "ban"}
        },
        (404,),
    ),
    (
        "officer_dk",
        "PATCH",
        "/api/v1/units/{na_tam}",
        lambda w: {"json": {"name": "Đổi tên"}},
        (404,),
    ),
    ("officer_dk", "DELETE", "/api/v1/units/{na_tam}", lambda w: {}, (404,)),
    (
        "officer_dk",
        "POST",
        "/api/v1/units:import",
        lambda w: {
            "files": {
                "file": ("t.csv", "Mã,Tên,Loại,Mã xã\nX9,Bản Mới,bản,03390\n".encode(), "text/csv")
            }
        },
        (422,),
    ),
    ("officer_dk", "GET", "/api/v1/agencies/{ubnd_bl}", lambda w: {}, (404,)),
    (
        "officer_dk",
        "POST",
        "/api/v1/agencies:import",
        lambda w: {
            "files": {
                "file": (
                    "a.csv",
                    "Mã định danh,Tên cơ quan,Loại,Mã đơn vị\n"
                    "000.00.61.H12,UBND X,UBND xã,03390\n".encode(),
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/agencies",
        lambda w: {
            "json": {
                "code": "000.00.60.H12",
                "name": "UBND X",
                "kind": "ubnd_xa",
                "unit_id": w.units["binh_lu"],
            }
        },
        (404,),
    ),
    (
        "officer_dk",
        "PUT",
        "/api/v1/agencies/{ubnd_bl}",
        lambda w: {
            "json": {
                "code": "000.00.51.H12",
                "name": "Đổi",
                "kind": "ubnd_xa",
                "unit_id": w.units["binh_lu"],
            }
        },
        (404,),
    ),
    ("officer_dk", "DELETE", "/api/v1/agencies/{ubnd_bl}", lambda w: {}, (404,)),
    ("officer_dk", "GET", "/api/v1/users", lambda w: {}, (403,)),
    (
        "officer_dk",
        "POST",
        "/api/v1/users",
        lambda w: {"json": {"username": "moi", "role": "viewer", "password": "mat-khau-rat-dai"}},
        (403,),
    ),
    ("officer_dk", "GET", "/api/v1/users/{u:officer_bl}", lambda w: {}, (404,)),
    (
        "officer_dk",
        "PATCH",
        "/api/v1/users/{u:officer_bl}",
        lambda w: {"json": {"full_name": "X"}},
        (404,),
    ),
    ("officer_dk", "GET", "/api/v1/users/{u:officer_bl}/tokens", lambda w: {}, (404,)),
    (
        "officer_dk",
        "POST",
        "/api/v1/users/{u:officer_bl}/tokens",
        lambda w: {"json": {"name": "x"}},
        (404,),
    ),
    ("officer_dk", "DELETE", "/api/v1/tokens/{t:officer_bl}", lambda w: {}, (404,)),
    ("officer_dk", "GET", "/api/v1/audit", lambda w: {}, (403,)),
    ("officer_dk", "GET", "/api/v1/audit/verify", lambda w: {}, (403,)),
    # Public services: dossiers, events, the index of another commune or province.
    (
        "officer_dk",
        "POST",
        "/api/v1/procedures:import",
        lambda w: {"files": {"file": ("t.csv", b"Ma thu tuc,Ten thu tuc\n9.9,X\n", "text/csv")}},
        (403,),
    ),
    ("officer_dk", "GET", "/api/v1/dossiers/{dossier:D6}", lambda w: {}, (404,)),
    (
        "officer_dk",
        "POST",
        "/api/v1/dossiers/{dossier:D6}/events",
        lambda w: {"json": {"event_id": "x", "ts": "2025-07-03T08:00:00+07:00", "status": 10}},
        (404,),
    ),
    (
        "system12",
        "POST",
        "/api/v1/dossiers:batch",
        lambda w: {
            "json": {
                "items": [
                    {
                        "code": "LK1",
                        "procedure_code": "1.001",
                        "agency_code": "000.00.50.H15",
                        "channel": 2,
                        "status": 1,
                    }
                ]
            }
        },
        (422,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/dossiers:import",
        lambda w: {
            "files": {
                "file": (
                    "h.csv",
                    b"code,procedure_code,agency_code,channel,status\nZ1,1.001,000.00.51.H12,2,1\n",
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    (
        "officer_dk",
        "GET",
        "/api/v1/indices/qd766",
        lambda w: {"params": {"period": "2025-Q3", "unit": "03390"}},
        (404,),
    ),
    (
        "officer_dk",
        "GET",
        "/api/v1/indices/qd766/explain",
        lambda w: {"params": {"period": "2025-Q3", "unit": "000.00.51.H12", "indicator": "2.1"}},
        (404,),
    ),
    (
        "viewer15",
        "GET",
        "/api/v1/indices/qd766",
        lambda w: {"params": {"period": "2025-Q3", "unit": "12"}},
        (404,),
    ),
    # Infrastructure: another commune's or province's villages, an import naming them.
    (
        "officer_dk",
        "GET",
        "/api/v1/infrastructure/coverage",
        lambda w: {"params": {"unit": "03390"}},
        (404,),
    ),
    (
        "viewer15",
        "GET",
        "/api/v1/infrastructure/coverage",
        lambda w: {"params": {"unit": "12"}},
        (404,),
    ),
    (
        "officer_dk",
        "GET",
        "/api/v1/infrastructure/white-spots",
        lambda w: {"params": {"unit": "03390", "as_of": "2026-01-01"}},
        (404,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/infrastructure/imports",
        lambda w: {
            "data": {"operator": "Viettel", "as_of": "2026-01-01"},
            "files": {"file": ("t.csv", "Mã thôn,4G\n0339001,có\n".encode(), "text/csv")},
        },
        (422,),
    ),
    (
        "officer_dk",
        "GET",
        "/api/v1/infrastructure/teams",
        lambda w: {"params": {"unit": "03390"}},
        (404,),
    ),
    (
        "viewer15",
        "GET",
        "/api/v1/infrastructure/training",
        lambda w: {"params": {"unit": "12", "from": "2025-01-01", "to": "2025-12-31"}},
        (404,),
    ),
    (
        "officer_dk",
        "GET",
        "/api/v1/infrastructure/sites",
        lambda w: {"params": {"unit": "03390"}},
        (404,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/infrastructure/sites:import",
        lambda w: {
            "files": {
                "file": (
                    "t.csv",
                    "Mã trạm,Loại,Doanh nghiệp,Mã xã,Ngày hoạt động\nX,BTS,Viettel,03390,01/08/2025\n".encode(),
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/infrastructure/teams:import",
        lambda w: {
            "files": {
                "file": (
                    "t.csv",
                    "Mã đơn vị,Ngày thành lập\n03390,01/08/2025\n".encode(),
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/infrastructure/members:import",
        lambda w: {
            "files": {
                "file": ("t.csv", "Mã đơn vị,Họ và tên\n0339001,Ai Đó\n".encode(), "text/csv")
            }
        },
        (422,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/infrastructure/courses:import",
        lambda w: {
            "files": {
                "file": (
                    "t.csv",
                    "Mã lớp,Tên lớp,Mã đơn vị,Từ ngày\nC1,Lớp,03390,01/08/2025\n".encode(),
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    (  # another commune's people on a list (the province's course: test_society.py)
        "officer_dk",
        "POST",
        "/api/v1/infrastructure/participants:import",
        lambda w: {
            "files": {
                "file": (
                    "t.csv",
                    "Mã lớp,Họ và tên,Mã đơn vị,Đối tượng\nC1,Ai Đó,03390,Cán bộ\n".encode(),
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/infrastructure/it-staff:import",
        lambda w: {
            "files": {
                "file": (
                    "t.csv",
                    "Mã định danh,Ngày,Số cán bộ CNTT\n000.00.00.H15,01/08/2025,2\n".encode(),
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    (
        "officer_dk",
        "POST",
        "/api/v1/infrastructure/activities:import",
        lambda w: {
            "files": {
                "file": (
                    "t.csv",
                    "Mã đơn vị,Ngày,Nội dung\n0339001,01/10/2025,Hướng dẫn\n".encode(),
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    # Tasks: another agency's task, its evidence, its review (tests/tasks/test_tasks.py has them
    # with tasks in the world); a plan the caller's agency is not in charge of.
    ("officer_bl", "GET", "/api/v1/tasks/{dossier:NV-01}/progress", lambda w: {}, (404,)),
    (
        "officer_bl",
        "POST",
        "/api/v1/tasks/{dossier:NV-01}/progress",
        lambda w: {"data": {"percent": "10"}},
        (404,),
    ),
    (
        "officer_bl",
        "POST",
        "/api/v1/tasks/{dossier:NV-01}/review",
        lambda w: {"data": {"accept": "true"}},
        (404,),
    ),
    ("officer_bl", "GET", "/api/v1/tasks/evidence/{dossier:1}", lambda w: {}, (404,)),
    (
        "officer_bl",
        "POST",
        "/api/v1/tasks/{dossier:NV-01}/cancel",
        lambda w: {"data": {"reason": "Không cần nữa"}},
        (404,),
    ),
    (
        "officer_bl",
        "POST",
        "/api/v1/tasks/targets:achieved",
        lambda w: {"data": {"plan": "09-KH/BCĐCĐS", "code": "CT01", "value": "5"}},
        (404,),
    ),
    (
        "officer_bl",
        "POST",
        "/api/v1/tasks:import",
        lambda w: {
            "files": {
                "file": (
                    "t.csv",
                    (
                        '"Số, ký hiệu kế hoạch",Ngày ban hành,Trích yếu kế hoạch,Cơ quan theo dõi,'
                        "Mã nhiệm vụ,Tên nhiệm vụ,Cơ quan chủ trì,Thời hạn hoàn thành\n"
                        "01-KH/X,01/01/2026,Kế hoạch,000.00.02.H12,N1,Việc,000.00.51.H12,"
                        "31/12/2026\n"
                    ).encode(),
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    (
        "officer_bl",
        "POST",
        "/api/v1/tasks/targets:import",
        lambda w: {
            "files": {
                "file": (
                    "t.csv",
                    '"Số, ký hiệu kế hoạch",Mã chỉ tiêu,Tên chỉ tiêu,Kế hoạch giao\n01-KH/X,C1,Chỉ tiêu,10\n'.encode(),
                    "text/csv",
                )
            }
        },
        (422,),
    ),
    (
        "officer_bl",
        "POST",
        "/api/v1/tasks/sync:import",
        lambda w: {
            "files": {
                "file": (
                    "s.json",
                    b'{"format": "tinhso.tasks/1", "tasks": [{"code": "NV-01", "status": "done",'
                    b' "percent": 100, "updated_at": "2026-01-01T00:00:00+07:00"}]}',
                    "application/json",
                )
            }
        },
        (422,),
    ),
    # Indicators: another commune's or province's index (the shipped DTI catalogs are loaded).
    (
        "officer_dk",
        "GET",
        "/api/v1/indicators/values",
        lambda w: {"params": {"index": "dti-commune-2025", "period": "2025", "unit": "03390"}},
        (404,),
    ),
    (
        "viewer15",
        "GET",
        "/api/v1/indicators/values",
        lambda w: {"params": {"index": "dti-province-2025", "period": "2025", "unit": "12"}},
        (404,),
    ),
    (
        "officer_dk",
        "GET",
        "/api/v1/indicators/explain",
        lambda w: {
            "params": {
                "index": "dti-commune-2025",
                "period": "2025",
                "unit": "03390",
                "indicator": "3.1",
            }
        },
        (404,),
    ),
    (
        "officer_so",  # in charge of the communes' forms here, not of a report of the province
        "GET",
        "/api/v1/indicators/explain",
        lambda w: {
            "params": {
                "index": "dti-province-2025",
                "period": "2025",
                "unit": "12",
                "indicator": "3.1",
            }
        },
        (404,),
    ),
    # Reporting: another commune's values, report, completeness, template, upload.
    *[
        ("officer_dk", m, path, kw, st)
        for m, path, kw, st in [
            ("GET", "/api/v1/datavalues", lambda w: {"params": _XA_BL}, (404,)),
            (
                "POST",
                "/api/v1/datavalues",
                lambda w: {
                    "json": {
                        "form": "BC-CDS-XA-THANG",
                        "items": [
                            {
                                "unit": "03390",
                                "period": "2025-07",
                                "element": "XA_THON_TONG",
                                "value": 9,
                            }
                        ],
                    }
                },
                (422,),
            ),
            (
                "POST",
                "/api/v1/reporting/submissions",
                lambda w: {"json": {**_XA_BL, "action": "submit"}},
                (404,),
            ),
            ("GET", "/api/v1/reporting/completeness", lambda w: {"params": _XA_BL}, (404,)),
            ("GET", "/api/v1/reporting/template", lambda w: {"params": _XA_BL}, (404,)),
            (
                "POST",
                "/api/v1/reporting/upload",
                lambda w: {
                    "params": {"form": "BC-CDS-XA-THANG", "period": "2025-07"},
                    "files": {"file": ("m.xlsx", binh_lu_template(w), "application/octet-stream")},
                },
                (422,),
            ),
        ]
    ],
    (
        "viewer15",
        "GET",
        "/api/v1/reporting/report",
        lambda w: {"params": {"form": "BC-CDS-XA-THANG", "period": "2025-07", "unit": "12"}},
        (404,),
    ),
    # A province administrator reaching into another province.
    ("admin12", "GET", "/api/v1/units/{lao_cai}", lambda w: {}, (404,)),
    ("admin12", "GET", "/api/v1/agencies/{ubnd_bh}", lambda w: {}, (404,)),
    ("admin12", "GET", "/api/v1/users/{u:viewer15}", lambda w: {}, (404,)),
    (
        "admin12",
        "PATCH",
        "/api/v1/users/{u:viewer15}",
        lambda w: {"json": {"is_active": False}},
        (404,),
    ),
    (
        "admin12",
        "POST",
        "/api/v1/users",
        lambda w: {
            "json": {
                "username": "moi",
                "role": "officer",
                "password": "mat-khau-rat-dai",
                "scopes": [{"unit_id": w.units["lao_cai"]}],
            }
        },
        (404,),
    ),
    ("admin12", "DELETE", "/api/v1/tokens/{t:viewer15}", lambda w: {}, (404,)),
    ("admin12", "GET", "/api/v1/audit", lambda w: {}, (403,)),
    # An agency-scoped officer reaching a commune's agency.
    ("officer_so", "GET", "/api/v1/agencies/{ubnd_dk}", lambda w: {}, (404,)),
    ("officer_so", "GET", "/api/v1/units/{doan_ket}", lambda w: {}, (404,)),
]

# Reads whose cross-scope behaviour is filtering, checked by their own tests below.
LISTS = {
    ("GET", "/api/v1/units"),
    ("GET", "/api/v1/agencies"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/procedures"),  # the procedure catalogue is public information
    ("GET", "/api/v1/reporting/forms"),  # so is the catalogue of report forms
    ("GET", "/api/v1/reporting/forms/{}"),  # (a path parameter, as the check shapes it)
    # filtered to the caller's agencies: tests/infrastructure/test_society.py
    ("GET", "/api/v1/infrastructure/it-staff"),
    # filtered to the tasks of the caller's agencies: tests/tasks/test_tasks.py
    ("GET", "/api/v1/plans"),
    ("GET", "/api/v1/tasks"),
    ("GET", "/api/v1/tasks/summary"),
    ("GET", "/api/v1/tasks/targets"),
    ("GET", "/api/v1/tasks/export"),
    # the list of registered tiles is the platform's own description, no unit's figure
    ("GET", "/api/v1/ioc/tiles"),
    # filtered to the caller's units and agencies; one alert outside: tests/ioc/test_alerts.py
    ("GET", "/api/v1/ioc/alerts"),
    ("GET", "/api/v1/ioc/alerts/{}"),
    ("POST", "/api/v1/ioc/alerts/{}:acknowledge"),
    # the caller's own province's published standing (public figures); import: global admin
    # only, tests/ioc/test_ranks.py
    ("GET", "/api/v1/ioc/ranks"),
    ("POST", "/api/v1/ioc/ranks:import"),
}


@pytest.fixture(autouse=True)
def _services_data(world: World) -> None:
    """Every case runs against a world with procedures and dossiers (tests/services/data.py)."""
    from tests.services import data

    data.load(world)
    with world.db.session() as s:  # the shipped indicator catalogs (catalog/*.yaml)
        indicator_catalog.load(
            s, principal=SYSTEM_PRINCIPAL, paths=indicator_catalog.default_files()
        )
    load_catalog_forms(world)  # and the report forms of catalog/forms


def _path(world: World, template: str) -> str:
    out = re.sub(r"\{dossier:([^}]+)\}", r"\1", template)
    for key, uid in world.units.items():
        out = out.replace("{" + key + "}", str(uid))
    for key, aid in world.agencies.items():
        out = out.replace("{" + key + "}", str(aid))
    for key, uid in world.users.items():
        out = out.replace("{u:" + key + "}", str(uid))
    for key in world.users:
        if "{t:" + key + "}" in out:
            out = out.replace("{t:" + key + "}", str(_token_of(world, key)))
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_cross_scope_refused_and_nothing_changes(client, world: World, case: Case) -> None:  # type: ignore[no-untyped-def]
    who, method, template, kwargs, accepted = case
    before = fingerprint(world.db)
    r = client.request(method, _path(world, template), headers=world.auth(who), **kwargs(world))
    assert r.status_code in accepted, r.text
    assert r.headers["content-type"] == "application/problem+json" or r.status_code == 422
    assert fingerprint(world.db) == before


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_route_has_a_cross_scope_case(client) -> None:  # type: ignore[no-untyped-def]
    covered = {(m, _shape(t)) for _w, m, t, _k, _a in CASES} | LISTS
    missing = [f"{m} {p}" for m, p in api_routes(client.app) if (m, _shape(p)) not in covered]
    assert missing == []


def test_lists_are_filtered(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/units", params={"limit": 5000}, headers=world.auth("officer_dk"))
    ids = {u["id"] for u in r.json()["items"]}
    assert world.units["binh_lu"] not in ids and world.units["lao_cai"] not in ids
    assert world.units["doan_ket"] in ids and world.units["tdp1"] in ids
    r = client.get("/api/v1/agencies", headers=world.auth("officer_dk"))
    assert [a["name"] for a in r.json()["items"]] == ["Ủy ban nhân dân phường Đoàn Kết"]
    r = client.get("/api/v1/agencies", headers=world.auth("officer_so"))
    assert [a["name"] for a in r.json()["items"]] == ["Sở Khoa học và Công nghệ"]
    r = client.get("/api/v1/units", params={"level": "province"}, headers=world.auth("viewer15"))
    # Lào Cai today, and the two old provinces it was formed from.
    assert sorted(u["name"] for u in r.json()["items"]) == [
        "Tỉnh Lào Cai",
        "Tỉnh Lào Cai",
        "Tỉnh Yên Bái",
    ]


def test_officer_writes_in_own_commune(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.patch(
        f"/api/v1/units/{world.units['tdp1']}",
        json={"name": "Tổ dân phố Một"},
        headers=world.auth("officer_dk"),
    )
    assert r.status_code == 200 and r.json()["name"] == "Tổ dân phố Một"


def test_viewer_cannot_write_even_in_scope(client, world: World) -> None:  # type: ignore[no-untyped-def]
    before = fingerprint(world.db)
    r = client.patch(
        f"/api/v1/units/{world.units['ta_chai']}",
        json={"name": "X"},
        headers=world.auth("viewer15"),
    )
    assert r.status_code == 403
    assert fingerprint(world.db) == before


def test_pages_across_scope_are_not_found(client, world: World) -> None:  # type: ignore[no-untyped-def]
    from tests.accounts.test_auth import _login

    _login(client, "officer_dk")
    for path in (
        f"/units/{world.units['binh_lu']}",
        f"/units/{world.units['binh_lu']}/tree",
        f"/units/{world.units['lao_cai']}",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "Bình Lư" not in r.text and "Lào Cai" not in r.text
    assert client.get(f"/admin/users/{world.users['officer_bl']}").status_code == 403
