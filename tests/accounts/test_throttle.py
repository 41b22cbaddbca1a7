"""Guessing passwords or tokens is slowed down where it comes from, never by locking the user.

An attacker at one address with fifty wrong passwords waits longer and longer; the leader signing
in from another address, or from a browser that signed in before (its device cookie), is not held
up; the administrators hear of the attack (an audit entry, a log line without the password).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.accounts.test_auth import _login
from tests.world import PASSWORD, World
from tinhso.accounts import service, throttle
from tinhso.accounts.models import LoginAttempt, User
from tinhso.app import create_app
from tinhso.audit.models import AuditEntry
from tinhso.config import Settings
from tinhso.errors import InvalidInput, TooManyRequests

A, B = "203.0.113.7", "198.51.100.20"
WRONG = "sai-mat-khau-123"
T0 = datetime(2026, 12, 2, 12, 0, tzinfo=throttle.LOCAL_TZ).astimezone()
POLICY = throttle.LoginPolicy()


def _try(world: World, ip: str, password: str, at: datetime, *, user: str = "leader12", device: str | None = None) -> User | Exception:  # fmt: skip
    """One sign-in through the service, committed as the login page commits it."""
    with world.db.session() as s:
        try:
            found = service.authenticate(
                s, username=user, password=password, ip=ip, device_cookie=device, now=at
            )
            return found
        except (InvalidInput, TooManyRequests) as exc:
            s.commit()
            return exc


def _attempts(world: World) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(LoginAttempt)) or 0)


def _attack(world: World, ip: str, times: int, start: datetime = T0) -> tuple[datetime, list[int]]:
    """Send ``times`` wrong passwords from ``ip``, each as soon as it is let through; return
    when the last one went and the waits imposed on the way (seconds)."""
    at, waits = start, []
    for _ in range(times):
        out = _try(world, ip, WRONG, at)
        if isinstance(out, TooManyRequests):
            assert out.retry_after is not None
            waits.append(out.retry_after)
            at += timedelta(seconds=out.retry_after)
            out = _try(world, ip, WRONG, at)
        assert isinstance(out, InvalidInput), out
    return at, waits


def test_delays_double_after_the_free_failures_up_to_the_cap(world: World) -> None:
    at, waits = _attack(world, A, 16)
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    out = _try(world, A, PASSWORD, at)  # even the right password waits at this address
    assert isinstance(out, TooManyRequests)
    assert out.retry_after == 900
    local = (at + timedelta(seconds=900)).astimezone(throttle.LOCAL_TZ).strftime("%H:%M:%S")
    assert out.detail == (
        f"Đăng nhập sai quá nhiều lần; vui lòng thử lại sau 15 phút (lúc {local})"
    )


def test_fifty_wrong_passwords_from_one_address_do_not_stop_the_user_elsewhere(
    world: World,
) -> None:
    with world.db.session() as s:
        leader = s.scalars(select(User).where(User.username == "leader12")).one()
        hash_before, active_before = leader.password_hash, leader.is_active
    at, _waits = _attack(world, A, 50, start=T0)
    assert _attempts(world) == 50
    assert isinstance(_try(world, A, PASSWORD, at), TooManyRequests)
    assert _attempts(world) == 50  # a refused try is not even counted
    user = _try(world, B, PASSWORD, at)
    assert isinstance(user, User) and user.username == "leader12"
    with world.db.session() as s:
        leader = s.scalars(select(User).where(User.username == "leader12")).one()
        assert (leader.password_hash, leader.is_active) == (hash_before, active_before)


def test_the_device_cookie_lets_the_user_in_at_the_attackers_address(world: World) -> None:
    user = _try(world, A, PASSWORD, T0 - timedelta(days=3))
    assert isinstance(user, User)
    cookie = service.device_cookie_for(user)
    at, _ = _attack(world, A, 50)
    assert isinstance(_try(world, A, PASSWORD, at), TooManyRequests)
    assert isinstance(_try(world, A, PASSWORD, at, device=cookie), User)
    # Another user's cookie, a forged one or one signed before a new password do not count.
    other = _try(world, B, PASSWORD, at, user="admin")
    assert isinstance(other, User)
    for forged in (
        service.device_cookie_for(other),
        cookie[:-4] + "0000",
        "1.abc.def",
        "",
    ):
        assert isinstance(_try(world, A, PASSWORD, at, device=forged), TooManyRequests)


def test_a_stolen_device_cookie_buys_no_more_guesses_than_an_address(world: World) -> None:
    user = _try(world, B, PASSWORD, T0 - timedelta(days=1))
    assert isinstance(user, User)
    cookie = service.device_cookie_for(user)
    for _ in range(POLICY.free_per_user):
        assert isinstance(_try(world, A, WRONG, T0, device=cookie), InvalidInput)
    out = _try(world, A, WRONG, T0, device=cookie)
    assert isinstance(out, TooManyRequests) and out.retry_after == 1
    with world.db.session() as s:
        nonce = cookie.split(".")[1]
        assert (
            s.scalar(
                select(func.count()).select_from(LoginAttempt).where(LoginAttempt.device == nonce)
            )
            == POLICY.free_per_user
        )
    assert isinstance(_try(world, B, PASSWORD, T0), User)  # the user elsewhere: not held up


def test_one_address_trying_many_names_waits(world: World) -> None:
    for i in range(POLICY.free_per_address):
        assert isinstance(_try(world, A, WRONG, T0, user=f"ten{i}"), InvalidInput)
    out = _try(world, A, PASSWORD, T0, user="officer_dk")
    assert isinstance(out, TooManyRequests) and out.retry_after == 1
    assert isinstance(_try(world, B, PASSWORD, T0, user="officer_dk"), User)


def test_the_admins_are_alerted_of_an_attack_without_the_password(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tinhso.login")
    addresses = [f"192.0.2.{i}" for i in range(1, 21)]
    for ip in addresses[:9]:
        assert isinstance(_try(world, ip, WRONG, T0), InvalidInput)
    assert caplog.records == []
    assert isinstance(_try(world, addresses[9], WRONG, T0), InvalidInput)  # the 10th
    with world.db.session() as s:
        leader_id = s.scalars(select(User.id).where(User.username == "leader12")).one()
        alerts = s.scalars(select(AuditEntry).where(AuditEntry.action == "login-alert")).all()
        assert [(a.entity, a.entity_id) for a in alerts] == [("user_account", str(leader_id))]
        assert '"failures": 10' in (alerts[0].after or "")
        assert '"addresses": 10' in (alerts[0].after or "")
    assert [r.getMessage() for r in caplog.records] == [
        f"login: user #{leader_id} has 10 failed sign-ins from 10 addresses "
        f"in {POLICY.window_minutes} minutes"
    ]
    assert WRONG not in caplog.text and "leader12" not in caplog.text
    for ip in addresses[10:]:
        assert isinstance(_try(world, ip, WRONG, T0), InvalidInput)
    with world.db.session() as s:  # again at 20, not at every failure in between
        n = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login-alert")
        )
        assert n == 2
        assert WRONG not in "".join(e.after or "" for e in s.scalars(select(AuditEntry)))


# The same through the page and the API, as a browser or a client sends them.


def _app(world: World, settings: Settings, **over: object) -> object:
    return create_app(settings.model_copy(update=over), db=world.db)


@pytest.fixture
def app(world: World, settings: Settings) -> Iterator[object]:
    yield _app(world, settings)
    throttle.TOKENS.clear()


def _until_refused(send):  # type: ignore[no-untyped-def]
    """Return the first 429 of a few sends: the first wait is one second, and a slow machine
    may let one more try through before it."""
    for _ in range(6):
        r = send()
        if r.status_code == 429:
            return r
        assert r.status_code in (401, 422)
    raise AssertionError("never refused")


def test_the_login_page_says_when_to_retry_and_the_device_cookie_gets_through(
    app: object, world: World
) -> None:
    with (
        TestClient(app, client=(A, 5000)) as attacker,  # type: ignore[arg-type]
        TestClient(app, client=(A, 5001)) as own,  # type: ignore[arg-type]
        TestClient(app, client=(B, 5002)) as elsewhere,  # type: ignore[arg-type]
    ):
        r = _login(own, "leader12", PASSWORD)  # the leader's own browser, earlier
        assert r.status_code == 303
        device = r.cookies.get(throttle.DEVICE_COOKIE)
        assert device and device.startswith(f"{world.users['leader12']}.")
        assert f"{throttle.DEVICE_COOKIE}=" in r.headers["set-cookie"]
        assert "path=/login" in r.headers["set-cookie"].lower()
        for _ in range(POLICY.free_per_user):
            assert _login(attacker, "leader12", WRONG).status_code == 422
        r = _until_refused(lambda: _login(attacker, "leader12", PASSWORD))
        assert int(r.headers["retry-after"]) >= 1
        assert re.search(
            r"Đăng nhập sai quá nhiều lần; vui lòng thử lại sau \d+ giây \(lúc \d\d:\d\d:\d\d\)\.",
            r.text,
        )
        assert _login(elsewhere, "leader12", PASSWORD).status_code == 303
        assert _login(own, "leader12", PASSWORD).status_code == 303


def test_wrong_bearer_tokens_are_throttled_per_address(app: object, world: World) -> None:
    with (
        TestClient(app, client=(A, 5000)) as attacker,  # type: ignore[arg-type]
        TestClient(app, client=(B, 5000)) as other,  # type: ignore[arg-type]
    ):
        assert other.get("/api/v1/me", headers=world.auth("admin")).status_code == 200
        bad = {"Authorization": "Bearer tsk_00000000_khong-dung"}
        for _ in range(throttle.TOKENS.free):
            assert attacker.get("/api/v1/me", headers=bad).status_code == 401
        r = _until_refused(lambda: attacker.get("/api/v1/me", headers=bad))
        assert r.headers["content-type"] == "application/problem+json"
        assert int(r.headers["retry-after"]) >= 1
        body = r.json()
        assert body["title"] == "Quá nhiều yêu cầu" and body["status"] == 429
        assert re.fullmatch(
            r"Gửi mã truy cập sai quá nhiều lần; vui lòng thử lại sau \d+ giây \(lúc \d\d:\d\d:\d\d\)",
            body["detail"],
        )
        # A new client at that address waits too; one known good this minute, and anyone
        # elsewhere, do not.
        assert attacker.get("/api/v1/me", headers=world.auth("officer_dk")).status_code == 429
        assert other.get("/api/v1/me", headers=world.auth("admin")).status_code == 200
        assert other.get("/api/v1/me", headers=world.auth("officer_dk")).status_code == 200


# X-Forwarded-For: believed from a configured proxy only.


def _recorded_ip(world: World) -> list[str]:
    with world.db.session() as s:
        return list(s.scalars(select(LoginAttempt.ip).order_by(LoginAttempt.id)))


def test_forwarded_for_from_an_unconfigured_peer_is_ignored(app: object, world: World) -> None:
    with TestClient(app, client=("127.0.0.1", 5000)) as c:  # type: ignore[arg-type]
        _login(c, "leader12", WRONG, **{"X-Forwarded-For": "10.9.9.9"})
    assert _recorded_ip(world) == ["127.0.0.1"]


def test_forwarded_for_is_used_from_a_trusted_proxy_only(world: World, settings: Settings) -> None:
    app = _app(world, settings, trusted_proxies="10.0.0.5, 10.1.0.0/24")
    with (
        TestClient(app, client=("10.0.0.5", 5000)) as proxy,  # type: ignore[arg-type]
        TestClient(app, client=("10.1.0.9", 5000)) as second,  # type: ignore[arg-type]
        TestClient(app, client=("127.0.0.1", 5000)) as direct,  # type: ignore[arg-type]
    ):
        xff = {"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https"}
        _login(proxy, "leader12", WRONG, **xff)
        _login(second, "leader12", WRONG, **xff)
        _login(direct, "leader12", WRONG, **xff)
        r = _login(proxy, "leader12", PASSWORD, **xff)
        assert "secure" in r.headers["set-cookie"].lower()  # the proxy's https is believed
    assert _recorded_ip(world) == ["203.0.113.50", "203.0.113.50", "127.0.0.1", "203.0.113.50"]


def test_a_wrong_trusted_proxy_setting_is_refused_in_vietnamese() -> None:
    with pytest.raises(ValueError) as err:
        Settings(trusted_proxies="10.0.0.5, proxy.tinh.local")
    assert "TINHSO_TRUSTED_PROXIES: 'proxy.tinh.local' không phải địa chỉ IP hay dải mạng" in str(
        err.value
    )
    assert Settings(trusted_proxies=" 10.0.0.5 ,10.1.0.0/24").trusted_proxies == (
        "10.0.0.5,10.1.0.0/24"
    )


def test_serve_leaves_forwarded_headers_to_the_application(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from tinhso.cli import app as cli_app
    from tinhso.config import get_settings
    from tinhso.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)  # the server starts on a database at the newest schema only
    monkeypatch.setenv("TINHSO_DATABASE_URL", url)
    get_settings.cache_clear()
    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    try:
        result = CliRunner().invoke(cli_app, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_a_real_server_believes_forwarded_for_only_when_told(
    world: World, settings: Settings, trusted: str
) -> None:
    """Served as `tinhso serve` serves (uvicorn, its options), reached from 127.0.0.1."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    from tinhso.cli import SERVER_OPTIONS

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    options = {**SERVER_OPTIONS, "log_level": "warning"}
    config = uvicorn.Config(
        _app(world, settings, trusted_proxies=trusted), host="127.0.0.1", port=port, **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            page = c.get("/login")
            token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            c.post(
                "/login",
                data={"username": "leader12", "password": WRONG, "login_csrf": token},
                headers={"X-Forwarded-For": "10.9.9.9"},
            )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert _recorded_ip(world) == (["10.9.9.9"] if trusted else ["127.0.0.1"])


def test_wrong_tokens_on_the_event_push_are_throttled_too(app: object, world: World) -> None:
    event = {"event_id": "e1", "ts": "2026-07-01T08:00:00+07:00", "status": 2}
    bad = {"Authorization": "Bearer tsk_00000000_khong-dung"}
    with TestClient(app, client=(A, 5000)) as attacker:  # type: ignore[arg-type]
        for _ in range(throttle.TOKENS.free):
            r = attacker.post("/api/v1/dossiers/HS-1/events", json=event, headers=bad)
            assert r.status_code == 401
        r = _until_refused(
            lambda: attacker.post("/api/v1/dossiers/HS-1/events", json=event, headers=bad)
        )
        assert r.headers["content-type"] == "application/problem+json"
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["detail"].startswith("Gửi mã truy cập sai quá nhiều lần; vui lòng thử lại")


def test_the_global_admin_sees_the_alert_on_the_home_page(app: object, world: World) -> None:
    now = datetime.now(throttle.LOCAL_TZ)
    for i in range(POLICY.alert_failures):
        assert isinstance(_try(world, f"192.0.2.{i + 1}", WRONG, now), InvalidInput)
    with TestClient(app, client=(B, 5000)) as admin:  # type: ignore[arg-type]
        assert _login(admin, "admin", PASSWORD).status_code == 303
        home = admin.get("/")
        assert 'id="login-alerts"' in home.text
        assert "Cảnh báo đăng nhập" in home.text
        assert "<strong>leader12</strong>: 10 lần sai từ 10 địa chỉ, lúc " in home.text
        assert WRONG not in home.text
    with TestClient(app, client=(B, 5001)) as officer:  # type: ignore[arg-type]
        assert _login(officer, "officer_dk", PASSWORD).status_code == 303
        assert 'id="login-alerts"' not in officer.get("/").text
