"""The competency questions (queries/examples/*.rq) give their expected answers, and the data-quality checks
(queries/checks/*-violation.rq) find nothing on the shipped data but do find a planted violation.

Every query runs against a real on-disk pyoxigraph store opened through the package, loaded with the ontology, the
graph/*.trig files and the shapes. The expected answers below were worked out by reading graph/nunl-6177422.trig,
graph/wikidata-snapshot.trig and the article text, not copied from query output. Tests that change data use a
store of their own and write to it directly (below the SHACL write gate), as a data-quality check must see data
the gate would have refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest

from newskg.core.config import Settings
from newskg.kg import KnowledgeGraph
from newskg.search.sparql_functions import FUNCTION_NAMES as TEXT_FUNCTION_NAMES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "queries" / "examples"
CHECKS = ROOT / "queries" / "checks"
ARTICLE_TEXT = ROOT / "graph" / "articles" / "nunl-6177422.nl.txt"

RES = "https://w3id.org/newskg/id/"
PREFIXES = """
PREFIX nkg: <https://w3id.org/newskg/ontology#>
PREFIX res: <https://w3id.org/newskg/id/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX graspf: <http://groundedannotationframework.org/grasp/factuality#>
"""
UNREST = f"<{RES}event/kazakhstan-unrest-2022>"
ARTICLE = f"<{RES}article/nunl-6177422>"

EXAMPLE_NAMES = [
    "01-casualty-and-arrest-figures",
    "02-conflicting-figures",
    "03-latest-standing-figures",
    "04-wikidata-linked-entities",
    "05-figures-differing-from-wikidata",
    "06-participants-and-roles",
    "07-tokayev-claims",
    "08-competing-explanations",
    "09-second-hand-claims",
    "10-events-by-country",
    "11-timeline",
    "12-unknown-and-uncertain",
    "13-events-and-claims-per-type",
    "14-not-yet-linked",
    "15-provenance-audit",
    "16-standing-figures-according-to-whom",
    "17-figures-over-time-with-their-fate",
    "18-fate-of-the-164-deaths-figure",
    "19-claims-calling-protesters-terrorists",
    "20-coup-mentions-with-wikidata",
]


# ------------------------------------------------------------------------------------------------ helpers
def article_only_project(folder: Path) -> Path:
    """The project's seed files without graph/sources/ (the other outlets' reports): the answers below are those
    of the first article's encoding; tests/unit/test_example_queries_sources.py asks the whole shipped graph."""
    project = folder / "project"
    (project / "graph").mkdir(parents=True)
    for name in ("ontology", "shapes"):
        (project / name).symlink_to(ROOT / name)
    for path in (ROOT / "graph").iterdir():
        if path.name != "sources":
            (project / "graph" / path.name).symlink_to(path)
    return project


def open_kg(folder: Path, *, sources: bool = False) -> KnowledgeGraph:
    project = None if sources else article_only_project(folder)
    return KnowledgeGraph.open(Settings(store=folder / "store", project_dir=project))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """One store with the first article (no other outlets), shared by the read-only tests of this module."""
    graph = open_kg(tmp_path_factory.mktemp("shipped"))
    yield graph
    graph.close()


@pytest.fixture(scope="module")
def shipped_with_sources(tmp_path_factory):
    """One store with everything graph/ ships, the other outlets' reports included."""
    graph = open_kg(tmp_path_factory.mktemp("shipped-all"), sources=True)
    yield graph
    graph.close()


@pytest.fixture
def fresh(tmp_path):
    """A store of its own (the first article only), for a test that changes the data."""
    graph = open_kg(tmp_path)
    yield graph
    graph.close()


def local(value: str) -> str:
    """A readable short form of an IRI: claim/nunl-6177422-14 -> '14', other newskg IRIs without their base."""
    for base in (f"{RES}claim/nunl-6177422-", RES, "https://w3id.org/newskg/ontology#",
                 "https://w3id.org/newskg/graph/", "http://groundedannotationframework.org/grasp/factuality#",
                 "http://www.wikidata.org/entity/", "http://www.wikidata.org/prop/direct/",
                 "http://semanticweb.cs.vu.nl/2009/11/sem/"):
        if value.startswith(base):
            return value[len(base):]
    return value


def example(name: str) -> str:
    return (EXAMPLES / f"{name}.rq").read_text(encoding="utf-8")


def run(kg: KnowledgeGraph, text: str) -> list[dict[str, str]]:
    """Rows as dicts of variable -> short string (unbound variables are absent)."""
    return [{k: local(v.value) for k, v in row.items()} for row in kg.query(text).rows()]


def pick(rows: list[dict[str, str]], *names: str) -> list[tuple]:
    return [tuple(row.get(name) for name in names) for row in rows]


