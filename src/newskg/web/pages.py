"""Pages for people: the query UI, Linked Data pages for every minted IRI, the article view, the ontology docs.

Minted IRIs are not documents: ``/id/...`` and ``/graph/...`` answer 303 See Other to ``/doc/...``, which gives HTML
to browsers and RDF by ``Accept`` (or a ``.ttl``/``.jsonld``/``.nt``/``.rdf``/``.trig``/``.nq``/``.html`` suffix).
Triple syntaxes carry the resource's triples in the default graph; TriG, N-Quads and JSON-LD add, each in its own
named graph, the graph the IRI names (a claim's graph) and what claim graphs say about the resource.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from newskg.web import page_data as pages_data

from newskg.core import vocab
from newskg.core.errors import NotFoundError
from newskg.core.project import find_project_dir
from newskg.sparql.cache import data_version, entity_tag
from newskg.sparql.formats import GRAPH_FORMATS, Format, negotiate
from newskg.web import openapi
from newskg.web.conditional import conditional_answer

router = APIRouter()

PACKAGE = Path(__file__).resolve().parent  # newskg/web: static/ and templates/ beside the routers
STATIC = PACKAGE / "static"
templates = Jinja2Templates(directory=str(PACKAGE / "templates"))

HTML = Format("text/html", ("html",), None, ("application/xhtml+xml",))
PAGE_FORMATS: tuple[Format, ...] = (HTML, *GRAPH_FORMATS)
SUFFIXES = {".html": "html", ".ttl": "ttl", ".nt": "nt", ".jsonld": "jsonld", ".rdf": "rdfxml", ".trig": "trig",
            ".nq": "nq"}


def _site(request: Request) -> pages_data.Site:
    return pages_data.Site(request.app.state.kg.settings.base_iri)


def _render(request: Request, name: str, **context) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context)
    response.headers["Vary"] = "Accept"
    return response


@router.get("/", summary="SPARQL query UI", response_class=HTMLResponse)
def query_ui(request: Request) -> HTMLResponse:
    """YASGUI on our endpoint, with our prefixes and the example questions."""
    kg = request.app.state.kg
    return _render(request, "ui.html", examples=pages_data.examples(find_project_dir(kg.settings)),
                   prefixes=vocab.PREFIXES, base_iri=kg.settings.base_iri,
                   articles=pages_data.articles(kg, _site(request)),
                   offline=pages_data.wikidata_offline_note(kg))


@router.get("/static/{path:path}", summary="The pages' scripts, styles and images")
def static(path: str) -> FileResponse:
    """A file shipped in the package's static folder (YASGUI, Leaflet, our CSS and JS)."""
    try:
        target = (STATIC / path).resolve()
        found = target.is_relative_to(STATIC) and target.is_file()
    except (OSError, ValueError):  # a NUL byte, a name longer than the file system allows
        found = False
    if not found:
        raise NotFoundError(f"no static file {path[:200]!r}")
    return FileResponse(target, headers={"Cache-Control": "public, max-age=3600"})


def _see_other(request: Request, path: str) -> Response:
    kg = request.app.state.kg
    site = _site(request)
    iri = site.iri_for_path(path)
    negotiate(PAGE_FORMATS, request.headers.get("accept"))  # 406 before redirecting
    if not pages_data.is_known(kg, iri):
        raise NotFoundError(f"<{iri}> is not in the store")
    return RedirectResponse(site.doc_path(iri), status_code=303, headers={"Vary": "Accept"})


@router.get("/id/{path:path}", summary="A minted resource IRI (303 to its page)")
@router.head("/id/{path:path}", summary="A minted resource IRI (303 to its page)")
def resource(request: Request, path: str) -> Response:
    """Actors, events, places, claims...: 303 See Other to the document describing them."""
    return _see_other(request, "id/" + path)


