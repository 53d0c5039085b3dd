"""GET /search: full-text search over the claims, articles and labels, as JSON or as the results page."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from markupsafe import Markup

from newskg.core.errors import NewsKGError
from newskg.web.page_data import Site
from newskg.search import results
from newskg.sparql.formats import Format, negotiate
from newskg.web.pages import HTML, templates

router = APIRouter()

JSON = Format("application/json", ("json",), None)
SEARCH_FORMATS = (JSON, HTML)
# A snippet reaches the page only through this filter: all escaped but <b> and </b>.
templates.env.filters["snippet"] = lambda snippet: Markup(results.safe_snippet(snippet))


OPENAPI = {"parameters": [  # the handler reads the parameters itself (results.SearchRequest.from_params)
    {"name": name, "in": "query", "required": name == "q", "description": text, "schema": schema}
    for name, text, schema in (
        ("q", "The words to search for (at most 500 characters).", {"type": "string", "maxLength": 500}),
        ("lang", "nl or en: only Dutch- or English-analysed text.", {"type": "string", "enum": list(results.LANGS)}),
        ("type", "The kinds of subject (repeat or comma-separate).",
         {"type": "array", "items": {"type": "string", "enum": list(results.TYPES)}}),
        ("limit", "At most this many hits (default 20).", {"type": "integer", "minimum": 1, "maximum": 1000}),
        ("format", "json or html, instead of Accept.", {"type": "string", "enum": ["json", "html"]}),
    )
]}


@router.get("/search", summary="Full-text search (JSON, or the results page for browsers)", openapi_extra=OPENAPI)
def search(request: Request) -> Response:
    """Text hits for `q` (optionally `lang`, `type`, `limit`), with claimant, status and a link to each claim."""
    fmt = negotiate(SEARCH_FORMATS, request.headers.get("accept"), request.query_params.get("format"))
    if fmt is JSON:
        answer = results.search(request.app.state.kg, _site(request), results.SearchRequest.from_params(
            request.query_params.multi_items()))
        return JSONResponse(answer, headers={"Vary": "Accept"})
    return _results_page(request)


def _site(request: Request) -> Site:
    return Site(request.app.state.kg.settings.base_iri)


def _results_page(request: Request) -> Response:
    params = request.query_params
    answer, error = {"query": "", "hits": []}, None
    try:
        if "q" in params:  # a page without q is the empty search form
            answer = results.search(request.app.state.kg, _site(request), results.SearchRequest.from_params(
                params.multi_items()))
    except NewsKGError as exc:  # shown on the page, with its status, beside the search box
        if exc.status == 500:
            raise
        answer, error = {"query": params.get("q", ""), "hits": []}, exc
    response = templates.TemplateResponse(request, "search.html", {
        "answer": answer, "error": error, "lang": params.get("lang", ""), "type": params.get("type", ""),
        "search_q": params.get("q", ""), "types": results.TYPES, "langs": results.LANGS, "site": _site(request),
    }, status_code=error.status if error else 200)
    response.headers["Vary"] = "Accept"
    return response
