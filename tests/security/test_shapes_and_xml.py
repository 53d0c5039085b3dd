"""Uploaded shapes are data, not code; RDF/XML entities cannot explode or reach outside; validation never fetches.

Every outgoing attempt in these tests targets a canary HTTP server on 127.0.0.1 that records what reaches it, or a
`file:` URL; nothing is ever sent to another host.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from newskg.egress.guard import in_no_network_zone, no_network
from newskg.core.errors import ForbiddenTargetError, RdfSyntaxError, ShapesRejectedError
from newskg.core.rdfio import parse_quads
from newskg.writes.validation import check_shapes_are_data, load_shapes, validate
from newskg_test_servers import LoopbackServer

RDF_XML = {"Content-Type": "application/rdf+xml"}
RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
DATA = b"<http://example.org/a> <http://example.org/p> 1 .\n"
PREFIXES = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"


class Canary(LoopbackServer):
    """A loopback HTTP server that records every request and answers like a SPARQL endpoint naming ex:a."""

    def __init__(self):
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                canary.requests.append(f"{self.command} {self.path}")
                body = json.dumps({"head": {"vars": ["this", "x"]}, "results": {"bindings": [
                    {"this": {"type": "uri", "value": "http://example.org/a"},
                     "x": {"type": "uri", "value": "http://example.org/a"}}]}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args):
                return None

        self.serve(Handler)



@pytest.fixture
def canary():
    server = Canary()
    yield server
    server.close()


def _rdf_xml(body: str, dtd: str = "") -> bytes:
    return (f'<?xml version="1.0"?>\n{dtd}\n<rdf:RDF {RDF_NS}>{body}</rdf:RDF>').encode()


def _value(text: str) -> str:
    return f'<rdf:Description rdf:about="http://example.org/a"><rdf:value>{text}</rdf:value></rdf:Description>'


BILLION_LAUGHS = _rdf_xml(
    _value("&j;"),
    '<!DOCTYPE rdf:RDF [<!ENTITY a "laughlaugh">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>",
)


# --- RDF/XML entities ---------------------------------------------------------------------------------------------
def test_billion_laughs_is_a_fast_400_and_the_server_keeps_answering(server):
    assert len(BILLION_LAUGHS) < 1200
    started = time.monotonic()
    response = httpx.post(server.url + "/validate", content=BILLION_LAUGHS, headers=RDF_XML, timeout=30)
    assert response.status_code == 400, response.text
    assert time.monotonic() - started < 5
    body = response.json()
    assert "entit" in body["message"] and body["line"] == 2
    assert httpx.get(server.url + "/health", timeout=10).status_code == 200


def test_entity_references_that_add_too_much_are_a_400_even_without_nesting():
    # 4 KB of value referenced 20,000 times: 80 MB from an 84 KB document.
    document = _rdf_xml(_value("&big;" * 20_000), f'<!DOCTYPE rdf:RDF [<!ENTITY big "{"x" * 4096}">]>')
    with pytest.raises(RdfSyntaxError, match="expand to 81920000 bytes"):
        parse_quads(document, ox.RdfFormat.RDF_XML)


@pytest.mark.parametrize("dtd", [
    '<!DOCTYPE rdf:RDF [<!ENTITY secret SYSTEM "{uri}">]>',
    '<!DOCTYPE rdf:RDF [<!ENTITY secret PUBLIC "-//x//EN" "{uri}">]>',
    '<!DOCTYPE rdf:RDF SYSTEM "{uri}">',
    '<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{uri}"> %p;]>',
    '<!DOCTYPE rdf:RDF [<!ENTITY % p "<!ENTITY secret SYSTEM \'{uri}\'>"> %p;]>',
])
def test_external_and_parameter_entities_are_a_400_and_the_file_never_shows(client, tmp_path, dtd):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    document = _rdf_xml(_value("&secret;"), dtd.format(uri=secret.as_uri()))
    response = client.post("/validate", content=document, headers=RDF_XML)
    assert response.status_code == 400, response.text
    assert "DTD" in response.json()["message"]
    assert "TOP-SECRET" not in response.text


def test_refused_dtds_are_refused_on_write_paths_too(client):
    response = client.put("/store", params={"graph": "urn:x:g"}, content=BILLION_LAUGHS,
                          headers={**RDF_XML, "Authorization": "Bearer test-token"})
    assert response.status_code == 400 and "entit" in response.json()["message"]


def test_plain_entities_as_protege_writes_them_still_parse(client):
    document = _rdf_xml(
        '<rdf:Description rdf:about="&ex;a"><rdf:type rdf:resource="&owl;Class"/>'
        "<rdf:value>&ex;</rdf:value></rdf:Description>",
        '<!DOCTYPE rdf:RDF [\n  <!ENTITY owl "http://www.w3.org/2002/07/owl#" >\n'
        '  <!ENTITY ex "http://example.org/" >\n]>',
    )
    quads = parse_quads(document, ox.RdfFormat.RDF_XML)
    assert {(q.subject.value, q.object.value) for q in quads} == {
        ("http://example.org/a", "http://www.w3.org/2002/07/owl#Class"),
        ("http://example.org/a", "http://example.org/"),
    }
    assert client.post("/validate", content=document, headers=RDF_XML).status_code == 200


def test_a_remote_json_ld_context_is_a_400_and_never_fetched(client, canary):
    document = json.dumps({"@context": canary.url, "@id": "http://example.org/a", "name": "x"}).encode()
    response = client.post("/validate", content=document, headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 400
    assert canary.requests == []


# --- uploaded shapes are data, not code -----------------------------------------------------------------------------
SHAPES_THAT_ARE_CODE = {
    "sparql-constraint": 'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select "SELECT $this { }" ] .',
    "sparql-ask-validator": (
        "ex:C a sh:ConstraintComponent ; sh:parameter [ sh:path ex:q ] ;"
        ' sh:validator [ a sh:SPARQLAskValidator ; sh:ask "ASK { }" ] .'
    ),
    "node-validator": 'ex:C sh:nodeValidator [ sh:select "SELECT $this WHERE { }" ] .',
    "property-validator": 'ex:C sh:propertyValidator [ sh:select "SELECT $this WHERE { }" ] .',
    "component-by-subclass": "ex:MyComponent rdfs:subClassOf sh:ConstraintComponent .",
    "sparql-target": 'ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this { }" ] .',
    "sparql-target-type": 'ex:T a sh:SPARQLTargetType ; sh:select "SELECT ?this { }" .',
    "sparql-function": 'ex:f a sh:SPARQLFunction ; sh:returnType xsd:boolean ; sh:ask "ASK { }" .',
    "function": "ex:f a sh:Function .",
    "sparql-rule": 'ex:S a sh:NodeShape ; sh:rule [ a sh:SPARQLRule ; sh:construct "CONSTRUCT { } WHERE { }" ] .',
    "triple-rule": "ex:S a sh:NodeShape ; sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:p ;"
                   " sh:object 1 ] .",
    "update": 'ex:x sh:update "DELETE WHERE { ?s ?p ?o }" .',
    "expression": "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:expression [ sh:this ex:a ] .",
    "js-library": 'ex:lib a sh:JSLibrary ; sh:jsLibraryURL "http://127.0.0.1:9/x.js" .',
    "sub-property": "ex:mySelect rdfs:subPropertyOf sh:select .",
}


@pytest.mark.parametrize("name", sorted(SHAPES_THAT_ARE_CODE))
def test_uploaded_shapes_that_are_code_are_a_400(client, name):
    shapes = (PREFIXES + "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."
              " @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + SHAPES_THAT_ARE_CODE[name])
    files = {"data": ("data.ttl", DATA, "text/turtle"), "shapes": ("shapes.ttl", shapes.encode(), "text/turtle")}
    response = client.post("/validate", files=files)
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data, not code" in body["message"]
    assert body["detail"]["refused"][0]["predicate"].startswith("http://")


def _offending(error: ShapesRejectedError) -> set[tuple[str, str]]:
    return {(item["node"], item["predicate"]) for item in error.detail["refused"]}


def test_the_refusal_names_the_node_and_the_predicate():
    shapes = rdflib.Graph().parse(data=PREFIXES + SHAPES_THAT_ARE_CODE["sparql-constraint"], format="turtle")
    with pytest.raises(ShapesRejectedError) as refused:
        check_shapes_are_data(shapes)
    message = refused.value.message
    assert "<http://example.org/S>" in message and "http://www.w3.org/ns/shacl#sparql" in message
    assert ("<http://example.org/S>", "http://www.w3.org/ns/shacl#sparql") in _offending(refused.value)


def test_shacl_core_shapes_are_data_and_still_validate(client):
    shapes = PREFIXES + "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:maxInclusive 0 ] ."
    check_shapes_are_data(rdflib.Graph().parse(data=shapes, format="turtle"))
    files = {"data": ("data.ttl", DATA, "text/turtle"), "shapes": ("shapes.ttl", shapes.encode(), "text/turtle")}
    response = client.post("/validate", files=files)
    assert response.status_code == 200 and response.json()["conforms"] is False


def test_the_project_shapes_would_be_refused_if_someone_else_sent_them():
    with pytest.raises(ShapesRejectedError):
        check_shapes_are_data(load_shapes())


def test_a_comment_hidden_service_in_uploaded_shapes_is_refused_and_nothing_is_fetched(client, canary):
    # pySHACL's own SERVICE check is a regular expression; "SERVICE#..." with the IRI on the next line passes it.
    shapes = PREFIXES + (
        'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select """SELECT $this WHERE {\n'
        f"  SERVICE# hidden from pySHACL\n  <{canary.url}> {{ $this ?p ?o }} }}\"\"\" ] ."
    )
    files = {"data": ("data.ttl", DATA, "text/turtle"), "shapes": ("shapes.ttl", shapes.encode(), "text/turtle")}
    response = client.post("/validate", files=files)
    assert response.status_code == 400, response.text
    assert canary.requests == []


