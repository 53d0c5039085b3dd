"""One checked exit: no SERVICE, LOAD or Wikidata request reaches a host it may not, however the target is spelled.

Every probe aims at a loopback canary that records each request it gets; a test passes only if the canary saw
nothing it should not have. Nothing here is sent anywhere but loopback: names are `localhost` or resolved by a
monkeypatched resolver, and refusals are decided before any packet leaves.
"""

from __future__ import annotations

import http.server
import json
import re
import socket
import subprocess
import sys

import httpx
import pytest

from newskg.core.config import Settings
from newskg.egress.policy import EgressClient, EgressPolicy, address_refusal
from newskg.core.errors import EgressRefusedError, NewsKGError, UpstreamError, UpstreamTooLargeError
from newskg.sparql.federation import check_remote_targets, remote_targets
from newskg.sparql.load import inline_loads
from newskg.wikidata.client import WikidataClient
from newskg_test_servers import LoopbackServer

TOKEN = {"Authorization": "Bearer test-token"}
RESULTS = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"remote"}}]}}'
TURTLE = b"<urn:egress:s> <urn:egress:p> <urn:egress:o> ."


class Canary(LoopbackServer):
    """A loopback HTTP server that records every request; it answers SPARQL results or Turtle, or redirects."""

    def __init__(self, redirect_to: str | None = None):
        seen = self.seen = []
        self.redirect_to = redirect_to
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
                if canary.redirect_to is not None:
                    self.send_response(307)
                    self.send_header("Location", canary.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                results = "sparql-results" in (self.headers.get("Accept") or "")
                body = RESULTS if results else TURTLE
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json" if results else "text/turtle")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.serve(Handler)



@pytest.fixture
def canary():
    server = Canary()
    yield server
    server.close()


@pytest.fixture
def redirector(canary):
    """A loopback endpoint that answers every request with a redirect to the canary."""
    server = Canary(redirect_to=canary.url)
    yield server
    server.close()


# --- the scanner reads SERVICE and LOAD targets as the engine does (differential test) -------------------------
def _target_spellings(host: str, port: int, n: int) -> dict[str, tuple[str, str]]:
    """(prologue, target) pairs that all name http://host:port/c<n>x for the engine (or fail to parse)."""
    path = f"c{n}x"
    return {
        "plain": ("", f"<http://{host}:{port}/{path}>"),
        "escaped colon": ("", f"<http://{host}\\u003a{port}/{path}>"),
        "escaped scheme": ("", f"<http\\u003A//{host}:{port}/{path}>"),
        "escaped slash": ("", f"<http://{host}:{port}\\u002F{path}>"),
        "long escape": ("", f"<http://{host}:{port}/{path}\\U00000041>"),
        "escape with a plus": ("", f"<http://{host}\\u+03a{port}/{path}>"),
        "prefixed": (f"PREFIX c: <http://{host}:{port}/>\n", f"c:{path}"),
        "prefixed, escaped local": (f"PREFIX c: <http://{host}:{port}/>\n", f"c:{path}\\~"),
        "empty prefix": (f"PREFIX : <http://{host}:{port}/>\n", f":{path}"),
        "prefix redeclared": (f"PREFIX c: <urn:x:>\nPREFIX c: <http://{host}:{port}/>\n", f"c:{path}"),
        "prefix with escapes": (f"PREFIX c: <http://{host}\\u003a{port}/>\n", f"c:{path}"),
        "BASE": (f"BASE <http://{host}:{port}/>\n", f"<{path}>"),
        "network-path reference": (f"BASE <http://{host}:{port}/a/>\n", f"<//{host}:{port}/{path}>"),
        "relative prefix": (f"BASE <http://{host}:{port}/>\nPREFIX c: <>\n", f"c:{path}"),
        "BASE twice": (f"BASE <http://{host}:{port}/a/b/>\nBASE <../>\n", f"<../{path}>"),
        "relative to the endpoint": ("", f"<{path}>"),  # the engine gets the endpoint's base, as in the service
    }


SERVICE_KEYWORDS = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "SERVICESILENT", "SERVICE\tsilent",
                    "SERVICE#c\rSILENT", "SERVICE #c\r\n"]
