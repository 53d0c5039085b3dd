"""/reconcile: the Reconciliation Service API 0.2 for OpenRefine (manifest, queries, suggest, preview).

GET without parameters is the manifest; `queries=` (GET, or a form POST) is a batch; `callback=` wraps any JSON
answer as JSONP. CORS comes from the app's middleware, the same for every route.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from newskg.core.errors import BadRequestError, UnsupportedMediaTypeError
from newskg.reconcile import service
from newskg.web.body import read_body

router = APIRouter()

PARAMETERS = {"queries", "callback", "_"}  # "_": the cache-buster jQuery adds to JSONP calls
MAX_FORM_FIELDS = 10


def _root(request: Request) -> str:
    return str(request.base_url)


def _answer(payload: object, callback: str | None) -> Response:
    if callback is None:
        return JSONResponse(payload)
    return Response(service.jsonp(callback, payload), media_type="application/javascript",
                    headers={"X-Content-Type-Options": "nosniff"})


def _single(pairs: list[tuple[str, str]], known: set[str]) -> dict[str, str]:
    """Parameters as a dict: 400 for a repeated one, or one this endpoint does not take."""
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in known:
            hint = " (data extension is not offered)" if name == "extend" else ""
            raise BadRequestError(f"unknown parameter {name[:40]!r}{hint}")
        if name in values:
            raise BadRequestError(f"the parameter {name!r} is given more than once")
        values[name] = value
    return values


def _reconcile(request: Request, params: dict[str, str]) -> Response:
    callback = service.checked_callback(params.get("callback"))
    kg = request.app.state.kg
    if "queries" in params:
        return _answer(service.reconcile(kg, params["queries"]), callback)
    return _answer(service.manifest(kg, _root(request)), callback)


@router.get("/reconcile", summary="Reconciliation service: the manifest, or a batch of queries (`queries=`)")
def reconcile_get(request: Request, queries: str | None = None, callback: str | None = None) -> Response:
    """Without parameters the service manifest; with `queries=` (a JSON batch) the results; `callback=` for JSONP."""
    return _reconcile(request, _single(request.query_params.multi_items(), PARAMETERS))


FORM = {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["queries"],
    "properties": {"queries": {"type": "string", "description": "a reconciliation query batch (JSON)"},
                   "callback": {"type": "string", "description": "a JSONP callback name"}}}}}}}


@router.post("/reconcile", summary="Reconciliation service: a batch of queries (form field `queries`)",
             openapi_extra=FORM)
async def reconcile_post(request: Request) -> Response:
    """A form (application/x-www-form-urlencoded) with `queries=` (a JSON batch) and optionally `callback=`."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaTypeError("send the batch as a form (application/x-www-form-urlencoded) field 'queries'")
    body = await read_body(request)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=MAX_FORM_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequestError(f"the form is not valid UTF-8 form data: {str(exc)[:200]}") from None
    params = _single(request.query_params.multi_items() + pairs, PARAMETERS)
    if "queries" not in params:
        raise BadRequestError("a POST needs the form field 'queries'")
    return await run_in_threadpool(_reconcile, request, params)


@router.get("/reconcile/suggest/entity", summary="Reconciliation service: suggest entities by name prefix")
def suggest_entity(request: Request, prefix: str, cursor: str | None = None, limit: str | None = None,
                   callback: str | None = None) -> Response:
    """Actors, places, events and claims a name of which (or a word of it) starts with `prefix`."""
    callback = service.checked_callback(callback)
    return _answer(service.suggest_entities(request.app.state.kg, prefix, cursor, limit), callback)


@router.get("/reconcile/suggest/type", summary="Reconciliation service: suggest types by name prefix")
def suggest_type(request: Request, prefix: str, cursor: str | None = None, limit: str | None = None,
                 callback: str | None = None) -> Response:
    """The ontology's classes of actors, places, events and claims whose name starts with `prefix`."""
    callback = service.checked_callback(callback)
    return _answer(service.suggest_types(request.app.state.kg, prefix, cursor, limit), callback)


@router.get("/reconcile/preview", summary="Reconciliation service: an entity's preview (HTML for an iframe)",
            response_class=HTMLResponse)
def preview(request: Request, id: str) -> HTMLResponse:
    """A small HTML page about an entity (`id` as in the results): names, types, description, links."""
    shown = service.preview(request.app.state.kg, id)
    return HTMLResponse(render_preview(shown, _root(request)), headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff",
    })


def render_preview(shown: service.Preview, root: str) -> str:
    """The preview page: every value escaped; no script."""
    others = "".join(f'<li lang="{escape(lang)}">{escape(text)}</li>' for text, lang in shown.other_names)
    qids = " ".join(f'<a href="https://www.wikidata.org/wiki/{quote(q)}" target="_blank" rel="noopener">{escape(q)}</a>'
                    for q in shown.qids)
    page = root + "id/" + quote(shown.id, safe="/-._~")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>' + escape(shown.name) + "</title>"
        "<style>body{font:13px/1.35 sans-serif;margin:6px}h1{font-size:15px;margin:0 0 4px}"
        "p{margin:2px 0;color:#444}ul{margin:2px 0;padding-left:16px;color:#555}</style></head><body>"
        f'<h1><a href="{escape(page)}" target="_blank" rel="noopener">{escape(shown.name)}</a></h1>'
        f"<p>{escape(shown.description)}</p>"
        + (f"<ul>{others}</ul>" if others else "")
        + (f"<p>Wikidata: {qids}</p>" if qids else "")
        + f"<p><code>{escape(shown.id)}</code></p></body></html>"
    )
