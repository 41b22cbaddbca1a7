"""Pages of user administration (administrators only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from tinhso.accounts import service
from tinhso.accounts.models import ROLES, User
from tinhso.accounts.scope import Principal
from tinhso.db import Id
from tinhso.errors import AppError, FieldError
from tinhso.fmt import local_today
from tinhso.textcheck import check_text
from tinhso.units import service as units
from tinhso.units.models import Agency, Unit
from tinhso.web.deps import PageUser, SessionDep, check_form_csrf
from tinhso.web.templating import render

router = APIRouter(include_in_schema=False)
# What the add-user form calls each field its errors name.
FIELD_LABELS = {
    "username": "Tên đăng nhập",
    "full_name": "Họ và tên",
    "email": "Thư điện tử",
    "role": "Vai trò",
    "password": "Mật khẩu",
    "unit_code": "Phạm vi",
    "scopes": "Phạm vi",
}


@router.get("/admin/users")
def users_page(request: Request, session: SessionDep, current: PageUser) -> Response:
    """Users the administrator manages."""
    principal = current[0]
    users = service.list_users(session, principal=principal)
    return render(request, "accounts/users.html", {"users": users, "roles": ROLES, "form": {}})


@router.post("/admin/users")
def create_user(
    request: Request,
    session: SessionDep,
    current: PageUser,
    username: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
    password: Annotated[str, Form()] = "",
    unit_code: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Create a user scoped to the unit with the given code (valid today)."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    form = {"username": username, "full_name": full_name, "role": role, "unit_code": unit_code}
    try:
        # Every problem of the form at once: the unit code is looked up here, the rest is the
        # service's, and both are reported together.
        scopes: list[service.ScopeRoot] = []
        found_errors: list[FieldError] = []
        code = check_text(
            found_errors, unit_code, field="unit_code", what="mã đơn vị", max_length=20
        )
        if code and not found_errors:
            found = units.find_by_code(session, principal=principal, code=code, on=local_today())
            if found:
                scopes.append(service.ScopeRoot(unit_id=found[0].id))
            else:
                found_errors.append(
                    FieldError("unit_code", f"mã đơn vị '{code}' không có hoặc ngoài phạm vi")
                )
        user = service.create_user(
            session,
            principal=principal,
            username=username,
            role=role,
            password=password or None,
            full_name=full_name,
            scopes=scopes,
            errors=found_errors,
        )
    except AppError as exc:
        session.rollback()
        users = service.list_users(session, principal=principal)
        return render(
            request,
            "accounts/users.html",
            {
                "users": users,
                "roles": ROLES,
                "form": form,
                "error": exc.detail,
                "errors": exc.errors,
                "invalid": {e.field.split("[")[0] for e in exc.errors},
                "labels": FIELD_LABELS,
            },
            status_code=exc.status,
        )
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


@router.get("/admin/users/{user_id}")
def user_page(request: Request, user_id: Id, session: SessionDep, current: PageUser) -> Response:
    """One user: scope, state and API tokens."""
    principal = current[0]
    principal.require("users.manage")
    user = service.get_user(session, principal=principal, user_id=user_id)
    return render(request, "accounts/user.html", _user_context(session, principal, user))


def _user_context(session: Session, principal: Principal, user: User) -> dict[str, object]:
    scopes: list[tuple[str, Unit | Agency]] = []
    for s in service.user_scopes(session, user.id):
        if s.unit_id is not None:
            scopes.append(("unit", units.get_unit(session, principal=principal, unit_id=s.unit_id)))
        elif s.agency_id is not None:
            scopes.append(
                ("agency", units.get_agency(session, principal=principal, agency_id=s.agency_id))
            )
    tokens = service.list_tokens(session, principal=principal, user_id=user.id)
    return {"u": user, "scopes": scopes, "tokens": tokens, "roles": ROLES, "new_secret": None}


@router.post("/admin/users/{user_id}/tokens")
def issue_token(
    request: Request,
    user_id: Id,
    session: SessionDep,
    current: PageUser,
    name: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Issue a token and show its secret once."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    principal.require("users.manage")
    _token, secret = service.issue_token(session, principal=principal, user_id=user_id, name=name)
    user = service.get_user(session, principal=principal, user_id=user_id)
    context = _user_context(session, principal, user)
    context["new_secret"] = secret
    response = render(request, "accounts/user.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/admin/users/{user_id}/tokens")
def tokens_page(user_id: Id) -> Response:
    """The tokens live on the user's page."""
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(
    token_id: Id,
    session: SessionDep,
    current: PageUser,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Revoke a token."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    token = service.revoke_token(session, principal=principal, token_id=token_id)
    return RedirectResponse(f"/admin/users/{token.user_id}", status_code=303)


@router.post("/admin/users/{user_id}/active")
def set_active(
    user_id: Id,
    session: SessionDep,
    current: PageUser,
    active: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Lock or unlock an account."""
    principal, web, _user = current
    check_form_csrf(web, csrf_token)
    service.update_user(session, principal=principal, user_id=user_id, is_active=active)
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)
