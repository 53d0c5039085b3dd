"""Nothing secret is shown (token digests, credentials, local paths), and hostile input is a 4xx, never a 500."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import socket
import stat
import threading
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate as validate_openapi

from newskg.core.config import Settings
from newskg.web.app import create_app
from newskg.web.auth import WRITER_ID_KEY_FILE, writer_id_key
from newskg_test_servers import LoopbackServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OK = (FIXTURES / "assertion-ok.trig").read_bytes()
AUTH = {"Authorization": "Bearer test-token"}
TOKEN_DIGEST = hashlib.sha256(b"test-token").hexdigest()[:16]
SECRET_ENDPOINT = "https://reader:s3cret-pw@sparql.example.org/sparql?api_key=k3y-in-query"


def _dump(client) -> str:
    out = io.BytesIO()
    client.app.state.kg.export(out, ox.RdfFormat.N_QUADS)
    return out.getvalue().decode()


# --- the writer's public id ------------------------------------------------------------------------------------
def test_the_writer_id_tells_nothing_about_the_token(client):
    created = client.post("/assertions", content=OK, headers={**AUTH, "Content-Type": "application/trig"})
    assert created.status_code == 201, created.text
    record = client.get(created.headers["Location"])
    assert record.status_code == 200
    attributed = "SELECT ?a WHERE { GRAPH ?g { ?x <http://www.w3.org/ns/prov#wasAttributedTo> ?a } }"
    agents = client.get("/sparql", params={"query": attributed})
    assert agents.json()["results"]["bindings"], "the assertion names its agent"
    for shown in (created.text, record.text, agents.text, _dump(client)):
        assert TOKEN_DIGEST not in shown


def test_the_writer_id_key_is_kept_private_and_stable(tmp_path):
    settings = Settings(store=tmp_path / "store", write_token="test-token")
    (tmp_path / "store").mkdir()
    key = writer_id_key(settings)
    key_file = tmp_path / "store" / WRITER_ID_KEY_FILE
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert writer_id_key(settings) == key, "the same key after a restart, so ids stay the same"
    assert [p.name for p in key_file.parent.iterdir()] == [WRITER_ID_KEY_FILE], "no drafts left behind"


def test_a_configured_writer_id_key_is_used_and_nothing_is_written(tmp_path):
    settings = Settings(store=tmp_path / "store", write_token="t", writer_id_key="configured-secret")
    assert writer_id_key(settings) == b"configured-secret"
    assert not (tmp_path / "store" / WRITER_ID_KEY_FILE).exists()


# --- credentials of allow-listed endpoints --------------------------------------------------------------------
@pytest.fixture
def secret_client(tmp_path):
    settings = Settings(store=tmp_path / "store", write_token="test-token", service_allow=SECRET_ENDPOINT)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_refusals_and_the_service_description_show_no_credentials(secret_client):
    refused = secret_client.get(
        "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}
    )
    assert refused.status_code == 400
    assert "sparql.example.org/sparql" in refused.json()["message"], "the allow-list is still named"
    description = secret_client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert description.status_code == 200 and "<https://sparql.example.org/sparql?" in description.text
    for shown in (refused.text, description.text):
        assert "s3cret-pw" not in shown and "reader" not in shown and "k3y-in-query" not in shown


# --- /health ----------------------------------------------------------------------------------------------------
def test_health_does_not_show_where_the_store_is(client, settings):
    response = client.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert str(Path(settings.store).resolve().parent) not in response.text
    assert str(settings.store) not in response.text


def test_health_is_503_when_the_store_folder_is_gone(client, settings, tmp_path):
    folder = Path(settings.store)
    moved = tmp_path / "moved-away"
    folder.rename(moved)
    try:
        response = client.get("/health")
    finally:
        moved.rename(folder)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and any("folder" in problem for problem in body["problems"])
    assert client.get("/health").status_code == 200


# --- 500s that are 4xx ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/store/a%20b", "/store/%3C", "/store/%7B", "/store/a%22b"])
@pytest.mark.parametrize("method", ["get", "head", "put", "delete"])
def test_a_graph_url_that_is_not_an_iri_is_a_400(client, method, path):
    kwargs = {"headers": AUTH}
    if method == "put":
        kwargs = {"headers": {**AUTH, "Content-Type": "text/turtle"}, "content": b"<urn:a> <urn:b> <urn:c> ."}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
    if method != "head":
        assert "IRI" in response.json()["message"]


def test_a_timeout_that_is_not_a_positive_finite_number_is_a_400(client):
    for timeout in ("nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-0"):
        response = client.get("/sparql", params={"query": "ASK {}", "timeout": timeout})
        assert response.status_code == 400 and "timeout" in response.json()["message"], timeout


def test_a_shapes_graph_that_is_not_an_iri_is_a_400(client):
    response = client.post("/validate", params={"shapes-graph": "not an iri"}, content=OK,
                           headers={"Content-Type": "application/trig"})
    assert response.status_code == 400


def test_uploaded_shapes_that_pyshacl_rejects_are_a_400(client):
    broken = (b"@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
              b'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path "not a path" ; sh:minCount 1 ] .')
    files = {"data": ("data.ttl", b"<http://example.org/a> <http://example.org/p> 1 .", "text/turtle"),
             "shapes": ("shapes.ttl", broken, "text/turtle")}
    response = client.post("/validate", files=files)
    assert response.status_code == 400, response.text
    assert "path" in response.json()["message"]


# --- the OpenAPI schema -----------------------------------------------------------------------------------------
def test_the_served_openapi_schema_is_valid_and_every_route_still_answers(client):
    schema = client.get("/openapi.json").json()
    validate_openapi(schema)
    operation_ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    sparql_post = schema["paths"]["/sparql"]["post"]
    assert "application/sparql-query" in sparql_post["requestBody"]["content"], "bodies are described for clients"
    turtle = {**AUTH, "Content-Type": "text/turtle"}
    assert client.put("/store/tests/direct", content=b"<urn:a> <urn:b> <urn:c> .", headers=turtle).status_code == 201
    read = client.get("/store/tests/direct", headers={"Accept": "application/n-triples"})
    assert read.status_code == 200 and "<urn:a> <urn:b> <urn:c>" in read.text
    assert client.post("/store/tests/direct", content=b"<urn:a> <urn:b> <urn:d> .", headers=turtle).status_code == 204
    assert client.head("/store/tests/direct").status_code == 200
    assert client.delete("/store/tests/direct", headers=AUTH).status_code == 204
    assert client.head("/ontology").status_code == 200 and client.get("/ontology").status_code == 200
    assert client.head("/id/nothing-here").status_code == 404


# --- a failing SERVICE endpoint is the remote's failure: 502, or 504 when it is too slow -------------------------
class _FailingEndpoint(LoopbackServer):
    """A loopback endpoint that answers 500, or answers nothing until released (to be slower than the limit)."""

    def __init__(self, *, hang: bool = False):
        release = self.release = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if hang:
                    release.wait(10)
                self.send_error(500, "the endpoint broke")

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.serve(Handler)

    def close(self):
        self.release.set()
        super().close()


@pytest.fixture
def failing_endpoint():
    endpoint = _FailingEndpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture
def hanging_endpoint():
    endpoint = _FailingEndpoint(hang=True)
    yield endpoint
    endpoint.close()


@pytest.fixture
def closed_endpoint():
    """A loopback port that is bound but not listening: connections to it are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield f"http://someone:closed-pw@127.0.0.1:{sock.getsockname()[1]}/sparql"
    sock.close()


