"""The ontology (ontology/newskg.ttl) keeps the vocabulary contract in ontology/README.md and stays consistent."""

from __future__ import annotations

import re
from pathlib import Path

import owlrl
import pyoxigraph
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

import newskg
from newskg.core.rdfio import parse_rdf_file

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_FILE = ROOT / "ontology" / "newskg.ttl"
CONTRACT_FILE = ROOT / "ontology" / "README.md"
GRAPH_DIR = ROOT / "graph"

ONTOLOGY_IRI = URIRef("https://w3id.org/newskg/ontology")
VERSION_IRI = URIRef("https://w3id.org/newskg/ontology/0.1.0")

NKG = Namespace("https://w3id.org/newskg/ontology#")
RES = Namespace("https://w3id.org/newskg/id/")
SCHEMA = Namespace("http://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
TIME = Namespace("http://www.w3.org/2006/time#")
GAF = Namespace("http://groundedannotationframework.org/gaf#")
WD = Namespace("http://www.wikidata.org/entity/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain Namespace: rdflib.XSD warns when pytest probes it

# The modeling study §4: the only Wikidata identifiers verified in a stored public source.
VERIFIED_QIDS = {
    "Q232", "Q35493", "Q200881", "Q159", "Q212", "Q318693", "Q40464", "Q45382", "Q15180", "Q27275", "Q3814905",
    "Q273120", "Q124757", "Q175331", "Q1190554", "Q5256775", "Q7779", "Q1520", "Q422091", "Q858844", "Q193159",
    "Q2183577", "Q189746", "Q379271", "Q11294054",
}  # fmt: skip
VERIFIED_PIDS = {
    "P31", "P17", "P276", "P580", "P582", "P585", "P710", "P1120", "P1339", "P1132", "P828", "P1542", "P361",
    "P527", "P248", "P854", "P813", "P625", "P1082", "P2241", "P459", "P35", "P6", "P238", "P239",
}  # fmt: skip


def owl_rl_inconsistencies(graph: Graph) -> list[str]:
    """The inconsistencies owlrl finds in the OWL 2 RL closure of a copy of `graph` (the graph is not changed).

    owlrl does not raise on an inconsistency: at the end of `expand` it adds, per message, a blank node typed
    `err:ErrorMessage` with the text under `err:error` (err = owlrl.Namespaces.ERRNS, DAML's agent ontology).
    """
    closure = Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    return sorted(
        str(message)
        for node in closure.subjects(RDF.type, ERRNS.ErrorMessage)
        for message in closure.objects(node, ERRNS.error)
    )


def instance_triples() -> Graph:
    """All triples of all graphs of every graph/*.trig file, merged into one graph."""
    merged = Graph()
    for path in sorted(GRAPH_DIR.glob("*.trig")):
        for subject, predicate, obj, _context in parse_rdf_file(path).quads((None, None, None, None)):
            merged.add((subject, predicate, obj))
    return merged


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The parsed ontology; read-only (tests that add triples work on a copy)."""
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def copy_of(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def declared_nkg_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(str(NKG))}


def languages(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str | None]:
    return sorted((o.language or "") for o in graph.objects(subject, predicate) if isinstance(o, Literal))


# Parsing and header


def test_ontology_parses_with_rdflib_and_pyoxigraph_to_the_same_triple_count(ontology):
    quads = list(pyoxigraph.parse(path=str(ONTOLOGY_FILE), format=pyoxigraph.RdfFormat.TURTLE))
    store = pyoxigraph.Store()
    store.load(path=str(ONTOLOGY_FILE), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(ontology) > 0
    assert len(quads) == len(ontology) == len(store)


def test_ontology_header_has_version_iri_and_info_matching_the_package(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert (ONTOLOGY_IRI, OWL.versionIRI, VERSION_IRI) in ontology
    assert (ONTOLOGY_IRI, OWL.versionInfo, Literal(newskg.__version__)) in ontology
    assert str(VERSION_IRI).endswith("/" + newskg.__version__)


def test_ontology_header_has_title_and_description_in_english_and_dutch_a_license_and_a_date(ontology):
    assert languages(ontology, ONTOLOGY_IRI, DCTERMS.title) == ["en", "nl"]
    assert languages(ontology, ONTOLOGY_IRI, DCTERMS.description) == ["en", "nl"]
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) is not None
    created = ontology.value(ONTOLOGY_IRI, DCTERMS.created)
    assert isinstance(created, Literal) and created.datatype == XSD.date


def test_ontology_imports_nothing(ontology):
    assert list(ontology.triples((None, OWL.imports, None))) == []


# Terms: declared, labelled and defined


def test_every_term_the_contract_names_is_declared(ontology):
    named = {NKG[name] for name in re.findall(r"\bnkg:([A-Za-z]+)", CONTRACT_FILE.read_text(encoding="utf-8"))}
    assert len(named) > 90
    assert sorted(named - declared_nkg_terms(ontology)) == []


def test_every_nkg_term_has_one_label_and_one_definition_in_english_and_dutch(ontology):
    terms = declared_nkg_terms(ontology)
    assert len(terms) > 90
    problems = {
        term: (languages(ontology, term, RDFS.label), languages(ontology, term, SKOS.definition))
        for term in terms
        if languages(ontology, term, RDFS.label) != ["en", "nl"]
        or languages(ontology, term, SKOS.definition) != ["en", "nl"]
    }
    assert problems == {}


def test_every_external_term_the_ontology_uses_is_declared_with_a_label(ontology):
    external_namespaces = (SCHEMA, PROV, SEM, TIME, GAF)
    used = {
        node
        for triple in ontology
        for node in triple
        if isinstance(node, URIRef) and any(node.startswith(str(ns)) for ns in external_namespaces)
    }
    assert used
    undeclared = {term for term in used if (term, RDF.type, None) not in ontology}
    unlabelled = {term for term in used if ontology.value(term, RDFS.label) is None}
    assert undeclared == set() and unlabelled == set()


@pytest.mark.parametrize(
    ("term", "kind"),
    [
        (NKG.Claim, OWL.Class),
        (NKG.Event, OWL.Class),
        (NKG.claimant, OWL.ObjectProperty),
        (NKG.wikidata, OWL.ObjectProperty),
        (NKG.charStart, OWL.DatatypeProperty),
        (NKG.quote, OWL.DatatypeProperty),
        (NKG.cameoCode, OWL.AnnotationProperty),
        (NKG.ClaimStatus, SKOS.ConceptScheme),
        (NKG.Asserted, NKG.ClaimStatus),
        (NKG.Deaths, NKG.FigureKind),
        (NKG.Almost, NKG.Approximation),
        (NKG.DayPrecision, NKG.DatePrecision),
        (NKG.Stable, NKG.SituationState),
    ],
)
def test_term_has_its_kind(ontology, term, kind):
    assert (term, RDF.type, kind) in ontology


@pytest.mark.parametrize(
    ("scheme", "members"),
    [
        (NKG.ClaimStatus, {"Asserted", "Withdrawn", "Disputed"}),
        (NKG.FigureKind, {"Deaths", "Injured", "Arrests", "Population", "Troops", "Attackers", "VehiclesDestroyed"}),
        (NKG.Approximation, {"Exact", "Almost", "About", "AtLeast", "MoreThan"}),
        (
            NKG.DatePrecision,
            {"DayPrecision", "WeekendPrecision", "WeekPrecision", "MonthPrecision", "BeforeDatePrecision"},
        ),
        (NKG.SituationState, {"Stable", "Unstable"}),
    ],
)
def test_concept_scheme_has_exactly_its_concepts(ontology, scheme, members):
    expected = {NKG[name] for name in members}
    assert (scheme, RDF.type, SKOS.ConceptScheme) in ontology
    assert (scheme, RDF.type, OWL.Class) in ontology
    assert set(ontology.subjects(SKOS.inScheme, scheme)) == expected
    assert set(ontology.subjects(RDF.type, scheme)) == expected
    for concept in expected:
        assert (concept, RDF.type, SKOS.Concept) in ontology


# The alignment contract: outside queries rely on each of these


@pytest.mark.parametrize(
    ("subject", "predicate", "obj"),
    [
        (NKG.Claim, RDFS.subClassOf, SCHEMA.Claim),
        (NKG.Claim, RDFS.subClassOf, PROV.Entity),
        (NKG.claimant, RDFS.subPropertyOf, PROV.wasAttributedTo),
        (NKG.reportedIn, RDFS.subPropertyOf, SCHEMA.appearance),
        (NKG.reportedIn, RDFS.subPropertyOf, PROV.wasDerivedFrom),
        (NKG.withdrawnBy, RDFS.subPropertyOf, PROV.wasInvalidatedBy),
        (NKG.supersedes, RDFS.subPropertyOf, PROV.wasRevisionOf),
        (NKG.Actor, RDFS.subClassOf, PROV.Agent),
        (NKG.Person, RDFS.subClassOf, SCHEMA.Person),
        (NKG.Organisation, RDFS.subClassOf, SCHEMA.Organization),
        (NKG.Event, RDFS.subClassOf, SEM.Event),
        (NKG.Event, RDFS.subClassOf, SCHEMA.Event),
        (NKG.Place, RDFS.subClassOf, SEM.Place),
        (NKG.Place, RDFS.subClassOf, SCHEMA.Place),
        (NKG.Article, RDFS.subClassOf, SCHEMA.NewsArticle),
        (NKG.wikidata, RDFS.subPropertyOf, SCHEMA.sameAs),
        (NKG.Deaths, SKOS.exactMatch, WD.P1120),
        (NKG.Injured, SKOS.exactMatch, WD.P1339),
        (NKG.Population, SKOS.exactMatch, WD.P1082),
        (NKG.hasCause, SKOS.exactMatch, WD.P828),
        (NKG.mention, RDFS.subPropertyOf, GAF.denotedBy),
        (NKG.TimeSpec, RDFS.subClassOf, TIME.TemporalEntity),
        (NKG.Withdrawal, RDFS.subClassOf, PROV.Activity),
    ],
    ids=lambda node: node.n3().rsplit("/", 1)[-1].rsplit("#", 1)[-1].rstrip(">"),
)
def test_alignment_is_asserted(ontology, subject, predicate, obj):
    assert (subject, predicate, obj) in ontology


@pytest.mark.parametrize(
    ("root", "external"),
    [
        (NKG.Actor, PROV.Agent),
        (NKG.Person, SCHEMA.Person),
        (NKG.Organisation, SCHEMA.Organization),
        (NKG.Event, SEM.Event),
        (NKG.Event, SCHEMA.Event),
        (NKG.Place, SEM.Place),
        (NKG.Place, SCHEMA.Place),
    ],
)
def test_every_subclass_reaches_the_external_class(ontology, root, external):
    subclasses = set(ontology.transitive_subjects(RDFS.subClassOf, root))
    assert len(subclasses) >= 1
    for cls in subclasses:
        assert external in set(ontology.transitive_objects(cls, RDFS.subClassOf)), cls


def test_no_equivalent_class_to_an_external_class_and_no_same_as(ontology):
    equivalents = [
        (s, o) for s, o in ontology.subject_objects(OWL.equivalentClass) if not (s in NKG and o in NKG)
    ]
    assert equivalents == []
    assert list(ontology.triples((None, OWL.sameAs, None))) == []


def test_schema_org_is_only_used_over_http(ontology):
    iris = {str(node) for triple in ontology for node in triple if isinstance(node, URIRef)}
    assert [iri for iri in iris if iri.startswith("https://schema.org")] == []


def test_only_verified_wikidata_identifiers_appear(ontology):
    ids = {
        str(node)[len(str(WD)) :]
        for triple in ontology
        for node in triple
        if isinstance(node, URIRef) and node.startswith(str(WD))
    }
    assert ids
    assert {i for i in ids if i.startswith("Q")} - VERIFIED_QIDS == set()
    assert {i for i in ids if i.startswith("P")} - VERIFIED_PIDS == set()
    assert {i for i in ids if not i.startswith(("Q", "P"))} == set()


# Axioms


def test_located_in_is_transitive_within_places(ontology):
    assert (NKG.locatedIn, RDF.type, OWL.TransitiveProperty) in ontology
    assert (NKG.locatedIn, RDFS.domain, NKG.Place) in ontology
    assert (NKG.locatedIn, RDFS.range, NKG.Place) in ontology


def test_located_in_chain_is_rolled_up_by_the_owl_rl_closure(ontology):
    graph = copy_of(ontology)
    graph.add((RES["place/almaty"], NKG.locatedIn, RES["place/kazakhstan"]))
    graph.add((RES["place/kazakhstan"], NKG.locatedIn, RES["place/central-asia"]))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    assert (RES["place/almaty"], NKG.locatedIn, RES["place/central-asia"]) in graph
    assert (RES["place/almaty"], SCHEMA.containedInPlace, RES["place/central-asia"]) in graph
    assert (RES["place/almaty"], RDF.type, SCHEMA.Place) in graph


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (NKG.Actor, NKG.Event),
        (NKG.Actor, NKG.Place),
        (NKG.Event, NKG.Place),
        (NKG.Claim, NKG.Actor),
        (NKG.Office, NKG.Actor),
    ],
)
def test_contract_disjointness_is_declared(ontology, first, second):
    assert (first, OWL.disjointWith, second) in ontology or (second, OWL.disjointWith, first) in ontology


@pytest.mark.parametrize(("first", "second"), [(NKG.Unrest, NKG.Protest), (NKG.Unrest, NKG.Storming),
                                               (NKG.Protest, NKG.Storming)])  # fmt: skip
def test_overlapping_framings_are_not_disjoint(ontology, first, second):
    assert (first, OWL.disjointWith, second) not in ontology
    assert (second, OWL.disjointWith, first) not in ontology


def test_every_event_subclass_carries_one_cameo_code_string(ontology):
    assert (NKG.cameoCode, RDF.type, OWL.AnnotationProperty) in ontology
    event_classes = set(ontology.subjects(RDFS.subClassOf, NKG.Event))
    assert len(event_classes) == 14
    codes = {cls: list(ontology.objects(cls, NKG.cameoCode)) for cls in event_classes}
    assert {cls: c for cls, c in codes.items() if len(c) != 1 or c[0].datatype not in (None, XSD.string)} == {}
    assert codes[NKG.Unrest] == [Literal("145")]
    assert codes[NKG.InternetOutage] == [Literal("")]


@pytest.mark.parametrize(
    ("prop", "datatype"),
    [
        (NKG.earliest, XSD.date),
        (NKG.latest, XSD.date),
        (NKG.charStart, XSD.nonNegativeInteger),
        (NKG.charEnd, XSD.nonNegativeInteger),
        (NKG.value, XSD.integer),
        (NKG.valueKnown, XSD.boolean),
        (NKG.withoutWarning, XSD.boolean),
    ],
)
def test_datatype_property_has_its_xsd_range(ontology, prop, datatype):
    assert (prop, RDF.type, OWL.DatatypeProperty) in ontology
    assert list(ontology.objects(prop, RDFS.range)) == [datatype]


def test_ontology_has_no_blank_nodes_so_no_class_expressions_outside_owl_rl(ontology):
    assert [t for t in ontology if any(isinstance(node, BNode) for node in t)] == []


# Consistency under OWL 2 RL


def test_ontology_and_instance_data_are_consistent_under_owl_rl(ontology):
    graph = copy_of(ontology)
    graph += instance_triples()
    size_before = len(graph)
    assert owl_rl_inconsistencies(graph) == []
    assert len(graph) == size_before  # the check works on a copy


def test_inconsistency_check_reports_a_resource_that_is_both_actor_and_event(ontology):
    graph = copy_of(ontology)
    both = RES["actor/not-an-event"]
    graph.add((both, RDF.type, NKG.Actor))
    graph.add((both, RDF.type, NKG.Event))
    messages = owl_rl_inconsistencies(graph)
    assert len(messages) == 1
    assert str(both) in messages[0] and "disjoint" in messages[0].lower()


def test_inconsistency_check_finds_disjointness_reached_through_subclasses(ontology):
    graph = copy_of(ontology)
    graph.add((RES["actor/tokayev"], RDF.type, NKG.Person))
    graph.add((RES["actor/tokayev"], RDF.type, NKG.Protest))
    assert owl_rl_inconsistencies(graph) != []