SEPARATORS = [" ", "", "\r", "#x\r", "\n#x\n"]
QUERIES = [
    "SELECT * WHERE {{ {K}{S}{T} {{ }} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ {K}{S}{T} {{ }} }} }}",
    "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ {K}{S}{T} {{ }} }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ {K}{S}{T} {{ }} }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ {K}{S}{T} {{ }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ {K}{S}{T} {{ }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ {K}{S}{T} {{ }} }} }}",
    "ASK {{ ?s ?p ?o . {K}{S}{T} {{ }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o {K}{S}{T} {{ }} }}",
    "SELECT * WHERE {{ ?s ?p true{K}{S}{T}{{}} }}",
    "SELECT * WHERE {{ ?s ?p <urn:o>{K}{S}{T}{{}} }}",
    "SELECT * WHERE {{ ?s ?p 'o'{K}{S}{T}{{}} }}",
    "SELECT * WHERE {{ ?s ?p 1{K}{S}{T}{{}} }}",
    "SELECT * WHERE {{ # a comment that ends at CR\r {K}{S}{T} {{}} }}",
    "SELECT * WHERE {{ #\\u000a {K}{S}{T} {{}} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?o <'>') {K}{S}{T} {{}} BIND('x' AS ?y) }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?o <?s#>'''\n) {K}{S}{T} {{ }} \n# '''\n}}",
    "PREFIX e: <urn:e:> SELECT * WHERE {{ ?s ?p e:a\\# {K}{S}{T} {{}} }}",
    "SELECT * WHERE {{ ?s ?p ?o }} VALUES ?x {{ 1 }} # {K}{S}{T}",
    "SELECT * WHERE {{ SERV\\u0049CE{S}{T} {{}} }}",
]
UPDATES = [
    "INSERT {{ <urn:a> <urn:b> <urn:c> }} WHERE {{ {K}{S}{T} {{ }} }}",
    "DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o OPTIONAL {{ {K}{S}{T} {{ }} }} }}",
    "WITH <urn:g> INSERT {{ <urn:a> <urn:b> <urn:c> }} WHERE {{ {K}{S}{T} {{ }} }}",
    "INSERT DATA {{ <urn:a> <urn:b> <urn:c> }} ;\nINSERT {{ <urn:a> <urn:b> <urn:d> }} WHERE {{ {{ SELECT * {{ {K}{S}{T} {{}} }} }} }}",
]
LOAD_KEYWORDS = ["LOAD", "load", "LoAd", "LOAD SILENT", "LOADSILENT", "LOAD#c\r"]
LOADS = [
    "{K}{S}{T}",
    "{K}{S}{T} INTO GRAPH <urn:g>",
    "CLEAR ALL ;{K}{S}{T}",
    "INSERT DATA {{ <urn:a> <urn:b> <urn:c> }} ;\n{K}{S}{T} ; CLEAR SILENT GRAPH <urn:none>",
    "# comment\r{K}{S}{T}",
]


def spellings(port: int) -> list[dict]:
    """Queries and updates that reach http://127.0.0.1:port/c<n>x in the engine's reading, or fail to parse."""
    cases = []

    def add(kind, spelling, template, keyword, separator, base=None):
        prologue, target = _target_spellings("127.0.0.1", port, len(cases))[spelling]
        text = prologue + template.format(K=keyword, S=separator, T=target)
        cases.append({"id": len(cases), "kind": kind, "text": text, "base": base})

    for template in QUERIES + UPDATES:
        kind = "update" if template in UPDATES else "query"
        for keyword in SERVICE_KEYWORDS:
            for separator in SEPARATORS[:3]:
                for spelling in ("plain", "escaped colon", "prefixed"):
                    add(kind, spelling, template, keyword, separator)
    for spelling in _target_spellings("127.0.0.1", port, 0):
        base = f"http://127.0.0.1:{port}/" if spelling == "relative to the endpoint" else None
        for template in QUERIES[:2] + UPDATES[:1]:
            for separator in SEPARATORS:
                add("update" if template in UPDATES else "query", spelling, template, "SERVICE", separator, base)
    for template in LOADS:
        for keyword in LOAD_KEYWORDS:
            for separator in SEPARATORS:
                for spelling in ("plain", "escaped colon", "prefixed", "BASE", "escape with a plus"):
                    add("update", spelling, template, keyword, separator)
    return cases


_ENGINE = r"""
import json, sys
import pyoxigraph as ox
for case in json.load(sys.stdin):
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o")))
    try:
        if case["kind"] == "update":
            store.update(case["text"], base_iri=case["base"])
        else:
            result = store.query(case["text"], base_iri=case["base"])
            if not isinstance(result, ox.QueryBoolean):
                list(result)
    except Exception:
        pass
"""


def engine_reached(canary: Canary, cases: list[dict]) -> set[int]:
    """Which cases pyoxigraph itself sends to the canary, evaluated in a subprocess (its only listener: the canary)."""
    canary.seen.clear()
    subprocess.run([sys.executable, "-c", _ENGINE], input=json.dumps(cases), text=True, timeout=300, check=True)
    return {int(m.group(1)) for r in canary.seen for m in [re.search(r"/c(\d+)x", r["path"])] if m}