@router.get("/graph/{path:path}", summary="A named graph IRI (303 to its page)")
@router.head("/graph/{path:path}", summary="A named graph IRI (303 to its page)")
def named_graph(request: Request, path: str) -> Response:
    """A graph the dataset names: 303 See Other to the document describing it."""
    return _see_other(request, "graph/" + path)


@router.get("/doc/{path:path}", summary="The page describing a minted IRI", openapi_extra=openapi.CONDITIONAL_READ)
@router.head("/doc/{path:path}", summary="The page describing a minted IRI", openapi_extra=openapi.CONDITIONAL_READ)
def document(request: Request, path: str) -> Response:
    """HTML for browsers, Turtle/JSON-LD/N-Triples/RDF-XML/TriG/N-Quads by Accept or by suffix."""
    kg = request.app.state.kg
    site = _site(request)
    format_name = None
    suffix = Path(path).suffix
    if suffix in SUFFIXES and not pages_data.is_known(kg, site.iri_for_path(path)):
        path, format_name = path[: -len(suffix)], SUFFIXES[suffix]
    iri = site.iri_for_path(path)
    fmt = negotiate(PAGE_FORMATS, request.headers.get("accept"), format_name)
    if not pages_data.is_known(kg, iri):
        raise NotFoundError(f"<{iri}> is not in the store")
    version = data_version(kg)  # the page changes only with a write (or a restart, which new code needs)

    def produce() -> tuple[bytes, str]:
        if fmt is HTML:
            page = _render(request, "resource.html", r=pages_data.describe(kg, site, iri), site=site)
            return bytes(page.body), page.headers["content-type"]
        quads = pages_data.description_quads(kg, iri, with_graphs=fmt.engine.supports_datasets)
        return pages_data.serialize(quads, fmt.engine), fmt.content_type

    return conditional_answer(request, kg, version, entity_tag(version, "doc", iri, fmt.media_type), produce)


@router.get("/article/{slug}", summary="The article view", response_class=HTMLResponse)
def article(request: Request, slug: str) -> HTMLResponse:
    """The article's Dutch text with each claim marked, a claims table, a timeline and a map."""
    site = _site(request)
    view = pages_data.article_view(request.app.state.kg, site, site.iri_for_path("id/article/" + slug))
    if view is None:
        raise NotFoundError(f"no article {slug!r}")
    return _render(request, "article.html", a=view, site=site)


@router.get("/articles/new", summary="The new-article page", response_class=HTMLResponse)
def new_article(request: Request) -> HTMLResponse:
    """A form for an article's text and metadata, posted to /articles by the page's script (with the token)."""
    return _render(request, "new_article.html")


@router.get("/ontology", summary="The ontology (HTML docs or RDF)")
@router.head("/ontology", summary="The ontology (HTML docs or RDF)")
def ontology(request: Request) -> Response:
    """Readable documentation of the ontology for browsers; the ontology itself in RDF by Accept or `format=`."""
    kg = request.app.state.kg
    fmt = negotiate(PAGE_FORMATS, request.headers.get("accept"), request.query_params.get("format"))
    if fmt is HTML:
        # two scans of the whole default graph: computed once per data generation, not once per anonymous request
        doc = kg.memo("ontology-doc", lambda: pages_data.ontology_doc(kg, _site(request)))
        return _render(request, "ontology.html", o=doc)
    source = find_project_dir(kg.settings) / "ontology" / "newskg.ttl"
    return Response(pages_data.ontology_rdf(source, fmt.engine), media_type=fmt.content_type,
                    headers={"Vary": "Accept"})


@router.get("/ontology/{version}", summary="A version of the ontology")
@router.head("/ontology/{version}", summary="A version of the ontology")
def ontology_version(request: Request, version: str) -> Response:
    """The version IRI: the same documents as /ontology while only the current version is served."""
    if vocab.ONTOLOGY_IRI + "/" + version not in pages_data.ontology_versions(request.app.state.kg):
        raise NotFoundError(f"no ontology version {version!r}")
    return ontology(request)