def expand(data: str) -> str:
    """res:claim/nunl-6177422-14 -> <https://w3id.org/newskg/id/claim/nunl-6177422-14> ("/" cannot stand in a SPARQL prefixed name)."""
    return re.sub(r"\bres:([A-Za-z0-9_/-]+)", lambda m: f"<{RES}{m.group(1)}>", data)


def insert(kg: KnowledgeGraph, data: str) -> None:
    kg.store.update(PREFIXES + "INSERT DATA {\n" + expand(data) + "\n}")


def delete(kg: KnowledgeGraph, data: str) -> None:
    kg.store.update(PREFIXES + "DELETE DATA {\n" + expand(data) + "\n}")


def new_claim(number: str, claimant: str, stated_at: str, figure: str) -> str:
    """A complete figure claim (metadata in the default graph, the figure in the claim's graph), for planting."""
    return f"""
    res:claim/{number} a nkg:Claim ;
        nkg:claimant {claimant} ; nkg:reportedIn {ARTICLE} ; nkg:aboutEvent {UNREST} ;
        nkg:statedAt {stated_at} ; nkg:status nkg:Asserted ;
        nkg:certainty graspf:CERTAIN ; nkg:polarity graspf:POSITIVE ; nkg:tense graspf:NONFUTURE .
    GRAPH res:claim/{number} {{ {figure} }}
    """


# ------------------------------------------------------------------------------------------------ the files
def test_there_are_exactly_20_example_queries_numbered_01_to_20():
    assert sorted(p.stem for p in EXAMPLES.glob("*.rq")) == EXAMPLE_NAMES
    assert sorted(p.name for p in EXAMPLES.iterdir()) == [f"{n}.rq" for n in EXAMPLE_NAMES]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.rq")) + sorted(CHECKS.glob("*.rq")), ids=lambda p: p.stem)
def test_each_query_starts_with_title_and_description_and_parses(path):
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert re.fullmatch(r"# title: \S.{9,}", lines[0]), lines[0]
    assert re.fullmatch(r"# description: \S.{9,}", lines[1]), lines[1]
    assert "PREFIX" in text
    # the engine's parser, on an empty store: a syntax error raises (text:score and text:match stubbed)
    stubs = {pyoxigraph.NamedNode(name): lambda *args: None for name in TEXT_FUNCTION_NAMES}
    result = pyoxigraph.Store().query(text, custom_functions=stubs)
    assert list(result) == []


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_example_runs_on_the_shipped_data(shipped, name):
    assert isinstance(run(shipped, example(name)), list)


# ------------------------------------------------------------------------------------------------ Q1
def test_q01_casualty_and_arrest_figures_with_claimant_status_and_withdrawer(shipped):
    rows = run(shipped, example("01-casualty-and-arrest-figures"))
    assert pick(rows, "claim", "kindLabel", "value", "approximationLabel", "valueKnown", "countedGroupLabel",
                "claimantLabel", "statusLabel", "withdrawnByLabel") == [
        ("01", "arrests", "8000", "almost", "true", "people arrested", "the Kazakh authorities", "asserted", None),
        ("14", "deaths", "16", "exact", "true", "soldiers", "Kassym-Jomart Tokayev", "asserted", None),
        ("15", "deaths", None, None, "false", "demonstrators", "NU.nl", "asserted", None),
        ("16", "deaths", "164", "exact", "true", "the dead (group not specified)", "Kazakh state media",
         "withdrawn", "the Kazakh authorities"),
    ]
    assert {(r["article"], r["publisherLabel"]) for r in rows} == {("article/nunl-6177422", "NU.nl")}
    withdrawn = rows[3]
    assert (withdrawn["withdrawnEarliest"], withdrawn["withdrawnLatest"]) == ("2022-01-08", "2022-01-10")


# ------------------------------------------------------------------------------------------------ Q2
def test_q02_no_conflicting_figures_in_the_article(shipped):
    # deaths are counted for three different groups (soldiers, demonstrators, unspecified dead): no conflict
    assert run(shipped, example("02-conflicting-figures")) == []


def test_q02_finds_a_planted_conflicting_figure(fresh):
    insert(fresh, new_claim("test-conflict", "res:actor/afp", "res:time/article-date", f"""
        res:figure/test-conflict a nkg:Figure ; nkg:figureKind nkg:Deaths ; nkg:figureOf {UNREST} ;
            nkg:countedGroup res:group/soldiers ; nkg:value 20 ; nkg:valueKnown true ."""))
    rows = run(fresh, example("02-conflicting-figures"))
    assert pick(rows, "claimA", "valueA", "claimantALabel", "claimB", "valueB", "claimantBLabel", "kindLabel",
                "countedGroupLabel") == [
        ("14", "16", "Kassym-Jomart Tokayev", "claim/test-conflict", "20", "Agence France-Presse (AFP)", "deaths",
         "soldiers"),
    ]


