"""The SPARQL 1.1 Protocol endpoint at /sparql."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from ..errors import ProtocolError, UnauthorizedError
from ..sparql.endpoint import answer_query
from ..sparql.protocol import DescriptionRequest, QueryRequest, parse_request
from .body import read_body

router = APIRouter()


def _respond(request: Request, body: bytes) -> Response:
    kg = request.app.state.kg
    operation = parse_request(request.method, request.headers.get("content-type"), request.url.query, body)
    if isinstance(operation, QueryRequest):
        answer = answer_query(kg, operation, request.headers.get("accept"))
        return Response(answer.body, media_type=answer.content_type)
    if isinstance(operation, DescriptionRequest):
        raise ProtocolError("no 'query' parameter given")
    raise UnauthorizedError("updates need a write token (Authorization: Bearer ...)")


@router.get("/sparql", summary="SPARQL 1.1 query by GET")
def sparql_get(request: Request) -> Response:
    """Answer a query given in the URL."""
    return _respond(request, b"")


@router.post("/sparql", summary="SPARQL 1.1 query or update by POST")
def sparql_post(request: Request, body: bytes = Depends(read_body)) -> Response:
    """Answer a query (form or application/sparql-query body) or apply an update."""
    return _respond(request, body)
