"""Every API route of the application, read from its OpenAPI document.

(FastAPI wraps included routers, so ``app.routes`` does not list them one by one; the OpenAPI
document does, and it is what API users see.)
"""

from __future__ import annotations

from typing import Any

METHODS = {"get", "post", "put", "patch", "delete"}


def api_routes(app: Any) -> list[tuple[str, str]]:
    """Return (METHOD, path) for every documented /api/v1 route."""
    out = []
    for path, ops in app.openapi()["paths"].items():
        if path.startswith("/api/v1/"):
            out += [(m.upper(), path) for m in ops if m in METHODS]
    assert len(out) >= 20, "the OpenAPI document lists too few routes: is the app wired?"
    return sorted(out)
