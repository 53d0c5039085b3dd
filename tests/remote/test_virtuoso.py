"""The knowledge graph over OpenLink Virtuoso through RemoteSparqlStore: every feature, against a real server."""

from __future__ import annotations

from pathlib import Path

import httpx

from newskg.kg import KnowledgeGraph
from shipped_data import shipped_claim_count

from .conftest import remote_env

SHIPPED_CLAIMS = shipped_claim_count()

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OK = (FIXTURES / "assertion-ok.trig").read_bytes()
BAD = (FIXTURES / "assertion-bad.trig").read_bytes()
TRIG = {"Content-Type": "application/trig"}
AUTH = {"Authorization": "Bearer test-token"}
NKG = "https://w3id.org/newskg/ontology#"
CLAIMS = f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c a <{NKG}Claim> }}"
FIGURE_14 = "https://w3id.org/newskg/id/figure/nunl-6177422-14"


def _count(client, query=CLAIMS, **params) -> int:
    response = client.get("/sparql", params={"query": query, **params})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def _total(client) -> int:
    return client.get("/health").json()["triples"]


def test_seed_loads_into_virtuoso_and_the_shipped_claims_are_counted(remote_client):
    assert _count(remote_client) == SHIPPED_CLAIMS
    health = remote_client.get("/health").json()
    assert health["store"]["engine"] == "RemoteSparqlStore"
    graphs = health["graphs"]
    assert "https://w3id.org/newskg/graph/shapes" in graphs and graphs["https://w3id.org/newskg/graph/inferred"] > 0
    assert not any("openlinksw" in g or "urn:x-newskg" in g for g in graphs), "Virtuoso's own graphs are hidden"


def test_results_come_back_in_every_format_with_virtuosos_quirks_smoothed(remote_client):
    ask = remote_client.get("/sparql", params={"query": f"ASK {{ ?c a <{NKG}Claim> }}"})
    assert ask.json()["boolean"] is True
    typed = remote_client.get("/sparql", params={"query": f"SELECT ?k WHERE {{ GRAPH ?g {{ <{FIGURE_14}> <{NKG}valueKnown> ?k }} }}"})
    (row,) = typed.json()["results"]["bindings"]
    assert row["k"] == {"type": "literal", "datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "true"}
    csv = remote_client.get("/sparql", params={"query": CLAIMS}, headers={"Accept": "text/csv"})
    assert csv.status_code == 200 and csv.text.splitlines() == ["n", str(SHIPPED_CLAIMS)]
    construct = remote_client.get(
        "/sparql", params={"query": f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}"},
        headers={"Accept": "text/turtle"},
    )
    assert construct.status_code == 200 and construct.text.count("nunl-6177422-") == 23  # the article's claims
    syntax = remote_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert syntax.status_code == 400
    assert remote_client.app.state.kg.store._loop_queries is not None  # asked on the server's loop, not in threads


def test_an_assertion_is_accepted_and_a_bad_one_refused_with_nothing_written(remote_client):
    before = _total(remote_client)
    refused = remote_client.post("/assertions", content=BAD, headers={**TRIG, **AUTH})
    assert refused.status_code == 422, refused.text
    assert _total(remote_client) == before
    accepted = remote_client.post("/assertions", content=OK, headers={**TRIG, **AUTH})
    assert accepted.status_code == 201, accepted.text
    assert _count(remote_client) == SHIPPED_CLAIMS + 1
    record = remote_client.get(accepted.headers["location"]).json()
    assert record["status"] != "retracted" and "7939" in record["content"]
    again = remote_client.post("/assertions", content=OK, headers={**TRIG, **AUTH})
    assert again.status_code == 200
    # its entailments were written with it
    query = ("SELECT ?v WHERE { <https://w3id.org/newskg/id/claim/test-knb-arrests> "
             "<http://www.w3.org/ns/prov#wasAttributedTo> ?v }")
    rows = remote_client.get("/sparql", params={"query": query, "infer": "true"}).json()["results"]["bindings"]
    assert [r["v"]["value"] for r in rows] == ["https://w3id.org/newskg/id/actor/knb"]
    retracted = remote_client.delete(accepted.headers["location"], headers=AUTH)
    assert retracted.status_code == 200 and _count(remote_client) == SHIPPED_CLAIMS


def test_gated_sparql_update_on_a_scratch_of_the_affected_resources(remote_client):
    bad = (f"INSERT DATA {{ GRAPH <https://w3id.org/newskg/id/claim/nunl-6177422-14> {{ "
           f"<{FIGURE_14}> <{NKG}value> -3 }} }}")
    before = _total(remote_client)
    assert remote_client.post("/sparql", data={"update": bad}, headers=AUTH).status_code == 422
    dropping = (f"DELETE {{ ?c <{NKG}claimant> ?who }} WHERE {{ ?c <{NKG}claimant> ?who . "
                f"FILTER(?c = <https://w3id.org/newskg/id/claim/nunl-6177422-10>) }}")
    response = remote_client.post("/sparql", data={"update": dropping}, headers=AUTH)
    assert response.status_code == 422 and "claimant" in response.text
    assert _total(remote_client) == before
    good = (f"DELETE {{ GRAPH ?g {{ ?f <{NKG}value> 16 }} }} INSERT {{ GRAPH ?g {{ ?f <{NKG}value> 17 }} }} "
            f"WHERE {{ GRAPH ?g {{ ?f <{NKG}value> 16 }} }}")
    assert remote_client.post("/sparql", data={"update": good}, headers=AUTH).status_code == 204
    value = f"SELECT ?v WHERE {{ GRAPH ?g {{ <{FIGURE_14}> <{NKG}value> ?v }} }}"
    rows = remote_client.get("/sparql", params={"query": value}).json()["results"]["bindings"]
    assert [r["v"]["value"] for r in rows] == ["17"]
    syntax = remote_client.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> }"}, headers=AUTH)
    assert syntax.status_code == 400