def test_q02_same_value_is_not_a_conflict(fresh):
    insert(fresh, new_claim("test-agree", "res:actor/afp", "res:time/article-date", f"""
        res:figure/test-agree a nkg:Figure ; nkg:figureKind nkg:Deaths ; nkg:figureOf {UNREST} ;
            nkg:countedGroup res:group/soldiers ; nkg:value 16 ; nkg:valueKnown true ."""))
    assert run(fresh, example("02-conflicting-figures")) == []


# ------------------------------------------------------------------------------------------------ Q3
Q3_SHIPPED = {
    ("kazakhstan-unrest-2022", "Arrests", "arrested-people", "8000", "01"),
    ("kazakhstan-unrest-2022", "Deaths", "demonstrators", None, "15"),  # "unclear how many": still the word
    ("kazakhstan-unrest-2022", "Deaths", "soldiers", "16", "14"),
    ("kazakhstan", "Population", "inhabitants-of-kazakhstan", "19000000", "18"),
    # no row for the 164 dead: claim 16 was withdrawn and nothing else counts that group
}

Q3_KEYS = ("figureOf", "kind", "countedGroup", "value", "claim")


def q3_rows(kg):
    # the query shows labels; compare on the IRIs by asking for them alongside
    text = example("03-latest-standing-figures").replace(
        "SELECT ?figureOfLabel", "SELECT ?figureOf ?kind ?countedGroup ?figureOfLabel", 1)
    rows = run(kg, text)
    return {(r["figureOf"].split("/")[-1], r["kind"], r["countedGroup"].split("/")[-1], r.get("value"), r["claim"])
            for r in rows}, rows


def test_q03_latest_standing_figure_per_event_kind_and_group(shipped):
    found, rows = q3_rows(shipped)
    assert found == Q3_SHIPPED
    assert len(rows) == 4
    assert {r["claim"]: r["valueKnown"] for r in rows}["15"] == "false"


def test_q03_changes_when_another_figure_is_withdrawn(fresh):
    insert(fresh, """
        res:withdrawal/test a nkg:Withdrawal ; prov:wasAssociatedWith res:actor/tokayev ;
            nkg:withdraws res:claim/nunl-6177422-14 .
        res:claim/nunl-6177422-14 nkg:withdrawnBy res:withdrawal/test .""")
    delete(fresh, "res:claim/nunl-6177422-14 nkg:status nkg:Asserted .")
    insert(fresh, "res:claim/nunl-6177422-14 nkg:status nkg:Withdrawn .")
    found, _ = q3_rows(fresh)
    assert found == Q3_SHIPPED - {("kazakhstan-unrest-2022", "Deaths", "soldiers", "16", "14")}


def test_q03_a_later_figure_replaces_the_earlier_one(fresh):
    insert(fresh, """
        res:time/test-february a nkg:TimeSpec ; nkg:earliest "2022-02-01"^^xsd:date ; nkg:latest "2022-02-01"^^xsd:date ;
            nkg:precision nkg:DayPrecision .""")
    insert(fresh, new_claim("test-later", "res:actor/kazakh-authorities", "res:time/test-february", f"""
        res:figure/test-later a nkg:Figure ; nkg:figureKind nkg:Deaths ; nkg:figureOf {UNREST} ;
            nkg:countedGroup res:group/soldiers ; nkg:value 19 ; nkg:valueKnown true ."""))
    found, _ = q3_rows(fresh)
    assert found == (Q3_SHIPPED - {("kazakhstan-unrest-2022", "Deaths", "soldiers", "16", "14")}) | {
        ("kazakhstan-unrest-2022", "Deaths", "soldiers", "19", "claim/test-later")}


