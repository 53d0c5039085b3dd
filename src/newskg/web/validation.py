"""POST /validate: try data against the shapes, in context, without writing anything."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from newskg.core.errors import PayloadTooLargeError, ProtocolError
from newskg.sandbox.tasks import ShapesInput
from newskg.sparql.protocol import optional_flag, checked_iri
from newskg.sparql.formats import Format, format_for_media_type, negotiate
from newskg.web import openapi
from newskg.web.body import read_body

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
    async with request.form() as form:  # closes the parts' spooled files when read
        data, shapes = form.get("data"), form.get("shapes")
        if data is None or isinstance(data, str):
            raise ProtocolError("a multipart validation request needs a 'data' file part")
        shapes_bytes = await shapes.read() if shapes is not None and not isinstance(shapes, str) else None
        return await data.read(), data.content_type, shapes_bytes, getattr(shapes, "content_type", None)


BASE_SCHEMES = ("http", "https", "urn")


def base_iri(value: str) -> str:
    """The `base` parameter if it is an absolute http(s) or urn IRI (what relative IRIs of the uploads resolve
    against); 400 otherwise."""
    checked_iri(value, "the 'base' parameter")
    scheme, _, rest = value.partition(":")
    if scheme.lower() not in BASE_SCHEMES or not rest or (scheme.lower() != "urn" and not rest.startswith("//")):
        raise ProtocolError(f"the 'base' parameter must be an absolute http, https or urn IRI, got {value[:200]!r}")
    return value


def _validate(request: Request, data: bytes, data_type, shapes_bytes, shapes_type) -> Response:
    gate = request.app.state.kg.gate
    params = request.query_params
    fmt = negotiate(REPORT_FORMATS, request.headers.get("accept"), params.get("format"))
    media_type = format_for_media_type(data_type).media_type  # 415 before any work
    base = base_iri(params["base"]) if "base" in params else None
    shapes = None
    if shapes_bytes is not None:
        shapes = ShapesInput(shapes_bytes, format_for_media_type(shapes_type).media_type, trusted=False,
                             base_iri=base)
    elif "shapes-graph" in params:
        shapes = gate.shapes_input(checked_iri(params["shapes-graph"], "the 'shapes-graph' parameter"))
    plain = optional_flag(params.get("plain")) or False
    if plain and shapes is None:
        raise ProtocolError("plain=true validates with your own shapes only: send a 'shapes' part or ?shapes-graph=")
    report = gate.validate(data, media_type, inference=params.get("inference", "none"), shapes=shapes, plain=plain,
                           report_format=fmt.engine, base_iri=base)
    if fmt.engine is None:
        return JSONResponse(report.to_json())
    return Response(report.report_text, media_type=fmt.content_type)


@router.post("/validate", summary="Validate RDF against the shapes, in context", openapi_extra=openapi.VALIDATE)
async def validate(request: Request) -> Response:
    """Validate the body (any RDF syntax, by Content-Type; or multipart `data` + `shapes`). 200 even when it fails.

    In context (the default), the data is validated with the ontology and the stored descriptions of what it
    mentions; a result is reported when its focus node is mentioned by the data (subject, object or graph name) and
    the stored data alone does not already give it. `plain=true` (with your own shapes) is standard SHACL on the
    data alone: no ontology, no stored context, every result reported. `base` resolves relative IRIs in the data
    and the uploaded shapes.
    """
    data, data_type, shapes_bytes, shapes_type = await _parts(request)
    return await run_in_threadpool(_validate, request, data, data_type, shapes_bytes, shapes_type)