def test_validation_in_context_reads_the_remote_store(remote_client):
    ok = remote_client.post("/validate", content=OK, headers=TRIG)
    assert ok.status_code == 200 and ok.json() == {"conforms": True, "results": []}
    bad = remote_client.post("/validate", content=BAD, headers=TRIG).json()
    assert bad["conforms"] is False and bad["results"][0]["path"] == NKG + "value"


def test_entailments_refresh_over_the_remote_store(remote_settings):
    kg = KnowledgeGraph.open(remote_settings)
    try:
        kg.store.update("CLEAR GRAPH <https://w3id.org/newskg/graph/inferred>")
        assert kg.store.triple_counts().get("https://w3id.org/newskg/graph/inferred", 0) == 0
        found = kg.gate.refresh_all()
        assert found.triples and not found.inconsistencies
        assert kg.store.triple_counts()["https://w3id.org/newskg/graph/inferred"] == len(found.triples)
    finally:
        kg.close()


def test_graph_store_put_get_round_trip(remote_client):
    body = ("<https://w3id.org/newskg/id/actor/knb> <http://www.w3.org/2000/01/rdf-schema#comment> \"remote\"@en .\n"
            "<https://w3id.org/newskg/id/actor/knb> <http://www.w3.org/2000/01/rdf-schema#seeAlso> _:note .\n"
            "_:note <http://www.w3.org/2000/01/rdf-schema#label> \"a note\" .\n")
    headers = {"Content-Type": "application/n-triples", **AUTH}
    put = remote_client.put("/store", params={"graph": "urn:x:remote-notes"}, content=body, headers=headers)
    assert put.status_code == 201, put.text
    got = remote_client.get("/store", params={"graph": "urn:x:remote-notes"}, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200
    lines = sorted(got.text.strip().splitlines())
    assert len(lines) == 3 and any('"remote"@en' in line for line in lines)
    again = remote_client.put("/store", params={"graph": "urn:x:remote-notes"}, content=body.splitlines()[0], headers=headers)
    assert again.status_code == 204
    got = remote_client.get("/store", params={"graph": "urn:x:remote-notes"}, headers={"Accept": "application/n-triples"})
    assert len(got.text.strip().splitlines()) == 1
    assert remote_client.delete("/store", params={"graph": "urn:x:remote-notes"}, headers=AUTH).status_code == 204
    assert remote_client.get("/store", params={"graph": "urn:x:remote-notes"}).status_code == 404


def test_a_real_server_over_virtuoso(virtuoso, server_factory, tmp_path):
    from .conftest import wipe

    wipe(virtuoso)
    server = server_factory(tmp_path / "unused", env={**remote_env(virtuoso), "NEWSKG_WRITE_TOKEN": "test-token"})
    response = httpx.get(server.url + "/sparql", params={"query": CLAIMS}, timeout=30)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["n"]["value"] == str(SHIPPED_CLAIMS)


def test_hostile_queries_over_virtuoso_are_refused_before_they_reach_it_or_answered(remote_client):
    """The event-loop path to the remote store runs the same checks as every query: nesting, SERVICE targets, size,
    and text that tries to break out of the URL it travels in."""
    nested = remote_client.get("/sparql", params={"query": "SELECT * WHERE " + "{" * 5000 + "}" * 5000})
    assert nested.status_code == 400 and "NEWSKG_MAX_SPARQL_NESTING" in nested.json()["message"]
    elsewhere = remote_client.get("/sparql", params={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert elsewhere.status_code == 400 and "allow" in elsewhere.json()["message"].lower()
    limit = remote_client.app.state.kg.settings.max_body_bytes
    huge = remote_client.post("/sparql", content="ASK {} #" + "x" * limit,
                              headers={"Content-Type": "application/sparql-query"})
    assert huge.status_code == 413
    for text in ("ASK {} \r\nX-Injected: 1\r\n\r\nGET / HTTP/1.1", 'ASK { ?s ?p "\\u0000\r\n%0d%0a" }',
                 "ASK { <http://e/a b> ?p ?o }", "SELECT * WHERE { ?s ?p ?o } # " + "é" * 3000):
        response = remote_client.get("/sparql", params={"query": text})
        assert response.status_code in (200, 400), (text[:40], response.status_code, response.text[:200])
        assert "x-injected" not in response.headers
    assert _count(remote_client) == SHIPPED_CLAIMS  # the store still answers, and nothing was written
