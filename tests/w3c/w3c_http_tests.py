"""The W3C protocol manifests (ht: vocabulary): each test is a list of HTTP requests with expected responses.

protocol/manifest.ttl (SPARQL 1.1 Protocol) and graph-store-protocol/manifest.ttl (Graph Store Protocol, direct and
indirect identification). Paths starting /sparql/ go to our /sparql, /gsp to our /store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import rdflib
from rdflib import RDF, RDFS, Namespace
from rdflib.collection import Collection

from w3c_manifests import MF, UT, file_iri, local_path, parse_manifest

HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
STATUS_NAMES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404, "BadRequest": 400}


@dataclass
class Expected:
    statuses: list[str]  # "2xx" classes or exact codes as strings
    boolean: bool | None = None
    format: str | None = None  # "boolean", "tabular", "RDF"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    location_variable: str | None = None

    def status_ok(self, status: int) -> bool:
        return any(s == str(status) or (s.endswith("xx") and s[0] == str(status)[0]) for s in self.statuses)


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected: Expected


@dataclass
class HttpTest:
    iri: str
    name: str
    requests: list[HttpRequest]
    graph_data: list[tuple[str, object]]  # (graph name, local path)

    @property
    def id(self) -> str:
        return self.iri.rsplit("#", 1)[-1]


def _headers(graph: rdflib.Graph, node) -> dict[str, str]:
    headers = {}
    for lst in graph.objects(node, HT.headers):
        for header in Collection(graph, lst):
            headers[str(graph.value(header, HT.fieldName)).lower()] = str(graph.value(header, HT.fieldValue))
    return headers


def _status(term) -> str:
    name = str(term)[len(HTS):]
    if name.startswith("StatusCode"):
        return name[len("StatusCode"):]  # 2xx, 4xx
    return str(STATUS_NAMES[name])


def _request(graph: rdflib.Graph, node) -> HttpRequest:
    body_node = graph.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    expected_body = graph.value(response, HT.body)
    boolean = graph.value(response, MF.expectedBoolean)
    fmt = graph.value(response, MF.expectedFormat)
    location = graph.value(response, MF.expectedLocation)
    expected = Expected(
        statuses=[_status(s) for s in graph.objects(response, MF.expectedStatus)],
        boolean=None if boolean is None else bool(boolean.toPython()),
        format=None if fmt is None else str(fmt),
        headers=_headers(graph, response),
        body=None if expected_body is None else str(graph.value(expected_body, CNT.chars)),
        location_variable=None if location is None else str(location),
    )
    return HttpRequest(
        str(graph.value(node, HT.methodName)), str(graph.value(node, HT.absolutePath)), _headers(graph, node), body, expected
    )


def load_http_tests(path) -> list[HttpTest]:
    """The entries of a protocol manifest and of the manifests it includes."""
    graph = parse_manifest(path)
    me = rdflib.URIRef(file_iri(path))
    tests: list[HttpTest] = []
    for included in graph.objects(me, MF.include):
        for child in Collection(graph, included):
            tests += load_http_tests(local_path(str(child)))
    for entries in graph.objects(me, MF.entries):
        for node in Collection(graph, entries):
            action = graph.value(node, MF.action)
            requests = [_request(graph, r) for lst in graph.objects(action, HT.requests) for r in Collection(graph, lst)]
            data = [
                (str(graph.value(d, RDFS.label)), local_path(str(graph.value(d, UT.graph))))
                for d in graph.objects(node, UT.graphData)
            ]
            assert graph.value(node, RDF.type) is not None
            tests.append(HttpTest(str(node), str(graph.value(node, MF.name)), requests, data))
    return tests