def test_a_sparql_target_with_service_in_uploaded_shapes_is_refused_and_nothing_is_fetched(client, canary):
    shapes = PREFIXES + (
        "ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount 2 ] ;\n"
        f'  sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this {{ SERVICE <{canary.url}> {{ ?this ?p ?o }} }}" ] .'
    )
    files = {"data": ("data.ttl", DATA, "text/turtle"), "shapes": ("shapes.ttl", shapes.encode(), "text/turtle")}
    response = client.post("/validate", files=files)
    assert response.status_code == 400, response.text
    assert canary.requests == []


def test_stored_shapes_other_than_the_projects_are_data_too(client, canary):
    shapes = PREFIXES + (
        "ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount 2 ] ;\n"
        f'  sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this {{ SERVICE <{canary.url}> {{ ?this ?p ?o }} }}" ] .'
    )
    put = client.put("/store", params={"graph": "urn:x:their-shapes"}, content=shapes.encode(),
                     headers={"Content-Type": "text/turtle", "Authorization": "Bearer test-token"})
    assert put.status_code == 201, put.text
    response = client.post("/validate", params={"shapes-graph": "urn:x:their-shapes"}, content=DATA,
                           headers={"Content-Type": "text/turtle"})
    assert response.status_code == 400, response.text
    assert canary.requests == []


