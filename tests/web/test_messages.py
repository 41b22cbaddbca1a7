"""No FastAPI, Starlette or Pydantic English reaches a person: every refusal of a request's body,
query or path is a Vietnamese problem document (API) or page, with the field it is about."""

from __future__ import annotations

import pytest
from pydantic_core.core_schema import ErrorType

from tests.accounts.test_auth import _login
from tests.world import World
from tinhso.web.messages import FALLBACK, PYDANTIC_REASONS, http_detail, pydantic_reason

CTX = {
    "gt": 1,
    "ge": 1,
    "lt": 10,
    "le": 10,
    "multiple_of": 2,
    "min_length": 1,
    "max_length": 200,
    "expected": "'a' or 'b'",
    "max_digits": 3,
    "decimal_places": 2,
    "whole_digits": 1,
    "pattern": "^x$",
    "error": "an English error",
}


@pytest.mark.parametrize("kind", ErrorType.__args__)  # type: ignore[attr-defined]
def test_every_pydantic_error_type_has_a_vietnamese_reason(kind: str) -> None:
    reason = pydantic_reason({"type": kind, "ctx": CTX, "msg": "Input should be …"})
    assert not reason.isascii() and "{" not in reason and " or " not in reason
    if kind not in ("value_error", "assertion_error"):
        assert kind in PYDANTIC_REASONS


def test_limits_are_written_the_vietnamese_way() -> None:
    assert pydantic_reason({"type": "less_than_equal", "ctx": {"le": 2**63 - 1}}) == (
        "không được lớn hơn 9.223.372.036.854.775.807"
    )
    assert pydantic_reason({"type": "greater_than", "ctx": {"gt": 0.5}}) == "phải lớn hơn 0,5"
    assert pydantic_reason({"type": "unknown_kind"}) == FALLBACK
    assert pydantic_reason({"type": "value_error", "ctx": {"error": "kỳ không hợp lệ"}}) == (
        "kỳ không hợp lệ"
    )


@pytest.mark.parametrize(
    "detail",
    [
        "There was an error parsing the body",
        "Missing boundary in multipart.",
        "Too many files. Maximum number of files is 1000.",
        "Bad Request",
    ],
)
def test_library_details_are_said_in_vietnamese(detail: str) -> None:
    assert not http_detail(400, detail).isascii()


def _problem(r, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    texts = [body["title"], body["detail"], *(e["reason"] for e in body.get("errors", []))]
    assert all(not t.isascii() for t in texts), texts
    return body  # type: ignore[no-any-return]


def test_deeply_nested_json(client, world: World) -> None:  # type: ignore[no-untyped-def]
    headers = {**world.auth("admin"), "content-type": "application/json"}
    r = client.post("/api/v1/datavalues", content="[" * 100_000, headers=headers)
    body = _problem(r, 400)
    assert body["detail"] == (
        "không đọc được nội dung gửi lên: JSON hoặc biểu mẫu không đúng định dạng, "
        "hoặc lồng nhau quá sâu"
    )


def test_broken_json_names_where(client, world: World) -> None:  # type: ignore[no-untyped-def]
    headers = {**world.auth("admin"), "content-type": "application/json"}
    r = client.post("/api/v1/datavalues", content='{"form": ', headers=headers)
    body = _problem(r, 422)
    assert body["errors"] == [{"field": "body", "reason": "JSON không hợp lệ (ở ký tự thứ 10)"}]


def test_broken_multipart(client, world: World) -> None:  # type: ignore[no-untyped-def]
    headers = {**world.auth("admin"), "content-type": "multipart/form-data"}
    r = client.post("/api/v1/units:import", content=b"--x\r\n", headers=headers)
    body = _problem(r, 400)
    assert body["detail"] == "nội dung multipart thiếu ranh giới (boundary); hãy gửi lại tệp"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field", "reason"),
    [
        (
            "GET",
            "/api/v1/units",
            {"params": {"level": "tinh"}},
            "level",
            "giá trị không nằm trong danh sách cho phép "
            "('province', 'district', 'commune' hoặc 'village')",
        ),
        ("GET", "/api/v1/units", {"params": {"limit": "0"}}, "limit", "không được nhỏ hơn 1"),
        ("GET", "/api/v1/units/abc", {}, "unit_id", "phải là số nguyên"),
        (
            "GET",
            "/api/v1/units/1/map",
            {"params": {"to": "31/12/2025"}},
            "to",
            "ngày không hợp lệ (dùng dạng YYYY-MM-DD)",
        ),
        ("PATCH", "/api/v1/units/1", {"json": {"name": "T" * 201}}, "name", "dài quá 200 ký tự"),
        ("POST", "/api/v1/users", {"json": {"role": "viewer"}}, "username", "bắt buộc phải có"),
        (
            "POST",
            "/api/v1/users",
            {"json": {"username": "a", "role": "viewer", "x": 1}},
            "x",
            "trường này không được phép",
        ),
        (
            "POST",
            "/api/v1/users/1/tokens",
            {"content": '{"name": "a\\ud800"}', "headers": {"content-type": "application/json"}},
            "name",
            "có ký tự không hợp lệ (không phải Unicode)",
        ),
    ],
)
def test_request_refusals_name_the_field_in_vietnamese(  # type: ignore[no-untyped-def]
    client, world: World, method: str, path: str, kwargs: dict, field: str, reason: str
) -> None:
    kwargs = dict(kwargs)  # the parameters are shared by both databases' runs
    headers = {**world.auth("admin"), **kwargs.pop("headers", {})}
    body = _problem(client.request(method, path, headers=headers, **kwargs), 422)
    assert body["detail"] == "yêu cầu có trường không hợp lệ"
    assert {"field": field, "reason": reason} in body["errors"]


def test_pages_say_it_in_vietnamese_too(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _login(client, "admin")
    r = client.get("/units/abc")
    assert r.status_code == 422
    assert "cột unit_id: phải là số nguyên" in r.text
    assert "Input should" not in r.text
