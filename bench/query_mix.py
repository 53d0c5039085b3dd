"""The benchmark's query mix: seven SPARQL query kinds over the synthetic corpus of bench/corpus.py.

Each kind is a function ``(rng, manifest) -> query text``; the parameters (a claim, an article, an event, a city,
a date range) are drawn from a seeded ``random.Random`` within the ranges that the corpus manifest gives, so the same
seed gives the same sequence of queries. Every query has a total ORDER BY where it has a LIMIT, so that all
engines must return the same rows.

    a lookup     every property of one claim, by IRI
    b join3      claim -> claimant -> label, for the claims of one article
    c group_by   claims per claimant over the whole corpus, top 20
    d date_range claims stated in a 30-day range (nkg:statedAt/nkg:earliest), ORDER BY date, LIMIT 50
    e optional   the claims about one event, with OPTIONAL relayedBy and OPTIONAL withdrawal (and who withdrew)
    f subclass   the events in one city, typed through ``a/rdfs:subClassOf* nkg:Event`` (needs the ontology)
    g graph      GRAPH ?c { figures } with ?c a nkg:Claim in the default graph, for the figures of one event
"""

from __future__ import annotations

import random
from datetime import date, timedelta

PREFIXES = """PREFIX nkg: <https://w3id.org/newskg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

START = date(2020, 1, 1)
SPAN_DAYS = 5 * 365


def _id(manifest: dict, path: str) -> str:
    return f"<{manifest['iri_base']}{path}>"


def lookup(rng: random.Random, m: dict) -> str:
    claim = _id(m, f"claim/claim-{rng.randrange(m['claims']):08d}")
    return PREFIXES + f"SELECT ?p ?o WHERE {{ {claim} ?p ?o }}"


def join3(rng: random.Random, m: dict) -> str:
    article = _id(m, f"article/article-{rng.randrange(m['articles']):07d}")
    return PREFIXES + f"""SELECT ?claim ?claimant ?name WHERE {{
  ?claim nkg:reportedIn {article} ; nkg:claimant ?claimant .
  ?claimant rdfs:label ?name .
}}"""


def group_by(rng: random.Random, m: dict) -> str:
    return PREFIXES + """SELECT ?claimant (COUNT(?claim) AS ?claims) WHERE {
  ?claim a nkg:Claim ; nkg:claimant ?claimant .
}
GROUP BY ?claimant
ORDER BY DESC(?claims) ?claimant
LIMIT 20"""


def date_range(rng: random.Random, m: dict) -> str:
    start = START + timedelta(days=rng.randrange(SPAN_DAYS))
    end = start + timedelta(days=30)
    return PREFIXES + f"""SELECT ?claim ?day WHERE {{
  ?claim nkg:statedAt ?t . ?t nkg:earliest ?day .
  FILTER(?day >= "{start.isoformat()}"^^xsd:date && ?day < "{end.isoformat()}"^^xsd:date)
}}
ORDER BY ?day ?claim
LIMIT 50"""


def optional(rng: random.Random, m: dict) -> str:
    event = _id(m, f"event/event-{rng.randrange(m['events']):06d}")
    return PREFIXES + f"""SELECT ?claim ?status ?relay ?withdrawal ?by WHERE {{
  ?claim nkg:aboutEvent {event} ; nkg:status ?status .
  OPTIONAL {{ ?claim nkg:relayedBy ?relay }}
  OPTIONAL {{ ?claim nkg:withdrawnBy ?withdrawal . ?withdrawal prov:wasAssociatedWith ?by }}
}}"""


def subclass(rng: random.Random, m: dict) -> str:
    city = _id(m, f"place/city-{rng.randrange(m['cities']):06d}")
    return PREFIXES + f"""SELECT ?event ?label WHERE {{
  ?event a/rdfs:subClassOf* nkg:Event ; sem:hasPlace {city} ; rdfs:label ?label .
}}"""


def graph(rng: random.Random, m: dict) -> str:
    event = _id(m, f"event/event-{rng.randrange(m['events']):06d}")
    return PREFIXES + f"""SELECT ?claim ?kind ?group ?value WHERE {{
  GRAPH ?claim {{ ?figure nkg:figureOf {event} ; nkg:figureKind ?kind ; nkg:countedGroup ?group ; nkg:value ?value }}
  ?claim a nkg:Claim .
}}"""


KINDS = {
    "a_lookup": lookup,
    "b_join3": join3,
    "c_group_by": group_by,
    "d_date_range": date_range,
    "e_optional": optional,
    "f_subclass": subclass,
    "g_graph": graph,
}


def check_queries(manifest: dict, seed: int, per_kind: int = 3) -> list[tuple[str, str]]:
    """A fixed list of (kind, query) that every engine answers once, to compare their rows."""
    rng = random.Random(f"check-{seed}")
    return [(kind, make(rng, manifest)) for kind, make in KINDS.items() for _ in range(per_kind)]


class Mix:
    """An endless, seeded stream of (kind, query): kinds in equal shares, in a shuffled order."""

    def __init__(self, manifest: dict, seed: int, kinds: list[str] | None = None):
        self.manifest = manifest
        self.rng = random.Random(seed)
        self.kinds = kinds or list(KINDS)

    def next(self) -> tuple[str, str]:
        kind = self.rng.choice(self.kinds)
        return kind, KINDS[kind](self.rng, self.manifest)
