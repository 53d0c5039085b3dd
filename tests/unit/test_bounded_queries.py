"""Queries answered in the server process because they cannot run away (sparql/bounded.py, kg.py `_answer_here`).

The recogniser is checked three ways: texts of each kind it must refuse; random mutations of bounded texts whose
reading, whenever it accepts one that the engine parses, is checked against rdflib's algebra (one scan at most); and
a real store on disk with real query workers, where what it accepts is answered in the server process, and a bounded
query with more rows than the server reads, or any other query, by a worker.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox
import pytest
from pyparsing import ParseException
from rdflib import BNode, Variable
from rdflib.plugins.sparql import prepareQuery

from newskg.core.config import Settings
from newskg.core.errors import QueryTimeoutError
from newskg.kg import BOUNDED_GRAPHS, BOUNDED_ROWS, KnowledgeGraph
from newskg.sparql.bounded import _may_be_bounded, row_bounded
from newskg.sparql.federation import tokenize
from newskg.sparql.protocol import QueryRequest

BOUNDED = [
    "ASK {}",
    "ASK{}",
    "ask where { }",
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT*{?s ?p ?o.}",
    "PREFIX ex: <http://e/> BASE <http://b/> SELECT ?p ?o { ex:a ?p ?o . } LIMIT 5",
    "SELECT ?s { ?s a <http://x> }",
    'SELECT ?s { ?s ?p "x"@en }',
    'SELECT ?s { ?s ?p "x"^^<http://t> }',
    "SELECT ?s { ?s ?p 1 } LIMIT 1",
    "SELECT ?s # a comment with { ?a ?b ?c . ?d ?e ?f }\n { ?s ?p true }",
    "ASK { <http://e/a> <http://e/b> <http://e/c> }",
]

NOT_BOUNDED = {
    "repeated variable": "SELECT * { ?s ?p ?s }",
    "repeated variable, other sigil": "SELECT * { ?s ?p $s }",
    "two patterns": "SELECT * { ?s ?p ?o . ?a ?b ?c }",
    "object list": "ASK { ?s ?p ?o, ?x }",
    "predicate list": "ASK { ?s ?p ?o ; ?q ?r }",
    "filter": "SELECT * { ?s ?p ?o FILTER(?o) }",
    "sequence path": "SELECT * { ?s <http://a>/<http://b> ?o }",
    "star path": "SELECT * { ?s <http://a>* ?o }",
    "inverse path": "SELECT * { ?s ^<http://a> ?o }",
    "blank node": "SELECT * { _:b ?p ?o }",
    "anonymous blank node": "SELECT * { ?s ?p [] }",
    "collection": "SELECT * { ?s ?p (1 2) }",
    "group": "SELECT * { { ?s ?p ?o } }",
    "optional": "SELECT * { OPTIONAL { ?s ?p ?o } }",
    "graph": "SELECT * { GRAPH ?g { ?s ?p ?o } }",
    "distinct": "SELECT DISTINCT ?p { ?s ?p ?o }",
    "reduced": "SELECT REDUCED ?p { ?s ?p ?o }",
    "order": "SELECT * { ?s ?p ?o } ORDER BY ?s",
    "offset": "SELECT * { ?s ?p ?o } OFFSET 5",
    "offset after limit": "SELECT * { ?s ?p ?o } LIMIT 5 OFFSET 100000000",
    "aggregate": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "group by": "SELECT ?p { ?s ?p ?o } GROUP BY ?p",
    "values": "SELECT * { ?s ?p ?o } VALUES ?s { 1 }",
    "from": "SELECT * FROM <http://g> { ?s ?p ?o }",
    "construct": "CONSTRUCT WHERE { ?s ?p ?o }",
    "describe": "DESCRIBE <http://e/a>",
    "service": "SELECT * { SERVICE <http://e/> { ?s ?p ?o } }",
    "bind": "SELECT * { BIND(1 AS ?x) }",
    "upper-case a": "SELECT * { ?s A ?o }",
    "keyword glued to a word": "SELECT * { ?s ?p ?o } LIMIT5",
    "limit without a number": "SELECT * { ?s ?p ?o } LIMIT",
    "signed number": "SELECT * { ?s ?p -1 }",
    "unterminated": "SELECT * { ?s ?p ?o",
    "text after the query": "SELECT * { ?s ?p ?o } }",
    "update": "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "too long": "SELECT * { ?s ?p \"" + "x" * 5000 + "\" }",
}


@pytest.mark.parametrize("query", BOUNDED)
def test_bounded_queries_are_recognised(query):
    assert row_bounded(query)
    assert _one_scan_at_most(query), query


@pytest.mark.parametrize("why", sorted(NOT_BOUNDED))
def test_other_queries_are_not(why):
    assert not row_bounded(NOT_BOUNDED[why])


def _one_scan_at_most(query: str) -> bool:
    """By rdflib's algebra: an ASK or SELECT projecting (and maybe limiting, never offsetting) one basic graph pattern
    of at most one triple, with no blank node and no repeated variable. rdflib's parser needs space between some
    tokens the engine reads glued (`{<a><b>?x}`): those texts are read with a space between every two tokens."""
    try:
        node = prepareQuery(query).algebra
    except ParseException:
        node = prepareQuery(" ".join(token.text for token in tokenize(query)).replace("^ ^", "^^")).algebra
    if node.name not in ("SelectQuery", "AskQuery") or node.get("datasetClause"):
        return False
    node = node.p
    while node.name in ("Project", "Slice"):
        if node.name == "Slice" and node.start:
            return False
        node = node.p
    if node.name != "BGP" or len(node.triples) > 1:
        return False
    terms = [term for triple in node.triples for term in triple]
    names = [term for term in terms if isinstance(term, Variable)]
    return not any(isinstance(term, BNode) for term in terms) and len(names) == len(set(names))


_PIECES = ["?s", "$s", "?o", "?x", "<http://e/a>", "ex:a", "a", "A", '"x"', '"x"@en', "^^", "1", "-1", "true", "[]",
           "_:b", "(", ")", "{", "}", ".", ";", ",", "*", "/", "|", "^", "+", "?", "!", "FILTER", "OPTIONAL", "UNION",
           "GRAPH", "MINUS", "BIND", "VALUES", "DISTINCT", "ORDER BY", "OFFSET", "LIMIT", "GROUP BY", "FROM", "SELECT",
           "ASK", "WHERE", "#", "\n", "SERVICE", "COUNT", "AS"]


def _mutated(rng: random.Random) -> str:
    tokens = rng.choice(BOUNDED).replace("{", " { ").replace("}", " } ").split(" ")
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(tokens) + 1)
        choice = rng.random()
        if choice < 0.5:
            tokens.insert(at, rng.choice(_PIECES))
        elif choice < 0.75 and at < len(tokens):
            tokens[at] = rng.choice(_PIECES)
        elif at < len(tokens):
            del tokens[at]
    return rng.choice([" ", ""]).join(tokens)


def test_mutated_queries_the_engine_reads_as_more_than_one_scan_are_never_recognised():
    """Thousands of random edits of bounded texts (inserted paths, filters, keywords, glued tokens, comments): each
    the recogniser accepts and the engine parses is one scan at most by rdflib's reading too."""
    rng = random.Random(20261201)
    engine = ox.Store()
    accepted = 0
    for _ in range(4000):
        query = "PREFIX ex: <http://e/>\n" + _mutated(rng)
        if not row_bounded(query):
            continue
        try:
            engine.query(query)
        except (SyntaxError, OSError, ValueError):
            continue  # the engine refuses it: a 400 wherever it is answered
        accepted += 1
        assert _one_scan_at_most(query), query
    assert accepted > 200  # the mutations do reach texts the recogniser accepts


