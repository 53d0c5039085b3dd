"""GET /search over a remote store (Virtuoso): there is no text index there, and the answer says so."""


def test_search_over_a_remote_store_is_501_naming_the_missing_text_index(remote_client):
    response = remote_client.get("/search", params={"q": "terrorist", "lang": "nl"})
    assert response.status_code == 501
    body = response.json()
    assert body["error"] == "Not implemented" and "remote" in body["message"] and "text index" in body["message"]
    page = remote_client.get("/search", params={"q": "terrorist"}, headers={"Accept": "text/html"})
    assert page.status_code == 501 and "text index" in page.text
    assert 'class="site-search"' in page.text


def test_text_score_over_a_remote_store_is_400_and_nothing_is_indexed_locally(remote_client, remote_settings):
    query = ('PREFIX text: <https://w3id.org/newskg/text#> SELECT ?c WHERE { ?c ?p ?o '
             'FILTER(text:match(?c, "terrorist")) } LIMIT 1')
    response = remote_client.get("/sparql", params={"query": query},
                                 headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400 and "text index" in response.text
    written = remote_client.post(
        "/sparql", data={"update": 'INSERT DATA { <urn:x:z> <http://www.w3.org/2000/01/rdf-schema#label> "zeppelin"@nl }'},
        headers={"Authorization": "Bearer test-token"})
    assert written.status_code in (200, 204), written.text
    from newskg.search import index_folder

    assert not index_folder(remote_settings.store).exists()  # the remote store has no index beside it


def test_index_rebuild_refuses_a_remote_store(virtuoso, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from .conftest import remote_env

    env = {**os.environ, **remote_env(virtuoso), "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    done = subprocess.run([sys.executable, "-m", "newskg.cli", "--store", str(tmp_path / "s"), "index", "rebuild"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode != 0 and "remote store has no text index" in done.stderr
    assert "Traceback" not in done.stderr
