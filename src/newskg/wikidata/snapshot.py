"""The Wikidata snapshot (graph/wikidata-snapshot.trig), regenerated from the query service.

For every linked item: labels and descriptions in English and Dutch, and the direct claims of the properties the
design study verified for the snapshot (P31, P17, P625, P1082, P238, P239). The graph's description in the default
graph says which endpoint answered, when (the date passed in, else the response's Date header) and with which query.
Output is deterministic: fixed prefixes and header, items in QID order, values sorted, no blank nodes; the same
answers give the same bytes. The hand-made graph <.../graph/snapshot-wikipedia> (values not from Wikidata) is
carried over from the existing file unchanged, never refreshed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from newskg.core import vocab
from newskg.wikidata.client import SparqlAnswer, WikidataClient, WikidataError
from newskg.wikidata.links import QID

SNAPSHOT_GRAPH = vocab.WIKIDATA_SNAPSHOT_GRAPH
WIKIPEDIA_GRAPH = vocab.GRAPH_BASE + "snapshot-wikipedia"
PROPERTIES = ("P31", "P17", "P625", "P1082", "P238", "P239")
LANGUAGES = ("en", "nl")
BATCH = 50

PREFIXES = {
    "wd": vocab.WD,
    "wdt": vocab.WDT,
    "geo": vocab.GEO,
    "rdfs": vocab.RDFS,
    "schema": vocab.SCHEMA,
    "xsd": vocab.XSD,
    "prov": vocab.PROV,
    "dcterms": vocab.DCTERMS,
    "nkgg": vocab.GRAPH_BASE,
}
PREDICATE_ORDER = [vocab.RDF + "type", vocab.RDFS + "label", vocab.SCHEMA + "description"] + [vocab.WDT + p for p in PROPERTIES]

QUERY = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
SELECT ?item ?p ?o WHERE {
  VALUES ?item { %(items)s }
  {
    VALUES ?p { rdfs:label schema:description }
    ?item ?p ?o FILTER(LANG(?o) IN (%(languages)s))
  } UNION {
    VALUES ?p { %(properties)s }
    ?item ?p ?o
  }
}"""


@dataclass(frozen=True)
class Retrieval:
    """Where and when the values came from."""

    endpoint: str
    date: str


DATE_QUERY = f"SELECT ?date WHERE {{ <{SNAPSHOT_GRAPH}> <{vocab.PROV}generatedAtTime> ?date }}"


