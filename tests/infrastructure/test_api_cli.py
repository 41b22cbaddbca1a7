"""The infrastructure routes and commands: one import path for the API and the shell, the same
refusals, and the coverage as the API and the CLI show it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.infrastructure.test_registers import LOCAL, VIETTEL
from tests.world import World
from tinhso.cli import app


def _post(client: Any, world: World, text: str, user: str = "admin", **data: str) -> Any:
    files = {"file": ("phu_song.csv", text.encode(), "text/csv")}
    return client.post(
        "/api/v1/infrastructure/imports",
        files=files,
        data={"operator": "Viettel", "as_of": "2025-08-01", **data},
        headers=world.auth(user),
    )


def test_api_import_then_coverage_and_white_spots(client: Any, world: World) -> None:
    r = _post(client, world, VIETTEL)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["operator_name"]) == (2, "Viettel")
    assert _post(client, world, VIETTEL).json()["unchanged"] == 2
    r = client.get(
        "/api/v1/infrastructure/coverage",
        params={"unit": "12", "as_of": "2025-10-01"},
        headers=world.auth("leader12"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["totals"]["wording"]["mobile"] == "2/2 (100%) thôn được phủ sóng di động"
    r = client.get(
        "/api/v1/infrastructure/white-spots",
        params={"unit": "03390", "as_of": "2025-10-01"},
        headers=world.auth("officer_bl"),
    )
    assert r.status_code == 200 and r.json()["villages_total"] == 1
    r = client.get(
        "/api/v1/infrastructure/coverage",
        params={"unit": "12", "as_of": "2999-01-01"},
        headers=world.auth("leader12"),
    )
    assert r.status_code == 422 and "tương lai" in r.json()["detail"]


def test_api_refusal_is_a_problem_naming_rows(client: Any, world: World) -> None:
    r = _post(client, world, "Mã thôn,4G\n0339001,có\n0339999,có\n")
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    (err,) = r.json()["errors"]
    assert (err["row"], err["field"], err["label"]) == (3, "village_code", "Mã thôn")
    r = _post(client, world, LOCAL, operator="Không Rõ")
    assert r.status_code == 422 and "không có trong danh mục" in r.json()["detail"]
    r = _post(client, world, LOCAL, user="leader12")
    assert r.status_code == 403


def test_cli_import_coverage_white_spots(cli: World, tmp_path: Path) -> None:
    path = tmp_path / "viettel.csv"
    path.write_text(VIETTEL, encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(
        app, ["infra", "import", str(path), "--operator", "Viettel", "--date", "2025-08-01"]
    )
    assert r.exit_code == 0, r.output
    assert "Viettel: 2 dòng — thêm 2, sửa 0, không đổi 0." in r.output
    r = runner.invoke(
        app, ["infra", "coverage", "--unit", "12", "--as-of", "2025-10-01", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["totals"]["reported"] == 2
    r = runner.invoke(app, ["infra", "coverage", "--unit", "03390", "--as-of", "2025-10-01"])
    assert r.exit_code == 0 and "0339001" in r.output
    r = runner.invoke(app, ["infra", "white-spots", "--unit", "12", "--as-of", "2025-10-01"])
    assert r.exit_code == 0 and "Thôn chưa có hạ tầng cáp quang: 1" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("Mã thôn,4G\n0339999,có\n", encoding="utf-8")
    r = runner.invoke(
        app, ["infra", "import", str(bad), "--operator", "VNPT", "--date", "2025-08-01"]
    )
    assert r.exit_code == 2 and "không có thôn mã '0339999'" in " ".join(r.output.split())


def test_a_date_before_the_reform_shows_the_units_of_the_time(client: Any, world: World) -> None:
    """Asked for no unit, a leader of today's province is shown the province as it stood on a
    day before 1 July 2025 (its districts' teams too), a commune officer the commune that formed
    its own; neither is refused for having "no area"."""
    from tests.accounts.test_auth import _login

    r = client.get(
        "/api/v1/infrastructure/teams",
        params={"as_of": "2024-06-01"},
        headers=world.auth("leader12"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["unit"]["code"] == "12"
    assert "district" in [lv["level"] for lv in r.json()["levels"]]
    _login(client, "leader12")
    page = client.get("/infrastructure", params={"as_of": "2024-06-01"})
    assert page.status_code == 200, page.text
    assert "Tỉnh Lai Châu" in page.text and "cấp huyện" in page.text
    client.cookies.clear()
    _login(client, "officer_dk")
    page = client.get("/infrastructure", params={"as_of": "2024-06-01"})
    assert page.status_code == 200, page.text
    assert "Hạ tầng số và xã hội số — Phường Đoàn Kết" in page.text
    # Another province's past stays closed.
    assert (
        client.get("/infrastructure", params={"as_of": "2024-06-01", "unit": "15"}).status_code
        == 404
    )
