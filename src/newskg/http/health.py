"""GET /health: the store and its triple counts."""

from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter()


@router.get("/health", summary="Service health and triple counts")
def health(request: Request) -> dict:
    """Report the store and how many triples each graph holds."""
    return request.app.state.kg.health()
