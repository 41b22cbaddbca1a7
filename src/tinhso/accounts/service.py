"""Users, passwords, API tokens, web sessions, login throttling, and resolving scopes."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from tinhso.accounts import throttle
from tinhso.accounts.models import ROLES, ApiToken, LoginAttempt, User, UserScope, WebSession
from tinhso.accounts.scope import Principal
from tinhso.audit import service as audit
from tinhso.db import utcnow
from tinhso.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from tinhso.text import fold
from tinhso.textcheck import check_text
from tinhso.units.models import Agency, Unit, UnitLineage

_hasher = PasswordHasher()
TOKEN_PREFIX = "tsk_"
MIN_PASSWORD = 10
MAX_PASSWORD = 200
# The columns' lengths (models.py): a longer value is refused, not cut.
USERNAME_MAX, FULL_NAME_MAX, EMAIL_MAX, TOKEN_NAME_MAX = 80, 200, 200, 120


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password."""
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """Return True when the password matches the user's hash."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str) -> str | None:
    """Return why a password is too weak (or too long to be one), or None."""
    if len(password) < MIN_PASSWORD:
        return f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự"
    if len(password) > MAX_PASSWORD:
        return f"mật khẩu dài quá {MAX_PASSWORD} ký tự"
    if fold(username) in fold(password):
        return "mật khẩu không được chứa tên đăng nhập"
    return None


@dataclass(frozen=True)
class ScopeRoot:
    """A root of a user's scope, by unit or agency id."""

    unit_id: int | None = None
    agency_id: int | None = None


def _check_scopes(
    session: Session, principal: Principal, scopes: list[ScopeRoot]
) -> tuple[list[FieldError], list[str]]:
    """Return the shape errors, and the reasons a root cannot be granted (not found or outside
    the caller's scope: told apart from nothing else, as a 404 would)."""
    errors: list[FieldError] = []
    hidden: list[str] = []
    for i, s in enumerate(scopes):
        if (s.unit_id is None) == (s.agency_id is None):
            errors.append(FieldError(f"scopes[{i}]", "mỗi phạm vi là một đơn vị hoặc một cơ quan"))
        elif s.unit_id is not None:
            stmt = select(Unit.id).where(Unit.id == s.unit_id)
            if not principal.is_global:
                stmt = stmt.where(principal.unit_write())
            if session.scalars(stmt).first() is None:
                hidden.append(f"đơn vị #{s.unit_id} không có hoặc nằm ngoài phạm vi của anh/chị")
        else:
            found = session.scalars(
                select(Agency.id).where(Agency.id == s.agency_id, principal.agency_write())
            ).first()
            if found is None:
                hidden.append(f"cơ quan #{s.agency_id} không có hoặc nằm ngoài phạm vi của anh/chị")
    return errors, hidden


def _user_texts(
    errors: list[FieldError], full_name: str | None, email: str | None
) -> tuple[str | None, str | None]:
    """Return the full name and e-mail as stored; append why either cannot be."""
    if full_name is not None:
        full_name = check_text(
            errors, full_name, field="full_name", what="họ và tên", max_length=FULL_NAME_MAX
        )
    if email is not None:
        n = len(errors)
        email = check_text(errors, email, field="email", what="thư điện tử", max_length=EMAIL_MAX)
        local, at, domain = email.partition("@")
        if (
            email
            and len(errors) == n
            and not (at and local and "." in domain and " " not in email and "@" not in domain)
        ):
            errors.append(FieldError("email", "thư điện tử phải có dạng ten@coquan.gov.vn"))
    return full_name, email


