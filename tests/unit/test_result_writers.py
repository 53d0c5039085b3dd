"""Our SPARQL JSON results writer gives what pyoxigraph's own serializer gives, for every kind of term."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from newskg.sparql.results import solutions_json

EX = "http://example.org/"
TERMS = [
    ox.NamedNode(EX + "a?b=c&d#é"),
    ox.BlankNode("b1"),
    ox.Literal("plain \"quoted\" \\ back\nline\ttab \u0001 control"),
    ox.Literal("Almaty ∀ \U0001F600", language="nl-NL"),
    ox.Literal("2022-01-05", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
    ox.Literal("164", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ox.Literal("</script>"),
    ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o", language="en")),
]


@pytest.mark.parametrize("term", TERMS, ids=lambda t: type(t).__name__ + ":" + str(t)[:20])
def test_each_term_is_written_as_pyoxigraph_writes_it(term):
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), term))
    query = "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?s <urn:none> ?unbound } }"
    reference = json.loads(store.query(query).serialize(format=ox.QueryResultsFormat.JSON))
    result = store.query(query)
    variables = [v.value for v in result.variables]
    ours = json.loads(solutions_json(variables, [tuple(solution) for solution in result]))
    assert ours == reference


def test_many_rows_and_no_rows():
    rows = [(ox.NamedNode(f"{EX}{i}"), None if i % 2 else ox.Literal(str(i))) for i in range(50)]
    written = json.loads(solutions_json(["x", "y"], rows))
    assert written["head"] == {"vars": ["x", "y"]}
    assert len(written["results"]["bindings"]) == 50 and written["results"]["bindings"][1] == {"x": {"type": "uri", "value": EX + "1"}}
    assert json.loads(solutions_json(["x"], [])) == {"head": {"vars": ["x"]}, "results": {"bindings": []}}
