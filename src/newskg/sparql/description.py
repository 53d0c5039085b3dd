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
    """A VoID description of the dataset: size, graphs, class partitions, the Wikidata linkset, and the terms each
    part is offered under (README, "Data and licences")."""
    out = _Triples()
    number = _integer

    dataset = ox.NamedNode(base_iri + "void#dataset")
    out.add(dataset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    out.add(dataset, vocab.DCTERMS + "title", ox.Literal("newskg: news events and the claims made about them", language="en"))
    out.add(dataset, DCTERMS_LICENSE, ox.NamedNode(CC_BY_4))
    rights = ox.NamedNode(base_iri + "void#rights")
    out.add(dataset, vocab.DCTERMS + "rights", rights)
    out.add(rights, RDF_TYPE, ox.NamedNode(vocab.DCTERMS + "RightsStatement"))
    out.add(rights, vocab.RDFS + "label", ox.Literal(DATASET_RIGHTS, language="en"))
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
    out.add(wikidata, DCTERMS_LICENSE, ox.NamedNode(CC0))
    out.add(wikidata, vocab.DCTERMS + "rights", ox.NamedNode(WIKIDATA_LICENSING))
    links = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{vocab.NKG}wikidata> ?o }}"
    out.add(linkset, VOID + "triples", number(_count(store, links)))
    _ontology_subset(out, store, base_iri, dataset)
    _snapshot_subsets(out, store, dataset, counts)
    _article_text_subsets(out, store, base_iri, dataset)
    return out.triples


# --- terms of use ------------------------------------------------------------------------------------------
# Every value below is a fixed IRI or text of ours; what comes from the store (a licence IRI, a date, an address, a
# publisher's name) reaches the description only as a pyoxigraph term or inside a literal's value, never as RDF text.
DCTERMS_LICENSE = vocab.DCTERMS + "license"
DCTERMS_SOURCE = vocab.DCTERMS + "source"
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
CC_BY_SA_4 = "https://creativecommons.org/licenses/by-sa/4.0/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
WIKIDATA = "https://www.wikidata.org/"
WIKIDATA_LICENSING = "https://www.wikidata.org/wiki/Wikidata:Licensing"
WIKIPEDIA_SNAPSHOT_GRAPH = vocab.GRAPH_BASE + "snapshot-wikipedia"
DATASET_RIGHTS = (
    "The triples made for newskg (events, claims and their metadata, summaries in our own words, actors, sources, "
    "shapes) are offered under CC BY 4.0. Parts under other terms are described as subsets: the ontology (the "
    "licence it declares itself), the Wikidata snapshot (CC0, Wikidata's own terms), values from Wikipedia "
    "(CC BY-SA 4.0), and the text of each article (its body, the sentences quoted from it and their translations), "
    "which is not ours and not licensed by us: it is held for research and quotation, and its rights remain with "
    "its publisher."
)


def _first(store: Store, sparql: str, **bindings) -> dict:
    rows = store.query(sparql, bindings=bindings or None).rows()
    return rows[0] if rows else {}


