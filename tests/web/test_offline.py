"""Offline by design: no page or asset points outside the installation."""

from __future__ import annotations

import re
from pathlib import Path

from tests.world import World

PKG = Path(__file__).resolve().parents[2] / "src" / "tinhso"
EXTERNAL = re.compile(r"""(src|href)=["']?(https?:)?//""")


def test_templates_reference_no_external_url() -> None:
    offenders = [
        str(p.relative_to(PKG))
        for p in PKG.rglob("*.html")
        if EXTERNAL.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_api_explorer_is_served_locally(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert "cdn." not in r.text
    assert re.search(r"/static/vendor/swagger-ui-bundle\.[0-9a-f]{12}\.js", r.text)
    assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_pages_carry_security_headers(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    # Errors carry them too; static assets may be cached; the API explorer runs its own script.
    r = client.get("/api/v1/khong-co", headers=world.auth("admin"))
    assert r.status_code == 404 and r.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in client.get("/static/vendor/htmx.min.js").headers.get(
        "cache-control", ""
    )
    assert "content-security-policy" not in client.get("/api/v1/docs").headers


def test_http_errors_are_in_vietnamese(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.put("/api/v1/units", headers=world.auth("admin"))
    assert r.status_code == 405
    assert r.json()["detail"] == "địa chỉ này không nhận phương thức yêu cầu đã gửi"
    r = client.get("/api/v1/khong-co", headers=world.auth("admin"))
    assert r.status_code == 404 and r.json()["title"] == "Không tìm thấy"
