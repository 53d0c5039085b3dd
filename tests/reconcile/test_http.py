"""/reconcile as OpenRefine uses it: answers checked against the Reconciliation API 0.2 JSON schemas."""

from __future__ import annotations

import json

import httpx

from .spec import errors

ORIGIN = {"Origin": "https://openrefine.example"}
BATCH = {
    "q0": {"query": "Kazachstan", "type": "Place", "type_strict": "should"},
    "q1": {"query": "Tokayev", "type": ["Actor"], "limit": 3},
    "q2": {"query": "Q35493"},
    "q3": {"properties": [{"pid": "wikidata", "v": [{"id": "Q212", "name": "Ukraine"}, "Q232"]}]},
    "q4": {"query": "xyzzy plugh"},
}


def _results(response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert errors("reconciliation-result-batch", body) == []
    return body


def test_the_test_batch_and_a_broken_answer_are_judged_by_the_schemas():
    assert errors("reconciliation-query-batch", BATCH) == []
    assert errors("reconciliation-result-batch", {"q0": {"result": [{"id": "x"}]}})  # no name, no score
    assert errors("manifest", {"versions": ["0.1"], "name": "x", "identifierSpace": "x", "schemaSpace": "x"})


def test_get_without_parameters_is_a_valid_manifest(client):
    response = client.get("/reconcile", headers=ORIGIN)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    manifest = response.json()
    assert errors("manifest", manifest) == []
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "https://w3id.org/newskg/id/"
    assert manifest["schemaSpace"] == "https://w3id.org/newskg/ontology#"
    assert [t["id"] for t in manifest["defaultTypes"]] == ["Actor", "Place", "Event", "Claim"]
    assert manifest["batchSize"] == 100
    assert "authentication" not in manifest  # anonymous and read-only (and its schema is not vendored)


def test_the_manifest_urls_lead_to_our_pages_previews_and_suggestions(client):
    manifest = client.get("/reconcile").json()
    entity = "actor/tokayev"
    encoded = "actor%2Ftokayev"  # the id as a URI component, as the specification says
    view = client.get(manifest["view"]["url"].replace("{{id}}", encoded), follow_redirects=False)
    assert view.status_code == 303 and view.headers["location"] == "/doc/id/actor/tokayev"
    preview = client.get(manifest["preview"]["url"].replace("{{id}}", encoded))
    assert preview.status_code == 200 and preview.headers["content-type"].startswith("text/html")
    assert "Kassym-Jomart Tokayev" in preview.text and "Q200881" in preview.text and "<script" not in preview.text
    for kind, schema in (("entity", "suggest-entities-response"), ("type", "suggest-types-response")):
        meta = manifest["suggest"][kind]
        url = meta["service_url"] + meta["service_path"]
        response = client.get(url, params={"prefix": "tok" if kind == "entity" else "per"})
        assert response.status_code == 200 and errors(schema, response.json()) == []
    suggest = manifest["suggest"]["entity"]["service_url"] + manifest["suggest"]["entity"]["service_path"]
    assert entity in [c["id"] for c in client.get(suggest, params={"prefix": "tok"}).json()["result"]]
    named = client.get(suggest, params={"prefix": "Kassym-Jomart Tokayev"}).json()["result"]
    assert named[0]["id"] == entity and named[0]["notable"] == [{"id": "Person", "name": "person"}]


def test_a_form_post_batch_answers_every_query_by_its_key(client):
    body = _results(client.post("/reconcile", data={"queries": json.dumps(BATCH)}, headers=ORIGIN))
    assert set(body) == set(BATCH)
    q0 = body["q0"]["result"]
    assert q0[0]["id"] == "place/kazakhstan" and q0[0]["match"] is True and q0[0]["score"] == 100
    assert all(not c["match"] for c in q0[1:])
    assert all(any(t["id"] in ("Country", "City", "Airport", "Building", "Region") for t in c["type"]) for c in q0)
    q1 = body["q1"]["result"]
    assert len(q1) <= 3 and q1[0]["id"] == "actor/tokayev" and q1[0]["match"] is False  # a surname is not enough
    assert body["q2"]["result"][0]["id"] == "place/almaty" and body["q2"]["result"][0]["match"] is True
    assert {c["id"] for c in body["q3"]["result"]} == {"place/ukraine", "place/kazakhstan"}
    assert body["q4"]["result"] == []
    scores = [c["score"] for c in q0]
    assert scores == sorted(scores, reverse=True)


def test_get_with_queries_answers_the_same_as_post(client):
    post = _results(client.post("/reconcile", data={"queries": json.dumps(BATCH)}))
    get = _results(client.get("/reconcile", params={"queries": json.dumps(BATCH)}))
    assert get == post


def test_jsonp_wraps_the_manifest_and_the_results(client):
    manifest = client.get("/reconcile", params={"callback": "jQuery3600_17", "_": "1700000000"})
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/javascript")
    assert manifest.headers["x-content-type-options"] == "nosniff"
    text = manifest.text
    assert text.startswith("/**/jQuery3600_17(") and text.endswith(");")
    assert errors("manifest", json.loads(text[len("/**/jQuery3600_17("):-2])) == []
    results = client.post("/reconcile", data={"queries": json.dumps(BATCH), "callback": "cb.done"})
    assert errors("reconciliation-result-batch", json.loads(results.text[len("/**/cb.done("):-2])) == []
    suggest = client.get("/reconcile/suggest/type", params={"prefix": "c", "callback": "cb"})
    assert suggest.text.startswith("/**/cb(")


def test_type_filters_and_type_strict_all(client):
    batch = {"actor": {"query": "Almaty", "type": "Actor"},
             "airport": {"query": "Almaty", "type": ["nkg:Airport", "https://w3id.org/newskg/ontology#City"]},
             "all": {"query": "Almaty", "type": ["Place", "City"], "type_strict": "all"},
             "unknown": {"query": "Almaty", "type": "NoSuchType"}}
    body = _results(client.get("/reconcile", params={"queries": json.dumps(batch)}))
    assert body["actor"]["result"] == []
    assert {c["id"] for c in body["airport"]["result"]} == {"place/almaty", "place/almaty-airport"}
    assert [c["id"] for c in body["all"]["result"]] == ["place/almaty"]
    assert body["unknown"]["result"] == []


def test_an_exact_name_two_entities_share_is_no_match_until_a_type_tells_them_apart(client):
    namesake = (b'<https://w3id.org/newskg/id/group/almaty-namesake> a <https://w3id.org/newskg/ontology#Group> ; '
                b'<http://www.w3.org/2000/01/rdf-schema#label> "Almaty"@nl .')
    written = client.post("/assertions", content=namesake,
                          headers={"Content-Type": "text/turtle", "Authorization": "Bearer test-token"})
    assert written.status_code == 201, written.text
    batch = {"any": {"query": "almaty"}, "city": {"query": "almaty", "type": "City"}}
    body = _results(client.get("/reconcile", params={"queries": json.dumps(batch)}))
    exact = [c for c in body["any"]["result"] if c["score"] == 100]
    assert {c["id"] for c in exact} == {"place/almaty", "group/almaty-namesake"}
    assert not any(c["match"] for c in body["any"]["result"])
    assert [(c["id"], c["match"]) for c in body["city"]["result"]] == [("place/almaty", True)]


def test_suggest_entities_pages_with_cursor(client):
    first = client.get("/reconcile/suggest/entity", params={"prefix": "alm", "limit": "3"}).json()["result"]
    second = client.get("/reconcile/suggest/entity", params={"prefix": "alm", "limit": "3", "cursor": "3"}).json()
    assert len(first) == 3 and first[0]["id"] == "place/almaty"
    assert not {c["id"] for c in first} & {c["id"] for c in second["result"]}
    assert errors("suggest-entities-response", second) == []
    by_qid = client.get("/reconcile/suggest/entity", params={"prefix": "Q858844"}).json()["result"]
    assert by_qid[0]["id"] == "place/almaty-airport"
    dutch = client.get("/reconcile/suggest/entity", params={"prefix": "oekrai"}).json()["result"]
    assert dutch[0]["id"] == "place/ukraine"


def test_suggest_types_gives_broader_types(client):
    body = client.get("/reconcile/suggest/type", params={"prefix": "news ag"}).json()
    assert errors("suggest-types-response", body) == []
    agency = body["result"][0]
    assert agency["id"] == "NewsAgency" and agency["broader"] == [{"id": "NewsOrganisation",
                                                                  "name": "news organisation"}]
    everything = client.get("/reconcile/suggest/type", params={"prefix": "", "limit": "100"}).json()["result"]
    assert {"Actor", "Place", "Event", "Claim", "Person", "Unrest"} <= {t["id"] for t in everything}


def test_preview_of_an_unknown_id_is_404(client):
    assert client.get("/reconcile/preview", params={"id": "actor/nobody"}).status_code == 404
    assert client.get("/reconcile/preview").status_code == 400


def test_cors_on_every_route_errors_included_and_the_preflight(client):
    for method, url, kwargs in [
        ("GET", "/reconcile", {}),
        ("POST", "/reconcile", {"data": {"queries": "{}"}}),
        ("GET", "/reconcile/suggest/entity?prefix=a", {}),
        ("GET", "/reconcile/suggest/type?prefix=a", {}),
        ("GET", "/reconcile/preview?id=actor/afp", {}),
        ("GET", "/reconcile?queries=nope", {}),  # a 400
        ("GET", "/reconcile/preview?id=nope", {}),  # a 404
    ]:
        response = client.request(method, url, headers=ORIGIN, **kwargs)
        assert response.headers.get("access-control-allow-origin") == "*", (method, url, response.status_code)
        assert "access-control-allow-credentials" not in response.headers
    preflight = client.options("/reconcile", headers={**ORIGIN, "Access-Control-Request-Method": "POST",
                                                       "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_a_real_server_answers_an_openrefine_style_form_post(server):
    """OpenRefine posts the form with its own client; here httpx over loopback to uvicorn."""
    response = httpx.post(f"{server.url}/reconcile", data={"queries": json.dumps(BATCH)}, timeout=30)
    body = _results(response)
    assert body["q0"]["result"][0]["id"] == "place/kazakhstan"
    manifest = httpx.get(f"{server.url}/reconcile", timeout=30).json()
    assert manifest["view"]["url"] == f"{server.url}/id/{{{{id}}}}"
    view = httpx.get(manifest["view"]["url"].replace("{{id}}", "place%2Falmaty"), timeout=30, follow_redirects=True)
    assert view.status_code == 200 and "Almaty" in view.text  # followed the 303 to the page
