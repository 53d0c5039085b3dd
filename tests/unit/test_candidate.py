"""The write path as one candidate object: parsed once, passed on, its entailments stored as the reasoner gave them.

A real on-disk store with the shipped seed (the `kg` fixture); untrusted work runs in this process (no sandbox
workers), so wrapping `tasks.TASKS` entries counts every call the gate makes.
"""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from newskg.core import vocab
from newskg.core.errors import ShaclViolationError
from newskg.sandbox import tasks
from newskg.writes import assertions
from newskg.writes.candidate import Candidate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OK = (FIXTURES / "assertion-ok.trig").read_bytes()
BAD = (FIXTURES / "assertion-bad.trig").read_bytes()
CLAIM = "https://w3id.org/newskg/id/claim/test-knb-arrests"


@pytest.fixture
def calls(monkeypatch):
    """Counts of each sandbox task's calls, and what each returned."""
    counts: Counter = Counter()
    returned: dict[str, list] = {}
    for name, function in list(tasks.TASKS.items()):
        def counting(*args, _name=name, _function=function, **kwargs):
            counts[_name] += 1
            result = _function(*args, **kwargs)
            returned.setdefault(_name, []).append(result)
            return result
        monkeypatch.setitem(tasks.TASKS, name, counting)
    return counts, returned


def _inferred(kg) -> set:
    rows = kg.store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{vocab.INFERRED_GRAPH}> {{ ?s ?p ?o }} }}").rows()
    return {ox.Triple(row["s"], row["p"], row["o"]) for row in rows}


def test_submit_parses_once_and_stores_the_reasoners_entailments(kg, calls, monkeypatch):
    counts, returned = calls
    parsed: list = []
    parse = ox.parse

    def counting_parse(data, *args, **kwargs):
        parsed.append(data)
        return parse(data, *args, **kwargs)

    monkeypatch.setattr(ox, "parse", counting_parse)
    before = _inferred(kg)
    outcome = kg.gate.submit(OK, ox.RdfFormat.TRIG, "token:test")
    assert outcome.created
    assert counts == Counter({"prepare_assertion": 1, "check": 1}), "one parse, one validation + reasoning"
    (candidate,) = returned["prepare_assertion"]
    assert parsed.count(OK) == 1, "the request body is parsed once"
    assert parsed.count(candidate.nquads) == 1, "its canonical text is read again only where pySHACL needs rdflib"
    assert isinstance(candidate, Candidate) and candidate.assertion_id == outcome.record.assertion_id
    assert outcome.record.content == candidate.nquads and outcome.record.triple_count == len(candidate.quads)
    (check,) = returned["check"]
    given = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(check.entailed_nt, ox.RdfFormat.N_TRIPLES)]
    assert given, "the claim entails something (its types through domains and ranges)"
    assert any(isinstance(t.object, ox.Literal) or t.subject.value == CLAIM for t in given)
    assert set(given) <= _inferred(kg), "every entailment the reasoner gave is stored, term for term"
    assert _inferred(kg) - before <= set(given), "and nothing else was added to the inferred graph"


def test_the_same_content_again_is_parsed_once_and_not_checked(kg, calls):
    counts, _ = calls
    kg.gate.submit(OK, ox.RdfFormat.TRIG, "token:test")
    counts.clear()
    again = kg.gate.submit(OK, ox.RdfFormat.TRIG, "token:test")
    assert not again.created and counts == Counter({"prepare_assertion": 1})


def test_a_refused_candidate_writes_nothing(kg, calls):
    counts, _ = calls
    total = sum(kg.store.triple_counts().values())
    with pytest.raises(ShaclViolationError):
        kg.gate.submit(BAD, ox.RdfFormat.TRIG, "token:test")
    assert counts == Counter({"prepare_assertion": 1, "check": 1})
    assert sum(kg.store.triple_counts().values()) == total


def test_validate_parses_once_and_checks_once(kg, calls):
    counts, returned = calls
    report = kg.gate.validate(OK, "application/trig")
    assert report.conforms
    assert counts == Counter({"parse_candidate": 1, "check": 1})
    (candidate,) = returned["parse_candidate"]
    assert CLAIM in candidate.mentioned


def test_a_graph_store_write_is_checked_once_as_a_candidate(kg, calls):
    counts, _ = calls
    figure = "https://w3id.org/newskg/id/figure/test-knb-arrests"
    data = (FIXTURES / "assertion-ok.trig").read_bytes()
    kg.write_graph(None, data, ox.RdfFormat.TRIG, replace=False)
    assert counts == Counter({"check": 1}), "the Graph Store body is parsed by the caller; the gate checks it once"
    assert kg.store.query(f"ASK {{ GRAPH ?g {{ <{figure}> ?p ?o }} }}").engine_result


def test_the_candidate_mentions_subjects_objects_and_graph_names():
    candidate = assertions.prepare(OK, ox.RdfFormat.TRIG)
    assert CLAIM in candidate.mentioned  # subject and graph name
    assert "https://w3id.org/newskg/id/actor/knb" in candidate.mentioned  # object
    assert "https://w3id.org/newskg/ontology#claimant" not in candidate.mentioned  # predicates are not looked up
    assert candidate.graphs() == [CLAIM]
    assert candidate.quad_count == len(candidate.quads) == len(candidate.nquads.splitlines())


def test_a_candidate_crosses_a_process_boundary_as_text():
    candidate = assertions.prepare(OK, ox.RdfFormat.TRIG)
    payload = pickle.dumps(candidate)
    assert b"pyoxigraph" not in payload, "no pyoxigraph objects in the pickle: the other side parses the text"
    back = pickle.loads(payload)
    assert back._quads is None
    assert back == candidate and back.quads == candidate.quads  # read once, the same quads in the same order
    assert back.dataset() is back.dataset()  # the rdflib view is built once
