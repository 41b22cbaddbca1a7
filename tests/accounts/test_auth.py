"""Sign-in, sessions, CSRF, throttling and API tokens."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.world import PASSWORD, World
from tinhso.accounts.models import User, WebSession


def _login(client, username: str, password: str = PASSWORD, **headers: str):  # type: ignore[no-untyped-def]
    """Sign in through the login page's form (its CSRF token), with the request ``headers``."""
    page = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return client.post(
        "/login",
        data={"username": username, "password": password, "login_csrf": token, "next": "/units"},
        headers=headers,
        follow_redirects=False,
    )


def test_login_sets_a_hardened_session_cookie(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = _login(client, "officer_dk")
    assert r.status_code == 303 and r.headers["location"] == "/units"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("tinhso_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/units").status_code == 200


def test_secure_cookie_over_https(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from tinhso.app import create_app

    with TestClient(create_app(settings, db=world.db), base_url="https://tinhso.example") as c:
        r = _login(c, "officer_dk")
        cookie = next(
            h for h in r.headers.get_list("set-cookie") if h.startswith("tinhso_session=")
        )
        assert "Secure" in cookie


def test_wrong_password_does_not_say_which(client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = _login(client, "officer_dk", "sai-mat-khau-123")
    b = _login(client, "khong_ton_tai", "sai-mat-khau-123")
    assert a.status_code == b.status_code == 422
    assert (
        "Tên đăng nhập hoặc mật khẩu không đúng" in a.text
        and "Tên đăng nhập hoặc mật khẩu không đúng" in b.text
    )


def test_login_is_throttled_after_repeated_failures(client, world: World) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        assert _login(client, "officer_dk", "sai-mat-khau-123").status_code == 422
    r = _login(client, "officer_dk")  # the right password waits too, from this address
    assert r.status_code == 429
    assert re.search(r"thử lại sau \d+ giây \(lúc \d\d:\d\d:\d\d\)", r.text)


def test_login_without_csrf_cookie_is_refused(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/login",
        data={"username": "officer_dk", "password": PASSWORD, "login_csrf": "x"},
        follow_redirects=False,
    )
    assert r.status_code == 400
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(WebSession)) == 0


def test_system_client_cannot_log_in_with_a_page(client, world: World) -> None:  # type: ignore[no-untyped-def]
    assert _login(client, "system12", "").status_code == 422


def test_open_redirect_is_refused(client, world: World) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login",
        data={
            "username": "officer_dk",
            "password": PASSWORD,
            "login_csrf": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_page_post_without_csrf_token_is_refused(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _login(client, "admin")
    r = client.post(f"/admin/users/{world.users['viewer15']}/active", data={"active": "false"})
    assert r.status_code == 403
    with world.db.session() as s:
        assert s.get(User, world.users["viewer15"]).is_active  # type: ignore[union-attr]


def test_api_with_cookie_needs_csrf_header(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _login(client, "officer_dk")
    body = {
        "commune_id": world.units["doan_ket"],
        "code": "T9",
        "name": "Tổ 9",
        "kind": "to_dan_pho",
    }
    assert client.post("/api/v1/units", json=body).status_code == 403
    page = client.get("/")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert (
        client.post("/api/v1/units", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    )


def test_logout_ends_the_session(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _login(client, "officer_dk")
    page = client.get("/")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert (
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    assert client.get("/units", follow_redirects=False).status_code == 303


def test_token_lifecycle(client, world: World) -> None:  # type: ignore[no-untyped-def]
    admin = world.auth("admin")
    r = client.post(
        f"/api/v1/users/{world.users['system12']}/tokens", json={"name": "Một cửa"}, headers=admin
    )
    assert r.status_code == 201
    issued = r.json()
    secret, token_id = issued["secret"], issued["id"]
    assert secret.startswith("tsk_")
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["username"]
        == "system12"
    )
    listed = client.get(f"/api/v1/users/{world.users['system12']}/tokens", headers=admin).json()
    mine = next(t for t in listed if t["id"] == token_id)
    assert mine["last_used_at"] is not None and mine["last_used_ip"] == "testclient"
    assert all("secret" not in t and "token_hash" not in t for t in listed)
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=admin).status_code == 200
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401 and r.json()["title"] == "Chưa đăng nhập"


def test_locked_user_token_stops_working(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.patch(
        f"/api/v1/users/{world.users['officer_bl']}",
        json={"is_active": False},
        headers=world.auth("admin12"),
    )
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=world.auth("officer_bl")).status_code == 401


def test_password_rules(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/users",
        json={"username": "ngan", "role": "viewer", "password": "ngan"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"password"}


def test_province_admin_creates_commune_user(client, world: World) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/users",
        json={
            "username": "canbo.bl2",
            "role": "officer",
            "password": "mot-mat-khau-dai",
            "scopes": [{"unit_id": world.units["binh_lu"]}],
        },
        headers=world.auth("admin12"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["scopes"] == [{"unit_id": world.units["binh_lu"], "agency_id": None}]
    assert "password" not in r.text.lower() or "password_hash" not in r.text


def test_write_is_committed_before_the_response_starts(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    """A client that acts on a response (a browser following a 303) must see what it reports:
    the session commits when the handler returns, not after the response has gone out."""
    import asyncio
    import json

    from sqlalchemy import func, select

    from tinhso.accounts.models import ApiToken
    from tinhso.app import create_app

    app = create_app(settings, db=world.db)
    user_id = world.users["system12"]

    def tokens_now() -> int:
        with world.db.session() as s:
            return int(
                s.scalar(
                    select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id)
                )
                or 0
            )

    before = tokens_now()
    seen_at_start: list[int] = []
    body = json.dumps({"name": "Một cửa"}).encode()

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            seen_at_start.append(await asyncio.to_thread(tokens_now))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/api/v1/users/{user_id}/tokens",
        "raw_path": f"/api/v1/users/{user_id}/tokens".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"authorization", world.auth("admin")["Authorization"].encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)

    asyncio.run(run())
    assert seen_at_start == [before + 1]


def test_the_audit_head_is_read_once_a_transaction_and_forgotten_when_it_moves(
    world: World,
) -> None:
    """What the caches of scopes are keyed by: read once per transaction, read again after an
    audited change in the same transaction, and in the next transaction."""
    from tinhso.accounts.service import scope_version
    from tinhso.audit import service as audit
    from tinhso.audit.service import Actor, bind_actor

    with world.db.session() as s:
        bind_actor(s, Actor(name="test", client="test"))
        url, head = scope_version(s)
        assert scope_version(s) == (url, head)
        audit.record(s, action="test", entity="thu", entity_id="1")
        assert scope_version(s) == (url, head + 1)
    with world.db.session() as other:
        bind_actor(other, Actor(name="test", client="test"))
        audit.record(other, action="test", entity="thu", entity_id="2")
    with world.db.session() as s:
        assert scope_version(s) == (url, head + 2)
