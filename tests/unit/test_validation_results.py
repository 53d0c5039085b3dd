"""validation.validate: which results it keeps, in context and in plain SHACL, and that its reused ontology graph
keeps nothing of one run for the next."""

import rdflib

from newskg.writes import validation
from newskg.writes.validation import validate

SHAPES = rdflib.Graph().parse(format="turtle", data="""
@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:x:named> a sh:NodeShape ; sh:targetNode <urn:x:thing> ;
    sh:property [ sh:path <urn:x:p> ; sh:maxCount 1 ; sh:message "at most one p" ] .
<urn:x:typed> a sh:NodeShape ; sh:targetClass <urn:x:C> ;
    sh:property [ sh:path <urn:x:label> ; sh:minCount 1 ; sh:severity sh:Warning ; sh:message "a label" ] .
""")
ONTOLOGY = rdflib.Graph().parse(format="turtle", data="""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:x:D> rdfs:subClassOf <urn:x:C> .
""")


def _graph(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(format="turtle", data=text)


def _found(report) -> set[tuple[str, str]]:
    return {(r.focus_node, r.message) for r in report.results}


def _run(data, context=None):
    return validate(_graph(data), SHAPES, ontology=ONTOLOGY, context=_graph(context) if context else None,
                    advanced=False)


def test_a_node_only_pointed_at_is_reported_but_not_its_old_problem():
    context = "<urn:x:thing> <urn:x:p> 1, 2 ."  # stored, already two values
    assert _found(_run("<urn:x:a> <urn:x:q> <urn:x:thing> .", context)) == set()
    alone = _run("<urn:x:a> <urn:x:q> <urn:x:thing> . <urn:x:thing> <urn:x:p> 1, 2 .")
    assert _found(alone) == {("urn:x:thing", "at most one p")} and not alone.conforms
    # a second value added by the candidate to a stored node is the candidate's problem
    added = _run("<urn:x:thing> <urn:x:p> 2 .", "<urn:x:thing> <urn:x:p> 1 .")
    assert _found(added) == {("urn:x:thing", "at most one p")}


def test_a_context_that_already_holds_the_candidate_still_reports_it():
    """After an update the context is read from the updated copy: the candidate's triples are in it too."""
    data = "<urn:x:thing> <urn:x:p> 1, 2 ."
    assert _found(_run(data, data + " <urn:x:thing> <urn:x:other> 3 .")) == {("urn:x:thing", "at most one p")}


def test_warnings_do_not_block_in_context_but_plain_shacl_does_not_conform():
    data = "<urn:x:e> a <urn:x:D> ."  # a C through the ontology's subClassOf, without a label
    in_context = _run(data)
    assert _found(in_context) == {("urn:x:e", "a label")} and in_context.conforms
    plain = validate(_graph(data), SHAPES, advanced=False, plain=True)
    assert plain.results == [] and plain.conforms  # no ontology: <urn:x:D> is no <urn:x:C>
    plain = validate(_graph("<urn:x:e> a <urn:x:C> ."), SHAPES, advanced=False, plain=True)
    assert _found(plain) == {("urn:x:e", "a label")} and not plain.conforms


def test_the_reused_ontology_graph_keeps_nothing_between_runs():
    assert not _run("<urn:x:thing> <urn:x:p> 1, 2 .").conforms
    _, graph, size = validation._WITH_ONTOLOGY.entry
    assert size == len(ONTOLOGY) and len(graph) == size
    assert _run("<urn:x:thing> <urn:x:p> 1 .").conforms  # the values of the first run are gone
    assert validation._WITH_ONTOLOGY.entry[1] is graph and len(graph) == size