def test_the_scanner_finds_every_target_the_engine_reaches(canary):
    cases = spellings(canary.port)
    reached = engine_reached(canary, cases)
    assert len(reached) > len(cases) * 0.8  # the corpus really does reach out: the spellings are live
    missed = []
    for case in cases:
        try:
            check_remote_targets(case["text"], [], case["base"])  # nothing allowed: any target found is refused
        except NewsKGError as exc:
            assert exc.status == 400
            continue
        if case["id"] in reached:
            missed.append(case["text"])
    assert missed == []


def test_every_target_the_engine_reaches_is_where_the_scanner_says(canary):
    """Rewriting the targets the scanner found (as the SERVICE proxy and inline_loads do) leaves none behind."""
    rewritten = []
    for case in spellings(canary.port):
        try:
            found = remote_targets(case["text"], case["base"])
        except NewsKGError:
            continue  # refused: never evaluated
        text = case["text"]
        for target in sorted(found, key=lambda t: t.start, reverse=True):
            text = text[: target.start] + f"<http://127.0.0.1:{canary.port}/rewritten>" + text[target.end :]
        rewritten.append({**case, "text": text})
    assert len(rewritten) > 1000
    assert engine_reached(canary, rewritten) == set()
    assert any(r["path"] == "/rewritten" for r in canary.seen)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < ?x && ?x > 3) }",
    "SELECT * WHERE { ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?o FILTER(?o != <urn:a#b>) }",
    "PREFIX schema: <http://schema.org/> SELECT ?u WHERE { ?s schema:downloadUrl ?u ; schema:serviceType ?t }",
    "SELECT ?x WHERE { VALUES (?x ?y) { (<urn:a#1> <urn:b#2>) } BIND('SERVICE <http://127.0.0.1:9/>' AS ?z) }",
    "SELECT * WHERE { ?s ?p 'it''s' } # SERVICE <http://127.0.0.1:9/> { }",
])
def test_ordinary_queries_are_not_refused(text):
    assert remote_targets(text, "http://127.0.0.1:8000/sparql") == []


# --- the egress policy, on its own -------------------------------------------------------------------------------
def _policy(*allowed: str, private: tuple[str, ...] = (), max_bytes: int = 1 << 20) -> EgressPolicy:
    return EgressPolicy("SERVICE", allowed, private, 5.0, max_bytes)


@pytest.mark.parametrize("spelling", [
    "http://127.0.0.1:{port}/sparql",
    "http://localhost:{port}/sparql",
    "http://[::ffff:127.0.0.1]:{port}/sparql",
    "http://2130706433:{port}/sparql",
    "http://0x7f.1:{port}/sparql",
    "http://017700000001:{port}/sparql",
    "http://127.1:{port}/sparql",
])
def test_an_allow_listed_loopback_target_is_refused_before_connecting(canary, spelling):
    url = spelling.format(port=canary.port)
    with EgressClient(_policy(url)) as client, pytest.raises(EgressRefusedError):
        client.request("GET", url)
    assert canary.seen == []


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
    "240.0.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "2002:7f00:1::1", "64:ff9b::a00:1",
])
def test_non_public_addresses_are_refused(address):
    assert address_refusal(address) is not None


def test_public_addresses_pass():
    assert address_refusal("8.8.8.8") is None and address_refusal("2606:4700:4700::1111") is None


def test_a_name_that_resolves_to_loopback_is_refused(canary):
    """Checked on the resolved address, whatever the name: a public-looking name that points at loopback."""
    url = f"http://mirror.example:{canary.port}/sparql"
    looked_up = []

    def resolve(host, port, **kwargs):
        looked_up.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    with EgressClient(_policy(url), resolve=resolve) as client, pytest.raises(EgressRefusedError, match="loopback"):
        client.request("GET", url)
    assert looked_up == ["mirror.example"] and canary.seen == []


