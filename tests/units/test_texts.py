"""Villages and agencies through the API: texts the databases cannot hold are refused by
field, on SQLite and PostgreSQL alike (PostgreSQL answered 500 for a NUL), nothing changed."""

from __future__ import annotations

import json

import pytest

from tests.test_cross_scope import fingerprint
from tests.world import World


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "reason"),
    [
        (
            "POST",
            "/api/v1/units",
            {"commune_id": "{doan_ket}", "code": "03388\x0009", "name": "Tổ 9"},
            "code",
            "mã thôn có ký tự điều khiển (U+0000) không được phép",
        ),
        (
            "POST",
            "/api/v1/units",
            {"commune_id": "{doan_ket}", "code": "0338809", "name": "Tổ\x7f9"},
            "name",
            "tên thôn có ký tự điều khiển (U+007F) không được phép",
        ),
        (
            "PATCH",
            "/api/v1/units/{tdp1}",
            {"name": "Tổ dân phố \ud800"},
            "name",
            "có ký tự không hợp lệ (không phải Unicode)",  # Pydantic's check, in Vietnamese
        ),
        (
            "PATCH",
            "/api/v1/units/{tdp1}",
            {"name": "Tổ\x00dân phố"},
            "name",
            "tên thôn có ký tự điều khiển (U+0000) không được phép",
        ),
        (
            "POST",
            "/api/v1/agencies",
            {"code": "000.00.09.H12", "name": "Sở\x00", "kind": "so", "unit_id": "{lai_chau}"},
            "name",
            "tên cơ quan có ký tự điều khiển (U+0000) không được phép",
        ),
        (
            "PUT",
            "/api/v1/agencies/{so_khcn}",
            {
                "code": "000.00.02.H12\x00",
                "name": "Sở Khoa học và Công nghệ",
                "kind": "so",
                "unit_id": "{lai_chau}",
            },
            "code",
            "mã định danh có ký tự điều khiển (U+0000) không được phép",
        ),
    ],
)
def test_refused_by_field_and_nothing_changes(  # type: ignore[no-untyped-def]
    client, world: World, method: str, path: str, body: dict[str, object], field: str, reason: str
) -> None:
    ids = {**world.units, **world.agencies}
    for key, value in ids.items():
        path = path.replace("{" + key + "}", str(value))
    body = {
        k: ids[v[1:-1]] if isinstance(v, str) and v[1:-1] in ids else v for k, v in body.items()
    }
    before = fingerprint(world.db)
    r = client.request(
        method,
        path,
        content=json.dumps(body),
        headers={**world.auth("admin"), "content-type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    [err] = r.json()["errors"]
    assert err["field"] == field and err["reason"].startswith(reason)
    assert fingerprint(world.db) == before