def _service_query(server, endpoint: str) -> httpx.Response:
    query = f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    return httpx.get(server.url + "/sparql", params={"query": query}, timeout=30)


def test_a_failing_or_closed_service_endpoint_is_a_502(server_factory, failing_endpoint, closed_endpoint):
    server = server_factory(env={"NEWSKG_SERVICE_ALLOW": f"{failing_endpoint.url},{closed_endpoint}",
                                 "NEWSKG_EGRESS_PRIVATE_HOSTS": "127.0.0.1", "NEWSKG_WRITE_TOKEN": "test-token"})
    failed = _service_query(server, failing_endpoint.url)
    assert failed.status_code == 502, failed.text
    assert failed.json()["detail"] == {"endpoint": failing_endpoint.url, "status": 500}
    refused = _service_query(server, closed_endpoint)
    assert refused.status_code == 502, refused.text
    assert "closed-pw" not in refused.text and "someone" not in refused.text
    update = f"INSERT {{ <urn:x:a> <urn:x:b> ?o }} WHERE {{ SERVICE <{failing_endpoint.url}> {{ ?s ?p ?o }} }}"
    in_update = httpx.post(server.url + "/sparql", data={"update": update}, headers=AUTH, timeout=30)
    assert in_update.status_code == 502, in_update.text


def test_a_service_endpoint_slower_than_its_limit_is_a_504(server_factory, hanging_endpoint):
    server = server_factory(env={"NEWSKG_SERVICE_ALLOW": hanging_endpoint.url, "NEWSKG_SERVICE_TIMEOUT_S": "1",
                                 "NEWSKG_EGRESS_PRIVATE_HOSTS": "127.0.0.1"})
    response = _service_query(server, hanging_endpoint.url)
    assert response.status_code == 504, response.text


# --- our own faults ---------------------------------------------------------------------------------------------
def test_a_500_tells_the_client_nothing_of_what_went_wrong(client, monkeypatch):
    from newskg.core.errors import StoreError

    def broken():
        raise StoreError("cannot open the store at /srv/secret/store: I/O error")

    monkeypatch.setattr(client.app.state.kg, "health", broken)
    response = client.get("/health")
    assert response.status_code == 500
    assert response.json()["message"] == "internal error; see the server log"
    assert "/srv/secret" not in response.text