# ------------------------------------------------------------------------------------------------ Q4
def test_q04_linked_actors_and_places_with_snapshot_values_and_their_source(shipped):
    rows = run(shipped, example("04-wikidata-linked-entities"))
    assert set(pick(rows, "entity", "kind", "item", "property", "value", "sourceGraph")) == {
        ("actor/nunl", "actor", "Q2183577", None, None, None),
        ("actor/tokayev", "actor", "Q200881", None, None, None),
        ("actor/knb", "actor", "Q422091", None, None, None),
        ("actor/afp", "actor", "Q40464", None, None, None),
        ("actor/russian-military", "actor", "Q193159", None, None, None),
        ("actor/russia", "actor", "Q159", None, None, None),
        ("place/central-asia", "place", "Q27275", None, None, None),
        ("place/ukraine", "place", "Q212", None, None, None),
        ("place/almaty-airport", "place", "Q858844", None, None, None),
        ("place/kazakhstan", "place", "Q232", "P1082", "20139914", "wikidata-snapshot"),
        ("place/kazakhstan", "place", "Q232", "P625", "Point(68 48)", "wikidata-snapshot"),
        ("place/almaty", "place", "Q35493", "P1082", "1916822", "wikidata-snapshot"),
        # the Almaty coordinate is Wikipedia's, and says so
        ("place/almaty", "place", "Q35493", "P625", "Point(76.895833 43.2775)", "snapshot-wikipedia"),
    }
    assert len(rows) == 13
    by_source = {r["sourceGraph"]: (r["origin"], r["sourceLabel"]) for r in rows if "sourceGraph" in r}
    assert by_source == {
        "wikidata-snapshot": ("https://www.wikidata.org/", "Wikidata snapshot"),
        "snapshot-wikipedia": ("https://en.wikipedia.org/wiki/Almaty", "Wikipedia snapshot (not Wikidata)"),
    }
    assert {r["entity"]: r["wikidataLabel"] for r in rows}["actor/russian-military"] == "Russian Armed Forces"


# ------------------------------------------------------------------------------------------------ Q5
def test_q05_population_of_19_million_differs_from_wikidata(shipped):
    rows = run(shipped, example("05-figures-differing-from-wikidata"))
    assert pick(rows, "claim", "claimantLabel", "subjectLabel", "item", "wikidataProperty", "newsValue",
                "approximationLabel", "wikidataValue", "difference") == [
        ("18", "NU.nl", "Kazakhstan", "Q232", "P1082", "19000000", "about", "20139914", "-1139914"),
    ]
    assert float(rows[0]["differencePercent"]) == pytest.approx(-5.7)


def test_q05_ignores_values_that_are_not_wikidatas(fresh):
    # a claimed Almaty population equal to Wikidata's is no difference; one differing only from a
    # non-Wikidata graph is not reported either
    insert(fresh, new_claim("test-almaty", "res:actor/nunl", "res:time/article-date", """
        res:figure/test-almaty a nkg:Figure ; nkg:figureKind nkg:Population ; nkg:figureOf res:place/almaty ;
            nkg:countedGroup res:group/test-inhabitants-of-almaty ; nkg:value 1916822 ; nkg:valueKnown true ."""))
    insert(fresh, """GRAPH <https://w3id.org/newskg/graph/snapshot-wikipedia> {
        <http://www.wikidata.org/entity/Q35493> <http://www.wikidata.org/prop/direct/P1082> 2000000 . }""")
    rows = run(fresh, example("05-figures-differing-from-wikidata"))
    assert [r["claim"] for r in rows] == ["18"]


# ------------------------------------------------------------------------------------------------ Q6
def test_q06_participants_of_the_unrest_and_its_sub_events_with_role_and_claimant(shipped):
    rows = run(shipped, example("06-participants-and-roles"))
    assert set(pick(rows, "event", "role", "actor", "claim", "claimantLabel")) == {
        ("event/kazakhstan-unrest-2022", "hasActor", "group/islamist-extremists", "02",
         "Ministry of Foreign Affairs of Kazakhstan"),
        ("event/kazakhstan-unrest-2022", "hasActor", "group/some-rioters", "03",
         "Ministry of Foreign Affairs of Kazakhstan"),
        ("event/kazakhstan-unrest-2022", "perpetrator", "group/terrorists-and-bandits", "04", "Kassym-Jomart Tokayev"),
        ("event/tokayev-shoot-without-warning-order", "orderedBy", "actor/tokayev", "06", "NU.nl"),
        ("event/ordered-shooting-without-warning", "hasActor", "actor/kazakh-troops", "06", "NU.nl"),
        ("event/ordered-shooting-without-warning", "target", "group/demonstrators", "06", "NU.nl"),
        ("event/almaty-airport-recapture", "hasActor", "actor/tokayev", "08", "NU.nl"),
        ("event/almaty-airport-recapture", "participant", "actor/russian-military", "08", "NU.nl"),
        ("event/almaty-government-buildings-storming", "perpetrator", "group/protesters", "20", "NU.nl"),
    }
    assert len(rows) == 9
    # events outside the unrest (Ukraine protest, daily-life restart, the denied shooting of claim 07) are not in it
    assert not {r["event"] for r in rows} & {"event/ukraine-protest-2022-01-09", "event/kazakhstan-daily-life-restart",
                                             "event/shooting-at-peaceful-protesters"}


