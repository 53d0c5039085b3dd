"""Validation in context and SHACL-gated writes with provenance, over the app with a real on-disk store."""

import json
import threading
from pathlib import Path

import pyoxigraph as ox
import rdflib

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OK = (FIXTURES / "assertion-ok.trig").read_bytes()
BAD = (FIXTURES / "assertion-bad.trig").read_bytes()
TRIG = {"Content-Type": "application/trig"}
AUTH = {**TRIG, "Authorization": "Bearer test-token"}
NKG = "https://w3id.org/newskg/ontology#"
FIGURE = "https://w3id.org/newskg/id/figure/test-knb-arrests"
VALUE_QUERY = f"SELECT ?v WHERE {{ GRAPH ?g {{ <{FIGURE}> <{NKG}value> ?v }} }}"


def _values(client, query=VALUE_QUERY, **params):
    response = client.get("/sparql", params={"query": query, **params})
    return [b["v"]["value"] for b in response.json()["results"]["bindings"]]


def _total(client):
    return client.get("/health").json()["triples"]


def test_validate_reports_conformance_as_json(client):
    ok = client.post("/validate", content=OK, headers=TRIG)
    assert ok.status_code == 200 and ok.json() == {"conforms": True, "results": []}
    bad = client.post("/validate", content=BAD, headers=TRIG)
    assert bad.status_code == 200
    body = bad.json()
    assert body["conforms"] is False
    (result,) = body["results"]
    assert result["path"] == NKG + "value" and result["value"] == "-5" and result["severity"] == "Violation"
    assert result["focus_node"].endswith("figure/test-negative") and result["source_shape"].endswith("FigureShape")


def test_validation_uses_the_stored_context(client):
    """The candidate names the KNB and the unrest without typing them: the stored types make it conform."""
    from newskg.core.rdfio import parse_dataset
    from newskg.writes.validation import load_shapes, validate

    alone = parse_dataset(OK, ox.RdfFormat.TRIG)  # read by pyoxigraph, as the write gate reads a candidate

    isolated = validate(alone, load_shapes())
    assert not isolated.conforms, "without context the referenced nodes look untyped"
    assert client.post("/validate", content=OK, headers=TRIG).json()["conforms"] is True


def test_validate_report_graph_in_turtle_and_jsonld(client):
    turtle = client.post("/validate", content=BAD, headers={**TRIG, "Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, SH.conforms, rdflib.Literal(False)) in graph
    jsonld = client.post("/validate", content=BAD, headers={**TRIG, "Accept": "application/ld+json"})
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)


def test_validate_with_uploaded_and_stored_alternative_shapes(client):
    shapes = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix nkg: <https://w3id.org/newskg/ontology#> .\n"
        "<urn:x:shape> a sh:NodeShape ; sh:targetClass nkg:Figure ;\n"
        "  sh:property [ sh:path nkg:value ; sh:maxInclusive 100 ; sh:message \"at most 100\" ] .\n"
    )
    files = {"data": ("a.trig", OK, "application/trig"), "shapes": ("s.ttl", shapes, "text/turtle")}
    uploaded = client.post("/validate", files=files).json()
    assert uploaded["conforms"] is False and uploaded["results"][0]["message"] == "at most 100"
    put = client.put("/store", params={"graph": "urn:x:my-shapes"}, content=shapes,
                     headers={"Content-Type": "text/turtle", "Authorization": "Bearer test-token"})
    assert put.status_code == 201
    stored = client.post("/validate", params={"shapes-graph": "urn:x:my-shapes"}, content=OK, headers=TRIG).json()
    assert stored["conforms"] is False


def test_validate_plain_uses_only_the_uploaded_shapes_and_base_resolves_relative_iris(client):
    # plain=true: the uploaded shapes on the data alone (a targetNode the data only describes); `base` resolves it.
    shapes = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:x:shape> a sh:NodeShape ; sh:targetNode <http://example.org/data/thing> ;\n"
        "  sh:property [ sh:path <urn:x:p> ; sh:minCount 1 ; sh:message \"needs p\" ] .\n"
    )
    data = "<thing> <urn:x:q> 1 ."
    files = {"data": ("a.ttl", data, "text/turtle"), "shapes": ("s.ttl", shapes, "text/turtle")}
    response = client.post("/validate", params={"plain": "true", "base": "http://example.org/data/"}, files=files)
    assert response.status_code == 200
    report = response.json()
    assert report["conforms"] is False and report["results"][0]["focus_node"] == "http://example.org/data/thing"
    assert client.post("/validate", params={"base": "not an iri"}, files=files).status_code == 400
    assert client.post("/validate", params={"plain": "true"}, content=OK, headers=TRIG).status_code == 400


