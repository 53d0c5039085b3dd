"""Export the figures that fit Wikidata's model: QuickStatements v1, or RDF in Wikidata's statement model.

A figure is exportable when its kind maps to a Wikidata property (`skos:exactMatch`, e.g. population P1082, deaths
P1120), its subject is linked to an item (`nkg:wikidata`) and its value is known. Each statement carries a
reference: S854 reference URL (the article), S813 retrieved (the export date, or a pinned one) and S248 stated in
(the publisher's item, NU.nl Q2183577, when the publisher is linked). Everything else is listed, with the reason
(no property for the kind, e.g. arrests; the subject needs an item; the value is unknown; a later official figure
superseded it, nkg:supersedes: only the figure that stands is stated).

A withdrawn figure is a deprecated-rank statement with P2241 "reason for deprecated rank". QuickStatements v1
cannot set a statement's rank (its commands add statements, qualifiers and references only), so a withdrawn figure
is written there as a comment, never as a live command (that would assert it with normal rank). The RDF export
states the rank (`wikibase:rank wikibase:DeprecatedRank`). P2241 takes an item as value; no item for "withdrawn" is
verified (modeling.md §4), so the RDF names the local withdrawal activity as a stand-in to replace before upload.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pyoxigraph as ox

from newskg.core import vocab
from newskg.sparql import terms
from newskg.wikidata.links import QID

P = "http://www.wikidata.org/prop/"
PS = P + "statement/"
PQ = P + "qualifier/"
PR = P + "reference/"
WIKIBASE = "http://wikiba.se/ontology#"
STATEMENT_BASE = vocab.RESOURCE_BASE + "wikidata-export/statement/"
REFERENCE_BASE = vocab.RESOURCE_BASE + "wikidata-export/reference/"
PID = re.compile(r"P[1-9][0-9]*")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

_FIGURES = f"""
PREFIX nkg: <{vocab.NKG}>
PREFIX rdfs: <{vocab.RDFS}>
PREFIX skos: <{vocab.SKOS}>
PREFIX schema: <{vocab.SCHEMA}>
SELECT ?claim ?figure ?figureLabel ?kind ?kindLabel ?property ?subject ?subjectLabel ?item ?value ?valueKnown
       ?approximation ?status ?withdrawal ?withdrawalLabel ?url ?published ?publisherItem ?supersededBy
