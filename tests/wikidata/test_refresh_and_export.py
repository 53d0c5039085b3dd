"""`newskg wikidata refresh` (deterministic, the Wikipedia graph kept) and `newskg wikidata export`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox

from newskg.cli import main

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "graph" / "wikidata-snapshot.trig"
SNAP = "https://w3id.org/newskg/graph/wikidata-snapshot"
WIKIPEDIA = "https://w3id.org/newskg/graph/snapshot-wikipedia"
RES = "https://w3id.org/newskg/id/"
ARTICLE_URL = ("https://www.nu.nl/buitenland/6177422/"
               "aantal-arrestaties-na-demonstraties-in-kazachstan-loopt-op-tot-bijna-achtduizend.html")


def quads(path: Path) -> set:
    return set(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))


def ask(path_or_text, sparql: str, fmt=ox.RdfFormat.TRIG) -> bool:
    store = ox.Store()
    if isinstance(path_or_text, Path):
        store.load(path=str(path_or_text), format=fmt)
    else:
        store.load(path_or_text, format=fmt)
    return bool(store.query(sparql))


def test_refresh_is_deterministic_and_records_endpoint_and_date(wikidata_env, tmp_path):
    committed = hashlib.sha256(COMMITTED.read_bytes()).hexdigest()
    first, second = tmp_path / "a.trig", tmp_path / "b.trig"
    assert main(["wikidata", "refresh", "-o", str(first), "--date", "2026-11-25"]) == 0
    assert main(["wikidata", "refresh", "-o", str(second), "--date", "2026-11-25"]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert hashlib.sha256(COMMITTED.read_bytes()).hexdigest() == committed  # tests never touch the real one
    text = first.read_text()
    assert "_:" not in text
    endpoint = wikidata_env["NEWSKG_WIKIDATA_ENDPOINT"]
    assert ask(first, f"""ASK {{ <{SNAP}> <http://www.w3.org/ns/prov#wasDerivedFrom> <{endpoint}> ;
        <http://www.w3.org/ns/prov#generatedAtTime> "2026-11-25T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> }}""")
    wd, wdt = "http://www.wikidata.org/entity/", "http://www.wikidata.org/prop/direct/"
    for triple in (
        f'<{wd}Q232> <http://www.w3.org/2000/01/rdf-schema#label> "Kazachstan"@nl',
        f'<{wd}Q232> <http://schema.org/description> "mock description of Kazakhstan"@en',
        f'<{wd}Q232> <{wdt}P1082> "20139914"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        f'<{wd}Q232> <{wdt}P625> "Point(68 48)"^^<http://www.opengis.net/ont/geosparql#wktLiteral>',
        f'<{wd}Q232> <{wdt}P31> <{wd}Q900000001>',
        f'<{wd}Q35493> <{wdt}P17> <{wd}Q232>',
        f'<{wd}Q858844> <{wdt}P239> "UAAA"',
    ):
        assert ask(first, f"ASK {{ GRAPH <{SNAP}> {{ {triple} }} }}"), triple
    # only the asked-for languages and properties
    assert not ask(first, f'ASK {{ GRAPH <{SNAP}> {{ ?s ?p "Kasachstan"@de }} }}')
    assert not ask(first, f"ASK {{ GRAPH <{SNAP}> {{ ?s <{wdt}P36> ?o }} }}")
    # items are written in QID order, and the linked items not on the service are simply absent
    assert text.index("wd:Q212\n") < text.index("wd:Q232\n") < text.index("wd:Q35493\n")


def test_refresh_keeps_the_hand_made_wikipedia_graph_unchanged(wikidata_env, tmp_path):
    out = tmp_path / "snap.trig"
    assert main(["wikidata", "refresh", "-o", str(out), "--date", "2026-11-25T00:00:00Z"]) == 0

    def wikipedia(qs):
        return {q for q in qs if q.graph_name == ox.NamedNode(WIKIPEDIA) or q.subject == ox.NamedNode(WIKIPEDIA)}

    kept = wikipedia(quads(out))
    assert kept and kept == wikipedia(quads(COMMITTED))


def test_refresh_takes_the_date_from_the_response_when_none_is_given(wikidata_env, tmp_path):
    out = tmp_path / "snap.trig"
    assert main(["wikidata", "refresh", "-o", str(out)]) == 0
    assert '"2026-11-25T12:00:00Z"^^xsd:dateTime' in out.read_text()


def test_the_refreshed_snapshot_answers_the_wikidata_questions(wikidata_env, tmp_path):
    out = tmp_path / "snap.trig"
    assert main(["wikidata", "refresh", "-o", str(out), "--date", "2026-11-25"]) == 0
    store = ox.Store()
    for path in (ROOT / "ontology" / "newskg.ttl", ROOT / "graph" / "nunl-6177422.trig", out):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.TRIG)
    rows = list(store.query((ROOT / "queries" / "examples" / "05-figures-differing-from-wikidata.rq").read_text()))
    assert [(r["newsValue"].value, r["wikidataValue"].value) for r in rows] == [("19000000", "20139914")]


EXPECTED_POPULATION = (
    "Q232\tP1082\t19000000\tP585\t+2022-01-10T00:00:00Z/11\t"
    f'S854\t"{ARTICLE_URL}"\tS813\t+2026-11-25T00:00:00Z/11\tS248\tQ2183577'
)


def test_quickstatements_export_of_the_shipped_graph(wikidata_env, capsys):
    assert main(["wikidata", "export", "--date", "2026-11-25"]) == 0
    out = capsys.readouterr().out
    commands = [line for line in out.splitlines() if line and not line.startswith("#")]
    assert commands == [EXPECTED_POPULATION]
    assert "cannot set a statement's rank" in out
    # claim 01's almost 8,000 arrests: superseded by the interior ministry's later 9,900 (Knack), and no property anyway
    assert ("# not exportable: claim 01 (almost 8,000 people arrested): superseded by claim knack-1821037-04" in out)
    assert "# not exportable: claim nh-nieuws-66443-04 (arrests 10000): no Wikidata property for the kind Arrests" in out
    for n in ("14", "16"):
        assert f"# not exportable: claim {n}" in out and "needs an item" in out
    assert "claim 15 (unknown number of demonstrators killed): needs an item" in out


def test_export_after_linking_the_event_gives_deaths_and_a_deprecated_withdrawn_figure(wikidata_env, capsys):
    unrest = RES + "event/kazakhstan-unrest-2022"
    assert main(["wikidata", "link", "--entity", unrest, "--choose", f"{unrest}=Q900000103"]) == 0
    capsys.readouterr()
    assert main(["wikidata", "export", "--date", "2026-11-25"]) == 0
    out = capsys.readouterr().out
    commands = [line for line in out.splitlines() if line and not line.startswith("#")]
    article_commands = [c for c in commands if ARTICLE_URL in c]
    assert article_commands == [  # in claim order: 14, then 18
        f'Q900000103\tP1120\t16\tS854\t"{ARTICLE_URL}"\tS813\t+2026-11-25T00:00:00Z/11\tS248\tQ2183577',
        EXPECTED_POPULATION,
    ]
    # the other outlets: only the figures that stand are stated. All deaths: the prosecutor general's 230 of March
    # (Sputnik), never the withdrawn 164 nor the 225 it superseded
    deaths = {c.split("\t")[2] for c in commands if "\tP1120\t" in c}
    assert "230" in deaths and not deaths & {"164", "225"}
    assert "# not exportable: claim trend-3541656-01 (deaths 225): superseded by claim sputnik-1093845137-01" in out
    # the withdrawn 164 is never a live command: only a comment with its deprecated rank and reason
    assert f'# Q900000103\tP1120\t164\tS854\t"{ARTICLE_URL}"' in out
    assert "WITHDRAWN, claim 16" in out and "P2241" in out
    assert "claim 15 (unknown number of demonstrators killed): the value is not known" in out

    assert main(["wikidata", "export", "--format", "rdf", "--date", "2026-11-25"]) == 0
    turtle = capsys.readouterr().out
    assert "_:" not in turtle
    prefixes = """PREFIX wd: <http://www.wikidata.org/entity/> PREFIX p: <http://www.wikidata.org/prop/>
        PREFIX ps: <http://www.wikidata.org/prop/statement/> PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
        PREFIX pr: <http://www.wikidata.org/prop/reference/> PREFIX wikibase: <http://wikiba.se/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>"""
    fmt = ox.RdfFormat.TURTLE
    assert ask(turtle, prefixes + f"""ASK {{ wd:Q232 p:P1082 ?s . ?s ps:P1082 19000000.0 ;
        wikibase:rank wikibase:NormalRank ; pq:P585 ?when ; prov:wasDerivedFrom ?r .
        ?r pr:P854 <{ARTICLE_URL}> ; pr:P813 "2026-11-25T00:00:00Z"^^xsd:dateTime ; pr:P248 wd:Q2183577 }}""", fmt)
    assert ask(turtle, prefixes + f"""ASK {{ wd:Q900000103 p:P1120 ?s . ?s ps:P1120 164.0 ;
        wikibase:rank wikibase:DeprecatedRank ; pq:P2241 <{RES}withdrawal/nunl-6177422-164-deaths> }}""", fmt)
    assert ask(turtle, prefixes + """ASK { wd:Q900000103 p:P1120 ?s . ?s ps:P1120 16.0 ;
        wikibase:rank wikibase:NormalRank }""", fmt)
    # same data, same bytes
    assert main(["wikidata", "export", "--format", "rdf", "--date", "2026-11-25"]) == 0
    assert capsys.readouterr().out == turtle
