"""GET /health: whether the store answers, and its triple counts (503 when it does not answer)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/health", summary="Service health and triple counts")
def health(request: Request) -> JSONResponse:
    """Report the store and how many triples each graph holds; 503 with the problems when the store is unusable."""
    report = request.app.state.kg.health()
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
