"""Users and tokens: texts the databases cannot hold are refused by field on SQLite and
PostgreSQL alike, and the add-user form reports every problem at once."""

from __future__ import annotations

import json
import re

import pytest

from tests.accounts.test_auth import _login
from tests.test_cross_scope import fingerprint
from tests.world import World

NEW = {"username": "moi", "role": "viewer", "password": "mat-khau-rat-dai"}


def _send(client, world: World, method: str, path: str, body: dict[str, object]):  # type: ignore[no-untyped-def]
    # Raw JSON with \u escapes: a lone surrogate travels the way a client's JSON carries it.
    headers = {**world.auth("admin"), "content-type": "application/json"}
    return client.request(method, path, content=json.dumps(body), headers=headers)


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "reason"),
    [
        (
            "POST",
            "/api/v1/users",
            {**NEW, "full_name": "Nguyễn\x00Văn A"},
            "full_name",
            "họ và tên có ký tự điều khiển (U+0000) không được phép",
        ),
        (
            "POST",
            "/api/v1/users",
            {**NEW, "full_name": "A" * 201},
            "full_name",
            "họ và tên dài 201 ký tự, vượt quá giới hạn 200 ký tự",
        ),
        (
            "POST",
            "/api/v1/users",
            {**NEW, "email": "a\x1b@laichau.gov.vn"},
            "email",
            "thư điện tử có ký tự điều khiển (U+001B) không được phép",
        ),
        (
            "POST",
            "/api/v1/users",
            {**NEW, "email": "khong-phai-thu"},
            "email",
            "thư điện tử phải có dạng ten@coquan.gov.vn",
        ),
        (
            "PATCH",
            "/api/v1/users/{officer_dk}",
            {"full_name": "Cán bộ \ud83d"},
            "full_name",
            "họ và tên có ký tự không hợp lệ (U+D83D) không được phép",
        ),
        (
            "PATCH",
            "/api/v1/users/{officer_dk}",
            {"email": "a@" + "b" * 200 + ".vn"},
            "email",
            "thư điện tử dài 205 ký tự, vượt quá giới hạn 200 ký tự",
        ),
        (
            "POST",
            "/api/v1/users/{officer_dk}/tokens",
            {"name": "hệ thống\x00một cửa"},
            "name",
            "tên mã truy cập có ký tự điều khiển (U+0000) không được phép",
        ),
    ],
)
def test_refused_by_field_and_nothing_changes(  # type: ignore[no-untyped-def]
    client, world: World, method: str, path: str, body: dict[str, object], field: str, reason: str
) -> None:
    path = path.replace("{officer_dk}", str(world.users["officer_dk"]))
    before = fingerprint(world.db)
    r = _send(client, world, method, path, body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    [err] = r.json()["errors"]
    assert err["field"] == field and err["reason"].startswith(reason)
    assert fingerprint(world.db) == before


def test_every_problem_of_a_new_user_at_once(client, world: World) -> None:  # type: ignore[no-untyped-def]
    before = fingerprint(world.db)
    body = {"username": "leader12", "role": "chief", "password": "ngan", "full_name": "X\x00"}
    r = _send(client, world, "POST", "/api/v1/users", body)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["role", "password", "full_name", "username"]
    assert r.json()["errors"][-1]["reason"] == "tên đăng nhập 'leader12' đã có"
    # A name already taken, alone, is still a conflict.
    r = _send(client, world, "POST", "/api/v1/users", {**NEW, "username": "leader12"})
    assert r.status_code == 409
    assert r.json()["errors"] == [{"field": "username", "reason": "tên đăng nhập 'leader12' đã có"}]
    assert fingerprint(world.db) == before


def test_add_user_form_shows_every_error_at_once(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _login(client, "admin")
    page = client.get("/admin/users")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    before = fingerprint(world.db)
    form = {
        "csrf_token": token,
        "username": "nguoi moi!",
        "full_name": "Người mới",
        "role": "officer",
        "password": "ngan",
        "unit_code": "99999",
    }
    r = client.post("/admin/users", data=form)
    assert r.status_code == 422
    listed = re.search(r'<ul class="errors">(.*?)</ul>', r.text, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r"<li>(.*?)</li>", listed) == [
        "Phạm vi: mã đơn vị &#39;99999&#39; không có hoặc ngoài phạm vi",
        "Tên đăng nhập: tên đăng nhập gồm chữ, số, dấu chấm, gạch dưới hoặc gạch ngang, "
        "tối đa 80 ký tự",
        "Mật khẩu: mật khẩu phải có ít nhất 10 ký tự",
    ]
    assert "(3 lỗi)" in r.text
    assert r.text.count('aria-invalid="true"') == 3
    assert 'value="Người mới"' in r.text  # what was typed stays
    assert fingerprint(world.db) == before
