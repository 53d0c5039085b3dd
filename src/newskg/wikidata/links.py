"""Linking entities to Wikidata: who is not linked yet, candidates from the live services, and a gated write.

The entities are those the "not yet linked" question lists (queries/examples/14-not-yet-linked.rq), or named ones.
Candidates come from wbsearchentities (by the English label) and are confirmed on the query service (label,
description, P31). A chosen link is written as an assertion through the SHACL gate, with a provenance note: a
`nkg:WikidataLookup` activity with the search text, both endpoints and the time, so the QID is on record as
"looked up live by the project's own command" (modeling.md §4).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.errors import BadRequestError, NotFoundError
from newskg.sparql import terms
from newskg.wikidata.client import SearchHit, WikidataClient

QID = re.compile(r"^Q[1-9][0-9]*$")
LOOKUP_BASE = vocab.RESOURCE_BASE + "wikidata-lookup/"
WIKIBASE = "http://wikiba.se/ontology#"
SCHEMA_DESCRIPTION = vocab.SCHEMA + "description"


@dataclass
class Candidate:
    """A Wikidata item that may denote an entity: from the search, confirmed (or not) by the query service."""

    qid: str
    label: str
    description: str
    instance_of: list[tuple[str, str]] = field(default_factory=list)  # (QID, label)
    confirmed: bool = False


@dataclass
class Unlinked:
    """An entity without a Wikidata link, what was searched for it, and the candidates found."""

    iri: str
    label: str
    kind: str
    search: str = ""
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.iri.rsplit("/", 1)[-1]


def not_yet_linked_query(project: Path) -> str:
    return (project / "queries" / "examples" / "14-not-yet-linked.rq").read_text(encoding="utf-8")


def unlinked_entities(kg, project: Path) -> list[Unlinked]:
    """The actors and places a claim mentions that have no nkg:wikidata link (question 14)."""
    rows = kg.query(not_yet_linked_query(project)).rows()
    return [
        Unlinked(row["entity"].value, row["entityLabel"].value if "entityLabel" in row else "", row["kind"].value)
        for row in rows
    ]


def named_entity(kg, iri: str) -> Unlinked:
    """Any resource by IRI (an event, say), with its English label; refused when already linked or a group."""
    rows = kg.query(
        f"SELECT ?e ?label ?item ?group WHERE {{ OPTIONAL {{ ?e <{vocab.RDFS}label> ?label "
        f"FILTER(LANGMATCHES(LANG(?label), 'en')) }} OPTIONAL {{ ?e <{vocab.NKG}wikidata> ?item }} "
        f"OPTIONAL {{ ?e a ?group FILTER(?group = <{vocab.NKG}Group>) }} }}",
        bindings={"e": terms.iri(iri, "the entity")},
    ).rows()
    row = rows[0] if rows else {}
    if "label" not in row:
        raise NotFoundError(f"no resource <{iri}> with an English label in the store")
    if "group" in row:
        raise BadRequestError(f"<{iri}> is an unnamed group (nkg:Group): groups are never linked to Wikidata")
    if "item" in row:
        raise BadRequestError(f"<{iri}> is already linked to {row['item'].value}")
    return Unlinked(iri, row["label"].value, "named")


def search_text(label: str) -> str:
    """What to search for: the label without a parenthesised remark ("Kazakh state media" from "... (X)")."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", label).strip() or label


