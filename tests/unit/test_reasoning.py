"""OWL 2 RL reasoning: both engines agree on the article, and inconsistencies are found."""

from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, URIRef

from newskg.core.rdfio import parse_rdf_file
from newskg.writes.reasoning import entailments

ROOT = Path(__file__).resolve().parents[2]
NKG = "https://w3id.org/newskg/ontology#"


@pytest.fixture(scope="module")
def ontology():
    return rdflib.Graph().parse(ROOT / "ontology" / "newskg.ttl")


@pytest.fixture(scope="module")
def article():
    dataset = parse_rdf_file(ROOT / "graph" / "nunl-6177422.trig")
    graph = rdflib.Graph()
    for triple in dataset.default_graph:
        graph.add(triple)
    return graph


def test_owlrl_and_reasonable_infer_the_same_data_level_triples(article, ontology):
    reference = entailments(article, ontology, "owlrl")
    fast = entailments(article, ontology, "reasonable")
    assert reference.triples == fast.triples
    assert len(reference.triples) > 100
    assert reference.inconsistencies == fast.inconsistencies == []


def test_entailments_include_the_alignments(article, ontology):
    inferred = entailments(article, ontology, "reasonable").triples
    tokayev = URIRef("https://w3id.org/newskg/id/actor/tokayev")
    assert (tokayev, RDF.type, URIRef("http://www.w3.org/ns/prov#Agent")) in inferred
    claim = URIRef("https://w3id.org/newskg/id/claim/nunl-6177422-14")
    assert (claim, URIRef("http://www.w3.org/ns/prov#wasAttributedTo"), tokayev) in inferred
    assert all(not str(s).startswith(NKG) for s, _, _ in inferred), "schema-level triples must be left out"


@pytest.mark.parametrize("engine", ["owlrl", "reasonable"])
def test_disjoint_classes_make_the_graph_inconsistent(article, ontology, engine):
    data = rdflib.Graph()
    for triple in article:
        data.add(triple)
    data.add((URIRef("urn:x:both"), RDF.type, URIRef(NKG + "Person")))
    data.add((URIRef("urn:x:both"), RDF.type, URIRef(NKG + "Protest")))
    problems = entailments(data, ontology, engine).inconsistencies
    assert len(problems) == 1 and "urn:x:both" in problems[0] and "cax-dw" in problems[0]