# ------------------------------------------------------------------------------------------------ Q7
def test_q07_tokayevs_claims_with_factuality(shipped):
    rows = run(shipped, example("07-tokayev-claims"))
    assert pick(rows, "claim", "certainty", "polarity", "tense", "status", "statedAs", "statedEarliest",
                "statedLatest") == [
        ("04", "CERTAIN", "POSITIVE", "NONFUTURE", "Asserted", "eerder al", "2022-01-03", "2022-01-10"),
        ("05", "CERTAIN", "POSITIVE", "NONFUTURE", "Asserted", "maandag", "2022-01-10", "2022-01-10"),
        ("07", "CERTAIN", "NEGATIVE", "FUTURE", "Asserted", None, "2022-01-10", "2022-01-10"),
        ("14", "CERTAIN", "POSITIVE", "NONFUTURE", "Asserted", None, "2022-01-10", "2022-01-10"),
    ]
    assert "nooit op vreedzame betogers zouden schieten" in rows[2]["quote"]


# ------------------------------------------------------------------------------------------------ Q8
def test_q08_competing_explanations_and_who_gives_them(shipped):
    rows = run(shipped, example("08-competing-explanations"))
    assert set(pick(rows, "aspect", "explanation", "claim", "claimantLabel")) == {
        ("direct cause", "event/lpg-price-rise", "21", "NU.nl"),
        ("direct cause", "event/lpg-price-rise", "22", "NU.nl"),
        ("cause", "event/kazakhstan-discontent-wealth-distribution", "22", "NU.nl"),
        ("perpetrator", "group/terrorists-and-bandits", "04", "Kassym-Jomart Tokayev"),
        ("actor involved", "group/islamist-extremists", "02", "Ministry of Foreign Affairs of Kazakhstan"),
        ("actor involved", "group/some-rioters", "03", "Ministry of Foreign Affairs of Kazakhstan"),
        ("framed as part of", "event/alleged-coup-attempt-kazakhstan-2022", "05", "Kassym-Jomart Tokayev"),
        ("framed as event type", "Unrest", "19", "NU.nl"),
    }
    assert len(rows) == 8
    assert {r["claim"]: r.get("memberOfLabel") for r in rows if r["aspect"] == "actor involved"} == {
        "02": None, "03": "radical Islamist groups"}


# ------------------------------------------------------------------------------------------------ Q9
def test_q09_second_hand_claims_and_who_carries_them(shipped):
    rows = run(shipped, example("09-second-hand-claims"))
    assert pick(rows, "claim", "claimantLabel", "relayedByLabel", "carrierLabel", "statusLabel") == [
        ("13", "Agence France-Presse (AFP)", None, "NU.nl", "asserted"),
        ("16", "Kazakh state media", None, "NU.nl", "withdrawn"),
    ]


def test_q09_a_relayed_claim_is_second_hand(fresh):
    insert(fresh, "res:claim/nunl-6177422-10 nkg:relayedBy res:actor/afp .")
    rows = run(fresh, example("09-second-hand-claims"))
    assert pick(rows, "claim", "claimantLabel", "relayedByLabel") == [
        ("10", "National Security Committee of the Republic of Kazakhstan (KNB)", "Agence France-Presse (AFP)"),
        ("13", "Agence France-Presse (AFP)", None),
        ("16", "Kazakh state media", None),
    ]


# ------------------------------------------------------------------------------------------------ Q10
def test_q10_events_rolled_up_to_the_country(shipped):
    rows = run(shipped, example("10-events-by-country"))
    kz, backbone = "place/kazakhstan", "backbone"
    assert set(pick(rows, "country", "event", "place", "source")) == {
        (kz, "event/kazakhstan-unrest-2022", kz, backbone),
        (kz, "event/kazakhstan-mass-arrests", kz, backbone),
        (kz, "event/tokayev-shoot-without-warning-order", kz, backbone),
        (kz, "event/almaty-airport-recapture", "place/almaty-airport", backbone),         # airport < Almaty < KZ
        (kz, "event/almaty-government-buildings-storming", "place/almaty-government-buildings", backbone),
        (kz, "event/almaty-internet-outage", "place/almaty", backbone),
        (kz, "event/lpg-price-rise", kz, backbone),
        (kz, "event/kazakhstan-daily-life-restart", kz, backbone),
        (kz, "event/almaty-internet-restored", "place/almaty", backbone),
        (kz, "event/almaty-public-transport-restored", "place/almaty", backbone),
        ("place/ukraine", "event/ukraine-protest-2022-01-09", "place/ukraine", backbone),
        (kz, "event/kazakhstan-discontent-wealth-distribution", kz, backbone),
        # events that exist only in claims, placed by their claim
        (kz, "event/russian-interference-former-soviet-states", kz, "09"),
        (kz, "event/alleged-coup-attempt-kazakhstan-2022", kz, "05"),
    }
    assert len(rows) == 14