def test_validate_bad_input(client):
    broken = client.post("/validate", content=b"<urn:a> <urn:b> .", headers={"Content-Type": "text/turtle"})
    assert broken.status_code == 400 and broken.json()["line"] == 1
    assert client.post("/validate", content=OK, headers={"Content-Type": "text/x-unknown"}).status_code == 415
    assert client.post("/validate", content=OK, params={"inference": "magic"}, headers=TRIG).status_code == 400


def test_validate_with_owlrl_inference(client):
    for mode in ("none", "rdfs", "owlrl"):
        response = client.post("/validate", params={"inference": mode}, content=OK, headers=TRIG)
        assert response.status_code == 200 and response.json()["conforms"] is True


def test_assertion_is_stored_with_provenance(client):
    before = _total(client)
    response = client.post("/assertions", content=OK, headers=AUTH)
    assert response.status_code == 201
    record = response.json()
    assert response.headers["location"] == f"/assertions/{record['id']}"
    assert record["status"] == "active" and record["contentHash"].startswith("sha256:")
    assert record["submitter"].startswith("https://w3id.org/newskg/id/agent/token-")
    assert "test-token" not in json.dumps(record)
    assert record["shapesVersion"].startswith("shapes-sha256:") and record["tripleCount"] == 23
    assert record["graphs"] == ["https://w3id.org/newskg/id/claim/test-knb-arrests"]
    assert _values(client) == ["7939"]
    assert _total(client) > before + 23
    fetched = client.get(response.headers["location"]).json()
    assert fetched["generatedAtTime"] == record["generatedAtTime"]
    assert "7939" in fetched["content"]
    prov = client.get("/sparql", params={"query": f"""
        SELECT ?who ?when WHERE {{ GRAPH ?g {{ <{record['iri']}> <http://www.w3.org/ns/prov#wasAttributedTo> ?who ;
                                         <http://www.w3.org/ns/prov#generatedAtTime> ?when }} }}"""}).json()
    assert prov["results"]["bindings"][0]["who"]["value"] == record["submitter"]


def test_resubmitting_identical_content_does_not_duplicate(client):
    first = client.post("/assertions", content=OK, headers=AUTH)
    total = _total(client)
    prefixes, claim, graph = OK.split(b"\n\n")
    reordered = b"\n\n".join([prefixes, graph, claim])  # same triples, other order
    again = client.post("/assertions", content=OK, headers=AUTH)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and _total(client) == total
    assert client.post("/assertions", content=reordered, headers=AUTH).json()["id"] == first.json()["id"]


