"""Real SPARQL clients against a real server: SPARQLWrapper, and rdflib's SPARQLStore / SPARQLUpdateStore.

The `server` fixture (tests/conftest.py) serves the article and the other outlets' reports (SHIPPED_CLAIMS claims, counted from graph/). Writes carry the bearer token; rdflib's
SPARQLConnector passes extra keyword arguments (here `headers=`) to every request it makes.
"""

from __future__ import annotations

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from newskg_test_servers import RunningServer
from shipped_data import shipped_claim_count
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

SHIPPED_CLAIMS = shipped_claim_count()

NKG = "https://w3id.org/newskg/ontology#"
CLAIMS = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{NKG}Claim> }}"
TOKEN_HEADERS = {"Authorization": "Bearer test-token"}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_select(server, method, return_format):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(CLAIMS)
    client.setMethod(method)
    client.setReturnFormat(return_format)
    result = client.query()
    if return_format == JSON:
        assert result.response.headers["Content-Type"].startswith("application/sparql-results+json")
        assert result.convert()["results"]["bindings"][0]["n"]["value"] == str(SHIPPED_CLAIMS)
    else:
        assert result.response.headers["Content-Type"].startswith("application/sparql-results+xml")
        document = result.convert()
        assert document.getElementsByTagName("literal")[0].firstChild.data == str(SHIPPED_CLAIMS)


def test_sparqlwrapper_ask_and_construct(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(f"ASK {{ ?c a <{NKG}Claim> }}")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery(f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == SHIPPED_CLAIMS


def test_sparqlwrapper_update_needs_the_token(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setMethod(POST)
    client.setQuery("INSERT DATA { <urn:x:s> <urn:x:p> 'from SPARQLWrapper' }")
    with pytest.raises(Exception) as refused:
        client.query()
    assert "401" in str(refused.value)
    client.addCustomHttpHeader("Authorization", "Bearer test-token")
    client.query()
    client.clearCustomHttpHeader("Authorization")
    client.setMethod("GET")
    client.setQuery("ASK { <urn:x:s> <urn:x:p> 'from SPARQLWrapper' }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_rdflib_sparqlstore_queries(server):
    store = SPARQLStore(server.url + "/sparql")
    graph = rdflib.Graph(store)
    rows = list(graph.query(CLAIMS))
    assert int(rows[0][0]) == SHIPPED_CLAIMS
    assert graph.query(f"ASK {{ ?c a <{NKG}Claim> }}").askAnswer is True
    constructed = graph.query(f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}").graph
    assert len(constructed) == SHIPPED_CLAIMS
    assert (None, rdflib.RDF.type, URIRef(NKG + "Claim")) in graph


def test_rdflib_sparqlupdatestore_updates_with_the_bearer_token(server):
    endpoint = server.url + "/sparql"
    refused = SPARQLUpdateStore(endpoint, endpoint)
    with pytest.raises(Exception) as error:
        refused.update("INSERT DATA { <urn:x:a> <urn:x:b> 'no token' }")
    assert "401" in str(error.value)

    store = SPARQLUpdateStore(endpoint, endpoint, headers=TOKEN_HEADERS)
    store.update("INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> 'with token' } }")
    graph = rdflib.Graph(store, identifier=URIRef("urn:x:g"))
    graph.add((URIRef("urn:x:a"), URIRef("urn:x:c"), Literal(42)))
    assert set(graph.objects(URIRef("urn:x:a"), None)) == {Literal("with token"), Literal(42)}
    graph.remove((URIRef("urn:x:a"), URIRef("urn:x:c"), None))
    assert set(graph.objects(URIRef("urn:x:a"), None)) == {Literal("with token")}
    store.update("DROP GRAPH <urn:x:g>")
    assert SPARQLStore(endpoint).query("ASK { GRAPH <urn:x:g> { ?s ?p ?o } }").askAnswer is False


# What SPARQLWrapper sends for each return format (its own format=/output=/results= parameters, twice for TSV,
# JSON-LD and RDF/XML, and its Accept header), for every query form: each must be answered and parse as that format.
FORMS = {
    "SELECT": f"SELECT ?c WHERE {{ ?c a <{NKG}Claim> }}",
    "ASK": f"ASK {{ ?c a <{NKG}Claim> }}",
    "CONSTRUCT": f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}",
    "DESCRIBE": "DESCRIBE <https://w3id.org/newskg/id/actor/tokayev>",
}
RESULT_RETURN_FORMATS = ["json", "xml", "csv", "tsv"]
GRAPH_RETURN_FORMATS = ["xml", "rdf+xml", "turtle", "n3", "json-ld"]


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """One read-only server for the format tests of this module."""
    running = RunningServer(tmp_path_factory.mktemp("formats") / "store")
    yield running
    running.stop()


def _check_graph(result, return_format: str, form: str) -> None:
    syntax = {"xml": "xml", "rdf+xml": "xml", "turtle": "turtle", "n3": "n3", "json-ld": "json-ld"}[return_format]
    body = result.response.read()
    graph = rdflib.Graph().parse(data=body, format=syntax)
    if form == "CONSTRUCT":
        assert len(graph) == SHIPPED_CLAIMS
    else:
        assert (URIRef("https://w3id.org/newskg/id/actor/tokayev"), None, None) in graph


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("form, return_format",
                         [(f, r) for f in ("SELECT", "ASK") for r in RESULT_RETURN_FORMATS]
                         + [(f, r) for f in ("CONSTRUCT", "DESCRIBE") for r in GRAPH_RETURN_FORMATS])
def test_sparqlwrapper_every_return_format_for_every_query_form(reader, method, form, return_format):
    client = SPARQLWrapper(reader.url + "/sparql")
    client.setQuery(FORMS[form])
    client.setMethod(method)
    client.setReturnFormat(return_format)
    result = client.query()
    assert result.response.status == 200
    if form in ("CONSTRUCT", "DESCRIBE"):
        _check_graph(result, return_format, form)
        return
    converted = result.convert()
    if return_format == "json":
        assert converted.get("boolean") is True if form == "ASK" else len(converted["results"]["bindings"]) == SHIPPED_CLAIMS
    elif return_format == "xml":
        tag = "boolean" if form == "ASK" else "result"
        found = converted.getElementsByTagName(tag)
        assert (found[0].firstChild.data == "true") if form == "ASK" else len(found) == SHIPPED_CLAIMS
    else:
        text = converted.decode() if isinstance(converted, bytes) else converted
        lines = [line for line in text.splitlines() if line.strip()]
        assert lines[-1].strip().lower() == "true" if form == "ASK" else len(lines) == SHIPPED_CLAIMS + 1
