"""Which results /validate and the write gate report: every focus node the candidate mentions (subject, object or
graph name), not only its subjects, minus what the stored data alone already gives."""

TURTLE = {"Content-Type": "text/turtle"}
AUTH = {**TURTLE, "Authorization": "Bearer test-token"}
EVENT = "https://w3id.org/newskg/id/event/"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"

# Uploaded shapes: a node shape on one named node and one on every object of <urn:x:q>.
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:x:named> a sh:NodeShape ; sh:targetNode <http://example.org/thing> , <http://example.org/elsewhere> ;
    sh:property [ sh:path <urn:x:p> ; sh:minCount 1 ; sh:message "needs p" ] .
<urn:x:objects> a sh:NodeShape ; sh:targetObjectsOf <urn:x:q> ; sh:nodeKind sh:Literal ; sh:message "a literal" .
"""


def _validate(client, data: str, **params):
    files = {"data": ("a.ttl", data, "text/turtle"), "shapes": ("s.ttl", SHAPES, "text/turtle")}
    response = client.post("/validate", params=params, files=files)
    assert response.status_code == 200, response.text
    return response.json()


def _found(report) -> set[tuple[str, str]]:
    return {(result["focus_node"], result["message"]) for result in report["results"]}


def test_a_node_the_candidate_only_points_at_is_validated(client):
    """<thing> is only an object of the candidate: targeted by sh:targetNode and sh:targetObjectsOf, it is reported;
    <elsewhere>, targeted but not mentioned, is another resource's business (except in plain SHACL)."""
    data = "<http://example.org/a> <urn:x:q> <http://example.org/thing> ."
    in_context = _validate(client, data)
    assert in_context["conforms"] is False
    assert _found(in_context) == {("http://example.org/thing", "needs p"), ("http://example.org/thing", "a literal")}
    plain = _validate(client, data, plain="true")
    assert _found(plain) == _found(in_context) | {("http://example.org/elsewhere", "needs p")}


def test_what_the_stored_data_already_gives_is_not_reported(client):
    """<thing> is stored without <urn:x:p>: pointing at it does not make that old problem the candidate's."""
    put = client.put("/store", params={"default": ""}, headers=AUTH,
                     content="<http://example.org/thing> <urn:x:r> 1 .")
    assert put.status_code in (201, 204), put.text
    data = "<http://example.org/a> <urn:x:q> <http://example.org/thing> ."
    assert _found(_validate(client, data)) == {("http://example.org/thing", "a literal")}
    fixed = _validate(client, data + " <http://example.org/thing> <urn:x:p> 1 .")
    assert _found(fixed) == {("http://example.org/thing", "a literal")}
    # plain SHACL: the data alone, so <thing> lacks <urn:x:p> again
    assert ("http://example.org/thing", "needs p") in _found(_validate(client, data, plain="true"))


def test_a_violation_only_on_the_node_pointed_at_blocks_the_write(client):
    """The store holds an event <b> that is a sub-event of <a> (<a> untyped: an old problem, written around the
    gate). The candidate says only `<a> sem:subEventOf <b>`: <a> is no event, so no shape looks at it, but now <b>
    is its own sub-event, a violation on <b>, which the candidate only points at. The gate refuses the write, and
    /validate reports the cycle on <b> but not <b>'s old problem."""
    kg = client.app.state.kg
    kg.store.update(f"INSERT DATA {{ <{EVENT}loop-b> a <https://w3id.org/newskg/ontology#Event> ; "
                    f"<{SEM}subEventOf> <{EVENT}loop-a> }}")
    kg.committed()
    candidate = f"<{EVENT}loop-a> <{SEM}subEventOf> <{EVENT}loop-b> ."

    report = client.post("/validate", content=candidate, headers=TURTLE).json()
    assert report["conforms"] is False
    ((focus, message),) = _found(report)
    assert focus == f"{EVENT}loop-b" and "own sub-event" in message

    before = client.get("/health").json()["triples"]
    refused = client.post("/assertions", content=candidate, headers=AUTH)
    assert refused.status_code == 422, refused.text
    assert {r["focus_node"] for r in refused.json()["detail"]["results"]} == {f"{EVENT}loop-b"}
    assert client.get("/health").json()["triples"] == before
    ask = client.get("/sparql", params={"query": f"ASK {{ {candidate.rstrip(' .')} }}"},
                     headers={"Accept": "application/sparql-results+json"})
    assert ask.json()["boolean"] is False


def test_base_resolves_the_data_and_the_shapes_and_must_be_http_or_urn(client):
    shapes = ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
              "<#shape> a sh:NodeShape ; sh:targetNode <thing> ; sh:property [ sh:path <p> ; sh:minCount 1 ] .")
    files = {"data": ("a.ttl", "<thing> <q> 1 .", "text/turtle"), "shapes": ("s.ttl", shapes, "text/turtle")}
    for base in ("http://example.org/t/", "https://example.org/t/", "urn:x:t/"):
        response = client.post("/validate", params={"plain": "true", "base": base}, files=files)
        assert response.status_code == 200, response.text
        ((result),) = response.json()["results"]
        assert result["focus_node"] == base + "thing" and result["path"] == base + "p"
    for base in ("ftp://example.org/", "file:///etc/", "mailto:a@example.org", "http:relative", "urn:", "t/"):
        response = client.post("/validate", params={"plain": "true", "base": base}, files=files)
        assert response.status_code == 400 and "base" in response.json()["message"], (base, response.text)
    unresolved = client.post("/validate", params={"plain": "true"}, files=files)
    assert unresolved.status_code == 400 and unresolved.json()["error"] == "RDF syntax error"
