"""Slowing down password and token guessing without letting an attacker lock a user out.

Passwords (OWASP ASVS V2.2.1, OWASP "Blocking Brute Force Attacks"): failures are counted per
(address, user name) and per address, and each count past its free allowance makes the next try
wait twice as long as the one before (1 s, 2 s, 4 s … up to a cap), rather than locking the
account: an attacker at one address slows only that address, and the user signing in from another
address, or from a browser holding a device cookie (set after a successful sign-in, signed with
the user's password hash), is not caught by it. Failures through a device cookie are counted
against that device, so a stolen cookie buys no more guesses than an address. The state is the
``login_attempt`` table, which already held every attempt: it survives a restart and the admin
can read it. When a user's failures from everywhere reach the alert threshold (and each time they
double), an audit entry and a log line (user id and counts, never the password or name) say so.

Bearer tokens: a token has 256 random bits, so guessing one is hopeless; what the throttle stops
is a client hammering the server with wrong ones. Kept in memory (one process serves, see
docs/architecture.md): writing each wrong token to the database would let the attacker make it
write-hot.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from tinhso.accounts.models import LoginAttempt, User
from tinhso.audit import service as audit
from tinhso.errors import TooManyRequests
from tinhso.fmt import LOCAL_TZ

log = logging.getLogger("tinhso.login")
DEVICE_COOKIE = "tinhso_device"
DEVICE_DAYS = 180


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures are free before delays start, how delays grow, when admins hear."""

    free_per_user: int = 5  # failures of one (address, user) or one device before delays
    free_per_address: int = 30  # failures from one address, any user
    window_minutes: int = 1440  # failures older than this are forgotten
    max_delay_minutes: int = 15  # the longest wait a count can reach
    alert_failures: int = 10  # a user's failures from everywhere that alert the admins


def wait_text(seconds: int) -> str:
    """Return a wait as Vietnamese say it: "45 giây", "3 phút"."""
    if seconds < 60:
        return f"{max(seconds, 1)} giây"
    return f"{math.ceil(seconds / 60)} phút"


def refused(retry_at: datetime, now: datetime, who: str) -> TooManyRequests:
    """Return the refusal of a throttled try, saying how long to wait and until when."""
    seconds = max(1, math.ceil((retry_at - now).total_seconds()))
    at = retry_at.astimezone(LOCAL_TZ).strftime("%H:%M:%S")
    exc = TooManyRequests(
        f"{who} quá nhiều lần; vui lòng thử lại sau {wait_text(seconds)} (lúc {at})"
    )
    exc.retry_after = seconds
    return exc


def delay(failures: int, free: int, cap: timedelta) -> timedelta:
    """Return the wait after ``failures`` failures: none within the free allowance, then 1 s,
    doubling with each further failure, never beyond ``cap``."""
    if failures < free:
        return timedelta(0)
    exponent = failures - free
    if exponent > 30:
        return cap
    return min(timedelta(seconds=2**exponent), cap)


def _failures_since_success(
    session: Session, key: ColumnElement[bool], since: datetime, *, reset: bool
) -> tuple[int, datetime | None]:
    """Return the failures matching ``key`` since ``since`` (and, with ``reset``, since the
    last success matching it), and when the last one was."""
    if reset:
        last_ok = session.scalar(
            select(func.max(LoginAttempt.ts)).where(key, LoginAttempt.success.is_(True))
        )
        if last_ok is not None and last_ok > since:
            since = last_ok
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.ts)).where(
            key, LoginAttempt.success.is_(False), LoginAttempt.ts > since
        )
    ).one()
    return int(count or 0), last


