"""The SPARQL 1.1 Service Description (at GET /sparql) and the VoID description of the dataset.

https://www.w3.org/TR/sparql11-service-description/ and https://www.w3.org/TR/void/.
Both are built as N-Triples from live counts and serialized by the negotiated RDF format.
"""

from __future__ import annotations

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.redaction import shown_endpoint
from newskg.stores.interface import Store

SD = vocab.SD
VOID = vocab.VOID
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = vocab.RDF + "type"

RESULT_FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
    "TriG",
    "N-Quads",
)
INPUT_FORMAT_IRIS = ("Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads", "N3")


class _Triples:
    def __init__(self):
        self.triples: list[ox.Triple] = []

    def add(self, s, p: str, o) -> None:
        self.triples.append(ox.Triple(s, ox.NamedNode(p), o))


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(vocab.XSD + "integer"))


def _count(store: Store, sparql: str) -> int:
    rows = store.query(sparql).rows()
    return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0


def service_description(store: Store, endpoint: str, *, write_enabled: bool, allowed_services: list[str]) -> list:
    """Triples describing the endpoint: languages, formats, features and the default dataset."""
    out = _Triples()
    # A blank node, as in the Service Description's own examples: a client that keeps only the triples about the URL it
    # fetched or about blank nodes (Comunica's SPARQL-service detection) then finds sd:endpoint whatever URL it fetched.
    service = ox.BlankNode()
    out.add(service, RDF_TYPE, ox.NamedNode(SD + "Service"))
    out.add(service, SD + "endpoint", ox.NamedNode(endpoint))
    out.add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query"))
    if write_enabled:
        out.add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Update"))
    for name in RESULT_FORMAT_IRIS:
        out.add(service, SD + "resultFormat", ox.NamedNode(FORMATS_NS + name))
    for name in INPUT_FORMAT_IRIS:
        out.add(service, SD + "inputFormat", ox.NamedNode(FORMATS_NS + name))
    out.add(service, SD + "feature", ox.NamedNode(SD + "BasicFederatedQuery"))
    for allowed in allowed_services:
        out.add(service, vocab.NKG + "allowedService", ox.NamedNode(shown_endpoint(allowed)))
    dataset = ox.NamedNode(endpoint + "#dataset")
    out.add(service, SD + "defaultDataset", dataset)
    out.add(dataset, RDF_TYPE, ox.NamedNode(SD + "Dataset"))
    default_graph = ox.NamedNode(endpoint + "#default-graph")
    out.add(dataset, SD + "defaultGraph", default_graph)
    out.add(default_graph, RDF_TYPE, ox.NamedNode(SD + "Graph"))
    counts = store.triple_counts()
    out.add(default_graph, VOID + "triples", _integer(counts.get("", 0)))
    out.add(dataset, SD + "namedGraph", ox.NamedNode(endpoint + "#named-graphs"))
    named = ox.NamedNode(endpoint + "#named-graphs")
    out.add(named, RDF_TYPE, ox.NamedNode(SD + "NamedGraphCollection"))
    out.add(named, VOID + "triples", _integer(sum(n for g, n in counts.items() if g)))
    out.add(named, vocab.NKG + "graphCount", _integer(len(counts) - 1))
    return out.triples


def void_description(store: Store, base_iri: str, endpoint: str) -> list:
    """A VoID description of the dataset: size, graphs, class partitions and the Wikidata linkset."""
    out = _Triples()
    number = _integer

    dataset = ox.NamedNode(base_iri + "void#dataset")
    out.add(dataset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    out.add(dataset, vocab.DCTERMS + "title", ox.Literal("newskg: news events and the claims made about them", language="en"))
    out.add(dataset, VOID + "sparqlEndpoint", ox.NamedNode(endpoint))
    out.add(dataset, VOID + "uriSpace", ox.Literal(base_iri + "id/"))
    out.add(dataset, VOID + "vocabulary", ox.NamedNode(vocab.NKG))
    counts = store.triple_counts()
    out.add(dataset, VOID + "triples", number(sum(counts.values())))
    out.add(dataset, vocab.NKG + "graphCount", number(len(counts) - 1))
    subjects = "SELECT (COUNT(DISTINCT ?s) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    out.add(dataset, VOID + "distinctSubjects", number(_count(store, subjects)))
    classes = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
    for position, row in enumerate(store.query(classes).rows()):
        partition = ox.NamedNode(f"{base_iri}void#class-{position}")
        out.add(dataset, VOID + "classPartition", partition)
        out.add(partition, VOID + "class", row["c"])
        out.add(partition, VOID + "entities", number(int(row["n"].value)))
    linkset = ox.NamedNode(base_iri + "void#wikidata-links")
    out.add(linkset, RDF_TYPE, ox.NamedNode(VOID + "Linkset"))
    out.add(dataset, VOID + "subset", linkset)
    out.add(linkset, VOID + "linkPredicate", ox.NamedNode(vocab.NKG + "wikidata"))
    out.add(linkset, VOID + "subjectsTarget", dataset)
    wikidata = ox.NamedNode(base_iri + "void#wikidata")
    out.add(linkset, VOID + "objectsTarget", wikidata)
    out.add(wikidata, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    out.add(wikidata, VOID + "sparqlEndpoint", ox.NamedNode("https://query.wikidata.org/sparql"))
    out.add(wikidata, VOID + "uriSpace", ox.Literal("http://www.wikidata.org/entity/"))
    links = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{vocab.NKG}wikidata> ?o }}"
    out.add(linkset, VOID + "triples", number(_count(store, links)))
    return out.triples
