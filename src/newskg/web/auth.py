"""The write token: `Authorization: Bearer <NEWSKG_WRITE_TOKEN>`, compared in constant time.

A writer's public identity (it becomes a PROV agent IRI) is a keyed hash of the token, HMAC-SHA256 with a key the
service never serves: `NEWSKG_WRITER_ID_KEY`, or else a random key made once and kept in `writer-id.key` (mode
0600) in the store folder, so that ids stay the same across restarts. A remote store has no folder: without the
setting, each server process makes a key of its own, and ids change when it restarts.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from fastapi import Request

from newskg.core.config import Settings
from newskg.core.errors import StoreError, UnauthorizedError

log = logging.getLogger("newskg.web")

WRITER_ID_KEY_FILE = "writer-id.key"


def _stored_key(folder: Path) -> bytes:
    """The key kept in `folder`, made (random, 32 bytes, readable by the owner only) when there is none yet."""
    path = folder / WRITER_ID_KEY_FILE
    if not path.exists():
        draft = folder / f".{WRITER_ID_KEY_FILE}.{secrets.token_hex(8)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_bytes(32).hex())
        try:
            with contextlib.suppress(FileExistsError):  # the key file is complete or absent; the first one wins
                os.link(draft, path)
        finally:
            draft.unlink()
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read the writer id key ({WRITER_ID_KEY_FILE} in the store folder): {exc}") from exc
    if len(key) < 16:
        raise StoreError(f"the writer id key ({WRITER_ID_KEY_FILE} in the store folder) is too short")
    return key


def writer_id_key(settings: Settings) -> bytes:
    """The secret that writer ids are derived from (see the module docstring for where it comes from)."""
    if settings.writer_id_key is not None and settings.writer_id_key.get_secret_value():
        return settings.writer_id_key.get_secret_value().encode()
    if settings.store_kind == "oxigraph":
        return _stored_key(Path(settings.store))
    log.warning("NEWSKG_WRITER_ID_KEY is not set: writer ids change when this process restarts")
    return secrets.token_bytes(32)


def writer_id(key: bytes, token: str) -> str:
    """The public identity of a token: 16 hex digits of HMAC-SHA256(key, token), which tell nothing about it."""
    return "token:" + hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:16]


def require_writer(request: Request) -> str:
    """The writer's identity (a keyed digest of the token), or 401 when the token is missing or wrong."""
    settings = request.app.state.kg.settings
    if not settings.write_enabled():
        raise UnauthorizedError("this service is read-only: no write token is configured (NEWSKG_WRITE_TOKEN)")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise UnauthorizedError("writes need 'Authorization: Bearer <token>'")
    expected = settings.write_token.get_secret_value()
    if not secrets.compare_digest(token.strip().encode(), expected.encode()):
        raise UnauthorizedError("the bearer token is not valid")
    state = request.app.state
    if getattr(state, "writer_id_key", None) is None:
        state.writer_id_key = writer_id_key(settings)
    return writer_id(state.writer_id_key, expected)
