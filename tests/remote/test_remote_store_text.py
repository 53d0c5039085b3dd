"""RemoteSparqlStore's pure parts, without a server: query forms, Virtuoso's rewrites and result quirks."""

import json

import pyoxigraph as ox
import pytest

from newskg.core.errors import QuerySyntaxError, StoreError
from newskg.stores.remote import _normalise_json_results, graph_constants_to_filters, query_form, virtuoso_update_text


def test_query_form_skips_prologue_iris_strings_and_comments():
    assert query_form("PREFIX ask: <http://x/select#> # construct\nSELECT * WHERE { ?s ?p 'ask' }") == "select"
    assert query_form("BASE <http://x/> ASK { ?s ?p ?o }") == "ask"
    assert query_form("construct { ?s ?p ?o } where { ?s ?p ?o }") == "construct"
    with pytest.raises(QuerySyntaxError):
        query_form("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_virtuoso_rewrites_blank_node_insert_data_drop_and_delete_where():
    text = virtuoso_update_text(
        'DELETE WHERE { GRAPH <urn:s> { <urn:k> <urn:h> ?h } } ;\n'
        'INSERT DATA { GRAPH <urn:s> { <urn:k> <urn:h> "DROP { _:x }" } } ;\n'
        'INSERT DATA { _:b <urn:p> 1 } ; DROP SILENT GRAPH <urn:g>'
    )
    assert text == (
        'DELETE { GRAPH <urn:s> { <urn:k> <urn:h> ?h } } WHERE { GRAPH ?nkgGraph1 { <urn:k> <urn:h> ?h } '
        'FILTER(?nkgGraph1 = <urn:s>) } ;\n'
        'INSERT DATA { GRAPH <urn:s> { <urn:k> <urn:h> "DROP { _:x }" } } ;\n'
        'INSERT { _:b <urn:p> 1 } WHERE {} ; CLEAR SILENT GRAPH <urn:g>'
    )


def test_constant_graphs_in_templates_stay_and_in_patterns_become_filters():
    update = "DELETE { GRAPH <urn:i> { ?s ?p ?o } } WHERE { GRAPH <urn:i> { ?s ?p ?o } }"
    assert virtuoso_update_text(update) == (
        "DELETE { GRAPH <urn:i> { ?s ?p ?o } } WHERE { GRAPH ?nkgGraph1 { ?s ?p ?o } FILTER(?nkgGraph1 = <urn:i>) }"
    )
    assert graph_constants_to_filters("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }") == "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"


def test_virtuoso_json_results_are_normalised_before_parsing():
    body = json.dumps({"head": {"vars": ["b", "n", "x"]}, "results": {"bindings": [{
        "b": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "1"},
        "n": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "5"},
        "x": {"type": "bnode", "value": "nodeID://b10000"},
    }]}}).encode()
    (row,) = list(ox.parse_query_results(_normalise_json_results(body), ox.QueryResultsFormat.JSON))
    assert row["b"] == ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    assert row["n"].value == "5" and isinstance(row["x"], ox.BlankNode)
    ask = ox.parse_query_results(_normalise_json_results(b'{"head": {}, "boolean": 1}'), ox.QueryResultsFormat.JSON)
    assert bool(ask) is True


def test_drop_all_is_refused_on_virtuoso_where_it_would_remove_the_system_graphs():
    for update in ("DROP SILENT ALL", "CLEAR ALL", "DROP ALL ; INSERT DATA { <urn:a> <urn:b> 1 }"):
        with pytest.raises(StoreError):
            virtuoso_update_text(update)
