"""/assertions: SHACL-gated writes with provenance; read and retract them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from newskg.writes.assertions import checked_id
from newskg.sparql.formats import format_for_media_type
from newskg.web import openapi
from newskg.web.auth import require_writer
from newskg.web.body import read_body

router = APIRouter()


@router.post("/assertions", summary="Submit an assertion (validated, stored with provenance)",
             openapi_extra=openapi.ASSERTION_SUBMIT)
def submit(request: Request, writer: str = Depends(require_writer), body: bytes = Depends(read_body)) -> Response:
    """201 with Location and provenance when it conforms (200 if already stored); 422 with the report if not."""
    rdf_format = format_for_media_type(request.headers.get("content-type"))
    outcome = request.app.state.kg.gate.submit(body, rdf_format, writer)
    location = f"/assertions/{outcome.record.assertion_id}"
    return JSONResponse(
        outcome.record.to_json(), status_code=201 if outcome.created else 200, headers={"Location": location}
    )


@router.get("/assertions/{assertion_id}", summary="An assertion with its provenance")
def read(request: Request, assertion_id: str) -> Response:
    """The provenance record and the content (N-Quads) of one assertion, current or retracted."""
    record = request.app.state.kg.gate.get(checked_id(assertion_id))
    return JSONResponse({**record.to_json(), "content": record.content})


@router.delete("/assertions/{assertion_id}", summary="Retract an assertion (kept for history)")
def retract(request: Request, assertion_id: str, writer: str = Depends(require_writer)) -> Response:
    """Mark it invalidated (who, when) and take it out of the live graphs."""
    return JSONResponse(request.app.state.kg.gate.retract(checked_id(assertion_id), writer).to_json())
