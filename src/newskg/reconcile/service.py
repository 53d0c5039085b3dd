"""The Reconciliation Service API 0.2: the manifest, query batches, suggest for entities and types, and the data
of an entity's preview (https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/).

Everything here takes plain values (the batch's JSON text, a prefix, an id) and returns plain JSON-ready values;
bad input is a 400 (or 413 for a text past its size), never a 500. Request text never reaches SPARQL: matching
runs over the index (``matching.py``), read from the store with fixed queries.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from newskg import __version__
from newskg.core.errors import BadRequestError, NotFoundError, PayloadTooLargeError
from newskg.reconcile.matching import KINDS, Candidate, Entry, Index, index_of, qid_of

MAX_BATCH = 100  # queries in one batch (also the manifest's batchSize)
MAX_TEXT_CHARS = 300  # a query string, a type id, a property value, a batch key, a suggest prefix, an id
MAX_LIMIT = 100  # candidates per query, suggestions per page
DEFAULT_LIMIT = 10
MAX_PROPERTIES = 10  # property constraints in one query
MAX_VALUES = 20  # values of one property constraint, types of one query
MAX_QUERIES_CHARS = 256 * 1024  # the `queries` JSON text
MAX_JSON_DEPTH = 8  # the deepest a valid batch nests is 6 (batch, query, properties, constraint, values, entity)
MAX_CURSOR = 10_000
PREVIEW_WIDTH, PREVIEW_HEIGHT = 430, 140
WIKIDATA_PROPERTIES = {"wikidata", "nkg:wikidata", "https://w3id.org/newskg/ontology#wikidata"}
QUERY_KEYS = {"query", "type", "limit", "properties", "type_strict"}
DIGITS = re.compile(r"[0-9]{1,9}")
CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,63}(?:\.[A-Za-z_$][A-Za-z0-9_$]{0,63}){0,4}")


def _text(value: object, what: str, *, empty: bool = False) -> str:
    """A string field of the request, checked for type and size."""
    if not isinstance(value, str):
        raise BadRequestError(f"{what} must be a string")
    if len(value) > MAX_TEXT_CHARS:
        raise BadRequestError(f"{what} is longer than {MAX_TEXT_CHARS} characters ({len(value)})")
    if not empty and not value.strip():
        raise BadRequestError(f"{what} must not be empty")
    return value


def _positive(value: object, what: str, maximum: int) -> int:
    """A positive integer field (an integral JSON number or a decimal string), at most `maximum`."""
    if isinstance(value, str) and DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadRequestError(f"{what} must be a positive integer")
    if value > maximum:
        raise BadRequestError(f"{what} must be at most {maximum}")
    return int(value)


def check_depth(text: str, maximum: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than `maximum` before any parser recurses into it."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > maximum:
                raise BadRequestError(f"the JSON is nested deeper than {maximum} levels")
        elif char in "]}":
            depth -= 1


def parse_json(text: str, what: str) -> object:
    """JSON text from a request: size and nesting checked first, then parsed; 400 when it is not JSON."""
    if len(text) > MAX_QUERIES_CHARS:
        raise PayloadTooLargeError(f"{what} is longer than {MAX_QUERIES_CHARS} characters ({len(text)})")
    check_depth(text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadRequestError(f"{what} is not valid JSON: {str(exc)[:200]}") from None


def checked_callback(callback: str | None) -> str | None:
    """A JSONP callback name: a JavaScript identifier path (a.b.c), or 400."""
    if callback is None:
        return None
    if not CALLBACK.fullmatch(callback):
        raise BadRequestError("callback must be a JavaScript identifier (letters, digits, _ and $, dot-separated)")
    return callback


def jsonp(callback: str, payload: object) -> str:
    """The JSONP body: the callback applied to the JSON (``/**/`` first, so no response starts with its name)."""
    body = json.dumps(payload, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"/**/{callback}({body});"


# --- the manifest --------------------------------------------------------------------------------------
def manifest(kg, root: str) -> dict:
    """The service manifest; `root` is this server's URL ending in "/" (the suggest, preview and view URLs)."""
    index = index_of(kg)
    service = root.rstrip("/")
    return {
        "versions": ["0.2"],
        "name": "newskg: actors, places, events and claims in the news",
        "identifierSpace": index.identifier_space,
        "schemaSpace": index.schema_space,
        "documentation": root + "ontology",
        "serviceVersion": __version__,
        "batchSize": MAX_BATCH,
        "defaultTypes": [index.type_ref(index.schema_space + kind) for kind in KINDS],
        "view": {"url": root + "id/{{id}}"},
        "preview": {"url": root + "reconcile/preview?id={{id}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": {
            "entity": {"service_url": service, "service_path": "/reconcile/suggest/entity"},
            "type": {"service_url": service, "service_path": "/reconcile/suggest/type"},
        },
    }


# --- queries ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked."""

    text: str | None
    types: tuple[str, ...]  # class IRIs; () when none was given
    unknown_types: bool  # a type was given that the index does not know: no candidate can have it
    all_types: bool  # type_strict "all"
    limit: int
    qids: frozenset[str] | None  # the `wikidata` property's values, when given


def parse_query(index: Index, key: str, raw: object) -> Query:
    """A query object of a batch, checked against the 0.2 schema and our limits."""
    where = f"query {key[:40]!r}"
    if not isinstance(raw, dict):
        raise BadRequestError(f"{where} must be a JSON object")
    unknown = set(raw) - QUERY_KEYS
    if unknown:
        raise BadRequestError(f"{where} has unknown fields: {', '.join(sorted(repr(k[:40]) for k in unknown))}")
    text = _text(raw["query"], f"{where}: 'query'") if "query" in raw else None
    qids = _wikidata_values(raw["properties"], where) if "properties" in raw else None
    if text is None and not raw.get("properties"):
        raise BadRequestError(f"{where} needs a 'query' string or 'properties'")
    types_raw = raw.get("type", [])
    if isinstance(types_raw, str):
        types_raw = [types_raw]
    if not isinstance(types_raw, list) or len(types_raw) > MAX_VALUES:
        raise BadRequestError(f"{where}: 'type' must be a type id or a list of at most {MAX_VALUES} of them")
    type_ids = [_text(t, f"{where}: a type") for t in types_raw]
    types = tuple(iri for iri in (index.type_iri(t) for t in type_ids) if iri)
    strict = raw.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise BadRequestError(f"{where}: 'type_strict' must be \"any\", \"should\" or \"all\"")
    limit = _positive(raw["limit"], f"{where}: 'limit'", MAX_LIMIT) if "limit" in raw else DEFAULT_LIMIT
    return Query(text, types, len(types) < len(type_ids), strict == "all", limit, qids)


def _wikidata_values(properties: object, where: str) -> frozenset[str]:
    """The QIDs of the `wikidata` property constraints (the one property this service matches on)."""
    if not isinstance(properties, list) or len(properties) > MAX_PROPERTIES:
        raise BadRequestError(f"{where}: 'properties' must be a list of at most {MAX_PROPERTIES} objects")
    qids: set[str] = set()
    for constraint in properties:
        if not isinstance(constraint, dict) or set(constraint) - {"pid", "v"} or not {"pid", "v"} <= set(constraint):
            raise BadRequestError(f"{where}: each property must be an object with 'pid' and 'v'")
        pid = _text(constraint["pid"], f"{where}: a property's 'pid'")
        if pid.strip() not in WIKIDATA_PROPERTIES:
            raise BadRequestError(f"{where}: unknown property {pid[:40]!r}; this service matches on 'wikidata' only")
        values = constraint["v"] if isinstance(constraint["v"], list) else [constraint["v"]]
        if len(values) > MAX_VALUES:
            raise BadRequestError(f"{where}: a property has more than {MAX_VALUES} values")
        for value in values:
            if isinstance(value, dict):
                if set(value) - {"id", "name"} or "id" not in value:
                    raise BadRequestError(f"{where}: an entity value must be an object with 'id' (and 'name')")
                value = value["id"]
            qid = qid_of(_text(value, f"{where}: a 'wikidata' value"))
            if qid is None:
                raise BadRequestError(f"{where}: a 'wikidata' value must be a QID such as Q232, got {value[:40]!r}")
            qids.add(qid)
    return frozenset(qids)


def parse_batch(index: Index, text: str) -> dict[str, Query]:
    """The `queries` parameter: a JSON object of at most MAX_BATCH queries by key."""
    batch = parse_json(text, "'queries'")
    if not isinstance(batch, dict):
        raise BadRequestError("'queries' must be a JSON object of queries by key")
    if len(batch) > MAX_BATCH:
        raise BadRequestError(f"a batch holds at most {MAX_BATCH} queries, got {len(batch)}")
    for key in batch:
        _text(key, "a query key", empty=True)
    return {key: parse_query(index, key, raw) for key, raw in batch.items()}


def _wanted(index: Index, query: Query, entry: Entry) -> bool:
    if query.unknown_types and not query.types:
        return False
    if query.types:
        test = all if query.all_types else any
        if not test(index.has_type(entry, t) for t in query.types):
            return False
    return query.qids is None or bool(entry.qids & query.qids)


def candidate_json(index: Index, candidate: Candidate, match: bool) -> dict:
    """A reconciliation candidate: id, name, description, type, score, features, match."""
    entry = candidate.entry
    return {
        "id": entry.id,
        "name": entry.name(),
        "description": entry.description,
        "type": [index.type_ref(t) for t in index.entry_types(entry)],
        "score": candidate.score,
        "features": [{"id": "name_score", "value": candidate.score},
                     {"id": "exact_name", "value": candidate.exact},
                     {"id": "wikidata_match", "value": candidate.by_qid}],
        "match": match,
    }


def reconcile_one(index: Index, query: Query) -> list[dict]:
    """The candidates of one query, best first; `match` on the best when it alone is certain (the QID, the id,
    or the only name equal to the query once accents, case and punctuation are set aside)."""
    if query.text is not None:
        found = [c for c in index.candidates(query.text) if _wanted(index, query, c.entry)]
    else:  # properties only: the entries with the QIDs
        found = [Candidate(e, 100.0, False, True) for e in index.entries if _wanted(index, query, e)]
        found.sort(key=lambda c: (c.entry.name().casefold(), c.entry.id))
    if query.qids is not None:
        found = [Candidate(c.entry, c.score, c.exact, True) for c in found]
    certain = [c for c in found if c.exact or c.by_qid]
    results = []
    for candidate in found[:query.limit]:
        match = len(certain) == 1 and candidate is certain[0] and candidate is found[0]
        results.append(candidate_json(index, candidate, match))
    return results


def reconcile(kg, queries_text: str) -> dict:
    """A result batch for the `queries` parameter's JSON text."""
    index = index_of(kg)
    batch = parse_batch(index, queries_text)
    return {key: {"result": reconcile_one(index, query)} for key, query in batch.items()}


# --- suggest ---------------------------------------------------------------------------------------------
def _page(items: list, cursor: object, limit: object) -> list:
    """One page of suggestions: `cursor` (how many to skip, 0 or more) and `limit` (at most MAX_LIMIT)."""
    start = 0
    if cursor not in (None, ""):
        text = cursor.strip() if isinstance(cursor, str) else ""
        if not DIGITS.fullmatch(text) or int(text) > MAX_CURSOR:
            raise BadRequestError(f"cursor must be an integer from 0 to {MAX_CURSOR}")
        start = int(text)
    size = DEFAULT_LIMIT if limit in (None, "") else _positive(limit, "limit", MAX_LIMIT)
    return items[start:start + size]


def suggest_entities(kg, prefix: str, cursor: object = None, limit: object = None) -> dict:
    """Entities a name of which (or a word of it) starts with `prefix`, or named by id or QID."""
    index = index_of(kg)
    entries = index.prefixed(_text(prefix, "prefix", empty=True))
    return {"result": [{"id": e.id, "name": e.name(), "description": e.description,
                        "notable": [index.type_ref(t) for t in index.entry_types(e)]}
                       for e in _page(entries, cursor, limit)]}


def suggest_types(kg, prefix: str, cursor: object = None, limit: object = None) -> dict:
    """The classes whose name (or id) starts with `prefix`."""
    index = index_of(kg)
    found = index.prefixed_types(_text(prefix, "prefix", empty=True))
    result = []
    for info in _page(found, cursor, limit):
        item = {"id": info.id, "name": info.name}
        if info.description:
            item["description"] = info.description
        if info.broader:
            item["broader"] = [index.type_ref(b) for b in info.broader]
        result.append(item)
    return {"result": result}


# --- preview ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Preview:
    """What an entity's preview shows."""

    id: str
    iri: str
    name: str
    description: str
    types: list[str]
    other_names: list[tuple[str, str]]  # (text, language)
    qids: list[str]


def preview(kg, entity_id: str) -> Preview:
    """The preview data of an entity by id (or IRI); 404 when the index has no such entity."""
    index = index_of(kg)
    entry = index.lookup(_text(entity_id, "id"))
    if entry is None:
        raise NotFoundError(f"no entity {entity_id[:80]!r} to reconcile against")
    name = entry.name()
    others = [(n.text, n.language) for n in entry.names if n.text != name][:6]
    return Preview(entry.id, entry.iri, name, entry.description,
                   [index.type_ref(t)["name"] for t in index.entry_types(entry)], others, sorted(entry.qids))