def test_non_conforming_assertion_is_422_and_writes_nothing(client):
    before = _total(client)
    response = client.post("/assertions", content=BAD, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"]["conforms"] is False
    assert _total(client) == before


def test_assertion_bad_input_writes_nothing(client):
    before = _total(client)
    assert client.post("/assertions", content=b"<urn:a> <urn:b> .", headers={**AUTH, "Content-Type": "text/turtle"}).status_code == 400
    assert client.post("/assertions", content=OK, headers={**AUTH, "Content-Type": "application/pdf"}).status_code == 415
    limit = client.app.state.kg.settings.max_body_bytes
    assert client.post("/assertions", content=b" " * (limit + 1), headers=AUTH).status_code == 413
    assert client.post("/assertions", content=OK, headers=TRIG).status_code == 401
    assert _total(client) == before


def test_inconsistent_assertion_is_422_with_the_explanation(client):
    """The shapes cannot see it: only the domain of nkg:holdsOffice makes the unrest a Person, hence an Actor."""
    both = OK.replace(b"<https://w3id.org/newskg/id/claim/test-knb-arrests> a nkg:Claim ;",
                      b"event:kazakhstan-unrest-2022 nkg:holdsOffice <https://w3id.org/newskg/id/office/x> .\n"
                      b"<https://w3id.org/newskg/id/claim/test-knb-arrests> a nkg:Claim ;")
    before = _total(client)
    response = client.post("/assertions", content=both, headers=AUTH)
    assert response.status_code == 422, response.text
    assert any("kazakhstan-unrest-2022" in i and "cax-dw" in i for i in response.json()["detail"]["inconsistencies"])
    assert _total(client) == before


def test_entailments_of_a_write_are_visible_to_the_next_query(client):
    client.post("/assertions", content=OK, headers=AUTH)
    query = ("SELECT ?v WHERE { <https://w3id.org/newskg/id/claim/test-knb-arrests> "
             "<http://www.w3.org/ns/prov#wasAttributedTo> ?v }")
    assert _values(client, query, infer="false") == []
    assert _values(client, query, infer="true") == ["https://w3id.org/newskg/id/actor/knb"]


def test_retraction_keeps_history_and_hides_the_content(client):
    location = client.post("/assertions", content=OK, headers=AUTH).headers["location"]
    assert client.delete(location).status_code == 401
    retracted = client.delete(location, headers={"Authorization": "Bearer test-token"})
    assert retracted.status_code == 200
    record = retracted.json()
    assert record["status"] == "retracted" and record["invalidatedAtTime"] and record["invalidatedBy"]
    assert _values(client) == []
    claim = "ASK { <https://w3id.org/newskg/id/claim/test-knb-arrests> ?p ?o }"
    assert client.get("/sparql", params={"query": claim}).json()["boolean"] is False
    assert client.get("/sparql", params={"query": claim, "infer": "true"}).json()["boolean"] is False
    history = client.get(location).json()
    assert history["status"] == "retracted" and "7939" in history["content"]
    assert client.delete(location, headers={"Authorization": "Bearer test-token"}).status_code == 409
    again = client.post("/assertions", content=OK, headers=AUTH)  # the same content after its retraction
    assert again.status_code == 409 and "retracted" in again.json()["message"] and location.rsplit("/", 1)[-1] in (
        again.json()["message"])
    assert _values(client) == []  # and nothing came back
    # the article's own claims about the same event are untouched
    assert client.get("/sparql", params={"query": f"ASK {{ ?c a <{NKG}Claim> }}"}).json()["boolean"] is True


def test_sparql_update_passes_the_same_gate(client):
    bad = (f"INSERT DATA {{ GRAPH <https://w3id.org/newskg/id/claim/nunl-6177422-14> {{ "
           f"<https://w3id.org/newskg/id/figure/nunl-6177422-14> <{NKG}value> -3 }} }}")
    before = _total(client)
    response = client.post("/sparql", data={"update": bad}, headers={"Authorization": "Bearer test-token"})
    assert response.status_code == 422, response.text
    assert _total(client) == before
    pattern = (f"DELETE {{ ?c <{NKG}claimant> ?who }} WHERE {{ ?c <{NKG}claimant> ?who . "
               f"FILTER(?c = <https://w3id.org/newskg/id/claim/nunl-6177422-10>) }}")
    response = client.post("/sparql", data={"update": pattern}, headers={"Authorization": "Bearer test-token"})
    assert response.status_code == 422 and "claimant" in response.text
    # Templates without GRAPH write to the default graph: the figure would get a second value there. Refused.
    stray = f"INSERT {{ ?f <{NKG}value> 17 }} WHERE {{ GRAPH ?g {{ ?f <{NKG}value> 16 }} }}"
    assert client.post("/sparql", data={"update": stray}, headers={"Authorization": "Bearer test-token"}).status_code == 422
    good = (f"DELETE {{ GRAPH ?g {{ ?f <{NKG}value> 16 }} }} INSERT {{ GRAPH ?g {{ ?f <{NKG}value> 17 }} }} "
            f"WHERE {{ GRAPH ?g {{ ?f <{NKG}value> 16 }} }}")
    assert client.post("/sparql", data={"update": good}, headers={"Authorization": "Bearer test-token"}).status_code == 204
    assert _values(client, f"SELECT ?v WHERE {{ GRAPH ?g {{ <https://w3id.org/newskg/id/figure/nunl-6177422-14> <{NKG}value> ?v }} }}") == ["17"]


def test_graph_store_writes_pass_the_same_gate(client):
    body = (f"<https://w3id.org/newskg/id/figure/x> a <{NKG}Figure> ; <{NKG}figureKind> <{NKG}Deaths> ; "
            f"<{NKG}value> -1 ; <{NKG}valueKnown> true .")
    headers = {"Content-Type": "text/turtle", "Authorization": "Bearer test-token"}
    before = _total(client)
    assert client.put("/store", params={"graph": "urn:x:g"}, content=body, headers=headers).status_code == 422
    assert client.post("/store", params={"default": ""}, content=body, headers=headers).status_code == 422
    assert _total(client) == before


def test_concurrent_writers_lose_no_update(client):
    template = OK.replace(b"7939", b"%d").replace(b"test-knb-arrests", b"test-knb-arrests-%d")
    statuses = []

    def write(n):
        body = template.replace(b"%d", str(n).encode())
        statuses.append(client.post("/assertions", content=body, headers=AUTH).status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 8
    count = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <https://w3id.org/newskg/graph/assertions> {{ ?a a <{NKG}Assertion> }} }}"}).json()
    assert count["results"]["bindings"][0]["n"]["value"] == "8"