def _ontology_subset(out: _Triples, store: Store, base_iri: str, dataset) -> None:
    """The ontology, under the licence its own header declares (dcterms:license on the owl:Ontology)."""
    ontology = ox.NamedNode(vocab.ONTOLOGY_IRI)
    row = _first(store, f"SELECT ?o ?license WHERE {{ ?o <{DCTERMS_LICENSE}> ?license FILTER(isIRI(?license)) }} "
                        "ORDER BY ?license LIMIT 1", o=ontology)
    if "license" not in row:
        return  # no ontology loaded, or one that declares no licence: the dataset's terms apply
    subset = ox.NamedNode(base_iri + "void#ontology")
    out.add(dataset, VOID + "subset", subset)
    out.add(subset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    out.add(subset, vocab.DCTERMS + "title", ox.Literal("The newskg ontology", language="en"))
    out.add(subset, vocab.RDFS + "seeAlso", ontology)
    out.add(subset, DCTERMS_LICENSE, row["license"])


def snapshot_retrieval(store: Store, graph: str = vocab.WIKIDATA_SNAPSHOT_GRAPH) -> dict:
    """What the store records about a snapshot graph (its description in the default graph, as written by
    `newskg wikidata refresh` or by hand): `generated` (prov:generatedAtTime) and `source` (dcterms:source)."""
    row = _first(
        store,
        f"SELECT ?g ?generated ?source WHERE {{ OPTIONAL {{ ?g <{vocab.PROV}generatedAtTime> ?generated }} "
        f"OPTIONAL {{ ?g <{DCTERMS_SOURCE}> ?source FILTER(isIRI(?source)) }} }} ORDER BY DESC(?generated) ?source LIMIT 1",
        g=ox.NamedNode(graph),
    )
    return row


def _snapshot_subsets(out: _Triples, store: Store, dataset, counts: dict[str, int]) -> None:
    """The Wikidata snapshot graph (CC0, as Wikidata offers it) and the values from Wikipedia (CC BY-SA 4.0), each
    with its source and the date the store records for it (prov:generatedAtTime, the term the snapshot itself uses)."""
    parts = (
        (vocab.WIKIDATA_SNAPSHOT_GRAPH, "Wikidata snapshot (answers SERVICE calls to Wikidata in offline mode)",
         CC0, WIKIDATA_LICENSING, WIKIDATA),
        (WIKIPEDIA_SNAPSHOT_GRAPH, "Values from English Wikipedia (not Wikidata)", CC_BY_SA_4, None, None),
    )
    for graph, title, license_iri, rights, default_source in parts:
        if not counts.get(graph):
            continue
        subset = ox.NamedNode(graph)
        recorded = snapshot_retrieval(store, graph)
        out.add(dataset, VOID + "subset", subset)
        out.add(subset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        out.add(subset, vocab.DCTERMS + "title", ox.Literal(title, language="en"))
        out.add(subset, VOID + "triples", _integer(counts[graph]))
        out.add(subset, DCTERMS_LICENSE, ox.NamedNode(license_iri))
        if rights:
            out.add(subset, vocab.DCTERMS + "rights", ox.NamedNode(rights))
        source = recorded.get("source") or (ox.NamedNode(default_source) if default_source else None)
        if source is not None:
            out.add(subset, DCTERMS_SOURCE, source)
        generated = recorded.get("generated")
        if isinstance(generated, ox.Literal):
            out.add(subset, vocab.PROV + "generatedAtTime", generated)


ARTICLE_TEXTS = f"""SELECT ?article (SAMPLE(?u) AS ?url) (SAMPLE(?p) AS ?publisher) (SAMPLE(?l) AS ?name)
                   (SAMPLE(?h) AS ?headline)
WHERE {{
  ?article <{vocab.SCHEMA}articleBody> ?body .
  OPTIONAL {{ ?article <{vocab.SCHEMA}url> ?u FILTER(isIRI(?u)) }}
  OPTIONAL {{ ?article <{vocab.SCHEMA}headline> ?h }}
  OPTIONAL {{ ?article <{vocab.SCHEMA}publisher> ?p FILTER(isIRI(?p))
             OPTIONAL {{ ?p <{vocab.RDFS}label> ?l FILTER(LANGMATCHES(LANG(?l), "en") || LANG(?l) = "") }} }}
}} GROUP BY ?article ORDER BY ?article"""

# The article's own words held beside its body: the sentences claims quote, and our translations of them.
QUOTED = f"""SELECT ?article (COUNT(*) AS ?n) WHERE {{
  ?article <{vocab.SCHEMA}articleBody> ?body .
  ?claim <{vocab.NKG}reportedIn> ?article .
  {{ ?claim <{vocab.NKG}quote> ?text }} UNION {{ ?claim <{vocab.NKG}translation> ?text }}
}} GROUP BY ?article"""


def article_rights(publisher_name: str | None) -> str:
    """The rights statement of an article's text we hold."""
    holder = f"the publisher, {publisher_name}" if publisher_name else "its publisher"
    return (f"Not licensed by newskg: the article's text (its body, the sentences quoted from it and their "
            f"translations) is held for research and quotation; rights remain with {holder}.")


def _article_text_subsets(out: _Triples, store: Store, base_iri: str, dataset) -> None:
    """One subset per article whose text the store holds: its source address, its rights holder, its rights."""
    quoted = {row["article"]: int(row["n"].value) for row in store.query(QUOTED).rows() if "article" in row}
    for position, row in enumerate(store.query(ARTICLE_TEXTS).rows()):
        article = row.get("article")
        if article is None:
            continue
        subset = ox.NamedNode(f"{base_iri}void#article-text-{position}")
        out.add(dataset, VOID + "subset", subset)
        out.add(subset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        headline = row.get("headline")
        title = f"Text of the article \u201c{headline.value}\u201d" if isinstance(headline, ox.Literal) else "Text of an article"
        out.add(subset, vocab.DCTERMS + "title", ox.Literal(title))
        out.add(subset, vocab.DCTERMS + "subject", article)
        out.add(subset, VOID + "triples", _integer(1 + quoted.get(article, 0)))
        if "url" in row:
            out.add(subset, DCTERMS_SOURCE, row["url"])
        if "publisher" in row:
            out.add(subset, vocab.DCTERMS + "rightsHolder", row["publisher"])
        name = row.get("name")
        statement = ox.NamedNode(f"{base_iri}void#article-text-{position}-rights")
        out.add(subset, vocab.DCTERMS + "rights", statement)
        out.add(statement, RDF_TYPE, ox.NamedNode(vocab.DCTERMS + "RightsStatement"))
        out.add(statement, vocab.RDFS + "label",
                ox.Literal(article_rights(name.value if isinstance(name, ox.Literal) else None), language="en"))
