"""POST /validate: try data against the shapes, in context, without writing anything."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..errors import PayloadTooLargeError, ProtocolError
from ..gate import INFERENCE_MODES
from ..rdfio import parse_dataset, parse_graph
from ..sparql.formats import Format, format_for_media_type, negotiate
from .body import read_body

router = APIRouter()

REPORT_FORMATS = (
    Format("application/json", ("json",), None),
    Format("text/turtle", ("turtle", "ttl"), "turtle"),
    Format("application/ld+json", ("jsonld", "json-ld"), "json-ld"),
)


async def _parts(request: Request) -> tuple[bytes, str | None, bytes | None, str | None]:
    """(data, its media type, shapes, their media type) from a plain body or a multipart form."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return await read_body(request), content_type, None, None
    limit = request.app.state.kg.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > limit:
        raise PayloadTooLargeError(f"a multipart body needs a Content-Length of at most {limit} bytes")
    form = await request.form()
    data, shapes = form.get("data"), form.get("shapes")
    if data is None or isinstance(data, str):
        raise ProtocolError("a multipart validation request needs a 'data' file part")
    shapes_bytes = await shapes.read() if shapes is not None and not isinstance(shapes, str) else None
    return await data.read(), data.content_type, shapes_bytes, getattr(shapes, "content_type", None)


def _validate(request: Request, data: bytes, data_type, shapes_bytes, shapes_type) -> Response:
    gate = request.app.state.kg.gate
    params = request.query_params
    inference = params.get("inference", "none")
    if inference not in INFERENCE_MODES:
        raise ProtocolError(f"inference must be one of {', '.join(INFERENCE_MODES)}")
    fmt = negotiate(REPORT_FORMATS, request.headers.get("accept"), params.get("format"))
    candidate = parse_dataset(data, format_for_media_type(data_type))
    shapes = None
    if shapes_bytes is not None:
        shapes = parse_graph(shapes_bytes, format_for_media_type(shapes_type))
    elif "shapes-graph" in params:
        shapes = gate.stored_shapes(params["shapes-graph"])
    report = gate.validate(candidate, inference=inference, shapes=shapes)
    if fmt.engine is None:
        return JSONResponse(report.to_json())
    return Response(report.graph.serialize(format=fmt.engine), media_type=fmt.content_type)


@router.post("/validate", summary="Validate RDF against the shapes, in context")
async def validate(request: Request) -> Response:
    """Validate the body (any RDF syntax, by Content-Type; or multipart `data` + `shapes`). 200 even when it fails."""
    data, data_type, shapes_bytes, shapes_type = await _parts(request)
    return await run_in_threadpool(_validate, request, data, data_type, shapes_bytes, shapes_type)