WHERE {{
  GRAPH ?claim {{ ?figure a nkg:Figure ; nkg:figureKind ?kind ; nkg:figureOf ?subject .
                  OPTIONAL {{ ?figure nkg:value ?value }} OPTIONAL {{ ?figure nkg:valueKnown ?valueKnown }}
                  OPTIONAL {{ ?figure nkg:approximation ?approximation }}
                  OPTIONAL {{ ?figure rdfs:label ?figureLabel FILTER(LANGMATCHES(LANG(?figureLabel), "en")) }} }}
  ?claim a nkg:Claim .
  OPTIONAL {{ ?claim nkg:status ?status }}
  OPTIONAL {{ ?claim nkg:withdrawnBy ?withdrawal
              OPTIONAL {{ ?withdrawal rdfs:label ?withdrawalLabel FILTER(LANGMATCHES(LANG(?withdrawalLabel), "en")) }} }}
  OPTIONAL {{ ?claim nkg:reportedIn ?article . ?article schema:url ?url .
              OPTIONAL {{ ?article schema:datePublished ?published }}
              OPTIONAL {{ ?article schema:publisher/nkg:wikidata ?publisherItem }} }}
  OPTIONAL {{ ?kind skos:exactMatch ?property FILTER(STRSTARTS(STR(?property), "http://www.wikidata.org/entity/P")) }}
  OPTIONAL {{ ?kind rdfs:label ?kindLabel FILTER(LANGMATCHES(LANG(?kindLabel), "en")) }}
  OPTIONAL {{ ?subject nkg:wikidata ?item }}
  OPTIONAL {{ SELECT ?claim (MIN(STR(?newer)) AS ?supersededBy) WHERE {{ ?newer nkg:supersedes ?claim }} GROUP BY ?claim }}
  OPTIONAL {{ ?subject rdfs:label ?subjectLabel FILTER(LANGMATCHES(LANG(?subjectLabel), "en")) }}
}}
ORDER BY ?claim ?figure
"""


@dataclass
class Figure:
    """One figure of a claim, with what Wikidata would need to hold it."""

    claim: str
    figure: str
    label: str
    kind: str
    property: str | None  # "P1082"
    subject: str
    subject_label: str
    item: str | None  # "Q232"
    value: str | None
    value_known: bool
    approximation: str | None
    withdrawn: bool
    withdrawal: str | None
    withdrawal_label: str
    url: str | None
    published: str | None
    stated_in: str | None  # the publisher's QID
    superseded_by: str | None = None  # a later official figure's claim: this one no longer stands

    @property
    def number(self) -> str:
        """The claim's number for the first article ("14"), its whole id for another report's claim."""
        local = self.claim.rsplit("/", 1)[-1]
        return local.rsplit("-", 1)[-1] if local.startswith("nunl-6177422-") else local

    def problem(self) -> str | None:
        """Why this figure cannot go to Wikidata, or None."""
        if self.superseded_by and not self.withdrawn:
            return f"superseded by claim {self.superseded_by.rsplit('/', 1)[-1]}: the later figure is the one to state"
        if self.property is None:
            return f"no Wikidata property for the kind {self.kind.rsplit('#', 1)[-1]}"
        if not PID.fullmatch(self.property):
            return f"the kind's Wikidata property {self.property!r} is not a property id (P<number>)"
        if self.item is None:
            return f"needs an item: {self.subject_label or self.subject} is not linked to Wikidata"
        if not QID.fullmatch(self.item):
            return f"the link of {self.subject_label or self.subject} ({self.item!r}) is not an item id (Q<number>)"
        if not self.value_known or self.value is None:
            return "the value is not known (the source says it is unclear)"
        if not DECIMAL.fullmatch(self.value):
            return f"the value {self.value[:50]!r} is not a number"
        if self.url is None:
            return "no article URL to cite"
        if not terms.is_iri(self.url):
            return f"the article URL {self.url[:200]!r} is not an IRI"
        return None


def figures(kg) -> list[Figure]:
    """Every figure in the claim graphs, with its Wikidata mapping."""
    out = []
    for row in kg.query(_FIGURES).rows():
        v = lambda name: row[name].value if name in row else None  # noqa: E731
        status = v("status") or ""
        out.append(Figure(
            claim=v("claim"), figure=v("figure"), kind=v("kind"),
            label=v("figureLabel") or " ".join(x for x in (v("kindLabel"), v("value")) if x),
            property=v("property")[len(vocab.WD):] if v("property") else None,
            subject=v("subject"), subject_label=v("subjectLabel") or "",
            item=v("item")[len(vocab.WD):] if v("item") else None,
            value=v("value"), value_known=v("valueKnown") != "false",
            approximation=(v("approximation") or "").rsplit("#", 1)[-1] or None,
            withdrawn=status.endswith("#Withdrawn") or v("withdrawal") is not None,
            withdrawal=v("withdrawal"), withdrawal_label=v("withdrawalLabel") or "",
            url=v("url"), published=v("published"),
            stated_in=_item_id(v("publisherItem")), superseded_by=v("supersededBy"),
        ))
    return out


def _item_id(iri: str | None) -> str | None:
    """The item id (Q<number>) of a Wikidata item IRI; None for anything else."""
    qid = iri[len(vocab.WD):] if iri and iri.startswith(vocab.WD) else None
    return qid if qid and QID.fullmatch(qid) else None


def today() -> str:
    return dt.date.today().isoformat()


def _qs_time(day: str) -> str:
    """A date (YYYY-MM-DD) as a QuickStatements time at day precision."""
    return f"+{day}T00:00:00Z/11"


def _qs_month(published: str | None) -> str | None:
    """The article's date as a QuickStatements time: a day ("2022-01-10") at day, a month ("2022-01") at month precision."""
    if published and len(published) == 10 and published[4] == published[7] == "-":
        return _qs_time(published)
    if published and len(published) == 7 and published[4] == "-":
        return f"+{published}-00T00:00:00Z/10"
    return None


