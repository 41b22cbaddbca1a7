"""Conditional requests: an ETag worked out from what a response depends on, and 304 answers.

A page fragment that a browser asks for again and again (the 766 panel refreshes every 5 s)
gets an ETag built from the versions of what it shows; the next request carries it in
``If-None-Match``, and while nothing changed the answer is "304 Not Modified" with no body,
worked out without computing or rendering anything.
"""

from __future__ import annotations

import hashlib

from fastapi import Request
from fastapi.responses import Response

from tinhso.web.templating import TEMPLATES_DIGEST


def entity_tag(*parts: object) -> str:
    """Return a strong ETag (quoted) of the parts and of this installation's templates."""
    text = "\x1f".join(map(str, (TEMPLATES_DIGEST, *parts)))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def not_modified(request: Request, tag: str) -> Response | None:
    """Return a 304 response if the request already holds ``tag``, else None."""
    sent = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
    if tag in tags or "*" in tags:
        return Response(status_code=304, headers={"ETag": tag})
    return None