@pytest.fixture
def graph(tmp_path):
    kg = KnowledgeGraph.open(Settings(store=tmp_path / "store", load_seed=False, query_timeout_s=2,
                                      max_concurrent_queries=2, result_cache_bytes=0))
    triples = " ".join(f"<urn:x:hub> <urn:x:p{i}> {i} ." for i in range(BOUNDED_ROWS + 1))
    kg.update(f"INSERT DATA {{ {triples} <urn:x:leaf> <urn:x:p> 1 . }}")
    kg.start_query_workers()
    yield kg
    kg.close()


JSON = "application/sparql-results+json"


def test_bounded_queries_are_answered_in_the_server_and_the_others_by_a_worker(graph):
    here = graph.answer(QueryRequest("SELECT ?p ?o WHERE { <urn:x:leaf> ?p ?o }"), JSON)
    assert here.read_from == "server" and b'"urn:x:p"' in here.body
    assert graph.answer(QueryRequest("ASK {}"), JSON).read_from == "server"
    with ThreadPoolExecutor(1) as loop_thread:  # a loop of its own: the suite may run this under another one
        awaited = loop_thread.submit(asyncio.run, graph.answer_async(QueryRequest("ASK { <urn:x:leaf> ?p 1 }"), JSON))
        assert awaited.result().read_from == "server"
    hub = graph.answer(QueryRequest("SELECT ?p WHERE { <urn:x:hub> ?p ?o }"), JSON)  # one row more than read here
    assert hub.read_from != "server" and hub.body.count(b'"urn:x:p') == BOUNDED_ROWS + 1
    joined = graph.answer(QueryRequest("SELECT * WHERE { <urn:x:leaf> ?p ?o . ?s ?p ?o }"), JSON)
    assert joined.read_from != "server"
    lookup = "ASK { <urn:x:leaf> ?p 1 }"
    few = graph.answer(QueryRequest(lookup, default_graphs=["", "urn:x:g1"]), JSON)
    assert few.read_from == "server" and b"true" in few.body
    many = [""] + [f"urn:x:g{i}" for i in range(BOUNDED_GRAPHS)]  # one scan per default graph: to a worker
    assert graph.answer(QueryRequest(lookup, default_graphs=many), JSON).read_from != "server"


def test_bounded_queries_are_answered_while_runaways_hold_every_worker(graph):
    """Both query slots run queries past their time limit; a bounded query is answered meanwhile, at once."""
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    stopped = []

    def run_away():
        try:
            graph.answer(QueryRequest(runaway), JSON)
        except QueryTimeoutError:
            stopped.append(True)

    threads = [threading.Thread(target=run_away) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    answer = graph.answer(QueryRequest("ASK { <urn:x:leaf> <urn:x:p> 1 }"), JSON)
    took = time.monotonic() - started
    for thread in threads:
        thread.join()
    assert answer.read_from == "server" and b"true" in answer.body
    assert took < 1.0 and stopped == [True, True]


@pytest.mark.parametrize("query", [
    "PREFIX ex: <http://example.org/ns#> SELECT ?a WHERE { ?a ex:p ?b . ?b ex:q ?c }",
    "SELECT ?a WHERE { ?a <http://example.org/p> ?b ; <http://example.org/q> ?c }",
    "SELECT ?a WHERE { { ?a ?b ?c } UNION { ?c ?d ?e } }",
    "SELECT ?a WHERE { ?a ?b ?c OPTIONAL { ?c ?d ?e } }",
])
def test_most_other_queries_are_turned_away_before_tokenizing(query):
    assert not _may_be_bounded(query) and not row_bounded(query)