_CONFIRM = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
SELECT ?item ?label ?description ?class ?classLabel WHERE {
  VALUES ?item { %s }
  OPTIONAL { ?item rdfs:label ?label FILTER(LANG(?label) = "en") }
  OPTIONAL { ?item schema:description ?description FILTER(LANG(?description) = "en") }
  OPTIONAL { ?item wdt:P31 ?class OPTIONAL { ?class rdfs:label ?classLabel FILTER(LANG(?classLabel) = "en") } }
}"""


def confirm(client: WikidataClient, qids: list[str]) -> dict[str, Candidate]:
    """Label, description and P31 of each QID from the query service; items it does not know are left out."""
    qids = [q for q in qids if QID.fullmatch(q)]  # the search's answer is not trusted to hold item ids only
    if not qids:
        return {}
    answer = client.sparql(_CONFIRM % terms.iri_list(vocab.WD + q for q in qids))
    found: dict[str, Candidate] = {}
    for b in answer.bindings:
        qid = b["item"]["value"].rsplit("/", 1)[-1]
        label = b.get("label", {}).get("value", "")
        description = b.get("description", {}).get("value", "")
        if not (label or description or "class" in b):
            continue
        c = found.setdefault(qid, Candidate(qid, label, description, confirmed=True))
        if "class" in b:
            pair = (b["class"]["value"].rsplit("/", 1)[-1], b.get("classLabel", {}).get("value", ""))
            if pair not in c.instance_of:
                c.instance_of.append(pair)
    return found


def find_candidates(client: WikidataClient, entity: Unlinked, *, limit: int = 5) -> Unlinked:
    """Search by label, then confirm the hits on the query service (label, description, P31)."""
    entity.search = search_text(entity.label)
    hits: list[SearchHit] = client.search(entity.search, limit=limit) if entity.search else []
    confirmed = confirm(client, [h.qid for h in hits])
    entity.candidates = []
    for hit in hits:
        c = confirmed.get(hit.qid) or Candidate(hit.qid, hit.label, hit.description)
        c.label = c.label or hit.label
        c.description = c.description or hit.description
        entity.candidates.append(c)
    return entity


def describe(entity: Unlinked) -> str:
    """The entity and its candidates, numbered, for the terminal."""
    lines = [f"{entity.slug}  <{entity.iri}>  {entity.label!r} ({entity.kind}); searched {entity.search!r}"]
    if not entity.candidates:
        lines.append("    no candidates")
    for n, c in enumerate(entity.candidates, 1):
        classes = ", ".join(f"{q} {lbl}".strip() for q, lbl in c.instance_of) or "-"
        mark = "" if c.confirmed else "  (not confirmed by the query service)"
        lines.append(f"    [{n}] {c.qid}  {c.label} - {c.description or 'no description'}  (P31: {classes}){mark}")
    return "\n".join(lines)


def _lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    return terms.text(terms.literal(text, language=lang, datatype=datatype))


def link_content(
    entity: Unlinked, candidate: Candidate, *, api: str, sparql: str, how: str, when: str
) -> str:
    """N-Triples of the link and its provenance note (the look-up activity)."""
    digest = hashlib.sha256(f"{entity.iri} {candidate.qid} {when}".encode()).hexdigest()[:20]
    lookup = terms.iri_text(LOOKUP_BASE + digest)
    item = terms.iri_text(vocab.WD + candidate.qid, "the Wikidata item")
    subject = terms.iri_text(entity.iri, "the entity")
    api, sparql = terms.iri_text(api, "the search endpoint"), terms.iri_text(sparql, "the query service")
    N, P, R = vocab.NKG, vocab.PROV, vocab.RDFS
    note = (
        f"Looked up live by `newskg wikidata link`, the project's own Wikidata command ({how}). "
        f"Wikidata's label: {candidate.label!r}; description: {candidate.description!r}; "
        f"P31: {', '.join(q for q, _ in candidate.instance_of) or 'none seen'}."
    )
    triples = [
        f"{subject} <{N}wikidata> {item} .",
        f"{subject} <{N}linkFoundBy> {lookup} .",
        f"{lookup} <{vocab.RDF}type> <{N}WikidataLookup> .",
        f"{lookup} <{R}label> {_lit(f'Wikidata look-up for {entity.label}', 'en')} .",
        f"{lookup} <{R}comment> {_lit(note, 'en')} .",
        f"{lookup} <{N}searchQuery> {_lit(entity.search)} .",
        f"{lookup} <{N}searchEndpoint> {api} .",
        f"{lookup} <{N}confirmEndpoint> {sparql} .",
        f"{lookup} <{N}chosenItem> {item} .",
        f"{lookup} <{P}startedAtTime> {_lit(when, datatype=vocab.XSD + 'dateTime')} .",
    ]
    return "\n".join(triples) + "\n"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def write_link(kg, entity: Unlinked, candidate: Candidate, client: WikidataClient, submitter: str, *,
               how: str, when: str | None = None):
    """Write `entity nkg:wikidata candidate` with its provenance through the SHACL gate (an assertion)."""
    if not QID.fullmatch(candidate.qid):
        raise BadRequestError(f"{candidate.qid!r} is not an item id (Q<number>)")
    content = link_content(entity, candidate, api=client.api_url, sparql=client.sparql_url, how=how,
                           when=when or now())
    return kg.gate.submit(content.encode(), ox.RdfFormat.N_TRIPLES, submitter)


def resolve_choice(entities: list[Unlinked], key: str) -> Unlinked:
    """The entity a `--choose KEY=QID` names: by IRI or by the last segment of its IRI."""
    for entity in entities:
        if key in (entity.iri, entity.slug):
            return entity
    known = ", ".join(e.slug for e in entities) or "(none)"
    raise BadRequestError(f"--choose names {key!r}, which is not among the entities looked up: {known}")