def _qs_string(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def quickstatements(kg, *, retrieved: str | None = None) -> str:
    """QuickStatements v1 (tab-separated commands) for the exportable figures; the rest as comments."""
    retrieved = retrieved or today()
    lines = [
        "# newskg export to Wikidata, QuickStatements v1 (one tab-separated command per line).",
        f"# References: S854 reference URL = the article, S813 retrieved = {retrieved}, S248 stated in = the publisher's item.",
        "# QuickStatements v1 cannot set a statement's rank: withdrawn figures (deprecated rank + P2241 reason for",
        "# deprecated rank) are given below as comments only, to be entered by hand or with the RDF export.",
    ]
    skipped, withdrawn = [], []
    for f in figures(kg):
        problem = f.problem()
        if problem:
            skipped.append(f"# not exportable: claim {f.number} ({f.label}): {problem}")
            continue
        parts = [f.item, f.property, f.value]
        month = _qs_month(f.published)
        if f.property == "P1082" and month:
            parts += ["P585", month]
        parts += ["S854", _qs_string(f.url), "S813", _qs_time(retrieved)]
        if f.stated_in:
            parts += ["S248", f.stated_in]
        command = "\t".join(parts)
        note = f"claim {f.number}: {f.label}" + (f" (approximation: {f.approximation})" if f.approximation else "")
        if f.withdrawn:
            withdrawn.append(f"# WITHDRAWN, {note}; deprecated rank, P2241 = {f.withdrawal_label or f.withdrawal}"
                             f" (needs an item for the reason); QuickStatements v1 cannot set rank:")
            withdrawn.append("# " + command)
        else:
            lines.append(f"# {note}")
            lines.append(command)
    return "\n".join(lines + withdrawn + skipped) + "\n"


def statement_triples(kg, *, retrieved: str | None = None) -> tuple[list[ox.Triple], list[str]]:
    """Wikidata statement-model triples (p:, ps:, pq:, pr:, prov:wasDerivedFrom, ranks) and the not-exportable notes."""
    retrieved = retrieved or today()
    triples: list[ox.Triple] = []
    notes: list[str] = []
    N = ox.NamedNode
    for f in figures(kg):
        problem = f.problem()
        if problem:
            notes.append(f"not exportable: claim {f.number} ({f.label}): {problem}")
            continue
        statement = N(STATEMENT_BASE + f.figure.rsplit("/", 1)[-1])
        reference = N(REFERENCE_BASE + f.figure.rsplit("/", 1)[-1])
        item = N(vocab.WD + f.item)
        add = lambda s, p, o: triples.append(ox.Triple(s, p, o))  # noqa: E731
        add(item, N(P + f.property), statement)
        add(statement, N(vocab.RDF + "type"), N(WIKIBASE + "Statement"))
        add(statement, N(PS + f.property), ox.Literal(f.value, datatype=N(vocab.XSD + "decimal")))
        add(statement, N(WIKIBASE + "rank"), N(WIKIBASE + ("DeprecatedRank" if f.withdrawn else "NormalRank")))
        add(statement, N(vocab.PROV + "wasDerivedFrom"), reference)
        add(statement, N(vocab.RDFS + "comment"), ox.Literal(f"from {f.claim} ({f.label})", language="en"))
        if f.property == "P1082" and f.published and len(f.published) in (7, 10):
            day = f.published if len(f.published) == 10 else f"{f.published}-01"
            add(statement, N(PQ + "P585"), ox.Literal(f"{day}T00:00:00Z", datatype=N(vocab.XSD + "dateTime")))
        if f.withdrawn:
            # P2241 wants an item; no verified item for "withdrawn": the local withdrawal is a stand-in.
            add(statement, N(PQ + "P2241"), N(f.withdrawal or f.claim))
        add(reference, N(vocab.RDF + "type"), N(WIKIBASE + "Reference"))
        add(reference, N(PR + "P854"), N(f.url))
        add(reference, N(PR + "P813"), ox.Literal(f"{retrieved}T00:00:00Z", datatype=N(vocab.XSD + "dateTime")))
        if f.stated_in:
            add(reference, N(PR + "P248"), N(vocab.WD + f.stated_in))
    return sorted(set(triples), key=str), notes


RDF_PREFIXES = {
    "wd": vocab.WD, "p": P, "ps": PS, "pq": PQ, "pr": PR, "wikibase": WIKIBASE, "prov": vocab.PROV,
    "rdfs": vocab.RDFS, "xsd": vocab.XSD,
}


def rdf(kg, *, retrieved: str | None = None) -> str:
    """The exportable figures as Turtle in Wikidata's statement model; the rest listed in comments."""
    triples, notes = statement_triples(kg, retrieved=retrieved)
    header = [
        "# newskg export to Wikidata, in Wikidata's RDF statement model (p:/ps:/pq:/pr:, wikibase:rank).",
        "# Statement and reference nodes are local IRIs (Wikidata mints its own on upload). A withdrawn figure has",
        "# wikibase:DeprecatedRank and pq:P2241 naming the local withdrawal: P2241 needs an item; replace it before upload.",
    ] + [f"# {n}" for n in notes]
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=RDF_PREFIXES).decode() if triples else ""
    # pyoxigraph writes the prefixes in no fixed order: write them ourselves, in ours
    body = "".join(line for line in body.splitlines(keepends=True) if not line.startswith("@prefix "))
    prefixes = [f"@prefix {name}: <{iri}> ." for name, iri in RDF_PREFIXES.items()]
    return "\n".join(header + [""] + prefixes) + "\n" + body
