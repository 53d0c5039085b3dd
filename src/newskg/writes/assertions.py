"""SHACL-gated intake of assertions, with provenance, deduplication and retraction.

An assertion is a submitted RDF dataset. Its blank nodes are first given stable well-known IRIs (after RDFC-1.0
canonicalisation), so that the same content always has the same hash and identifier, and so that it can later be
deleted exactly. It is validated in context (see `context.py`) and checked for OWL 2 RL consistency; only if both
pass is it written, in one transaction, together with its provenance record (who, when, which shapes, content hash,
the content itself as N-Quads) in the graph `…/graph/assertions`, and its entailments in `…/graph/inferred`.
Retracting removes what it added from the live graphs, and records who retracted it and when (PROV invalidation);
the record and its content stay for history, as a literal that graph patterns over the live data do not match.
"""

from __future__ import annotations

from urllib.parse import quote

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.errors import NotFoundError, ShaclViolationError
from newskg.core.rdfio import parse_quads, quads_as_insert_data
from newskg.sparql import terms
from newskg.writes.candidate import ASSERTION_BASE, Candidate, nquad

ASSERTIONS_GRAPH = vocab.GRAPH_BASE + "assertions"
AGENT_BASE = vocab.RESOURCE_BASE + "agent/"
GENID_BASE = vocab.RESOURCE_BASE + ".well-known/genid/"
XSD_DATETIME = ox.NamedNode(vocab.XSD + "dateTime")
XSD_INTEGER = ox.NamedNode(vocab.XSD + "integer")
ASSERTION_ID = re.compile(r"[0-9a-f]{24}")  # what `prepare` mints: the first 24 hex digits of the content hash


def prepare(data: bytes, rdf_format, *, base_iri: str | None = None) -> Candidate:
    """Parse a submission, canonicalise its blank nodes and give them stable IRIs; hash the result."""
    dataset = ox.Dataset(parse_quads(data, rdf_format, base_iri=base_iri))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    canonical = sorted(nquad(q) for q in dataset)
    digest = hashlib.sha256("".join(canonical).encode()).hexdigest()
    assertion_id = digest[:24]

    def skolem(term):
        if isinstance(term, ox.BlankNode):
            return ox.NamedNode(f"{GENID_BASE}{assertion_id}/{term.value}")
        return term

    quads = sorted(
        (ox.Quad(skolem(q.subject), q.predicate, skolem(q.object), q.graph_name) for q in dataset),
        key=nquad,
    )
    return Candidate.from_quads(quads, "sha256:" + digest, assertion_id)


@dataclass
class AssertionRecord:
    """What the store knows about one assertion."""

    iri: str
    assertion_id: str
    submitter: str
    generated_at: str
    content_hash: str
    shapes_version: str
    triple_count: int
    graphs: list[str]
    content: str
    invalidated_at: str | None = None
    invalidated_by: str | None = None

    @property
    def status(self) -> str:
        return "retracted" if self.invalidated_at else "active"

    def to_json(self) -> dict:
        return {
            "id": self.assertion_id,
            "iri": self.iri,
            "status": self.status,
            "submitter": self.submitter,
            "generatedAtTime": self.generated_at,
            "contentHash": self.content_hash,
            "shapesVersion": self.shapes_version,
            "tripleCount": self.triple_count,
            "graphs": self.graphs,
            "invalidatedAtTime": self.invalidated_at,
            "invalidatedBy": self.invalidated_by,
        }


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def agent_iri(submitter: str) -> str:
    """The PROV agent standing for a writer identity (a digest of its token, never the token)."""
    return AGENT_BASE + quote(submitter.replace(":", "-"), safe="-._~")  # a CLI user name may hold spaces


def record_insert(candidate: Candidate, submitter: str, shapes_version: str, when: str) -> str:
    """The INSERT DATA block (without the keyword) that stores the candidate's provenance record."""
    a, agent = ox.NamedNode(candidate.iri), ox.NamedNode(agent_iri(submitter))
    N, P = vocab.NKG, vocab.PROV
    lines = [
        f"{a} a <{N}Assertion> , <{P}Entity> .",
        f"{a} <{P}wasAttributedTo> {agent} .",
        f"{a} <{P}generatedAtTime> {ox.Literal(when, datatype=XSD_DATETIME)} .",
        f"{a} <{N}contentHash> {ox.Literal(candidate.content_hash)} .",
        f"{a} <{N}shapesVersion> {ox.Literal(shapes_version)} .",
        f"{a} <{N}tripleCount> {ox.Literal(str(candidate.quad_count), datatype=XSD_INTEGER)} .",
        f"{a} <{N}content> {ox.Literal(candidate.nquads)} .",
        f"{agent} a <{P}Agent> .",
        f"{agent} <{vocab.RDFS}label> {ox.Literal('writer ' + submitter)} .",
    ]
    lines += [f"{a} <{N}assertsGraph> {terms.iri_text(g, 'a graph of the assertion')} ." for g in candidate.graphs()]
    return f"GRAPH <{ASSERTIONS_GRAPH}> {{\n" + "\n".join(lines) + "\n}"