# ------------------------------------------------------------------------------------------------ Q11
UNREST_WEEK = ("2022-01-03", "2022-01-09")
ARTICLE_DATE = ("2022-01-10", "2022-01-10")  # Monday 10 January 2022, the day of publication
Q11_TIMELINE = [
    # open start (no earliest bound) first, by latest bound
    (None, "2022-01-09", "event", "event/lpg-price-rise"),
    (None, "2022-01-10", "event", "event/kazakhstan-discontent-wealth-distribution"),  # "al langer"
    (*UNREST_WEEK, "event", "event/almaty-airport-recapture"),
    (*UNREST_WEEK, "event", "event/almaty-government-buildings-storming"),
    (*UNREST_WEEK, "event", "event/kazakhstan-unrest-2022"),
    (*UNREST_WEEK, "event", "event/tokayev-shoot-without-warning-order"),
    (*UNREST_WEEK, "figure period", "figure/nunl-6177422-14"),
    (*UNREST_WEEK, "figure period", "figure/nunl-6177422-15"),
    (*UNREST_WEEK, "figure period", "figure/nunl-6177422-16"),
    ("2022-01-03", "2022-01-10", "event", "event/kazakhstan-mass-arrests"),  # "inmiddels"
    ("2022-01-03", "2022-01-10", "figure period", "figure/nunl-6177422-01"),
    ("2022-01-03", "2022-01-10", "statement", "04"),                      # "eerder al"
    ("2022-01-05", "2022-01-10", "event", "event/almaty-internet-outage"),   # "sinds woensdag", until "weer"
    ("2022-01-05", "2022-01-10", "event", "event/almaty-internet-restored"),  # the outage's end
    ("2022-01-08", "2022-01-09", "statement", "16"),                      # "afgelopen weekend"
    ("2022-01-08", "2022-01-10", "event", "withdrawal/nunl-6177422-164-deaths"),  # "later"
    ("2022-01-08", "2022-01-10", "statement", "17"),
    ("2022-01-09", "2022-01-09", "event", "event/ukraine-protest-2022-01-09"),  # "zondag"
    (*ARTICLE_DATE, "event", "event/almaty-public-transport-restored"),
    (*ARTICLE_DATE, "event", "event/kazakhstan-daily-life-restart"),
    (*ARTICLE_DATE, "figure period", "figure/nunl-6177422-18"),
] + [(*ARTICLE_DATE, "statement", f"{n:02d}") for n in range(1, 24) if n not in (4, 16, 17)]  # 05: "maandag"


def test_q11_timeline_in_order(shipped):
    rows = run(shipped, example("11-timeline"))
    assert pick(rows, "earliest", "latest", "entryKind", "item") == Q11_TIMELINE
    assert len(rows) == 41  # 13 dated events, 23 statements, 5 figure periods
    assert {r["item"]: r.get("expression") for r in rows}["05"] == "maandag"
    assert max(r["latest"] for r in rows) == "2022-01-10"  # nothing dated up to the end of January


# ------------------------------------------------------------------------------------------------ Q12
def test_q12_what_remains_unknown_or_uncertain(shipped):
    rows = run(shipped, example("12-unknown-and-uncertain"))
    assert pick(rows, "claim", "reason", "detail", "claimantLabel") == [
        ("01", "approximate figure", "almost 8000", "the Kazakh authorities"),
        ("15", "value unknown", "deaths of demonstrators", "NU.nl"),
        ("16", "status", "withdrawn", "Kazakh state media"),
        ("18", "approximate figure", "about 19000000", "NU.nl"),
    ]


def test_q12_a_probable_claim_is_uncertain(fresh):
    delete(fresh, "res:claim/nunl-6177422-10 nkg:certainty graspf:CERTAIN .")
    insert(fresh, "res:claim/nunl-6177422-10 nkg:certainty graspf:PROBABLE .")
    rows = run(fresh, example("12-unknown-and-uncertain"))
    assert ("10", "not certain", "PROBABLE") in pick(rows, "claim", "reason", "detail")
    assert len(rows) == 5


