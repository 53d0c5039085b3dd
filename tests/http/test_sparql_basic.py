"""The /sparql endpoint and /health over a real on-disk store, in-process (TestClient)."""

import csv
import io
import json

import rdflib
from shipped_data import shipped_claim_count

SHIPPED_CLAIMS = shipped_claim_count()

NKG = "https://w3id.org/newskg/ontology#"
CLAIMS = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{NKG}Claim> }}"


def test_select_json_counts_the_article_claims(client):
    response = client.get("/sparql", params={"query": CLAIMS})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert response.json()["results"]["bindings"][0]["n"]["value"] == str(SHIPPED_CLAIMS)


def test_select_by_post_form_and_direct_body_agree(client):
    form = client.post("/sparql", data={"query": CLAIMS}, headers={"Accept": "text/csv"})
    direct = client.post(
        "/sparql", content=CLAIMS, headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"}
    )
    assert form.status_code == direct.status_code == 200
    assert form.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(form.text))) == [["n"], [str(SHIPPED_CLAIMS)]] == list(csv.reader(io.StringIO(direct.text)))


def test_select_xml_and_tsv(client):
    xml = client.get("/sparql", params={"query": CLAIMS, "format": "xml"})
    assert xml.headers["content-type"].startswith("application/sparql-results+xml") and "<sparql" in xml.text
    tsv = client.get("/sparql", params={"query": CLAIMS}, headers={"Accept": "text/tab-separated-values"})
    assert tsv.text.splitlines()[0] == "?n"


def test_ask(client):
    response = client.get("/sparql", params={"query": f"ASK {{ ?c a <{NKG}Claim> }}"})
    assert response.json() == {"head": {}, "boolean": True}


def test_construct_as_turtle_parses_back(client):
    query = f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=response.text, format="turtle")) == SHIPPED_CLAIMS


def test_describe_as_jsonld(client):
    query = "DESCRIBE <https://w3id.org/newskg/id/claim/nunl-6177422-16>"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="json-ld")
    assert (None, rdflib.URIRef(NKG + "status"), rdflib.URIRef(NKG + "Withdrawn")) in graph


def test_syntax_error_is_400_with_line_and_column(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p }"})
    assert response.status_code == 400
    body = response.json()
    assert body["line"] == 2 and body["column"] > 0 and "message" in body


def test_select_with_turtle_accept_is_406(client):
    response = client.get("/sparql", params={"query": CLAIMS}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406


def test_post_with_unknown_content_type_is_415(client):
    response = client.post("/sparql", content=CLAIMS, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_body_past_the_limit_is_413(client):
    limit = client.app.state.kg.settings.max_body_bytes
    response = client.post(
        "/sparql", content=b"#" * (limit + 1), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413


def test_health_reports_triple_counts(client):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["named_graphs"] >= SHIPPED_CLAIMS
    assert body["triples"] == sum(body["graphs"].values()) > 1000
    assert json.dumps(body)


def test_repeated_queries_are_cached_until_a_write(client):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    first = client.get("/sparql", params={"query": query}).json()
    hits = client.get("/health").json()["result_cache"]["hits"]
    assert client.get("/sparql", params={"query": query}).json() == first
    assert client.get("/health").json()["result_cache"]["hits"] == hits + 1
    client.post(
        "/sparql",
        data={"update": "INSERT DATA { <urn:x:cache> <urn:x:p> 1 }"},
        headers={"Authorization": "Bearer test-token"},
    )
    after = client.get("/sparql", params={"query": query}).json()
    n = lambda body: int(body["results"]["bindings"][0]["n"]["value"])  # noqa: E731
    assert n(after) == n(first) + 1


def test_volatile_queries_are_not_cached(client):
    query = "SELECT (RAND() AS ?r) WHERE {}"
    values = {client.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]["r"]["value"] for _ in range(3)}
    assert len(values) == 3
