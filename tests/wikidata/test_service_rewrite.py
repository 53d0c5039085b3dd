"""SERVICE to Wikidata redirected in the query text: to a mirror, or to the snapshot graph when offline."""

from __future__ import annotations

import pytest

from newskg.sparql.federation import remote_targets
from newskg.sparql.wikidata_service import rewrite_wikidata_service

WDQS = "https://query.wikidata.org/sparql"
MIRROR = "http://127.0.0.1:9999/sparql"
SNAP = "https://w3id.org/newskg/graph/wikidata-snapshot"


def test_nothing_changes_without_a_mirror_or_offline():
    q = f"SELECT * WHERE {{ SERVICE <{WDQS}> {{ ?s ?p ?o }} }}"
    assert rewrite_wikidata_service(q) == q


def test_a_mirror_replaces_the_service_iri():
    q = f"SELECT * WHERE {{ SERVICE <{WDQS}> {{ ?s ?p ?o }} }}"
    out = rewrite_wikidata_service(q, mirror=MIRROR)
    assert out == f"SELECT * WHERE {{ SERVICE <{MIRROR}> {{ ?s ?p ?o }} }}"
    assert [t.iri for t in remote_targets(out)] == [MIRROR]


def test_offline_turns_service_silent_into_the_snapshot_graph():
    q = f"SELECT * WHERE {{ ?x ?y ?z . SERVICE SILENT <{WDQS}/> {{ ?s ?p ?o }} }}"
    out = rewrite_wikidata_service(q, offline=True, mirror=MIRROR)
    assert out == f"SELECT * WHERE {{ ?x ?y ?z . GRAPH <{SNAP}> {{ ?s ?p ?o }} }}"
    assert remote_targets(out) == []


def test_offline_also_answers_a_service_naming_the_mirror_from_the_snapshot():
    q = f"SELECT * WHERE {{ SERVICE <{MIRROR}> {{ ?s ?p ?o }} }}"
    assert rewrite_wikidata_service(q, offline=True, mirror=MIRROR) == f"SELECT * WHERE {{ GRAPH <{SNAP}> {{ ?s ?p ?o }} }}"


def test_prefixed_service_names_are_expanded():
    q = "PREFIX wdqs: <https://query.wikidata.org/>\nSELECT * WHERE { service wdqs:sparql { ?s ?p ?o } }"
    assert f"GRAPH <{SNAP}>" in rewrite_wikidata_service(q, offline=True)
    assert f"service <{MIRROR}>" in rewrite_wikidata_service(q, mirror=MIRROR)


@pytest.mark.parametrize("other", ["https://dbpedia.org/sparql", "https://query.wikidata.org/bigdata/sparql"])
def test_other_endpoints_are_left_alone(other):
    q = f"SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}"
    assert rewrite_wikidata_service(q, offline=True, mirror=MIRROR) == q


def test_strings_and_comments_are_not_rewritten():
    q = (f'# SERVICE <{WDQS}> {{ }}\nSELECT * WHERE {{ BIND("SERVICE <{WDQS}>" AS ?x) '
         f"SERVICE <{WDQS}> {{ ?s ?p ?o }} }}")
    out = rewrite_wikidata_service(q, offline=True)
    assert out.count(f"<{WDQS}>") == 2 and out.count(f"GRAPH <{SNAP}>") == 1


def test_several_services_are_all_rewritten():
    q = f"SELECT * WHERE {{ SERVICE <{WDQS}> {{ ?a ?b ?c }} SERVICE <{WDQS}> {{ ?s ?p ?o }} }}"
    assert rewrite_wikidata_service(q, mirror=MIRROR).count(MIRROR) == 2