def check_login(
    session: Session,
    *,
    name: str,
    ip: str,
    device: str | None,
    policy: LoginPolicy,
    now: datetime,
) -> None:
    """Raise TooManyRequests when this try must wait; ``device`` is a verified device nonce."""
    since = now - timedelta(minutes=policy.window_minutes)
    cap = timedelta(minutes=policy.max_delay_minutes)
    if device is not None:
        keys = [(LoginAttempt.device == device, policy.free_per_user, True)]
    else:
        keys = [
            (
                and_(LoginAttempt.username == name, LoginAttempt.ip == ip),
                policy.free_per_user,
                True,
            ),
            (LoginAttempt.ip == ip, policy.free_per_address, False),
        ]
    for key, free, reset in keys:
        count, last = _failures_since_success(session, key, since, reset=reset)
        wait = delay(count, free, cap)
        if last is not None and wait and last + wait > now:
            raise refused(last + wait, now, "Đăng nhập sai")


def alert_if_attacked(
    session: Session, *, user: User | None, name: str, policy: LoginPolicy, now: datetime
) -> None:
    """Record an audit entry and a warning when a user's failures from every address reach the
    alert threshold, and again each time they double."""
    if user is None:
        return
    since = now - timedelta(minutes=policy.window_minutes)
    count, addresses = session.execute(
        select(func.count(), func.count(func.distinct(LoginAttempt.ip))).where(
            LoginAttempt.username == name,
            LoginAttempt.success.is_(False),
            LoginAttempt.ts > since,
        )
    ).one()
    count, every = int(count or 0), max(policy.alert_failures, 1)
    step = count // every
    if count < every or count % every or step & (step - 1):
        return
    log.warning(
        "login: user #%s has %d failed sign-ins from %d addresses in %d minutes",
        user.id,
        count,
        addresses,
        policy.window_minutes,
    )
    audit.record(
        session,
        action="login-alert",
        entity="user_account",
        entity_id=str(user.id),
        after={
            "username": user.username,
            "failures": count,
            "addresses": int(addresses or 0),
            "window_minutes": policy.window_minutes,
        },
    )


def _device_signature(user: User, nonce: str) -> str:
    # Keyed by the password hash: a secret the server already keeps per user, so no key to
    # manage, and a new password withdraws every device the old one vouched for.
    key = (user.password_hash or "").encode()
    return hmac.new(key, f"{user.id}.{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def new_device_cookie(user: User) -> str:
    """Return a device cookie vouching that this browser signed in as ``user``."""
    nonce = secrets.token_hex(16)
    return f"{user.id}.{nonce}.{_device_signature(user, nonce)}"


def device_of(user: User | None, cookie: str | None) -> str | None:
    """Return the device nonce of a cookie that ``user`` signed in with, or None."""
    if user is None or not cookie or not user.password_hash:
        return None
    parts = cookie.split(".")
    if len(parts) != 3 or parts[0] != str(user.id) or len(parts[1]) != 32:
        return None
    if not hmac.compare_digest(parts[2], _device_signature(user, parts[1])):
        return None
    return parts[1]


class TokenThrottle:
    """Wrong bearer tokens per address, in memory: free ones, then doubling waits."""

    def __init__(self, free: int = 10, window: timedelta = timedelta(minutes=15)) -> None:
        self.free = free
        self.window = window
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[int, datetime]] = {}

    def check(self, ip: tuple[str, str], now: datetime) -> None:
        """Raise TooManyRequests while ``ip`` (database, address) must wait after its wrong
        tokens."""
        with self._lock:
            found = self._seen.get(ip)
        if found is None:
            return
        count, last = found
        if now - last > self.window:
            return
        wait = delay(count, self.free, self.window)
        if wait and last + wait > now:
            raise refused(last + wait, now, "Gửi mã truy cập sai")

    def failed(self, ip: tuple[str, str], now: datetime) -> None:
        """Count one wrong token from ``ip``."""
        with self._lock:
            count, last = self._seen.get(ip, (0, now))
            if now - last > self.window:
                count = 0
            if len(self._seen) > 100_000:  # bounded, whatever an attacker sends
                self._seen.clear()
            self._seen[ip] = (count + 1, now)

    def clear(self) -> None:
        """Forget every address (tests, and a restart)."""
        with self._lock:
            self._seen.clear()


TOKENS = TokenThrottle()