def create_user(
    session: Session,
    *,
    principal: Principal,
    username: str,
    role: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    scopes: list[ScopeRoot] | None = None,
    errors: list[FieldError] | None = None,
) -> User:
    """Return the new user; a non-global admin may only grant scopes inside its own.

    Every problem is reported at once (InvalidInput), with ``errors`` the caller found in its
    own part of the input (a page's unit code it could not resolve); a name already taken
    alone is a Conflict, a scope root the caller may not grant alone is NotFound.
    """
    principal.require("users.manage")
    scopes = scopes or []
    errors = list(errors or [])
    username = username.strip()
    if (
        not username
        or len(username) > USERNAME_MAX
        or not username.replace(".", "").replace("_", "").replace("-", "").isalnum()
    ):
        errors.append(
            FieldError(
                "username",
                "tên đăng nhập gồm chữ, số, dấu chấm, gạch dưới hoặc gạch ngang, "
                f"tối đa {USERNAME_MAX} ký tự",
            )
        )
    if role not in ROLES:
        errors.append(
            FieldError("role", f"vai trò phải là một trong: {', '.join(ROLES)}", value=role[:40])
        )
    if password is not None and (problem := password_problem(password, username)):
        errors.append(FieldError("password", problem))
    if role == "system" and password is not None:
        errors.append(
            FieldError("password", "tài khoản hệ thống dùng mã truy cập, không dùng mật khẩu")
        )
    if not principal.is_global and not scopes:
        errors.append(FieldError("scopes", "phải gán ít nhất một phạm vi (đơn vị hoặc cơ quan)"))
    if role == "admin" and not scopes and not principal.is_global:
        errors.append(
            FieldError("role", "chỉ quản trị toàn hệ thống mới tạo được quản trị toàn hệ thống")
        )
    name_stored, email_stored = _user_texts(errors, full_name, email)
    shape, hidden = _check_scopes(session, principal, scopes)
    errors += shape
    taken = (
        bool(username)
        and len(username) <= USERNAME_MAX
        and session.scalars(
            select(User.id).where(func.lower(User.username) == username.lower())
        ).first()
        is not None
    )
    if hidden and not errors and not taken:
        raise NotFound(hidden[0])
    errors += [FieldError("scopes", reason) for reason in hidden]
    if taken:
        clash = FieldError("username", f"tên đăng nhập '{username}' đã có")
        if not errors:
            raise Conflict(clash.reason, [clash])
        errors.append(clash)
    if errors:
        raise InvalidInput("thông tin người dùng không hợp lệ", errors)
    user = User(
        username=username,
        role=role,
        full_name=name_stored or "",
        email=email_stored or "",
        password_hash=hash_password(password) if password else None,
        is_active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    for s in scopes:
        session.add(UserScope(user_id=user.id, unit_id=s.unit_id, agency_id=s.agency_id))
    session.flush()
    return user


def user_scopes(session: Session, user_id: int) -> list[UserScope]:
    """Return the roots of a user's scope."""
    return list(session.scalars(select(UserScope).where(UserScope.user_id == user_id)).all())


def principal_for(session: Session, user: User) -> Principal:
    """Return the user as a principal, its scope roots resolved to paths.

    Units that formed a scoped unit before the 2025 reform are added as history, so an
    officer of a new commune reads the figures of the old communes merged into it.
    """
    roots = user_scopes(session, user.id)
    if not roots:
        return Principal(user.id, user.username, user.role, is_global=user.role == "admin")
    unit_ids = [r.unit_id for r in roots if r.unit_id is not None]
    agency_ids = [r.agency_id for r in roots if r.agency_id is not None]
    units = list(session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))) if unit_ids else []
    agencies = (
        list(session.scalars(select(Agency).where(Agency.id.in_(agency_ids)))) if agency_ids else []
    )
    history: list[str] = []
    frontier = [u.id for u in units]
    seen = set(frontier)
    while frontier:
        sources = session.scalars(
            select(Unit)
            .join(UnitLineage, UnitLineage.source_id == Unit.id)
            .where(UnitLineage.target_id.in_(frontier))
        ).all()
        frontier = [s.id for s in sources if s.id not in seen]
        seen.update(frontier)
        history += [s.path for s in sources if s.id in frontier]
    context: set[int] = set()
    agency_unit_ids = {a.unit_id for a in agencies}
    for u in units:
        context.update(int(p) for p in u.path.strip("/").split("/")[:-1])
    for u in (
        session.scalars(select(Unit).where(Unit.id.in_(agency_unit_ids))) if agency_unit_ids else []
    ):
        context.update(int(p) for p in u.path.strip("/").split("/"))
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        unit_paths=tuple(sorted(u.path for u in units)),
        history_paths=tuple(sorted(set(history))),
        agency_paths=tuple(sorted(a.path for a in agencies)),
        context_ids=frozenset(context),
    )


_PRINCIPALS: dict[tuple[str, int, int, str], Principal] = {}
_PRINCIPALS_MAX = 4096


def principal_cached(session: Session, user: User) -> Principal:
    """Return the user's principal, reusing the one resolved since the last audited change.

    Scopes, users, units and agencies are all audited, so the head of the audit log changes
    whenever a scope could have: keyed by it, a cached principal is never stale.
    """
    url, head = scope_version(session)
    key = (url, user.id, head, user.role)
    found = _PRINCIPALS.get(key)
    if found is None:
        if len(_PRINCIPALS) >= _PRINCIPALS_MAX:
            _PRINCIPALS.clear()
        found = _PRINCIPALS[key] = principal_for(session, user)
    return found


def list_users(session: Session, *, principal: Principal) -> list[User]:
    """Return the users the caller may administer."""
    principal.require("users.manage")
    users = session.scalars(select(User).order_by(User.username)).all()
    return [u for u in users if _may_manage(session, principal, u)]


