"""GET /health: whether the store answers, and its triple counts (503 when it does not answer)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()

# /health runs on threads of its own: when hostile requests hold every thread of the shared pool (each waiting for a
# busy query or sandbox worker), the health check must still answer at once.
_HEALTH_THREADS = anyio.CapacityLimiter(2)


@router.get("/health", summary="Service health and triple counts")
async def health(request: Request) -> JSONResponse:
    """Report the store and how many triples each graph holds; 503 with the problems when the store is unusable."""
    report = await anyio.to_thread.run_sync(request.app.state.kg.health, limiter=_HEALTH_THREADS)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
