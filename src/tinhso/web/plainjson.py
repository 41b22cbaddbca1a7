"""A JSON answer of plain data, written without FastAPI's generic encoder.

A route that returns a ``dict`` has it walked by ``fastapi.encoders.jsonable_encoder`` before
it is dumped: for the DTI of 3,000 communes that walk took ten times as long as building the
figures (profiled at ~0.2 s of interpreter time a request, under the lock every thread shares).
The 766 and indicator answers are plain data already (str, numbers, booleans, lists, dicts, a
few dates), so they are dumped directly; the standard library's encoder is C code.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import JSONResponse


def _default(value: Any) -> Any:
    # What jsonable_encoder would have made of the few non-JSON types these answers hold.
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON data: {type(value).__name__}")


class PlainJSON(JSONResponse):
    """``application/json`` of plain data (no NaN or infinity, as the generic path)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_default
        ).encode("utf-8")
