"""/articles, /claims and /actors: add an article and its claims as JSON, without writing RDF."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from newskg.ingest import actors, intake
from newskg.web.auth import require_writer
from newskg.web.body import read_body

router = APIRouter()


def _json(request: Request, body: bytes) -> dict:
    return intake.parse_json(body, request.headers.get("content-type"))


@router.post("/articles", summary="Add an article from its text and metadata (token)")
def add_article(request: Request, writer: str = Depends(require_writer), body: bytes = Depends(read_body)) -> Response:
    """201 {"iri", "assertion"}; 400 with errors for bad fields, 409 if stored already, 422 with the SHACL report."""
    fields = intake.article_fields(_json(request, body))
    iri, outcome = intake.add_article(request.app.state.kg, fields, writer)
    return JSONResponse({"iri": iri, "assertion": outcome.record.to_json()}, status_code=201)


@router.post("/articles/validate", summary="What adding an article would write, and its SHACL report")
def check_article(request: Request, body: bytes = Depends(read_body)) -> Response:
    """200 {"iri", "conforms", "results", "errors", "trig", "minted"}; nothing is written."""
    iri, checked = intake.check_article(request.app.state.kg, intake.article_fields(_json(request, body)))
    return JSONResponse({"iri": iri, **checked.to_json()})


@router.post("/claims/validate", summary="Check a sheet of claims without writing it")
def check_claims(request: Request, body: bytes = Depends(read_body)) -> Response:
    """200 {"conforms", "results", "errors": [{"row", "column", "message"}], "trig", "claims"}; nothing is written."""
    article, rows = intake.claims_request(_json(request, body))
    claims, checked = intake.check_claims(request.app.state.kg, article, rows)
    return JSONResponse({**checked.to_json(), "claims": claims})


@router.post("/claims", summary="Add a sheet of claims to an article, all or nothing (token)")
def add_claims(request: Request, writer: str = Depends(require_writer), body: bytes = Depends(read_body)) -> Response:
    """201 {"claims", "assertion"}; 400 with the rows' errors, 404 for an unknown article, 422 with the SHACL report."""
    article, rows = intake.claims_request(_json(request, body))
    claims, outcome = intake.add_claims(request.app.state.kg, article, rows, writer)
    return JSONResponse({"claims": claims, "assertion": outcome.record.to_json()}, status_code=201)


@router.get("/actors", summary="Actors best matching a label (any language), IRI or QID")
def find_actors(request: Request, q: str = Query("", max_length=500), limit: int = Query(10, ge=1, le=100)) -> Response:
    """[{"iri", "label", "qid", "type"}], best matches first."""
    found = actors.search(request.app.state.kg, q, limit)
    return JSONResponse([candidate.to_json() for candidate in found])
