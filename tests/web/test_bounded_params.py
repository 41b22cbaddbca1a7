"""Every integer in a path, a query or an id in a body is bounded: a number beyond 64 bits is a
422 naming the field, on every route (API and pages), never a 500 (SQLite cannot bind it)."""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from fastapi.routing import APIRoute

from tests.accounts.test_auth import _login
from tests.world import World

HUGE = "298516247608414306304"  # the example: beyond 2^64
TOO_LARGE = "không được lớn hơn 9.223.372.036.854.775.807"  # an id's bound (a limit has its own)


def _routes(app: Any) -> list[APIRoute]:
    """Return every route of the application, the included routers' too (API and pages)."""
    out: list[APIRoute] = []
    pending = list(app.routes)
    while pending:
        r = pending.pop()
        if isinstance(r, APIRoute):
            out.append(r)
        elif hasattr(r, "original_router"):
            pending += r.original_router.routes
    return out


def _is_int(annotation: Any) -> bool:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_int(a) for a in typing.get_args(annotation) if a is not type(None))
    return annotation is int


def _params(route: APIRoute) -> tuple[list[Any], list[Any]]:
    """Return the route's path and query parameters, its dependencies' included."""
    path, query, pending = [], [], [route.dependant]
    while pending:
        dep = pending.pop()
        path += dep.path_params
        query += dep.query_params
        pending += dep.dependencies
    return path, query


def _cases(app: Any) -> list[tuple[str, str, str, dict[str, str], str]]:
    """Return (method, url, field, query, kind) for each integer parameter of each route."""
    cases = []
    for route in _routes(app):
        path_params, query_params = _params(route)
        ints = {p.name for p in path_params if _is_int(p.field_info.annotation)}
        url = route.path
        for p in path_params:
            url = url.replace("{" + p.name + "}", HUGE if p.name in ints else "x")
        for method in sorted(route.methods - {"HEAD"}):
            cases += [(method, url, name, {}, "path") for name in sorted(ints)]
            base = route.path
            for p in path_params:
                base = base.replace("{" + p.name + "}", "1" if p.name in ints else "x")
            for q in query_params:
                if _is_int(q.field_info.annotation):
                    cases.append((method, base, q.name, {q.name: HUGE}, "query"))
    return cases


def test_every_integer_parameter_of_every_route(client, world: World) -> None:  # type: ignore[no-untyped-def]
    cases = _cases(client.app)
    assert len({c[1] for c in cases}) >= 15, "too few routes with integer parameters: wired?"
    _login(client, "admin")  # pages: a signed-in administrator
    failures = []
    for method, url, field, query, _kind in cases:
        headers = world.auth("admin") if url.startswith("/api/") else {}
        r = client.request(method, url, params=query, headers=headers, follow_redirects=False)
        if r.status_code != 422:
            failures.append(f"{method} {url} {query}: {r.status_code}")
            continue
        if url.startswith("/api/"):
            assert r.headers["content-type"] == "application/problem+json", url
            reasons = {e["field"]: e["reason"] for e in r.json()["errors"]}
            if not reasons.get(field, "").startswith("không được lớn hơn "):
                failures.append(f"{method} {url} {query}: {reasons}")
        elif f"cột {field}: không được lớn hơn " not in r.text:
            failures.append(f"{method} {url} {query}: the page does not name {field}")
    assert failures == []


def _id_fields(schema: dict[str, Any], components: dict[str, Any]) -> list[list[str | int]]:
    """Return the paths of the *_id integer fields of a JSON body schema (one level of lists)."""
    out: list[list[str | int]] = []
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [prop])
        if name.endswith("_id") and any(o.get("type") == "integer" for o in options):
            out.append([name])
        for o in options:
            ref = o.get("items", {}).get("$ref") if o.get("type") == "array" else None
            if ref:
                inner = components[ref.rsplit("/", 1)[1]]
                out += [[name, 0, *p] for p in _id_fields(inner, components)]
    return out


def test_every_id_in_a_json_body(client, world: World) -> None:  # type: ignore[no-untyped-def]
    doc = client.app.openapi()
    components = doc["components"]["schemas"]
    failures, checked = [], 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            ref = content["schema"].get("$ref")
            if ref is None:
                continue
            url = path.replace("{", "").replace("}", "")  # ids of 1 … in the path: fine
            for p in ("unit_id", "agency_id", "user_id", "token_id"):
                url = url.replace(p, "1")
            for field in _id_fields(components[ref.rsplit("/", 1)[1]], components):
                body: Any = int(HUGE)
                for key in reversed(field):
                    body = [body] if isinstance(key, int) else {key: body}
                r = client.request(
                    method.upper(),
                    url,
                    content=json.dumps(body),
                    headers={**world.auth("admin"), "content-type": "application/json"},
                )
                checked += 1
                dotted = ".".join(str(k) for k in field)
                reasons = {e["field"]: e["reason"] for e in r.json().get("errors", [])}
                if r.status_code != 422 or reasons.get(dotted) != TOO_LARGE:
                    failures.append(f"{method.upper()} {path} {dotted}: {r.status_code} {reasons}")
    assert checked >= 5
    assert failures == []
