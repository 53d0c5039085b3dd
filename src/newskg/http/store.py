"""The SPARQL 1.1 Graph Store HTTP Protocol at /store (?default or ?graph=IRI; neither means the dataset)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from ..errors import ProtocolError
from ..sparql.formats import DATASET_FORMATS, GRAPH_FORMATS, format_for_media_type, negotiate
from .auth import require_writer
from .body import read_body

router = APIRouter()


def _target(request: Request) -> str | None:
    """"" for ?default, the IRI for ?graph=, None for the whole dataset."""
    params = request.query_params
    graphs = params.getlist("graph")
    if "default" in params and graphs:
        raise ProtocolError("use either ?default or ?graph=IRI, not both")
    if len(graphs) > 1:
        raise ProtocolError("exactly one 'graph' parameter is allowed")
    if graphs:
        if not graphs[0]:
            raise ProtocolError("the 'graph' parameter must be an IRI")
        return graphs[0]
    return "" if "default" in params else None


def _read(request: Request, with_body: bool) -> Response:
    graph = _target(request)
    formats = DATASET_FORMATS if graph is None else GRAPH_FORMATS
    fmt = negotiate(formats, request.headers.get("accept"), request.query_params.get("format"))
    body = request.app.state.kg.read_graph(graph, fmt.engine)
    headers = {"Content-Length": str(len(body))}
    return Response(body if with_body else b"", media_type=fmt.content_type, headers=headers)


@router.get("/store", summary="Graph Store: read a graph or the dataset")
def store_get(request: Request) -> Response:
    """Return the graph (?default, ?graph=IRI) or the whole dataset, in the negotiated syntax."""
    return _read(request, with_body=True)


@router.head("/store", summary="Graph Store: headers of a graph")
def store_head(request: Request) -> Response:
    """Like GET, without the body."""
    return _read(request, with_body=False)


def _write(request: Request, body: bytes, *, replace: bool) -> Response:
    graph = _target(request)
    rdf_format = format_for_media_type(request.headers.get("content-type"))
    created = request.app.state.kg.write_graph(graph, body, rdf_format, replace=replace)
    return Response(status_code=201 if created else 204)


@router.put("/store", summary="Graph Store: replace a graph")
def store_put(request: Request, _writer: str = Depends(require_writer), body: bytes = Depends(read_body)) -> Response:
    """Replace the graph's content with the body (201 when the graph is new, else 204)."""
    return _write(request, body, replace=True)


@router.post("/store", summary="Graph Store: add to a graph")
def store_post(request: Request, _writer: str = Depends(require_writer), body: bytes = Depends(read_body)) -> Response:
    """Add the body's triples to the graph (201 when the graph is new, else 204)."""
    return _write(request, body, replace=False)


@router.delete("/store", summary="Graph Store: delete a graph")
def store_delete(request: Request, _writer: str = Depends(require_writer)) -> Response:
    """Remove the graph (404 when it does not exist)."""
    graph = _target(request)
    if graph is None:
        raise ProtocolError("DELETE needs ?default or ?graph=IRI")
    request.app.state.kg.delete_graph(graph)
    return Response(status_code=204)
