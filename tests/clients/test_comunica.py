"""Comunica (@comunica/query-sparql from npm, its comunica-sparql command line) against a real server.

Comunica takes a source either typed (`sparql@URL`) or bare, and then identifies it: it fetches the URL asking for RDF,
and a SPARQL Service Description naming an sd:endpoint makes it a SPARQL endpoint (a bare URL ending in /sparql is taken
for one even without it). It also joins several sources itself (federation).
"""

from __future__ import annotations

import json

import httpx
import pytest
import rdflib
from newskg_test_servers import LoopbackServer
from shipped_data import shipped_claim_count

SHIPPED_CLAIMS = shipped_claim_count()

NKG = "https://w3id.org/newskg/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
CLAIMS = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{NKG}Claim> }}"
RESULTS_JSON = "application/sparql-results+json"


def _count(output: str) -> int:
    return int(json.loads(output)["results"]["bindings"][0]["n"]["value"])


def test_comunica_select_counts_the_claims(comunica, read_server):
    done = comunica.run([f"sparql@{read_server.url}/sparql"], CLAIMS, RESULTS_JSON, log=True)
    assert _count(done.stdout) == SHIPPED_CLAIMS
    assert f"Requesting {read_server.url}/sparql?query=" in done.stderr  # the whole query sent by GET


def test_comunica_posts_a_long_query(comunica, read_server):
    """Past 600 characters of URL Comunica sends the query by POST (an HTML form body) instead of GET."""
    padding = " ".join(f"FILTER(?c != <urn:x:not-a-claim-{i}>)" for i in range(20))
    query = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{NKG}Claim> {padding} }}"
    done = comunica.run([f"sparql@{read_server.url}/sparql"], query, RESULTS_JSON, log=True)
    assert _count(done.stdout) == SHIPPED_CLAIMS
    assert "method: 'POST'" in done.stderr


def test_comunica_ask(comunica, read_server):
    source = f"sparql@{read_server.url}/sparql"
    assert json.loads(comunica.run([source], f"ASK {{ ?c a <{NKG}Claim> }}", RESULTS_JSON).stdout)["boolean"] is True
    assert json.loads(comunica.run([source], "ASK { ?s <urn:x:nothing> ?o }", RESULTS_JSON).stdout)["boolean"] is False


def test_comunica_construct_and_describe(comunica, read_server):
    source = f"sparql@{read_server.url}/sparql"
    construct = f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}"
    graph = rdflib.Graph().parse(data=comunica.run([source], construct, "application/n-triples").stdout, format="nt")
    assert len(graph) == SHIPPED_CLAIMS
    tokayev = rdflib.URIRef("https://w3id.org/newskg/id/actor/tokayev")
    described = comunica.run([source], f"DESCRIBE <{tokayev}>", "text/turtle").stdout
    graph = rdflib.Graph().parse(data=described, format="turtle")
    assert (tokayev, rdflib.RDF.type, rdflib.URIRef(NKG + "Person")) in graph


def test_comunica_auto_detects_the_endpoint(comunica, read_server):
    """Given the bare endpoint URL, Comunica fetches it for RDF (our Service Description) and queries it as SPARQL."""
    endpoint = f"{read_server.url}/sparql"
    done = comunica.run([endpoint], CLAIMS, RESULTS_JSON, log=True)
    assert f"Identified {endpoint} as sparql source" in done.stderr
    assert _count(done.stdout) == SHIPPED_CLAIMS


def test_comunica_recognises_the_service_description_itself(comunica, read_server):
    """`/sparql?` is the same resource but does not end in /sparql, so only the Service Description can make it a
    SPARQL source: Comunica keeps the SD's triples about the fetched URL or about blank nodes, finds sd:endpoint there
    and sends the query to that endpoint. Unrecognised, it would read the description as a plain RDF file (0 claims)."""
    endpoint = f"{read_server.url}/sparql"
    done = comunica.run([endpoint + "?"], CLAIMS, RESULTS_JSON, log=True)
    assert f"as sparql source with service URL: {endpoint} " in done.stderr, done.stderr[-2000:]
    assert _count(done.stdout) == SHIPPED_CLAIMS


FACT_CHECKS = "urn:example:fact-checks#"


class TurtleFile(LoopbackServer):
    """A plain HTTP server on loopback serving one Turtle document at `path` (a second, non-SPARQL source)."""

    def __init__(self, turtle: str, path: str = "/fact-checks.ttl"):
        from http.server import BaseHTTPRequestHandler

        self.path = path
        body = turtle.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.split("?")[0] != path:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_HEAD(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle; charset=utf-8")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.serve(Handler)


@pytest.fixture
def fact_checks(read_server):
    """A second source on loopback: a plain Turtle file rating two shipped claims and one IRI that is no claim here."""
    turtle = f"""
        @prefix fc: <{FACT_CHECKS}> .
        <https://w3id.org/newskg/id/claim/nos-2412433-01> fc:rating "accurate" .
        <https://w3id.org/newskg/id/claim/nrc-4076105-02> fc:rating "misleading" .
        <https://w3id.org/newskg/id/claim/no-such-claim> fc:rating "false" ; <{RDFS_LABEL}> "not in newskg" .
    """
    server = TurtleFile(turtle)
    yield server
    server.close()


def _label(endpoint: str, iri: str) -> str:
    query = f"SELECT ?l WHERE {{ <{iri}> <{RDFS_LABEL}> ?l }}"
    response = httpx.get(endpoint, params={"query": query}, headers={"Accept": RESULTS_JSON})
    return response.json()["results"]["bindings"][0]["l"]["value"]


@pytest.mark.parametrize("typed", [True, False], ids=["sparql@", "auto-detected"])
def test_comunica_federates_our_endpoint_with_a_turtle_file(comunica, read_server, fact_checks, typed):
    """The claim type and label come from our endpoint, the rating from the file: only Comunica's join of both gives
    the rows (the unknown IRI has a label and a rating in the file, but is no nkg:Claim in newskg)."""
    endpoint = f"{read_server.url}/sparql"
    query = f"""SELECT ?claim ?label ?rating WHERE {{
        ?claim a <{NKG}Claim> ; <{RDFS_LABEL}> ?label ; <{FACT_CHECKS}rating> ?rating }}"""
    done = comunica.run([f"sparql@{endpoint}" if typed else endpoint, fact_checks.url], query, RESULTS_JSON, log=True)
    rows = {(b["claim"]["value"], b["label"]["value"], b["rating"]["value"])
            for b in json.loads(done.stdout)["results"]["bindings"]}
    expected = {(iri, _label(endpoint, iri), rating) for iri, rating in [
        ("https://w3id.org/newskg/id/claim/nos-2412433-01", "accurate"),
        ("https://w3id.org/newskg/id/claim/nrc-4076105-02", "misleading"),
    ]}
    assert rows == expected
    assert f"Requesting {endpoint}" in done.stderr and f"Requesting {fact_checks.url}" in done.stderr