# --- validation never reaches the network -------------------------------------------------------------------------
def test_validation_with_trusted_shapes_cannot_reach_the_network_either(canary):
    # The project's own shapes run SHACL-SPARQL and SHACL-AF; a SERVICE in them must still go nowhere.
    shapes = rdflib.Graph().parse(data=PREFIXES + (
        "ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount 2 ] ;\n"
        f'  sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this {{ SERVICE <{canary.url}> {{ ?this ?p ?o }} }}" ] .'
    ), format="turtle")
    data = rdflib.Graph().parse(data=DATA, format="turtle")
    with pytest.raises(ForbiddenTargetError, match="validation may not reach the network") as refused:
        validate(data, shapes, advanced=True)
    assert refused.value.status == 400
    assert canary.requests == []


def test_outside_the_zone_the_canary_is_reachable(canary):
    with urllib.request.urlopen(canary.url, timeout=5) as response:
        assert response.status == 200
    assert len(canary.requests) == 1
    assert not in_no_network_zone()


def test_inside_the_zone_urls_and_sockets_are_refused_before_anything_is_sent(canary, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    with pytest.raises(ForbiddenTargetError, match="may not reach the network"):
        with no_network("the test"):
            assert in_no_network_zone()
            urllib.request.urlopen(canary.url, timeout=5)
    with pytest.raises(ForbiddenTargetError):
        with no_network("the test"):
            urllib.request.urlopen(secret.as_uri(), timeout=5).read()
    with pytest.raises(ForbiddenTargetError):
        with no_network("the test"):
            httpx.get(canary.url, timeout=5)
    with pytest.raises(ForbiddenTargetError):
        with no_network("the test"):
            secret.read_text(encoding="utf-8")
    assert canary.requests == []
    assert not in_no_network_zone()


def test_a_refusal_the_library_swallows_still_refuses_the_work(canary):
    with pytest.raises(ForbiddenTargetError, match="may not reach the network"):
        with no_network("the test"):
            try:
                urllib.request.urlopen(canary.url, timeout=5)
            except Exception:  # a library that catches everything and carries on
                pass
    assert canary.requests == []


def test_the_zone_is_per_thread(canary):
    reached: list[int] = []

    def other_thread():
        with urllib.request.urlopen(canary.url, timeout=5) as response:
            reached.append(response.status)

    with no_network("the test"):
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join(timeout=10)
    assert reached == [200] and len(canary.requests) == 1