# ------------------------------------------------------------------------------------------------ Q13
def test_q13_events_per_type_that_happened_apart_from_those_only_claimed_ordered_or_denied(shipped):
    rows = run(shipped, example("13-events-and-claims-per-type"))
    # worked out from the article: (type, CAMEO, happened, only claimed, ordered, threatened, denied, claims about them)
    assert pick(rows, "type", "cameoCode", "happened", "onlyClaimed", "ordered", "threatened", "denied", "claims") == [
        ("Recovery", "", "3", "0", "0", "0", "0", "3"),            # daily life, internet, public transport; 11, 12, 13
        ("Unrest", "145", "1", "0", "0", "0", "0", "11"),          # claims 02-04, 10, 14-16, 18, 19, 21, 22
        ("Storming", "18", "1", "0", "0", "0", "0", "2"),          # claim 20; 23 (Almaty, said in passing there)
        ("MassArrest", "173", "1", "0", "0", "0", "0", "1"),       # claim 01
        ("MilitaryOperation", "19", "1", "0", "0", "0", "0", "1"),  # claim 08
        ("Order", "", "1", "0", "0", "0", "0", "1"),               # the order was given (claim 06)
        ("Protest", "141", "1", "0", "0", "0", "0", "1"),          # claim 09
        ("Withdrawal", "", "1", "0", "0", "0", "0", "1"),          # claim 17
        ("Grievance", "", "1", "0", "0", "0", "0", "0"),           # NU.nl states it (claim 22)
        ("InternetOutage", "", "1", "0", "0", "0", "0", "0"),      # claim 12
        ("PriceRise", "", "1", "0", "0", "0", "0", "0"),           # claim 21
        ("CoupAttempt", "", "0", "1", "0", "0", "0", "1"),         # only Tokayev's claim 05
        # the shooting Tokayev ordered (06) is not reported as carried out; the one at peaceful protesters is denied (07)
        ("Shooting", "190", "0", "0", "1", "0", "1", "1"),
        ("Interference", "", "0", "1", "0", "0", "0", "0"),        # what the protest in Ukraine opposed (09)
    ]
    assert sum(int(r["claims"]) for r in rows) == 23
    assert sum(int(r["happened"]) for r in rows) == 13


def test_q13_a_claim_that_threatens_an_event_does_not_make_it_happen(fresh):
    insert(fresh, new_claim("test-threat", "res:actor/tokayev", "res:time/article-date", """
        res:event/test-threatened-arrests a nkg:MassArrest ;
            <http://semanticweb.cs.vu.nl/2009/11/sem/hasPlace> res:place/kazakhstan .""")
        .replace("nkg:tense graspf:NONFUTURE", "nkg:tense graspf:FUTURE")
        .replace(f"nkg:aboutEvent {UNREST}", "nkg:aboutEvent res:event/test-threatened-arrests"))
    rows = {r["type"]: r for r in run(fresh, example("13-events-and-claims-per-type"))}
    assert (rows["MassArrest"]["happened"], rows["MassArrest"]["threatened"], rows["MassArrest"]["claims"]) == (
        "1", "1", "2")


def test_q13_a_backbone_event_only_denied_did_not_happen(fresh):
    for n in ("06",):
        delete(fresh, f"res:claim/nunl-6177422-{n} nkg:polarity graspf:POSITIVE .")
        insert(fresh, f"res:claim/nunl-6177422-{n} nkg:polarity graspf:NEGATIVE .")
    rows = {r["type"]: r for r in run(fresh, example("13-events-and-claims-per-type"))}
    assert (rows["Order"]["happened"], rows["Order"]["denied"]) == ("0", "1")


# ------------------------------------------------------------------------------------------------ Q14
def test_q14_mentioned_actors_and_places_not_yet_linked(shipped):
    rows = run(shipped, example("14-not-yet-linked"))
    assert set(pick(rows, "entity", "kind", "claims")) == {
        ("actor/kazakh-authorities", "actor", "3"),           # claimant of 01, 17; actor in 11; withdrawer in 17
        ("actor/kazakh-ministry-of-foreign-affairs", "actor", "2"),
        ("actor/kazakh-state-media", "actor", "1"),
        ("actor/kazakh-troops", "actor", "2"),                # claims 06, 07
        ("place/former-soviet-states", "place", "1"),         # claim 09
        ("place/almaty-government-buildings", "place", "1"),  # claim 20
    }
    assert len(rows) == 6
    assert "actor/russia" not in {r["entity"] for r in rows}  # linked to Q159


def test_q14_answer_has_no_linked_entity_and_no_group_but_has_the_ministry(shipped):
    entities = {f"{RES}{r['entity']}" for r in run(shipped, example("14-not-yet-linked"))}
    linked = {r["e"].value for r in shipped.query(PREFIXES + "SELECT ?e WHERE { ?e nkg:wikidata ?q }").rows()}
    groups = {r["e"].value for r in shipped.query(PREFIXES + "SELECT ?e WHERE { ?e a nkg:Group }").rows()}
    assert linked and groups
    assert not entities & linked
    assert not entities & groups
    assert f"{RES}actor/kazakh-ministry-of-foreign-affairs" in entities


# ------------------------------------------------------------------------------------------------ Q15
OFFSETS = {
    1: (0, 128), 2: (129, 253), 3: (255, 432), 4: (433, 534), 5: (535, 623), 6: (625, 718), 7: (719, 810),
    8: (812, 924), 9: (925, 1047), 10: (1049, 1134), 11: (1135, 1204), 12: (1205, 1315), 13: (1316, 1386),
    14: (1417, 1482), 15: (1483, 1554), 16: (1555, 1621), 17: (1623, 1694), 18: (1696, 1738), 19: (1696, 1786),
    20: (1787, 1877), 21: (1878, 2077), 22: (2079, 2232), 23: (1839, 1876),
}


