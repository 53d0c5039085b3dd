"""Reading request bodies with the size limit enforced while reading."""

from __future__ import annotations

from fastapi import Request

from newskg.core.errors import PayloadTooLargeError


async def read_body(request: Request) -> bytes:
    """The whole request body, or 413 as soon as it passes the configured limit."""
    limit = request.app.state.kg.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the body ({declared} bytes) is larger than the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
