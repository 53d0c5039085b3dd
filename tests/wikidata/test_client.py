"""The Wikidata client against a local stand-in: formats, User-Agent, rate limit, retries, offline."""

from __future__ import annotations

import pytest

from newskg import __version__
from newskg.wikidata.client import (
    WikidataClient,
    WikidataError,
    WikidataOfflineError,
    http_date_to_iso,
    retry_after_s,
)


def client_for(mock, **kwargs) -> WikidataClient:
    kwargs.setdefault("min_interval_s", 0)
    kwargs.setdefault("private_hosts", ("127.0.0.1",))  # the stand-in is on loopback, which egress refuses by default
    return WikidataClient(mock.api, mock.sparql, contact="https://example.org/newskg-tests", **kwargs)


def test_search_reads_wbsearchentities_json(wikidata):
    with client_for(wikidata) as client:
        hits = client.search("Ministry of Foreign Affairs of Kazakhstan")
    assert [h.qid for h in hits] == ["Q900000101", "Q900000102"]
    assert hits[0].label == "Ministry of Foreign Affairs of Kazakhstan"
    assert hits[0].description == "mock ministry item"
    assert hits[0].concept_uri == "http://www.wikidata.org/entity/Q900000101"
    request = wikidata.requests[0]
    assert request["params"]["action"] == ["wbsearchentities"] and request["params"]["format"] == ["json"]


def test_sparql_reads_json_results_with_endpoint_and_date(wikidata):
    with client_for(wikidata) as client:
        answer = client.sparql("SELECT ?p WHERE { <http://www.wikidata.org/entity/Q232> "
                               "<http://www.wikidata.org/prop/direct/P1082> ?p }")
    assert answer.variables == ["p"]
    assert answer.bindings[0]["p"]["value"] == "20139914"
    assert answer.endpoint == wikidata.sparql
    assert answer.date == "2026-11-25T12:00:00Z"
    assert wikidata.requests[0]["method"] == "POST"


def test_every_request_carries_a_descriptive_user_agent(wikidata):
    with client_for(wikidata) as client:
        client.search("Almaty")
        client.sparql("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    agents = {r["headers"]["user-agent"] for r in wikidata.requests}
    assert len(agents) == 1
    agent = agents.pop()
    assert agent.startswith(f"newskg/{__version__} (https://example.org/newskg-tests)")
    assert "httpx/" in agent


def test_429_is_retried_honouring_retry_after(wikidata):
    waits = []
    wikidata.fail_next(2, status=429, retry_after="3")
    with client_for(wikidata, sleep=waits.append) as client:
        hits = client.search("Almaty")
    assert [h.qid for h in hits] == ["Q35493", "Q858844"]
    assert len(wikidata.requests) == 3
    assert waits == [3.0, 3.0]


def test_5xx_without_retry_after_backs_off_exponentially_then_gives_up(wikidata):
    waits = []
    wikidata.fail_next(10, status=503, retry_after=None)
    with client_for(wikidata, sleep=waits.append, retries=3, backoff_s=0.5) as client:
        with pytest.raises(WikidataError, match="503.*after 4 attempts"):
            client.search("Almaty")
    assert waits == [0.5, 1.0, 2.0]
    assert len(wikidata.requests) == 4


def test_a_client_error_is_not_retried(wikidata):
    client = WikidataClient(wikidata.url + "/nowhere", wikidata.sparql, min_interval_s=0, sleep=lambda s: None,
                            private_hosts=("127.0.0.1",))
    with client, pytest.raises(WikidataError, match="404"):
        client.search("Almaty")
    assert len(wikidata.requests) == 1


def test_requests_are_spaced_by_the_minimum_interval(wikidata):
    waits = []
    with client_for(wikidata, min_interval_s=10, sleep=waits.append) as client:
        client.search("Almaty")
        client.search("Astana")
    assert len(waits) == 1 and 9 < waits[0] <= 10


def test_offline_client_sends_nothing(wikidata):
    with client_for(wikidata, offline=True) as client:
        with pytest.raises(WikidataOfflineError):
            client.search("Almaty")
    assert wikidata.requests == []


def test_unreachable_endpoint_is_a_clean_error():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connection refused
        client = WikidataClient(f"http://127.0.0.1:{port}/w/api.php", f"http://127.0.0.1:{port}/sparql",
                                min_interval_s=0, retries=1, backoff_s=0, sleep=lambda s: None, timeout_s=2,
                                private_hosts=("127.0.0.1",))
        with client, pytest.raises(WikidataError, match="cannot reach"):
            client.search("Almaty")


def test_header_helpers():
    assert http_date_to_iso("Wed, 25 Nov 2026 12:00:00 GMT") == "2026-11-25T12:00:00Z"
    assert http_date_to_iso("nonsense") is None
    assert retry_after_s("7") == 7.0
    assert retry_after_s("100000") == 120.0
    assert retry_after_s(None) is None
