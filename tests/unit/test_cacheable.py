"""Which answers the result cache may keep: the quick substring test gives what reading the tokens gives."""

from __future__ import annotations

import random

import pytest

from newskg.sparql.cache import _VOLATILE, cacheable
from newskg.sparql.federation import tokenize


def by_tokens(query: str) -> bool:
    return not any(t.kind == "word" and t.text.upper() in _VOLATILE for t in tokenize(query))


@pytest.mark.parametrize("query, expected", [
    ("SELECT ?s WHERE { ?s ?p ?o }", True),
    ("SELECT (RAND() AS ?r) WHERE {}", False),
    ("select (now() as ?t) {}", False),
    ("SELECT ?s WHERE { ?s <http://example.org/now> ?o }", True),  # in an IRI: not a call
    ('SELECT ?s WHERE { ?s ?p "RAND UUID" }', True),  # in a string
    ("# NOW\nSELECT ?s WHERE { ?s ?p ?o }", True),  # in a comment
    ("SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", False),
    ("SELECT ?s WHERE { ſervice <http://example.org/sparql> { ?s ?p ?o } }", by_tokens(
        "SELECT ?s WHERE { ſervice <http://example.org/sparql> { ?s ?p ?o } }")),  # ſ upper-cases to S
    ("SELECT (STRUUID() AS ?u) (BNODE() AS ?b) {}", False),
])
def test_known_texts(query, expected):
    assert cacheable(query) is expected


def test_random_texts_agree_with_the_tokens():
    pieces = ["SELECT", "?x", "{", "}", "now", "NOW(", "rand", "<http://e/RAND>", '"uuid"', "#bnode\n", "service",
              "ſervice", "Struuid", "a", "(", ")", " ", "\n", "WHERE", "nowhere", "Brand", "ıd", "ß", "ﬀ"]
    rng = random.Random(14)
    for _ in range(3000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert cacheable(text) is by_tokens(text), text
