"""The write token: `Authorization: Bearer <NEWSKG_WRITE_TOKEN>`, compared in constant time."""

from __future__ import annotations

import hashlib
import secrets

from fastapi import Request

from ..errors import UnauthorizedError


def require_writer(request: Request) -> str:
    """The writer's identity (a digest of the token), or 401 when the token is missing or wrong."""
    settings = request.app.state.kg.settings
    if not settings.write_enabled():
        raise UnauthorizedError("this service is read-only: no write token is configured (NEWSKG_WRITE_TOKEN)")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise UnauthorizedError("writes need 'Authorization: Bearer <token>'")
    expected = settings.write_token.get_secret_value()
    if not secrets.compare_digest(token.strip().encode(), expected.encode()):
        raise UnauthorizedError("the bearer token is not valid")
    return "token:" + hashlib.sha256(expected.encode()).hexdigest()[:16]
