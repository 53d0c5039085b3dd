"""The SPARQL 1.1 Graph Store HTTP Protocol at /store.

Indirect identification: /store?default, /store?graph=IRI, and /store alone for the whole dataset (a POST of triples
there creates a new graph, 201 with its IRI in Location). Direct identification: /store/<path> is the graph whose IRI
is that URL. https://www.w3.org/TR/sparql11-http-rdf-update/
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from newskg.core.errors import ProtocolError
from newskg.sparql.protocol import checked_iri
from newskg.sparql.formats import DATASET_FORMATS, GRAPH_FORMATS, negotiate
from newskg.sparql.graphstore import graph_store_body, is_dataset_body, new_graph_iri
from newskg.web import openapi
from newskg.web.auth import require_writer
from newskg.web.body import read_body
from newskg.web.conditional import conditional_answer
from newskg.sparql.cache import data_version, entity_tag

router = APIRouter()


def _url(request: Request) -> str:
    return str(request.url.replace(query=""))


def _target(request: Request) -> str | None:
    """"" for ?default, the IRI for ?graph=, the request URL under /store/, None for the whole dataset."""
    if request.url.path.startswith("/store/"):
        return checked_iri(_url(request), "the graph URL (direct identification)")
    params = request.query_params
    graphs = params.getlist("graph")
    if "default" in params and graphs:
        raise ProtocolError("use either ?default or ?graph=IRI, not both")
    if len(graphs) > 1:
        raise ProtocolError("exactly one 'graph' parameter is allowed")
    if graphs:
        return checked_iri(graphs[0], "the 'graph' parameter")
    return "" if "default" in params else None


def _read(request: Request, with_body: bool) -> Response:
    graph = _target(request)
    formats = DATASET_FORMATS if graph is None else GRAPH_FORMATS
    fmt = negotiate(formats, request.headers.get("accept"), request.query_params.get("format"))
    kg = request.app.state.kg
    version = data_version(kg)  # ETag from the data version and the request: a 304 reads nothing
    tag = entity_tag(version, "graph store", graph, fmt.media_type)
    return conditional_answer(request, kg, version, tag, lambda: (kg.read_graph(graph, fmt.engine), fmt.content_type),
                              with_body=with_body)


def _write(request: Request, body: bytes, *, replace: bool) -> Response:
    graph = _target(request)
    content_type = request.headers.get("content-type")
    location = None
    if graph is None and not replace and not is_dataset_body(content_type):
        graph = location = new_graph_iri(_url(request))  # POST of triples to the store: a new graph (§5.5)
    data, rdf_format = graph_store_body(content_type, body, graph=graph, base_iri=graph or _url(request))
    created = request.app.state.kg.write_graph(graph, data, rdf_format, replace=replace)
    if location is not None:
        return Response(status_code=201, headers={"Location": location})
    return Response(status_code=201 if created else 204)


def _delete(request: Request) -> Response:
    graph = _target(request)
    if graph is None:
        raise ProtocolError("DELETE needs ?default or ?graph=IRI")
    request.app.state.kg.delete_graph(graph)
    return Response(status_code=204)


@router.get("/store", summary="Graph Store: read a graph or the dataset", openapi_extra=openapi.GRAPH_STORE_READ)
def store_get(request: Request) -> Response:
    """Return the graph (?default or ?graph=IRI) or the whole dataset, in the negotiated syntax."""
    return _read(request, with_body=True)


@router.get("/store/{path:path}", summary="Graph Store: read the graph named by this URL",
            openapi_extra=openapi.GRAPH_STORE_DIRECT_READ)
def store_get_direct(request: Request, path: str) -> Response:
    """Return the graph whose IRI is this URL, in the negotiated syntax."""
    return _read(request, with_body=True)


@router.head("/store", summary="Graph Store: headers of a graph", openapi_extra=openapi.GRAPH_STORE_READ)
def store_head(request: Request) -> Response:
    """Like GET, without the body."""
    return _read(request, with_body=False)


@router.head("/store/{path:path}", summary="Graph Store: headers of the graph named by this URL",
             openapi_extra=openapi.GRAPH_STORE_DIRECT_READ)
def store_head_direct(request: Request, path: str) -> Response:
    """Like GET, without the body."""
    return _read(request, with_body=False)


@router.put("/store", summary="Graph Store: replace a graph", openapi_extra=openapi.GRAPH_STORE_WRITE)
def store_put(request: Request, _writer: str = Depends(require_writer), body: bytes = Depends(read_body)) -> Response:
    """Replace the graph's content with the body (201 when the graph is new, else 204)."""
    return _write(request, body, replace=True)


@router.put("/store/{path:path}", summary="Graph Store: replace the graph named by this URL",
            openapi_extra=openapi.GRAPH_STORE_DIRECT_WRITE)
def store_put_direct(
    request: Request, path: str, _writer: str = Depends(require_writer), body: bytes = Depends(read_body)
) -> Response:
    """Replace the content of the graph whose IRI is this URL with the body (201 when it is new, else 204)."""
    return _write(request, body, replace=True)


@router.post("/store", summary="Graph Store: add to a graph, or create one", openapi_extra=openapi.GRAPH_STORE_WRITE)
def store_post(request: Request, _writer: str = Depends(require_writer), body: bytes = Depends(read_body)) -> Response:
    """Add the body's triples (or multipart/form-data parts) to the graph: 201 when new, else 204.

    Without ?default or ?graph, triples make a new graph (201, Location: its IRI); TriG or N-Quads add to the dataset.
    """
    return _write(request, body, replace=False)


@router.post("/store/{path:path}", summary="Graph Store: add to the graph named by this URL",
             openapi_extra=openapi.GRAPH_STORE_DIRECT_WRITE)
def store_post_direct(
    request: Request, path: str, _writer: str = Depends(require_writer), body: bytes = Depends(read_body)
) -> Response:
    """Add the body's triples (or multipart/form-data parts) to the graph this URL names: 201 when new, else 204."""
    return _write(request, body, replace=False)


@router.delete("/store", summary="Graph Store: delete a graph", openapi_extra=openapi.GRAPH_STORE_DELETE)
def store_delete(request: Request, _writer: str = Depends(require_writer)) -> Response:
    """Remove the graph (404 when it does not exist)."""
    return _delete(request)


@router.delete("/store/{path:path}", summary="Graph Store: delete the graph named by this URL")
def store_delete_direct(request: Request, path: str, _writer: str = Depends(require_writer)) -> Response:
    """Remove the graph whose IRI is this URL (404 when it does not exist)."""
    return _delete(request)
