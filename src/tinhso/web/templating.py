"""The Jinja2 environment of every page: one loader over the shared and domain templates."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from tinhso.accounts.scope import ROLE_LABELS
from tinhso.fmt import vn_date, vn_number
from tinhso.units.codes import AGENCY_KINDS, LEVEL_LABELS, UNIT_KINDS, unit_label

PKG = Path(__file__).resolve().parents[1]
DOMAINS = (
    "units",
    "accounts",
    "audit",
    "services",
    "indicators",
    "reporting",
    "infrastructure",
    "tasks",
    "ioc",
)


@pass_context
def static_url(context: Context, name: str) -> str:
    """Return the fingerprinted URL of a static file (``static_url('js/app.js')``)."""
    request: Request = context["request"]
    url: str = request.app.state.assets.url(name)
    return url


def _environment() -> Environment:
    loaders = [FileSystemLoader(str(PKG / "web" / "templates"))]
    loaders += [
        FileSystemLoader(str(PKG / d / "templates"))
        for d in DOMAINS
        if (PKG / d / "templates").is_dir()
    ]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))
    env.filters["vn_date"] = vn_date
    env.filters["vn_number"] = vn_number
    env.globals.update(
        unit_label=unit_label,
        KIND_LABELS={k: v[1] for k, v in UNIT_KINDS.items()},
        LEVEL_LABELS=LEVEL_LABELS,
        AGENCY_KINDS=AGENCY_KINDS,
        ROLE_LABELS=ROLE_LABELS,
        static_url=static_url,
    )
    return env


ENV = _environment()


def _templates_digest() -> str:
    """Return a hash of every template (and the package version): part of each page ETag, so
    that a new version of the code never answers "not modified" for an old page."""
    from tinhso import __version__

    h = hashlib.sha256(__version__.encode())
    for path in sorted(PKG.rglob("templates/**/*.html")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


TEMPLATES_DIGEST = _templates_digest()


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Return the page rendered with the request's user, CSRF token and flash message."""
    ctx: dict[str, Any] = {
        "request": request,
        "user": getattr(request.state, "user", None),
        "principal": getattr(request.state, "principal", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
    }
    ctx.update(context or {})
    html = ENV.get_template(name).render(ctx)
    return HTMLResponse(html, status_code=status_code)