def _may_manage(session: Session, principal: Principal, user: User) -> bool:
    if principal.is_global:
        return True
    roots = user_scopes(session, user.id)
    if not roots:
        return False
    for r in roots:
        if r.unit_id is not None:
            unit = session.get(Unit, r.unit_id)
            if unit is None or not principal.covers_unit_path(unit.path):
                return False
        elif r.agency_id is not None:
            ok = session.scalars(
                select(Agency.id).where(Agency.id == r.agency_id, principal.agency_write())
            ).first()
            if ok is None:
                return False
    return True


def get_user(session: Session, *, principal: Principal, user_id: int) -> User:
    """Return a user the caller may administer (or the caller itself), else NotFound."""
    user = session.get(User, user_id)
    if user is None or not (
        user.id == principal.user_id
        or (principal.can("users.manage") and _may_manage(session, principal, user))
    ):
        raise NotFound(f"không tìm thấy người dùng #{user_id}")
    return user


def update_user(
    session: Session,
    *,
    principal: Principal,
    user_id: int,
    full_name: str | None = None,
    email: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """Return the user after the change; only an admin changes roles and activation."""
    user = get_user(session, principal=principal, user_id=user_id)
    managing = principal.can("users.manage")
    if (role is not None or is_active is not None) and not managing:
        raise Forbidden("chỉ quản trị viên được đổi vai trò hoặc khóa tài khoản")
    errors: list[FieldError] = []
    if role is not None and role not in ROLES:
        errors.append(FieldError("role", "vai trò không hợp lệ", value=role[:40]))
    if password is not None and (problem := password_problem(password, user.username)):
        errors.append(FieldError("password", problem))
    if user.id == principal.user_id and (is_active is False or (role and role != user.role)):
        errors.append(FieldError("role", "không tự khóa hoặc tự đổi vai trò của chính mình"))
    full_name, email = _user_texts(errors, full_name, email)
    if errors:
        raise InvalidInput("thông tin người dùng không hợp lệ", errors)
    if full_name is not None:
        user.full_name = full_name
    if email is not None:
        user.email = email
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
        if not is_active:
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    if password is not None:
        user.password_hash = hash_password(password)
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    session: Session, *, principal: Principal, user_id: int, name: str = ""
) -> tuple[ApiToken, str]:
    """Return a new token and its secret; the secret is shown once and kept only hashed."""
    user = get_user(session, principal=principal, user_id=user_id)
    errors: list[FieldError] = []
    name = check_text(errors, name, field="name", what="tên mã truy cập", max_length=TOKEN_NAME_MAX)
    if not user.is_active:
        errors.append(FieldError("user_id", "tài khoản đã bị khóa"))
    if errors:
        detail = "tài khoản đã bị khóa" if not user.is_active else "tên mã truy cập không hợp lệ"
        raise InvalidInput(detail, errors)
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        token_hash=_token_digest(secret),
        created_at=utcnow(),
    )
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(session: Session, *, principal: Principal, user_id: int) -> list[ApiToken]:
    """Return a user's tokens (never their secrets)."""
    user = get_user(session, principal=principal, user_id=user_id)
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, *, principal: Principal, token_id: int) -> ApiToken:
    """Return the token after revoking it."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"không tìm thấy mã truy cập #{token_id}")
    get_user(session, principal=principal, user_id=token.user_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def user_for_token(session: Session, secret: str, ip: str) -> User | None:
    """Return the active user owning a valid, unrevoked token, recording its use.

    Raise TooManyRequests while the address must wait after sending too many wrong tokens."""
    now = utcnow()
    where = (_url_of(session), ip)
    throttle.TOKENS.check(where, now)
    user = _user_for_token(session, secret, ip)
    if user is None:
        throttle.TOKENS.failed(where, now)
    return user


def _user_for_token(session: Session, secret: str, ip: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    prefix = secret[len(TOKEN_PREFIX) :].split("_", 1)[0]
    digest = _token_digest(secret)
    for token in session.scalars(select(ApiToken).where(ApiToken.prefix == prefix)):
        if hmac.compare_digest(token.token_hash, digest) and token.revoked_at is None:
            user = session.get(User, token.user_id)
            if user is None or not user.is_active:
                return None
            # Not audited: a use is not a change, and it would flood the log. Recorded at most
            # once a minute, so that reads stay reads.
            recent = token.last_used_at is not None and utcnow() - token.last_used_at < timedelta(
                minutes=1
            )
            if recent and token.last_used_ip == ip:
                return user
            session.execute(
                update(ApiToken)
                .where(ApiToken.id == token.id)
                .values(last_used_at=utcnow(), last_used_ip=ip)
                .execution_options(synchronize_session=False)
            )
            return user
    return None


_TOKEN_PRINCIPALS: dict[tuple[str, str, str], tuple[int, Principal, datetime]] = {}
_URLS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _url_of(session: Session) -> str:
    """The session's database URL as a string, rendered once per engine."""
    engine = session.get_bind().engine
    url = _URLS.get(engine)
    if url is None:
        url = _URLS[engine] = str(engine.url)
    return url