def write_update(candidate: Candidate, submitter: str, shapes_version: str, entailed: list, when: str) -> str:
    """One SPARQL update (one transaction) that stores content, provenance and entailments together.

    `entailed` holds pyoxigraph triples (or (s, p, o) tuples of pyoxigraph terms), written as the reasoner gave them.
    """
    inferred = ""
    if entailed:
        inferred = f"\nGRAPH <{vocab.INFERRED_GRAPH}> {{\n" + "\n".join(
            " ".join(terms.text(term) for term in triple) + " ." for triple in entailed) + "\n}"
    return (
        "INSERT DATA {\n"
        + quads_as_insert_data(candidate.quads)
        + "\n"
        + record_insert(candidate, submitter, shapes_version, when)
        + inferred
        + "\n}"
    )


_RECORD_QUERY = f"""
SELECT ?a ?submitter ?at ?hash ?shapes ?count ?content ?invalidatedAt ?invalidator ?g
WHERE {{ GRAPH <{ASSERTIONS_GRAPH}> {{
    ?a <{vocab.PROV}wasAttributedTo> ?submitter ; <{vocab.PROV}generatedAtTime> ?at ;
       <{vocab.NKG}contentHash> ?hash ; <{vocab.NKG}shapesVersion> ?shapes ;
       <{vocab.NKG}tripleCount> ?count ; <{vocab.NKG}content> ?content .
    OPTIONAL {{ ?a <{vocab.NKG}assertsGraph> ?g }}
    OPTIONAL {{ ?a <{vocab.PROV}invalidatedAtTime> ?invalidatedAt ;
                   <{vocab.PROV}wasInvalidatedBy>/<{vocab.PROV}wasAssociatedWith> ?invalidator }}
}} }}
"""


def checked_id(assertion_id: str) -> str:
    """`assertion_id` if it has the form `prepare` mints (24 lowercase hex digits); a 404 if not."""
    if not ASSERTION_ID.fullmatch(assertion_id):
        raise NotFoundError(f"no assertion {assertion_id[:100]!r}: an assertion id is 24 lowercase hex digits")
    return assertion_id


def read_record(store, assertion_id: str) -> AssertionRecord | None:
    """The provenance record of an assertion, or None (also for an id `prepare` could not have minted)."""
    if not ASSERTION_ID.fullmatch(assertion_id):
        return None
    iri = ASSERTION_BASE + assertion_id
    rows = store.query(_RECORD_QUERY, bindings={"a": terms.iri(iri, "the assertion")}).rows()
    if not rows:
        return None
    row = rows[0]
    value = lambda name: row[name].value if name in row else None  # noqa: E731
    return AssertionRecord(
        iri=iri,
        assertion_id=assertion_id,
        submitter=value("submitter"),
        generated_at=value("at"),
        content_hash=value("hash"),
        shapes_version=value("shapes"),
        triple_count=int(value("count")),
        graphs=sorted({r["g"].value for r in rows if "g" in r}),
        content=value("content"),
        invalidated_at=value("invalidatedAt"),
        invalidated_by=value("invalidator"),
    )


def retraction_update(record: AssertionRecord, still_asserted: set[str], retractor: str, when: str) -> str:
    """One SPARQL update that removes what the assertion added and records its invalidation."""
    quads = list(ox.parse(record.content, ox.RdfFormat.N_QUADS))
    removable = [
        q for q in quads if isinstance(q.graph_name, ox.DefaultGraph) and nquad(q) not in still_asserted
    ]
    assertion, activity = terms.iri(record.iri, "the assertion"), ox.NamedNode(record.iri + "/retraction")
    agent = ox.NamedNode(agent_iri(retractor))
    P = vocab.PROV
    parts = []
    if removable:
        parts.append("DELETE DATA {\n" + quads_as_insert_data(removable) + "\n}")
    parts += [f"DROP SILENT {terms.graph_target(g, 'a graph of the assertion')}" for g in record.graphs]
    stamp = ox.Literal(when, datatype=XSD_DATETIME)
    parts.append(
        f"INSERT DATA {{ GRAPH <{ASSERTIONS_GRAPH}> {{\n"
        f"{assertion} <{P}wasInvalidatedBy> {activity} ; <{P}invalidatedAtTime> {stamp} .\n"
        f"{activity} a <{P}Activity> ; <{P}wasAssociatedWith> {agent} ; <{P}atTime> {stamp} .\n"
        f"{agent} a <{P}Agent> .\n}} }}"
    )
    return " ;\n".join(parts)


def lines_still_asserted(store, record: AssertionRecord) -> set[str]:
    """N-Quads lines of this record that another active assertion also asserts."""
    others = store.query(
        f"""SELECT ?mine ?content WHERE {{ GRAPH <{ASSERTIONS_GRAPH}> {{
            ?a <{vocab.NKG}content> ?content . FILTER(?a != ?mine)
            FILTER NOT EXISTS {{ ?a <{vocab.PROV}invalidatedAtTime> ?t }} }} }}""",
        bindings={"mine": terms.iri(record.iri, "the assertion")},
    ).rows()
    mine = set(record.content.splitlines(keepends=True))
    shared: set[str] = set()
    for row in others:
        shared |= mine & set(row["content"].value.splitlines(keepends=True))
    return shared


def refuse(report) -> ShaclViolationError:
    """The 422 for a candidate that does not conform, carrying the report."""
    return ShaclViolationError("the data does not conform to the shapes; nothing was written", detail=report.to_json())


