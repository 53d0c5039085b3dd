"""`newskg query` and `newskg export` beside a running `newskg serve` (read-only on its store folder) and against it
(`--server`, through the egress policy); their output for terminals and pipes; a closed pipe. Real processes only."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from newskg.clientside.answers import column_widths, compact, cut, display_width, plan_output, query_form, render_table
from newskg_test_servers import LoopbackServer, RunningServer
from shipped_data import shipped_claim_count

NKG = "https://w3id.org/newskg/ontology#"
TOKEN = "beside-token"
EXTRA = "urn:x:extra"
EXTRA_NT = b'<urn:x:a> <urn:x:b> "c" .\n<urn:x:a> <urn:x:b> "d" .\n'
CLAIMS = f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c a <{NKG}Claim> }}"
QUOTES = f"SELECT ?c ?q WHERE {{ ?c a <{NKG}Claim> ; <{NKG}quote> ?q }} ORDER BY ?c ?q"
EVERY_QUAD = "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def command() -> list[str]:
    script = Path(sys.executable).with_name("newskg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "newskg.cli"]


def newskg(*args, store: Path | None = None, check: bool = True, env: dict | None = None):
    where = ["--store", str(store)] if store is not None else []
    result = subprocess.run(
        [*command(), *where, *args], capture_output=True, env={**os.environ, "NEWSKG_WRITE_TOKEN": "", **(env or {})},
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stderr.decode()}")
    return result


def quads(data: bytes, fmt=ox.RdfFormat.N_QUADS) -> set[str]:
    return {str(q) for q in ox.parse(data, format=fmt)}


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """A real server on its store folder, with one graph written through it (the CLI beside it must see it)."""
    server = RunningServer(tmp_path_factory.mktemp("beside") / "store", {"NEWSKG_WRITE_TOKEN": TOKEN})
    try:
        put = httpx.put(server.url + "/store", params={"graph": EXTRA}, content=EXTRA_NT, timeout=60,
                        headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"})
        assert put.status_code == 201, put.text
        yield server
    finally:
        server.stop()


# --- beside the server: the store folder, read-only ----------------------------------------------------------------
def test_query_beside_a_running_server_reads_its_store(running):
    store = running.store
    claims = newskg("query", CLAIMS, "--format", "csv", store=store).stdout.split()
    assert claims == [b"n", str(shipped_claim_count()).encode()]
    extra = newskg("query", f"SELECT ?o WHERE {{ GRAPH <{EXTRA}> {{ ?s ?p ?o }} }} ORDER BY ?o", "--format", "csv",
                   store=store)
    assert extra.stdout.split() == [b"o", b"c", b"d"]  # written through the server, seen beside it
    # the same answers, byte for byte, as the server's own endpoint gives
    for name, media in (("json", "application/sparql-results+json"), ("tsv", "text/tab-separated-values"),
                        ("csv", "text/csv"), ("xml", "application/sparql-results+xml")):
        beside = newskg("query", QUOTES, "--format", name, store=store).stdout
        direct = httpx.post(running.url + "/sparql", data={"query": QUOTES}, headers={"Accept": media}, timeout=60)
        assert beside.rstrip(b"\n") == direct.content.rstrip(b"\n"), name
        assert newskg("query", QUOTES, "--format", name, "--server", running.url).stdout == beside, name
    # the CLI took no lock: the server still writes, and the next command sees that write
    put = httpx.put(running.url + "/store", params={"graph": EXTRA + "2"}, content=EXTRA_NT, timeout=60,
                    headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"})
    assert put.status_code == 201, put.text
    ask = f"ASK {{ GRAPH <{EXTRA}2> {{ <urn:x:a> <urn:x:b> \"d\" }} }}"
    assert newskg("query", ask, store=store).stdout == b"true\n"
    assert newskg("query", ask.replace('"d"', '"e"'), store=store).stdout == b"false\n"
    assert httpx.get(running.url + "/health", timeout=10).status_code == 200


def test_export_beside_a_running_server(running, tmp_path):
    store = running.store
    served = quads(httpx.get(running.url + "/store", params={"format": "nq"}, timeout=60).content)
    assert len(served) > 3000
    assert quads(newskg("export", "--format", "nquads", store=store).stdout) == served
    out = tmp_path / "all.trig"
    newskg("export", "-o", str(out), store=store)
    assert quads(out.read_bytes(), ox.RdfFormat.TRIG) == served
    assert quads(newskg("export", "--format", "nquads", "--server", running.url).stdout) == served
    # chosen graphs, with their names; `default` is the default graph
    extra = {f'<urn:x:a> <urn:x:b> "{v}" <{EXTRA}>' for v in "cd"}
    default = quads(httpx.get(running.url + "/store", params={"default": "", "format": "nt"}, timeout=60).content)
    for where in ({"store": store}, {}):
        server = [] if where else ["--server", running.url]
        assert quads(newskg("export", "--format", "nquads", "--graph", EXTRA, *server, **where).stdout) == extra
        both = newskg("export", "--graph", EXTRA, "--graph", "default", *server, **where).stdout
        assert quads(both, ox.RdfFormat.TRIG) == extra | default
        assert len(default) > 100


def test_unknown_graphs_are_clean_errors(running, tmp_path):
    out = tmp_path / "never.nq"
    for where in ({"store": running.store}, {}):
        server = [] if where else ["--server", running.url]
        missing = newskg("export", "--graph", EXTRA, "--graph", "urn:x:none", "-o", str(out), *server, check=False,
                         **where)
        assert missing.returncode == 2, missing.stderr
        assert b"no graph <urn:x:none>" in missing.stderr and b"Traceback" not in missing.stderr
        assert not out.exists() and not Path(str(out) + ".partial").exists()
        bad = newskg("export", "--graph", "not an IRI", *server, check=False, **where)
        assert bad.returncode == 2 and b"--graph must be an absolute IRI" in bad.stderr and not bad.stdout


def test_a_closed_pipe_ends_quietly(running):
    rows = int(newskg("query", EVERY_QUAD.replace("SELECT *", "SELECT (COUNT(*) AS ?n)"), "--format", "csv",
                      store=running.store).stdout.split()[1])
    assert rows > 3000  # a few hundred kilobytes: far past a pipe's buffer
    for args in (["query", EVERY_QUAD], ["query", EVERY_QUAD, "--format", "table"],
                 ["query", EVERY_QUAD, "--server", running.url], ["export"], ["export", "--server", running.url]):
        store = [] if "--server" in args else ["--store", str(running.store)]
        process = subprocess.Popen([*command(), *store, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = process.stdout.readline()
        process.stdout.close()  # as `| head -1` does
        assert process.wait(timeout=120) == 0, args
        error = process.stderr.read()
        process.stderr.close()
        assert first and error == b"", (args, error)


# --- output for a person, output for a program --------------------------------------------------------------------
def test_a_terminal_gets_a_table(running):
    primary, secondary = pty.openpty()
    process = subprocess.Popen([*command(), "--store", str(running.store), "query", QUOTES], stdout=secondary,
                               stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "100"})
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the other end closed (Linux says EIO)
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=120) == 0, process.stderr.read()
    process.stderr.close()
    lines = b"".join(chunks).decode().replace("\r\n", "\n").splitlines()
    quoted = newskg("query", f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c a <{NKG}Claim> ; <{NKG}quote> ?q }}", "--format",
                    "csv", store=running.store).stdout.split()[1].decode()
    assert lines[0].split() == ["c", "q"] and set(lines[1].replace(" ", "")) == {"─"}
    assert lines[2].startswith("claim:") and lines[-1] == f"({quoted} rows)" and len(lines) == int(quoted) + 3
    assert all(display_width(line) <= 100 for line in lines)
    assert any(line.endswith("…") for line in lines)  # long quotes are cut


def test_formats_for_pipes_and_for_each_query_form(running):
    store = running.store
    tsv = newskg("query", QUOTES, store=store).stdout.decode()
    assert tsv.splitlines()[0] == "?c\t?q" and "<https://w3id.org/newskg/id/claim/" in tsv  # a pipe: SPARQL TSV
    table = newskg("query", QUOTES, "--format", "table", store=store).stdout.decode()
    assert table.splitlines()[0].split() == ["c", "q"] and "claim:nunl-6177422-" in table
    construct = f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}"
    for name, syntax in ((None, ox.RdfFormat.TURTLE), ("table", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES),
                         ("json", ox.RdfFormat.JSON_LD), ("xml", ox.RdfFormat.RDF_XML)):
        chosen = ["--format", name] if name else []
        body = newskg("query", construct, *chosen, store=store).stdout
        assert len(list(ox.parse(body, format=syntax))) == shipped_claim_count(), name
        served = newskg("query", construct, *chosen, "--server", running.url).stdout
        # the same triples (the server may answer from its in-memory replica, which lists them in another order)
        assert set(ox.parse(served, format=syntax)) == set(ox.parse(body, format=syntax)), name
    assert newskg("query", CLAIMS, "--format", "nt", store=store).stdout.startswith(b"?n\n")  # a graph syntax: TSV
    unknown = newskg("query", CLAIMS, "--format", "yaml", store=store, check=False)
    assert unknown.returncode == 2 and b"unknown --format 'yaml'" in unknown.stderr
    syntax = newskg("query", "SELECT * WHERE {\n ?s ?p }", "--server", running.url, check=False)
    assert syntax.returncode == 2 and b"answered 400" in syntax.stderr and b"line 2" in syntax.stderr
    assert b"Traceback" not in syntax.stderr


# --- --server goes through the checked exit -----------------------------------------------------------------------
class _StandIn(LoopbackServer):
    """A stand-in server: answers /sparql as `respond(handler)` says, and keeps the requests it saw."""

    def __init__(self, respond):
        self.seen: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                outer.seen.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                                   "body": self.rfile.read(length)})
                status, headers, body = respond(self)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.serve(Handler)
        self.base = f"http://127.0.0.1:{self.port}"


ASK_TRUE = (200, {"Content-Type": "application/sparql-results+json"}, b'{"head": {}, "boolean": true}')


def test_server_redirects_elsewhere_are_refused():
    elsewhere = _StandIn(lambda handler: ASK_TRUE)
    redirecting = _StandIn(lambda handler: (302, {"Location": elsewhere.url}, b""))
    try:
        result = newskg("query", "ASK {}", "--server", redirecting.base, check=False)
        assert result.returncode == 2 and b"refused" in result.stderr and b"allow-list" in result.stderr
        assert len(redirecting.seen) == 1 and elsewhere.seen == []
    finally:
        redirecting.close()
        elsewhere.close()


def test_the_token_goes_only_to_a_server_that_asks():
    def respond(handler):
        if handler.headers.get("Authorization") != "Bearer s3cret":
            return 401, {"Content-Type": "application/json"}, b'{"message": "a token is needed"}'
        return ASK_TRUE

    standin = _StandIn(respond)
    try:
        refused = newskg("query", "ASK {}", "--server", standin.base, check=False)
        assert refused.returncode == 2 and b"answered 401: a token is needed" in refused.stderr
        assert [s["authorization"] for s in standin.seen] == [None]
        standin.seen.clear()
        assert newskg("query", "ASK {}", "--server", standin.base, env={"NEWSKG_WRITE_TOKEN": "s3cret"}).stdout == b"true\n"
        assert [s["authorization"] for s in standin.seen] == [None, "Bearer s3cret"]  # sent after the 401 only
        standin.seen.clear()
        assert newskg("query", "ASK {}", "--server", standin.base + "/sparql", "--token", "s3cret").stdout == b"true\n"
        assert [s["authorization"] for s in standin.seen] == ["Bearer s3cret"]
        assert standin.seen[0]["path"] == "/sparql" and b"format=srj" in standin.seen[0]["body"]
    finally:
        standin.close()
    unreachable = newskg("query", "ASK {}", "--server", standin.base, check=False)
    assert unreachable.returncode == 2 and b"could not be reached" in unreachable.stderr
    bad = newskg("query", "ASK {}", "--server", "ftp://example.org", check=False)
    assert bad.returncode == 2 and b"--server takes the server's address" in bad.stderr


# --- the pieces -------------------------------------------------------------------------------------------------
def test_query_forms_and_output_plans():
    assert query_form("PREFIX select: <urn:x#> # ASK\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form("ask {}") == "ASK" and query_form("not sparql") is None
    assert plan_output(None, True, "SELECT").wire == "srj" and plan_output(None, False, "SELECT").wire == "tsv"
    assert plan_output(None, False, "ASK").wire == "srj" and plan_output("xml", False, "ASK").wire == "srx"
    assert plan_output("json", True, "DESCRIBE").wire == "jsonld" and plan_output("xml", True, "CONSTRUCT").wire == "rdfxml"
    assert plan_output("csv", True, None).wire == "csv,turtle" and plan_output("nt", False, "SELECT").wire == "tsv"


def test_table_cells():
    prefixes = {"nkg": NKG, "claim": "https://w3id.org/newskg/id/claim/", "res": "https://w3id.org/newskg/id/"}
    assert compact("https://w3id.org/newskg/id/claim/x-1", prefixes) == "claim:x-1"  # the longest namespace
    assert compact("https://w3id.org/newskg/id/a/b?c", prefixes) == "https://w3id.org/newskg/id/a/b?c"
    assert cut("abcdef", 4) == "abc…" and cut("abc", 4) == "abc" and display_width(cut("日本語の文", 5)) <= 5
    assert column_widths([100, 5], None) == [60, 5] and sum(column_widths([100, 100], 50)) + 2 <= 50
    document = {"head": {"vars": ["s", "o"]}, "results": {"bindings": [
        {"s": {"type": "uri", "value": NKG + "Claim"}, "o": {"type": "literal", "value": "a\nb", "xml:lang": "nl"}},
        {"s": {"type": "bnode", "value": "b0"}},
    ]}}
    assert render_table(document, prefixes, None).splitlines() == [
        "s          o", "─────────  ──────", "nkg:Claim  a b@nl", "_:b0", "(2 rows)"]