def scope_version(session: Session) -> tuple[str, int]:
    """Return the database and the head of its audit log: every change that can alter what a
    caller may see or write (scopes, users, units, agencies) moves the head, so a cache of
    anything worked out from them is current while this stays the same (audit.head)."""
    return _url_of(session), audit.head(session)


def principal_for_token(session: Session, secret: str, ip: str) -> Principal | None:
    """Return the principal of a valid bearer token, or None: :func:`user_for_token` and
    :func:`principal_cached` in one, remembered for a minute while the audit log's head stays
    put (a revoked token, a locked user, a changed scope all move it), so that a client
    pushing many requests costs one look at the head per request, not three queries."""
    url, head = scope_version(session)
    key = (url, _token_digest(secret), ip)
    hit = _TOKEN_PRINCIPALS.get(key)
    now = utcnow()
    if hit is not None and hit[0] == head and now - hit[2] < timedelta(minutes=1):
        return hit[1]  # a client known good this minute is not held up by others' wrong tokens
    user = user_for_token(session, secret, ip)  # records the use, at most once a minute
    if user is None:
        _TOKEN_PRINCIPALS.pop(key, None)
        return None
    principal = principal_cached(session, user)
    if len(_TOKEN_PRINCIPALS) >= _PRINCIPALS_MAX:
        _TOKEN_PRINCIPALS.clear()
    _TOKEN_PRINCIPALS[key] = (int(head), principal, now)
    return principal


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    ip: str,
    device_cookie: str | None = None,
    policy: throttle.LoginPolicy | None = None,
    now: datetime | None = None,
) -> User:
    """Return the user whose password matches; slow guessing down per address and user, per
    address, and per device (accounts/throttle.py), never locking the account itself.

    A ``device_cookie`` this user signed in with before exempts the try from the address's
    counts (it has its own). The error never says whether the account exists.
    """
    policy = policy or throttle.LoginPolicy()
    now = now or utcnow()
    name = username.strip().lower()[:USERNAME_MAX]
    user = session.scalars(select(User).where(func.lower(User.username) == name)).first()
    device = throttle.device_of(user, device_cookie)
    throttle.check_login(session, name=name, ip=ip, device=device, policy=policy, now=now)
    ok = (
        user is not None
        and user.is_active
        and user.role != "system"
        and check_password(user, password)
    )
    session.add(LoginAttempt(username=name, ip=ip[:64], ts=now, success=ok, device=device))
    session.flush()
    if not ok or user is None:
        throttle.alert_if_attacked(session, user=user, name=name, policy=policy, now=now)
        raise InvalidInput(
            "tên đăng nhập hoặc mật khẩu không đúng",
            [FieldError("password", "tên đăng nhập hoặc mật khẩu không đúng")],
        )
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    return user


@dataclass(frozen=True)
class LoginAlert:
    """A user whose password was guessed at: how often, from how many addresses, when."""

    username: str
    failures: int
    addresses: int
    at: datetime


def login_alerts(session: Session, *, principal: Principal, hours: int = 24) -> list[LoginAlert]:
    """Return the login alerts of the last hours, newest first (global administrators only)."""
    if not (principal.is_global and principal.can("audit.read")):
        return []
    out = []
    for entry in audit.recent(
        session, action="login-alert", since=utcnow() - timedelta(hours=hours)
    ):
        data = json.loads(entry.after or "{}")
        out.append(
            LoginAlert(
                str(data.get("username", "")),
                int(data.get("failures", 0)),
                int(data.get("addresses", 0)),
                entry.ts,
            )
        )
    return out


def device_cookie_for(user: User) -> str:
    """Return a new device cookie for a user who has just signed in."""
    return throttle.new_device_cookie(user)


def open_session(session: Session, *, user: User, ip: str, hours: int) -> WebSession:
    """Return a new web session for a signed-in user."""
    now = utcnow()
    web = WebSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
        ip=ip,
    )
    session.add(web)
    session.flush()
    return web


def user_for_session(session: Session, session_id: str) -> tuple[User, WebSession] | None:
    """Return the user and session for a live session id, or None."""
    web = session.get(WebSession, session_id)
    if web is None or web.expires_at <= utcnow():
        return None
    user = session.get(User, web.user_id)
    if user is None or not user.is_active:
        return None
    return user, web


def close_session(session: Session, session_id: str) -> None:
    """End a web session (logout)."""
    session.execute(delete(WebSession).where(WebSession.id == session_id))


def get_user_by_name(session: Session, username: str) -> User:
    """Return the user with this name (case-insensitive), or raise NotFound."""
    user = session.scalars(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).first()
    if user is None:
        raise NotFound(f"không có người dùng '{username}'")
    return user
