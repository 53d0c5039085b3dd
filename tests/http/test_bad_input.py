"""Bad input gets a 4xx with a clear message, never a 500 or a traceback."""

import pytest

AUTH = {"Authorization": "Bearer test-token"}
QUERY = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"


@pytest.mark.parametrize(
    "method, path, kwargs, status",
    [
        ("get", "/sparql", {"params": {"query": QUERY, "default-graph-uri": "not an iri"}}, 400),
        ("get", "/sparql", {"params": {"query": QUERY, "named-graph-uri": "x y"}}, 400),
        ("post", "/sparql", {"data": {"update": "INSERT {} WHERE {}", "using-graph-uri": "no iri"}, "headers": AUTH}, 400),
        ("post", "/sparql", {"content": b"\xff\xfe", "headers": {"Content-Type": "application/sparql-query"}}, 400),
        ("post", "/sparql", {"data": {"update": "DROP GRAPH <urn:x:never-made>"}, "headers": AUTH}, 409),
        ("get", "/store", {"params": {"graph": "not an iri"}}, 400),
        ("put", "/store", {"params": {"graph": "not an iri"}, "content": b"<urn:a> <urn:b> <urn:c> .",
                           "headers": {"Content-Type": "text/turtle", **AUTH}}, 400),
        ("post", "/assertions", {"content": b"", "headers": {"Content-Type": "text/turtle", **AUTH}}, 400),
        ("post", "/assertions", {"content": b"\x00garbage", "headers": {"Content-Type": "application/trig", **AUTH}}, 400),
        ("get", "/id/actor/x%3E%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo", {}, 404),
        ("get", "/doc/id/actor/tok%3Eayev", {}, 404),
        ("get", "/doc/%00", {}, 404),
    ],
)
def test_bad_input_is_a_clear_client_error(client, method, path, kwargs, status):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["message"] and "Traceback" not in response.text


def test_drop_silent_of_a_missing_graph_is_fine(client):
    response = client.post("/sparql", data={"update": "DROP SILENT GRAPH <urn:x:never-made>"}, headers=AUTH)
    assert response.status_code == 204
