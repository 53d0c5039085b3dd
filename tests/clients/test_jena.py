"""Apache Jena's command-line tools (Debian's libapache-jena-java 4.5.0, jena-cmds) against a real server.

`rsparql --service URL` sends a query to the endpoint (GET, or POST of application/sparql-query with --post), asks for
SPARQL JSON results first (Turtle for CONSTRUCT and DESCRIBE), parses our answer and writes it out in the --results
format asked for. `sparql` (arq) runs a query locally and sends its SERVICE blocks to us. Each run starts a JVM (about
a second), so the forms and formats are spread over few runs.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pytest
import rdflib
from shipped_data import shipped_claim_count

SHIPPED_CLAIMS = shipped_claim_count()

NKG = "https://w3id.org/newskg/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"
TOKAYEV = "https://w3id.org/newskg/id/actor/tokayev"
CLAIMS = f"SELECT ?c WHERE {{ ?c a <{NKG}Claim> }}"


def rsparql(jena, server, tmp_path, query: str, results: str | None = None, *, post: bool = False) -> str:
    query_file = tmp_path / "query.rq"
    query_file.write_text(query)
    args = ["--service", server.url + "/sparql", "--query", str(query_file)]
    args += ["--results", results] if results else []
    args += ["--post"] if post else []
    return jena.run("arq.rsparql", *args).stdout


def _select_rows(output: str, results: str) -> list[str]:
    """The ?c values of a SELECT written by rsparql in each --results format."""
    if results == "json":
        return [b["c"]["value"] for b in json.loads(output)["results"]["bindings"]]
    if results == "xml":
        return [u.text for u in ET.fromstring(output).iter(SPARQL_RESULTS + "uri")]
    if results == "csv":
        rows = list(csv.reader(io.StringIO(output)))
        assert rows[0] == ["c"]
        return [row[0] for row in rows[1:]]
    if results == "tsv":
        lines = output.splitlines()
        assert lines[0] == "?c"
        return [line.strip("<>") for line in lines[1:] if line]
    # text: a table framed by dashes, one "| <iri> |" row per solution
    return [line.strip("| ").strip("<>") for line in output.splitlines() if line.startswith("| <")]


@pytest.mark.parametrize("results", ["json", "xml", "csv", "tsv", "text"])
def test_rsparql_select_in_every_result_format(jena, read_server, tmp_path, results):
    rows = _select_rows(rsparql(jena, read_server, tmp_path, CLAIMS, results), results)
    assert len(rows) == len(set(rows)) == SHIPPED_CLAIMS
    assert all(row.startswith("https://w3id.org/newskg/id/claim/") for row in rows)


@pytest.mark.parametrize("results", ["json", "xml"])
def test_rsparql_ask(jena, read_server, tmp_path, results):
    output = rsparql(jena, read_server, tmp_path, f"ASK {{ ?c a <{NKG}Claim> }}", results)
    if results == "json":
        assert json.loads(output)["boolean"] is True
    else:
        assert ET.fromstring(output).find(SPARQL_RESULTS + "boolean").text == "true"


def test_rsparql_construct(jena, read_server, tmp_path):
    query = f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}"
    graph = rdflib.Graph().parse(data=rsparql(jena, read_server, tmp_path, query, "N-Triples"), format="nt")
    assert len(graph) == SHIPPED_CLAIMS
    assert set(graph.predicates()) == {rdflib.RDF.type}


def test_rsparql_describe(jena, read_server, tmp_path):
    output = rsparql(jena, read_server, tmp_path, f"DESCRIBE <{TOKAYEV}>", "Turtle")
    graph = rdflib.Graph().parse(data=output, format="turtle")
    assert (rdflib.URIRef(TOKAYEV), rdflib.RDF.type, rdflib.URIRef(NKG + "Person")) in graph


# Java's HttpClient offers HTTP/2 on every cleartext request (Connection: Upgrade, HTTP2-Settings; Upgrade: h2c).
# uvicorn's httptools parser then stops at the end of the headers and drops the body
# (https://github.com/Kludex/uvicorn/issues/2722); `newskg serve` runs newskg.web.http_protocol, which ignores the offer.
@pytest.mark.parametrize("form", ["SELECT", "CONSTRUCT"])
def test_rsparql_post(jena, read_server, tmp_path, form):
    """`rsparql --post` sends the query as an application/sparql-query body."""
    query = {"SELECT": CLAIMS, "CONSTRUCT": f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}"}[form]
    output = rsparql(jena, read_server, tmp_path, query, "N-Triples" if form == "CONSTRUCT" else "json", post=True)
    if form == "SELECT":
        assert len(_select_rows(output, "json")) == SHIPPED_CLAIMS
    else:
        assert len(rdflib.Graph().parse(data=output, format="nt")) == SHIPPED_CLAIMS


FACT_CHECKS = "urn:example:fact-checks#"


def _label(endpoint: str, iri: str) -> str:
    query = f"SELECT ?l WHERE {{ <{iri}> <{RDFS_LABEL}> ?l }}"
    response = httpx.get(endpoint, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    return response.json()["results"]["bindings"][0]["l"]["value"]


def test_arq_joins_local_data_with_our_endpoint_through_service(jena, read_server, tmp_path):
    """`sparql --data` holds ratings of two claims and of an IRI that is no claim here; SERVICE brings the claims and
    their labels from us (Jena sends the SERVICE block by GET). Only the join of both gives the rows."""
    endpoint = f"{read_server.url}/sparql"
    data = tmp_path / "fact-checks.ttl"
    data.write_text(f"""
        @prefix fc: <{FACT_CHECKS}> .
        <https://w3id.org/newskg/id/claim/nos-2412433-01> fc:rating "accurate" .
        <https://w3id.org/newskg/id/claim/nrc-4076105-02> fc:rating "misleading" .
        <https://w3id.org/newskg/id/claim/no-such-claim> fc:rating "false" .
    """)
    query = tmp_path / "join.rq"
    query.write_text(f"""SELECT ?claim ?label ?rating WHERE {{
        ?claim <{FACT_CHECKS}rating> ?rating .
        SERVICE <{endpoint}> {{ ?claim a <{NKG}Claim> ; <{RDFS_LABEL}> ?label }}
    }}""")
    output = jena.run("arq.sparql", "--data", str(data), "--query", str(query), "--results", "json").stdout
    rows = {(b["claim"]["value"], b["label"]["value"], b["rating"]["value"])
            for b in json.loads(output)["results"]["bindings"]}
    assert rows == {(iri, _label(endpoint, iri), rating) for iri, rating in [
        ("https://w3id.org/newskg/id/claim/nos-2412433-01", "accurate"),
        ("https://w3id.org/newskg/id/claim/nrc-4076105-02", "misleading"),
    ]}
