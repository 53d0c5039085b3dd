"""The `newskg` console script, run as a user would (a real process, a real store folder)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from shipped_data import shipped_claim_count

ROOT = Path(__file__).resolve().parents[1]
NKG = "https://w3id.org/newskg/ontology#"


def newskg(*args, store: Path, check: bool = True, input: str | None = None):
    script = Path(sys.executable).with_name("newskg")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "newskg.cli"]
    result = subprocess.run(
        [*command, "--store", str(store), *args],
        capture_output=True,
        text=True,
        input=input,
        env={**os.environ, "NEWSKG_WRITE_TOKEN": ""},
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stderr}")
    return result


def test_console_script_loads():
    script = Path(sys.executable).with_name("newskg")
    assert script.exists(), "the newskg console script is not installed"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("serve", "load", "query", "validate", "export"):
        assert command in result.stdout


def test_query_formats(tmp_path):
    store = tmp_path / "store"
    query = f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c a <{NKG}Claim> }}"
    claims = shipped_claim_count()
    assert claims > 100  # the article's claims and the other outlets' reports
    as_json = json.loads(newskg("query", query, "--format", "json", store=store).stdout)
    assert as_json["results"]["bindings"][0]["n"]["value"] == str(claims)
    assert newskg("query", query, "--format", "csv", store=store).stdout.split() == ["n", str(claims)]
    assert newskg("query", query, "--format", "tsv", store=store).stdout.split("\n")[0] == "?n"
    assert "<sparql" in newskg("query", query, "--format", "xml", store=store).stdout
    construct = f"CONSTRUCT {{ ?c a <{NKG}Claim> }} WHERE {{ ?c a <{NKG}Claim> }}"
    turtle = newskg("query", construct, "--format", "turtle", store=store).stdout
    import rdflib

    assert len(rdflib.Graph().parse(data=turtle, format="turtle")) == claims


def test_query_from_a_file_and_syntax_errors(tmp_path):
    store = tmp_path / "store"
    rq = tmp_path / "q.rq"
    rq.write_text(f"ASK {{ ?c a <{NKG}Claim> }}")
    assert newskg("query", f"@{rq}", store=store).stdout == "true\n"  # ASK into a pipe: true or false
    assert json.loads(newskg("query", f"@{rq}", "--format", "json", store=store).stdout)["boolean"] is True
    bad = newskg("query", "SELECT * WHERE {\n ?s ?p }", store=store, check=False)
    assert bad.returncode == 2 and "line 2" in bad.stderr and "Traceback" not in bad.stderr


def test_load_into_a_named_graph_then_export(tmp_path):
    store = tmp_path / "store"
    data = tmp_path / "extra.nt"
    data.write_text("<urn:x:a> <urn:x:b> \"c\" .\n<urn:x:a> <urn:x:b> \"d\" .\n")
    newskg("load", str(data), "--graph", "urn:x:graph", store=store)
    count = newskg("query", "SELECT (COUNT(*) AS ?n) { GRAPH <urn:x:graph> { ?s ?p ?o } }", "--format", "csv", store=store)
    assert count.stdout.split() == ["n", "2"]
    nquads = newskg("export", "--format", "nquads", store=store).stdout
    assert '<urn:x:a> <urn:x:b> "c" <urn:x:graph> .' in nquads
    trig = tmp_path / "all.trig"
    newskg("export", "--format", "trig", "-o", str(trig), store=store)
    import rdflib

    dataset = rdflib.Dataset()
    dataset.parse(trig, format="trig")
    assert len(list(dataset.graphs())) > 22


def test_load_a_broken_file_is_a_clean_error(tmp_path):
    store = tmp_path / "store"
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> .\n")
    result = newskg("load", str(bad), store=store, check=False)
    assert result.returncode == 2 and "line 1" in result.stderr and "Traceback" not in result.stderr
    unknown = tmp_path / "data.docx"
    unknown.write_text("x")
    assert newskg("load", str(unknown), store=store, check=False).returncode == 2


def test_validate_exit_codes(tmp_path):
    store = tmp_path / "store"
    ok = ROOT / "tests" / "fixtures" / "assertion-ok.trig"
    bad = ROOT / "tests" / "fixtures" / "assertion-bad.trig"
    assert newskg("validate", str(ok), store=store, check=False).returncode == 0
    result = newskg("validate", str(bad), "--format", "json", store=store, check=False)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False and report["results"][0]["value"] == "-5"
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle")
    assert newskg("validate", str(broken), store=store, check=False).returncode == 2
    bad_shapes = tmp_path / "shapes.ttl"
    bad_shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetNode <urn:x> ; sh:sparql [ sh:select \"SELECT nonsense\" ] .\n"
    )
    assert newskg("validate", str(ok), "--shapes", str(bad_shapes), store=store, check=False).returncode == 2


def test_validate_works_beside_a_running_server(tmp_path, server_factory):
    store = tmp_path / "store"
    server_factory(store)
    ok = ROOT / "tests" / "fixtures" / "assertion-ok.trig"
    result = newskg("validate", str(ok), store=store, check=False)
    assert result.returncode == 0, result.stderr + result.stdout


def test_reason_recomputes_the_entailments(tmp_path):
    store = tmp_path / "store"
    result = newskg("reason", "--engine", "owlrl", store=store)
    assert "with owlrl" in result.stderr
    inferred = newskg("query", "SELECT (COUNT(*) AS ?n) { GRAPH <https://w3id.org/newskg/graph/inferred> { ?s ?p ?o } }",
                      "--format", "csv", store=store).stdout.split()[1]
    assert int(inferred) > 100


def test_the_store_is_reused_across_runs(tmp_path):
    store = tmp_path / "store"
    first = newskg("query", "SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", "--format", "csv", store=store)
    second = newskg("query", "SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", "--format", "csv", store=store)
    assert first.stdout == second.stdout