def snapshot_date(source) -> str | None:
    """When the Wikidata snapshot's values were retrieved, as the data records it: the `prov:generatedAtTime` of the
    snapshot graph <…/graph/wikidata-snapshot> in the default graph (written by `newskg wikidata refresh`, or by hand
    for a transcribed snapshot), as its xsd:dateTime lexical form (e.g. "2026-11-25T00:00:00Z").

    `source` is what answers (anything with `query(sparql)`: the KnowledgeGraph or a Store), or a snapshot TriG file
    (a Path). None when no date is recorded. Several recorded dates (an edited store): the latest.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            return None
        subject = ox.NamedNode(SNAPSHOT_GRAPH)
        predicate = ox.NamedNode(vocab.PROV + "generatedAtTime")
        values = [q.object for q in ox.parse(path=str(path), format=ox.RdfFormat.TRIG)
                  if q.subject == subject and q.predicate == predicate and isinstance(q.graph_name, ox.DefaultGraph)]
    else:
        values = [row["date"] for row in source.query(DATE_QUERY).rows() if "date" in row]
    dates = [v.value for v in values if isinstance(v, ox.Literal) and v.value.strip()]
    return max(dates) if dates else None  # the recorded forms share one layout (UTC, "Z"): text order is time order


def linked_items(kg) -> list[str]:
    """The QIDs the graph links to with nkg:wikidata, in numeric order."""
    rows = kg.query(f"SELECT DISTINCT ?item WHERE {{ ?e <{vocab.NKG}wikidata> ?item }}").rows()
    qids = {r["item"].value[len(vocab.WD):] for r in rows if r["item"].value.startswith(vocab.WD)}
    return sorted((q for q in qids if QID.fullmatch(q)), key=lambda q: int(q[1:]))  # only ids go into queries


def snapshot_query(qids: list[str]) -> str:
    """The snapshot query for items (each an item id, Q<number>: nothing else is written into the query)."""
    return QUERY % {
        "items": " ".join(f"wd:{q}" for q in qids if QID.fullmatch(q)),
        "languages": ", ".join(f'"{lang}"' for lang in LANGUAGES),
        "properties": " ".join(f"wdt:{p}" for p in PROPERTIES),
    }


def _term(binding: dict) -> ox.NamedNode | ox.Literal:
    """A SPARQL JSON term (no blank nodes: a blank node value, Wikidata's "unknown value", is skipped)."""
    kind = binding.get("type")
    if kind == "uri":
        return ox.NamedNode(binding["value"])
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in binding:
            return ox.Literal(binding["value"], language=binding["xml:lang"])
        if "datatype" in binding:
            return ox.Literal(binding["value"], datatype=ox.NamedNode(binding["datatype"]))
        return ox.Literal(binding["value"])
    raise ValueError(kind)


def fetch(client: WikidataClient, qids: list[str]) -> tuple[list[ox.Triple], list[SparqlAnswer]]:
    """The snapshot triples for the items, in batches; and the answers (for their endpoint and date)."""
    triples: set[ox.Triple] = set()
    answers = []
    for start in range(0, len(qids), BATCH):
        answer = client.sparql(snapshot_query(qids[start : start + BATCH]))
        answers.append(answer)
        for b in answer.bindings:
            try:
                triple = ox.Triple(_term(b["item"]), _term(b["p"]), _term(b["o"]))
            except (KeyError, ValueError):
                continue
            if isinstance(triple.subject, ox.NamedNode) and isinstance(triple.predicate, ox.NamedNode):
                triples.add(triple)
    return sorted(triples, key=str), answers


# --- deterministic TriG ----------------------------------------------------------------------------------
def _short(iri: str) -> str:
    for name, base in PREFIXES.items():
        local = iri[len(base):]
        if iri.startswith(base) and local and all(ch.isalnum() or ch in "_-" for ch in local) and local[0].isalnum():
            return f"{name}:{local}"
    return f"<{iri}>"


def _render(term) -> str:
    if isinstance(term, ox.NamedNode):
        return _short(term.value)
    if isinstance(term, ox.Literal):
        text = str(ox.Literal(term.value))  # the quoted, escaped lexical form
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype.value == vocab.XSD + "string":
            return text
        if term.datatype.value == vocab.XSD + "integer" and term.value.lstrip("-").isdigit():
            return term.value
        return f"{text}^^{_short(term.datatype.value)}"
    raise ValueError(f"cannot write {term!r} in the snapshot (no blank nodes)")


def _sort_key(term) -> tuple:
    if isinstance(term, ox.Literal):
        return (1, term.language or "", term.datatype.value if not term.language else "", term.value)
    return (0, _qid_number(term.value), term.value)


def _qid_number(iri: str) -> int:
    local = iri.rsplit("/", 1)[-1]
    return int(local[1:]) if local[:1] in "QP" and local[1:].isdigit() else 1 << 62


def _blocks(triples: list[ox.Triple], indent: str) -> list[str]:
    """Turtle blocks, one per subject: subjects by QID, predicates in PREDICATE_ORDER, objects sorted."""
    by_subject: dict[str, dict[str, list]] = {}
    for t in triples:
        by_subject.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
    order = {p: i for i, p in enumerate(PREDICATE_ORDER)}
    out = []
    for subject in sorted(by_subject, key=lambda s: (_qid_number(s), s)):
        preds = sorted(by_subject[subject], key=lambda p: (order.get(p, len(order)), p))
        parts = []
        for p in preds:
            objects = sorted(set(by_subject[subject][p]), key=_sort_key)
            verb = "a" if p == vocab.RDF + "type" else _render(ox.NamedNode(p))
            parts.append(f"{indent}    {verb} " + ", ".join(_render(o) for o in objects))
        out.append(f"{indent}{_render(ox.NamedNode(subject))}\n" + " ;\n".join(parts) + " .")
    return out


def kept_wikipedia_quads(existing: Path | None) -> list[ox.Quad]:
    """The hand-made snapshot-wikipedia graph and its description, from the existing snapshot file."""
    if existing is None or not existing.is_file():
        return []
    keep = []
    for q in ox.parse(path=str(existing), format=ox.RdfFormat.TRIG):
        in_graph = isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == WIKIPEDIA_GRAPH
        described = isinstance(q.graph_name, ox.DefaultGraph) and q.subject == ox.NamedNode(WIKIPEDIA_GRAPH)
        if in_graph or described:
            keep.append(q)
    return keep


HEADER = """# Snapshot of Wikidata facts for the items the newskg graph links to (nkg:wikidata), in Wikidata's own vocabulary.
# Generated by `newskg wikidata refresh` from the query service named below; do not edit the Wikidata part by hand.
# Per item: rdfs:label and schema:description in English and Dutch, and the direct claims (wdt:) of %(properties)s.
# The graph snapshot-wikipedia holds values NOT from Wikidata; refresh carries it over unchanged.
"""


def render_snapshot(triples: list[ox.Triple], retrieval: Retrieval, wikipedia: list[ox.Quad], query: str) -> str:
    """The snapshot file's text: same inputs, same bytes."""
    out = [HEADER % {"properties": ", ".join(PROPERTIES)}]
    out += [f"@prefix {name}: <{iri}> ." for name, iri in PREFIXES.items()]
    meta = [
        ox.Triple(ox.NamedNode(SNAPSHOT_GRAPH), ox.NamedNode(vocab.RDF + "type"), ox.NamedNode(vocab.PROV + "Entity")),
        ox.Triple(ox.NamedNode(SNAPSHOT_GRAPH), ox.NamedNode(vocab.RDFS + "label"),
                  ox.Literal("Wikidata snapshot", language="en")),
        ox.Triple(ox.NamedNode(SNAPSHOT_GRAPH), ox.NamedNode(vocab.RDFS + "label"),
                  ox.Literal("Wikidata-momentopname", language="nl")),
        ox.Triple(ox.NamedNode(SNAPSHOT_GRAPH), ox.NamedNode(vocab.DCTERMS + "source"),
                  ox.NamedNode("https://www.wikidata.org/")),
        ox.Triple(ox.NamedNode(SNAPSHOT_GRAPH), ox.NamedNode(vocab.PROV + "wasDerivedFrom"),
                  ox.NamedNode(retrieval.endpoint)),
        ox.Triple(ox.NamedNode(SNAPSHOT_GRAPH), ox.NamedNode(vocab.PROV + "generatedAtTime"),
                  ox.Literal(retrieval.date, datatype=ox.NamedNode(vocab.XSD + "dateTime"))),
        ox.Triple(ox.NamedNode(SNAPSHOT_GRAPH), ox.NamedNode(vocab.DCTERMS + "description"), ox.Literal(
            f"Labels, descriptions and direct claims ({', '.join(PROPERTIES)}) of the Wikidata items linked from "
            f"the newskg graph, fetched live by `newskg wikidata refresh` from the query service "
            f"{retrieval.endpoint} at {retrieval.date} (every value in this graph comes from that retrieval).",
            language="en")),
        ox.Triple(ox.NamedNode(SNAPSHOT_GRAPH), ox.NamedNode(vocab.RDFS + "comment"),
                  ox.Literal(query)),
    ]
    wp_meta = [ox.Triple(q.subject, q.predicate, q.object) for q in wikipedia if isinstance(q.graph_name, ox.DefaultGraph)]
    wp_data = [ox.Triple(q.subject, q.predicate, q.object) for q in wikipedia if isinstance(q.graph_name, ox.NamedNode)]
    out.append("\n# ---------------------------------------------------------------- metadata of the snapshot graphs (default graph)")
    out += _blocks(meta + wp_meta, "")
    out.append("\n# ---------------------------------------------------------------- Wikidata values")
    out.append(f"{_render(ox.NamedNode(SNAPSHOT_GRAPH))} {{")
    out += _blocks(triples, "    ")
    out.append("}")
    if wp_data:
        out.append("\n# ---------------------------------------------------------------- values from Wikipedia (not Wikidata), kept as they were")
        out.append(f"{_render(ox.NamedNode(WIKIPEDIA_GRAPH))} {{")
        out += _blocks(wp_data, "    ")
        out.append("}")
    return "\n".join(out) + "\n"


def refresh(kg, client: WikidataClient, output: Path, *, existing: Path | None = None,
            date: str | None = None) -> dict:
    """Fetch the snapshot of every linked item and write it to `output`; a summary of what was written."""
    qids = linked_items(kg)
    if not qids:
        raise WikidataError("no item is linked with nkg:wikidata: nothing to refresh")
    triples, answers = fetch(client, qids)
    when = date or next((a.date for a in answers if a.date), None)
    if when is None:
        raise WikidataError("the query service sent no Date header: pass the retrieval date (--date)")
    if len(when) == 10:
        when += "T00:00:00Z"
    wikipedia = kept_wikipedia_quads(existing if existing is not None else output)
    text = render_snapshot(triples, Retrieval(client.sparql_url, when), wikipedia, snapshot_query(qids))
    ox.parse(text, format=ox.RdfFormat.TRIG)  # what we write must read back
    output.write_text(text, encoding="utf-8")
    found = {t.subject.value[len(vocab.WD):] for t in triples}
    return {"items": len(qids), "items_found": len(found), "missing": [q for q in qids if q not in found],
            "triples": len(triples), "endpoint": client.sparql_url, "date": when, "output": str(output)}
