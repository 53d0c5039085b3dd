"""The SPARQL 1.1 Protocol endpoint at /sparql."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from newskg.sparql.endpoint import answer_graph
from newskg.sparql.load import inline_loads
from newskg.sparql.protocol import DescriptionRequest, QueryRequest, parse_request
from newskg.sparql.update import apply_update_dataset
from newskg.web import openapi
from newskg.web.auth import require_writer
from newskg.web.body import read_body

router = APIRouter()


def _respond(request: Request, body: bytes) -> Response:
    kg = request.app.state.kg
    endpoint = str(request.url.replace(query=""))
    operation = parse_request(
        request.method, request.headers.get("content-type"), request.url.query, body, base_iri=endpoint
    )
    if isinstance(operation, QueryRequest):
        answer = kg.answer(operation, request.headers.get("accept"))
        return Response(answer.body, media_type=answer.content_type)
    if isinstance(operation, DescriptionRequest):
        return _graph_response(request, kg.service_description(endpoint), operation.format)
    require_writer(request)
    update = apply_update_dataset(operation.update, operation.using_graphs, operation.using_named_graphs)
    kg.update(inline_loads(update, kg.settings, operation.base_iri), base_iri=operation.base_iri)
    return Response(status_code=204)


def _graph_response(request: Request, triples: list, format_name: str | None) -> Response:
    answer = answer_graph(triples, request.headers.get("accept"), format_name)
    return Response(answer.body, media_type=answer.content_type)


@router.get("/.well-known/void", summary="VoID description of the dataset")
def void(request: Request) -> Response:
    """Size, graphs, classes and the Wikidata linkset of the dataset, in the negotiated RDF syntax."""
    endpoint = str(request.url.replace(path="/sparql", query=""))
    return _graph_response(request, request.app.state.kg.void_description(endpoint), request.query_params.get("format"))


@router.get("/sparql", summary="SPARQL 1.1 query by GET", openapi_extra=openapi.SPARQL_GET)
def sparql_get(request: Request) -> Response:
    """Answer a query given in the URL."""
    return _respond(request, b"")


@router.post("/sparql", summary="SPARQL 1.1 query or update by POST", openapi_extra=openapi.SPARQL_POST)
def sparql_post(request: Request, body: bytes = Depends(read_body)) -> Response:
    """Answer a query (form or application/sparql-query body) or apply an update."""
    return _respond(request, body)
