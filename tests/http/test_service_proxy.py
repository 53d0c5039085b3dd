"""SERVICE calls leave through our own client: our User-Agent, their own time limit (loopback endpoints, allowed as
private hosts)."""

import http.server
import time

import httpx
import pytest
from newskg_test_servers import LoopbackServer


class _Endpoint(LoopbackServer):
    """A tiny SPARQL endpoint on loopback that records who called and can be slow."""

    def __init__(self, delay_s: float = 0.0):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                seen.append(self.headers.get("User-Agent"))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                time.sleep(delay_s)
                body = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"remote"}}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.serve(Handler)



@pytest.fixture
def endpoint():
    e = _Endpoint()
    yield e
    e.close()


@pytest.fixture
def slow_endpoint():
    e = _Endpoint(delay_s=5)
    yield e
    e.close()


def test_service_sends_our_user_agent(server_factory, endpoint):
    server = server_factory(env={"NEWSKG_SERVICE_ALLOW": endpoint.url, "NEWSKG_EGRESS_PRIVATE_HOSTS": "127.0.0.1"})
    response = httpx.get(server.url + "/sparql", params={"query": f"SELECT ?x WHERE {{ SERVICE <{endpoint.url}> {{ ?x ?p ?o }} }}"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "remote"}}]
    assert endpoint.seen and all(ua.startswith("newskg/") and "(" in ua for ua in endpoint.seen)


def test_a_slow_service_is_cut_off_by_its_own_time_limit(server_factory, slow_endpoint):
    server = server_factory(env={
        "NEWSKG_SERVICE_ALLOW": slow_endpoint.url, "NEWSKG_SERVICE_TIMEOUT_S": "1", "NEWSKG_EGRESS_PRIVATE_HOSTS": "127.0.0.1"
    })
    query = f"SELECT ?x WHERE {{ SERVICE <{slow_endpoint.url}> {{ ?x ?p ?o }} }}"
    started = time.monotonic()
    response = httpx.get(server.url + "/sparql", params={"query": query}, timeout=30)
    assert time.monotonic() - started < 4
    assert response.status_code >= 500  # the remote's failure, never the client's
    silent = httpx.get(server.url + "/sparql", params={"query": query.replace("SERVICE", "SERVICE SILENT")}, timeout=30)
    assert silent.status_code == 200
