"""JSON API of users and tokens: /api/v1/me, /api/v1/users, /api/v1/tokens."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from tinhso.accounts import service
from tinhso.accounts.models import User
from tinhso.accounts.schemas import (
    Me,
    ScopePublic,
    TokenCreate,
    TokenIssued,
    TokenPublic,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from tinhso.db import Id
from tinhso.web.deps import ApiPrincipal, SessionDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def _public(session: Session, user: User) -> UserPublic:
    scopes = [ScopePublic.model_validate(s) for s in service.user_scopes(session, user.id)]
    out = UserPublic.model_validate(user)
    out.scopes = scopes
    return out


@router.get("/me", response_model=Me, summary="Người dùng hiện tại")
def me(session: SessionDep, principal: ApiPrincipal) -> Me:
    """The caller, its role and scope."""
    scopes = service.user_scopes(session, principal.user_id) if principal.user_id else []
    return Me(
        id=principal.user_id,
        username=principal.username,
        role=principal.role,
        is_global=principal.is_global,
        scopes=[ScopePublic.model_validate(s) for s in scopes],
    )


@router.get("/users", response_model=list[UserPublic], summary="Danh sách người dùng")
def list_users(session: SessionDep, principal: ApiPrincipal) -> list[UserPublic]:
    """Users the caller administers."""
    return [_public(session, u) for u in service.list_users(session, principal=principal)]


@router.post("/users", response_model=UserPublic, status_code=201, summary="Thêm người dùng")
def create_user(body: UserCreate, session: SessionDep, principal: ApiPrincipal) -> UserPublic:
    """A new user or system client, with scopes inside the caller's."""
    user = service.create_user(
        session,
        principal=principal,
        username=body.username,
        role=body.role,
        password=body.password,
        full_name=body.full_name,
        email=body.email,
        scopes=[service.ScopeRoot(s.unit_id, s.agency_id) for s in body.scopes],
    )
    return _public(session, user)


@router.get("/users/{user_id}", response_model=UserPublic, summary="Một người dùng")
def get_user(user_id: Id, session: SessionDep, principal: ApiPrincipal) -> UserPublic:
    """One user the caller administers (or the caller)."""
    return _public(session, service.get_user(session, principal=principal, user_id=user_id))


@router.patch("/users/{user_id}", response_model=UserPublic, summary="Sửa người dùng")
def update_user(
    user_id: Id, body: UserUpdate, session: SessionDep, principal: ApiPrincipal
) -> UserPublic:
    """Change a user's name, e-mail, role, activation or password."""
    user = service.update_user(
        session,
        principal=principal,
        user_id=user_id,
        full_name=body.full_name,
        email=body.email,
        role=body.role,
        is_active=body.is_active,
        password=body.password,
    )
    return _public(session, user)


@router.get(
    "/users/{user_id}/tokens",
    response_model=list[TokenPublic],
    summary="Mã truy cập của người dùng",
)
def list_tokens(user_id: Id, session: SessionDep, principal: ApiPrincipal) -> list[TokenPublic]:
    """A user's tokens, with their last use (never their secrets)."""
    tokens = service.list_tokens(session, principal=principal, user_id=user_id)
    return [TokenPublic.model_validate(t) for t in tokens]


@router.post(
    "/users/{user_id}/tokens",
    response_model=TokenIssued,
    status_code=201,
    summary="Cấp mã truy cập",
)
def issue_token(
    user_id: Id, body: TokenCreate, session: SessionDep, principal: ApiPrincipal
) -> TokenIssued:
    """A new token; its secret is in this answer only."""
    token, secret = service.issue_token(
        session, principal=principal, user_id=user_id, name=body.name
    )
    return TokenIssued(**TokenPublic.model_validate(token).model_dump(), secret=secret)


@router.delete("/tokens/{token_id}", response_model=TokenPublic, summary="Thu hồi mã truy cập")
def revoke_token(token_id: Id, session: SessionDep, principal: ApiPrincipal) -> TokenPublic:
    """Revoke a token at once."""
    return TokenPublic.model_validate(
        service.revoke_token(session, principal=principal, token_id=token_id)
    )