def test_the_connection_goes_to_the_checked_address_with_the_original_host(canary, monkeypatch):
    """No second look-up between check and connect (DNS rebinding): only our resolver may answer for the name."""
    url = f"http://pinned.example:{canary.port}/sparql"
    real_getaddrinfo = socket.getaddrinfo

    def nothing_else_resolves_it(host, *args, **kwargs):
        if host == "pinned.example":
            raise AssertionError("the name was looked up again after the check")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", nothing_else_resolves_it)

    def resolve(host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    with EgressClient(_policy(url, private=("pinned.example",)), resolve=resolve) as client:
        assert client.request("GET", url).status_code == 200
    assert [r["headers"]["Host"] for r in canary.seen] == [f"pinned.example:{canary.port}"]


def test_file_and_other_schemes_are_refused():
    with EgressClient(_policy("file:///etc/passwd")) as client:
        for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/x"):
            with pytest.raises(EgressRefusedError, match="only http and https"):
                client.request("GET", url)


def test_a_redirect_off_the_allow_list_is_refused(canary, redirector):
    """The redirector is allowed (as a private host); the canary it points at is not on the allow-list."""
    policy = _policy(redirector.url, private=(f"127.0.0.1:{redirector.port}",))
    with EgressClient(policy) as client, pytest.raises(EgressRefusedError, match="allow-list"):
        client.request("POST", redirector.url, content=b"query=ASK{}")
    assert len(redirector.seen) == 1 and canary.seen == []


def test_a_redirect_to_an_allowed_endpoint_on_a_host_not_allowed_private_is_refused(canary, redirector):
    policy = _policy(redirector.url, canary.url, private=(f"127.0.0.1:{redirector.port}",))
    with EgressClient(policy) as client, pytest.raises(EgressRefusedError, match="loopback"):
        client.request("GET", redirector.url)
    assert canary.seen == []


def test_allowed_redirects_are_followed_a_few_times_only(canary, redirector):
    policy = _policy(redirector.url, canary.url, private=("127.0.0.1",))
    with EgressClient(policy) as client:
        answer = client.request("GET", redirector.url)
    assert answer.status_code == 200 and str(answer.url) == canary.url
    redirector.redirect_to = redirector.url  # now it redirects to itself, for ever
    with EgressClient(policy) as client, pytest.raises(UpstreamError, match="redirected more than 3 times"):
        client.request("GET", redirector.url)
    assert len(redirector.seen) == 1 + 4


def test_an_answer_past_the_size_limit_is_cut(canary):
    with EgressClient(_policy(canary.url, private=("127.0.0.1",), max_bytes=10)) as client:
        with pytest.raises(UpstreamTooLargeError) as refused:
            client.request("GET", canary.url)
    assert refused.value.status == 502


def test_the_wikidata_client_goes_through_the_policy(canary):
    """Its endpoints on loopback are refused unless the operator allows the host; nothing reaches the canary."""
    with WikidataClient(canary.url, canary.url, min_interval_s=0, retries=0) as client:
        with pytest.raises(EgressRefusedError, match="loopback"):
            client.search("Almaty")
    assert canary.seen == []
    with WikidataClient(canary.url, canary.url, min_interval_s=0, retries=0, private_hosts=("127.0.0.1",)) as client:
        with pytest.raises(EgressRefusedError, match="allow-list"):
            client._request("GET", f"http://127.0.0.1:{canary.port}/elsewhere")
    assert canary.seen == []


def test_inline_loads_fetches_through_the_policy(canary, tmp_path):
    settings = Settings(store=tmp_path / "s", service_allow=canary.url, egress_private_hosts="127.0.0.1")
    update = inline_loads(f"LOAD <{canary.url}> INTO GRAPH <urn:g>", settings)
    assert "LOAD" not in update and "<urn:egress:s> <urn:egress:p> <urn:egress:o>" in update
    assert canary.seen[0]["headers"]["User-Agent"].startswith("newskg/")
    refused = Settings(store=tmp_path / "s", service_allow=canary.url)  # allowed, but loopback is not public
    with pytest.raises(EgressRefusedError):
        inline_loads(f"LOAD <{canary.url}>", refused)
    assert inline_loads(f"LOAD SILENT <{canary.url}>", refused) == "INSERT DATA {}"
    assert len(canary.seen) == 1


# --- over a real server: no probe reaches the canary ---------------------------------------------------------------
def _query(server, text: str) -> httpx.Response:
    return httpx.post(server.url + "/sparql", data={"query": text}, timeout=30)


def _update(server, text: str) -> httpx.Response:
    return httpx.post(server.url + "/sparql", data={"update": text}, headers=TOKEN, timeout=30)


def _stored(server, graph_pattern: str = "?s ?p ?o") -> bool:
    return _query(server, f"ASK {{ {{ {graph_pattern} }} UNION {{ GRAPH ?g {{ {graph_pattern} }} }} }}").json()["boolean"]


def test_service_and_load_in_many_spellings_never_reach_the_canary(server_factory, canary):
    server = server_factory(env={"NEWSKG_WRITE_TOKEN": "test-token", "NEWSKG_LOAD_SEED": "false"})
    cases = spellings(canary.port)
    for case in cases[::23]:
        send = _update if case["kind"] == "update" else _query
        response = send(server, case["text"])
        assert response.status_code in (200, 204, 400), (case["text"], response.text)  # 2xx: SERVICE commented out
    assert canary.seen == []
    assert not _stored(server, "<urn:egress:s> ?p ?o")


def test_allow_listed_loopback_and_odd_spellings_are_refused_over_the_server(server_factory, canary):
    """On the allow-list, but not public: the egress policy refuses them; nothing reaches the canary."""
    port = canary.port
    odd = [f"http://127.0.0.1:{port}/sparql", f"http://localhost:{port}/sparql", f"http://[::ffff:127.0.0.1]:{port}/s",
           f"http://2130706433:{port}/s", f"http://0x7f.1:{port}/s", f"http://017700000001:{port}/s"]
    server = server_factory(env={"NEWSKG_WRITE_TOKEN": "test-token", "NEWSKG_SERVICE_ALLOW": ",".join(odd)})
    for target in odd:
        response = _query(server, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
        assert response.status_code == 400, (target, response.text)
        assert response.json()["error"] == "Outgoing request refused"
        assert _update(server, f"LOAD <{target}>").status_code == 400
        assert _update(server, f"LOAD SILENT <{target}>").status_code == 204
        assert _update(server, f"INSERT {{ <urn:a> <urn:b> ?x }} WHERE {{ SERVICE <{target}> {{ ?x ?p ?o }} }}"
                       ).status_code == 400
    assert canary.seen == []
    assert not _stored(server, "<urn:egress:s> ?p ?o")


def test_file_targets_are_refused(server_factory, canary):
    server = server_factory(env={"NEWSKG_WRITE_TOKEN": "test-token", "NEWSKG_SERVICE_ALLOW": "file:///etc/passwd"})
    assert _query(server, "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }").status_code == 400
    assert _update(server, "LOAD <file:///etc/passwd>").status_code == 400
    assert _update(server, "LOAD <file:///etc/passwd> INTO GRAPH <urn:g>").status_code == 400


def test_a_redirect_from_an_allowed_endpoint_to_the_canary_is_refused(server_factory, canary, redirector):
    server = server_factory(env={
        "NEWSKG_WRITE_TOKEN": "test-token", "NEWSKG_SERVICE_ALLOW": redirector.url,
        "NEWSKG_EGRESS_PRIVATE_HOSTS": f"127.0.0.1:{redirector.port}",
    })
    query = f"SELECT * WHERE {{ SERVICE <{redirector.url}> {{ ?x ?p ?o }} }}"
    response = _query(server, query)
    assert response.status_code == 400 and "allow-list" in response.json()["message"], response.text
    assert _update(server, f"LOAD <{redirector.url}>").status_code == 400
    assert _update(server, f"LOAD SILENT <{redirector.url}>").status_code == 204
    assert redirector.seen and canary.seen == []
    assert not _stored(server, "<urn:egress:s> ?p ?o")


def test_allowed_service_and_load_leave_through_our_client(server_factory, canary):
    """With the operator's permission for the loopback stand-in, SERVICE (query and update) and LOAD all arrive
    with our User-Agent: they came through the egress policy, never pyoxigraph's own client."""
    server = server_factory(env={
        "NEWSKG_WRITE_TOKEN": "test-token", "NEWSKG_SERVICE_ALLOW": canary.url,
        "NEWSKG_EGRESS_PRIVATE_HOSTS": f"127.0.0.1:{canary.port}", "NEWSKG_LOAD_SEED": "false",
    })
    answer = _query(server, f"SELECT ?x WHERE {{ SERVICE <{canary.url}> {{ ?x ?p ?o }} }}")
    assert answer.status_code == 200 and answer.json()["results"]["bindings"][0]["x"]["value"] == "remote"
    assert _update(server, f"LOAD <{canary.url}> INTO GRAPH <urn:egress:g>").status_code == 204
    assert _query(server, "ASK { GRAPH <urn:egress:g> { <urn:egress:s> <urn:egress:p> <urn:egress:o> } }"
                  ).json()["boolean"] is True
    inserted = _update(server, f"INSERT {{ <urn:egress:a> <urn:egress:b> ?x }} WHERE {{ SERVICE <{canary.url}> "
                               f"{{ ?x ?p ?o }} }}")
    assert inserted.status_code == 204, inserted.text
    assert _query(server, 'ASK { <urn:egress:a> <urn:egress:b> "remote" }').json()["boolean"] is True
    agents = {r["headers"].get("User-Agent", "") for r in canary.seen}
    assert len(canary.seen) >= 3 and all(a.startswith("newskg/") for a in agents), agents