def test_q15_provenance_audit_of_every_claim(shipped):
    rows = run(shipped, example("15-provenance-audit"))
    assert [r["claim"] for r in rows] == [f"{n:02d}" for n in range(1, 24)]
    text = ARTICLE_TEXT.read_text(encoding="utf-8")
    for n, row in enumerate(rows, start=1):
        start, end = OFFSETS[n]
        assert (int(row["charStart"]), int(row["charEnd"])) == (start, end)
        assert row["quote"] == text[start:end]  # checked against the article file, not only the query's SUBSTR
        assert row["offsetsMatchQuote"] == "true"
        assert row["mention"] == f"article/nunl-6177422#char={start},{end}"
        assert (row["article"], row["publisherLabel"], row["datePublished"]) == (
            "article/nunl-6177422", "NU.nl", "2022-01-10")
        assert row["url"].startswith("https://www.nu.nl/buitenland/6177422/")
    assert rows[12]["claimantLabel"] == "Agence France-Presse (AFP)"


# ------------------------------------------------------------------------------------------------ checks
CHECK_NAMES = sorted(p.stem for p in CHECKS.glob("*-violation.rq"))

# For each check: a change to the shipped data (statements to delete, statements to insert) that violates it.
VIOLATIONS = {
    "claim-without-claimant-violation": ("res:claim/nunl-6177422-10 nkg:claimant res:actor/knb .", ""),
    "claim-with-several-claimants-violation": ("", "res:claim/nunl-6177422-10 nkg:claimant res:actor/afp ."),
    "claim-graph-empty-violation": (
        "GRAPH res:claim/nunl-6177422-10 { res:place/kazakhstan nkg:situation nkg:Stable . }", ""),
    "claim-metadata-in-claim-graph-violation": (
        "", "GRAPH res:claim/nunl-6177422-10 { res:claim/nunl-6177422-10 nkg:claimant res:actor/knb . }"),
    "claim-without-article-violation": (f"res:claim/nunl-6177422-10 nkg:reportedIn {ARTICLE} .", ""),
    "quote-offsets-mismatch-violation": (
        'res:claim/nunl-6177422-10 nkg:charStart "1049"^^xsd:nonNegativeInteger .',
        'res:claim/nunl-6177422-10 nkg:charStart "1048"^^xsd:nonNegativeInteger .'),
    "withdrawn-claim-without-withdrawal-violation": (
        "res:claim/nunl-6177422-14 nkg:status nkg:Asserted .", "res:claim/nunl-6177422-14 nkg:status nkg:Withdrawn ."),
    "figure-value-known-mismatch-violation": (
        "GRAPH res:claim/nunl-6177422-14 { res:figure/nunl-6177422-14 nkg:valueKnown true . }",
        "GRAPH res:claim/nunl-6177422-14 { res:figure/nunl-6177422-14 nkg:valueKnown false . }"),
    "figure-outside-claim-graph-violation": ("", "res:figure/nunl-6177422-14 a nkg:Figure ."),
    "group-linked-to-wikidata-violation": (
        "", "res:group/protesters nkg:wikidata <http://www.wikidata.org/entity/Q273120> ."),
    "wikidata-link-not-item-violation": ("", "res:actor/russia nkg:wikidata <https://www.wikidata.org/wiki/Q159> ."),
    "timespec-bounds-violation": ("", 'res:time/unrest-week nkg:earliest "2022-01-10"^^xsd:date .'),
    "named-graph-without-provenance-violation": (
        "", "GRAPH <https://w3id.org/newskg/graph/stray> { res:place/almaty nkg:locatedIn res:place/kazakhstan . }"),
}


def test_every_check_is_named_violation_and_has_a_planted_violation():
    assert len(CHECK_NAMES) >= 10
    assert sorted(p.stem for p in CHECKS.glob("*.rq")) == CHECK_NAMES
    assert set(VIOLATIONS) == set(CHECK_NAMES)


@pytest.mark.parametrize("name", CHECK_NAMES)
def test_check_finds_nothing_on_the_shipped_data(shipped_with_sources, name):
    assert run(shipped_with_sources, (CHECKS / f"{name}.rq").read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", CHECK_NAMES)
def test_check_finds_a_planted_violation(fresh, name):
    removed, added = VIOLATIONS[name]
    if removed:
        delete(fresh, removed)
    if added:
        insert(fresh, added)
    rows = run(fresh, (CHECKS / f"{name}.rq").read_text(encoding="utf-8"))
    assert len(rows) == 1, rows
