"""The API's face: where the explorer is, what the OpenAPI document says, how it installs."""

from __future__ import annotations

import tomllib
from pathlib import Path

from fastapi.testclient import TestClient

from tinhso.app import create_app
from tinhso.config import Settings
from tinhso.web.openapi import TAGS

ROOT = Path(__file__).resolve().parents[2]


def _client(tmp_path: Path) -> TestClient:
    settings = Settings(
        var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}", warm_up=False
    )
    return TestClient(create_app(settings))


def test_docs_leads_to_the_api_explorer(tmp_path: Path) -> None:
    c = _client(tmp_path)
    r = c.get("/docs", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/api/v1/docs"
    assert "swagger-ui" in c.get("/docs").text


def test_openapi_has_vietnamese_tags_once_each_and_a_bearer_scheme(tmp_path: Path) -> None:
    doc = _client(tmp_path).get("/api/v1/openapi.json").json()
    names = {name for name, _ in TAGS.values()}
    assert [t["name"] for t in doc["tags"]] == [name for name, _ in TAGS.values()]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert len(op["tags"]) == 1 and op["tags"][0] in names, (method, path, op["tags"])
            # Every operation may be called with a token: the explorer offers "Authorize".
            assert op.get("security") == [{"bearerAuth": []}], (method, path)
    # Agencies are listed once, under their own tag (the units router tagged them too).
    agency_ops = [op for p, ops in doc["paths"].items() if "/agencies" in p for op in ops.values()]
    assert len(agency_ops) >= 5 and all(op["tags"] == ["Cơ quan"] for op in agency_ops)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    description = doc["info"]["description"]
    for subject in ("Chỉ số 766", "Báo cáo định kỳ", "Bộ chỉ số", "Authorization: Bearer"):
        assert subject in description


def test_the_package_declares_its_licence_as_an_spdx_expression() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "AGPL-3.0-or-later"
    # PEP 639 needs a setuptools that reads it (77+), or pip warns at every install.
    assert any(
        r.startswith("setuptools>=7") and int(r.split(">=")[1]) >= 77
        for r in meta["build-system"]["requires"]
    )
