"""The ingest jobs the CLI and the HTTP API share: add or check an article, add or check a sheet of claims."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from newskg.core.errors import IngestError, UnsupportedMediaTypeError
from newskg.ingest import article as articles
from newskg.ingest import claims as sheets
from newskg.ingest.draft import Draft, check, submit

ARTICLE_FIELDS = ("text", "url", "title", "publisher", "date", "lang")


@dataclass
class Checked:
    """A dry run: the TriG that would be written, the SHACL outcome, and the problems found in the input."""

    trig: str
    conforms: bool
    results: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    minted: list = field(default_factory=list)

    def to_json(self) -> dict:
        """{"conforms", "results", "errors", "trig", "minted"}."""
        return {"conforms": self.conforms, "results": [r.to_json() for r in self.results], "errors": self.errors,
                "trig": self.trig, "minted": self.minted}


def _checked(kg, draft: Draft) -> Checked:
    outcome = check(kg, draft) if draft.quads else None
    conforms = not draft.errors and outcome is not None and outcome.conforms
    return Checked(draft.trig(), conforms, outcome.results if outcome else [], draft.errors, draft.minted)


def parse_json(body: bytes, content_type: str | None) -> dict:
    """A JSON object from a request body (415 for another media type, 400 for anything but an object)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaTypeError(f"send application/json, not {media_type[:100]!r}")
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than the parser's stack
        raise IngestError.at(f"the body is not JSON: {str(exc)[:200]}") from None
    if not isinstance(value, dict):
        raise IngestError.at("the body must be a JSON object")
    return value


def article_fields(value: dict) -> articles.ArticleFields:
    """ArticleFields from a JSON object with text, url, title, publisher, date and lang (all text)."""
    problems = [{"row": None, "column": name, "message": "required, as text"}
                for name in ARTICLE_FIELDS if not isinstance(value.get(name), str)
                and not (name == "text" and name in value and value[name] is None)]  # null: a cited report
    if problems:
        raise IngestError(f"the article needs {', '.join(p['column'] for p in problems)} (text)", errors=problems)
    if value["text"] is None:
        return articles.ArticleFields(None, *(value[name] for name in ARTICLE_FIELDS[1:]))
    try:
        text = value["text"].encode("utf-8")
    except UnicodeEncodeError:
        raise IngestError.at("the text holds a lone surrogate: it is not Unicode text", column="text") from None
    return articles.ArticleFields(text, *(value[name] for name in ARTICLE_FIELDS[1:]))


def claims_request(value: dict) -> tuple[str, list]:
    """(article IRI, rows) from a JSON object {"article": IRI, "claims": [rows]}."""
    if not isinstance(value.get("article"), str):
        raise IngestError.at("required: the article's IRI, as text", column="article")
    if not isinstance(value.get("claims"), list):
        raise IngestError.at("required: a list of rows (objects of column names to values)", column="claims")
    return value["article"], value["claims"]


def add_article(kg, fields: articles.ArticleFields, writer: str):
    """Write a new article through the gate: (its IRI, the gate's outcome)."""
    iri, draft = articles.build(kg, fields)
    return iri, submit(kg, draft, writer)


def check_article(kg, fields: articles.ArticleFields) -> tuple[str | None, Checked]:
    """What adding the article would write, and its SHACL report; nothing is written."""
    try:
        iri, draft = articles.build(kg, fields)
    except IngestError as exc:
        return None, Checked("", False, errors=exc.errors)
    return iri, _checked(kg, draft)


def add_claims(kg, article_iri: str, rows: list, writer: str):
    """Write a sheet's claims through the gate as one assertion, all or nothing: (claim IRIs, the gate's outcome)."""
    claims, draft = sheets.build(kg, article_iri, rows, kg.settings.max_sheet_rows)
    return claims, submit(kg, draft, writer)


def check_claims(kg, article_iri: str, rows: list) -> tuple[list[str], Checked]:
    """What the sheet would write, its SHACL report and the problems of its rows; nothing is written."""
    claims, draft = sheets.build(kg, article_iri, rows, kg.settings.max_sheet_rows)
    return claims, _checked(kg, draft)
