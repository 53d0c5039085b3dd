"""The example queries on the whole shipped graph: the first article plus the other outlets' reports of
graph/sources/ (built from its sheets). The expected answers were worked out from the sheets and the pages they
cite (their figures, speakers and days, checked against the stored pages), not copied from
query output: arrests 4,400 → 5,135 (9 January) → 7,939 (10 January) → about 9,900 (11 January) → about 10,000;
deaths 164 (withdrawn as a technical error) → 225 (15 January) → 230 (14 March); CSTO troops 2,500 vs 2,030."""

from __future__ import annotations

from pathlib import Path

import pytest

from newskg.core.config import Settings
from newskg.ingest import sources
from newskg.kg import KnowledgeGraph

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "queries" / "examples"
RES = "https://w3id.org/newskg/id/"
UNREST = f"{RES}event/kazakhstan-unrest-2022"


@pytest.fixture(scope="module")
def kg(tmp_path_factory):
    graph = KnowledgeGraph.open(Settings(store=tmp_path_factory.mktemp("all") / "store"))
    yield graph
    graph.close()


def run(kg, name: str) -> list[dict[str, str]]:
    text = (EXAMPLES / f"{name}.rq").read_text(encoding="utf-8")
    return [{k: v.value for k, v in row.items()} for row in kg.query(text).rows()]


def claim(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def outlets_of(kg, claims) -> set[str]:
    """The publishers' English labels of the articles the claims were reported in."""
    values = " ".join(f"<{c}>" for c in claims)
    rows = kg.query(f"""SELECT DISTINCT ?label WHERE {{ VALUES ?c {{ {values} }}
        ?c <https://w3id.org/newskg/ontology#reportedIn>/<http://schema.org/publisher> ?p .
        ?p <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER (LANG(?label) = "en") }}""").rows()
    return {r["label"].value for r in rows}


def test_the_built_report_files_are_up_to_date_with_their_sheets():
    built = sources.build_all(ROOT, lambda folder, store: Settings(store=store, project_dir=folder))
    assert sources.stale(ROOT, built) == [], "run `newskg sources build` and commit graph/sources/*.trig"
    assert len([name for name in built if name != "context.trig"]) == 20


def test_q02_conflicting_figures_come_from_at_least_four_outlets(kg):
    rows = run(kg, "02-conflicting-figures")
    assert len(outlets_of(kg, {r["claimA"] for r in rows} | {r["claimB"] for r in rows})) >= 4
    pairs = {(claim(r["claimA"]), r["valueA"], claim(r["claimB"]), r["valueB"]) for r in rows}
    # arrests: the interior ministry's 7,939 (Jowhar, 10 Jan) against the acting minister's 5,135 (NOS, 9 Jan)
    assert ("jowhar-c8ff2b8c0f-01", "7939", "nos-2412433-01", "5135") in pairs
    # deaths, all counted: the prosecutor's 225 (Trend, 15 Jan) against the withdrawn 164 (NU.nl's article)
    assert ("nunl-6177422-16", "164", "trend-3541656-01", "225") in pairs
    # security forces killed: 16 (NOS) against 19 (News18, the prosecutor's office)
    assert ("news18-4662272-02", "19", "nos-2412433-04", "16") in pairs
    # CSTO troops: 2,500 (NRC) against Tokayev's 2,030 (Knack)
    assert ("knack-1821037-02", "2030", "nrc-4076105-06", "2500") in pairs


def test_q03_the_standing_figures_replace_the_superseded_and_the_withdrawn(kg):
    rows = run(kg, "03-latest-standing-figures")
    standing = {(r["kindLabel"], r["countedGroupLabel"]): (r.get("value"), claim(r["claim"])) for r in rows
                if r["kindLabel"] in ("deaths", "arrests")}
    assert standing[("deaths", "the dead (group not specified)")] == ("230", "sputnik-1093845137-01")
    assert standing[("deaths", "security forces")] == ("19", "sputnik-1093845137-02")
    assert standing[("arrests", "people arrested")] == ("10000", "nederlands-dagblad-1079178-07")
    assert len(outlets_of(kg, {r["claim"] for r in rows})) >= 4


def test_q16_who_stands_behind_the_figures_that_stand_now(kg):
    rows = run(kg, "16-standing-figures-according-to-whom")
    by_group: dict[tuple, set] = {}
    for r in rows:
        by_group.setdefault((r["kindLabel"], r["countedGroupLabel"]), set()).add(
            (r["value"], r.get("claimantLabel"), r.get("relayedByLabel"), r.get("outletLabel")))
    assert by_group[("deaths", "the dead (group not specified)")] == {("230", "Berik Assylov", None, "Sputnik")}
    assert by_group[("arrests", "people arrested")] == {
        ("10000", "the Kazakh authorities", "Deutsche Presse-Agentur (dpa)", "BRF"),
        ("10000", "Nederlands Dagblad", None, "Nederlands Dagblad"),
        ("10000", "NH Nieuws", None, "NH Nieuws"),
    }
    troops = by_group[("troops deployed", "CSTO troops")]
    assert ("2030", "Kassym-Jomart Tokayev", None, "Knack") in troops
    assert not any(value == "2500" for value, *_ in troops)  # superseded by Tokayev's 2,030
    assert not any(r["value"] in ("164", "225") for r in rows if r["kindLabel"] == "deaths")


def test_q17_every_figure_for_the_unrest_in_order_with_its_fate(kg):
    rows = run(kg, "17-figures-over-time-with-their-fate")
    assert [r["stated"] for r in rows] == sorted(r["stated"] for r in rows)
    # one row per figure: a figure without an approximation (a value unknown) does not pick up every label
    figures = kg.query("""PREFIX nkg: <https://w3id.org/newskg/ontology#> SELECT (COUNT(*) AS ?n) WHERE {
        GRAPH ?claim { ?figure a nkg:Figure ; nkg:figureOf <https://w3id.org/newskg/id/event/kazakhstan-unrest-2022> }
        ?claim a nkg:Claim ; nkg:statedAt/nkg:earliest ?stated }""").rows()
    assert len(rows) == int(figures[0]["n"].value)
    assert all(r.get("approximationLabel") in (None, "about", "almost", "more than", "exact")
               for r in rows), {r.get("approximationLabel") for r in rows}
    arrests = [(r["stated"], r["value"], r["fate"]) for r in rows
               if r["kindLabel"] == "arrests" and r["countedGroupLabel"] == "people arrested"]
    # by day, then claim IRI: NRC's earlier 4,400 (January); HBvL, NOS, NRC 5,135 and NU.nl's "more than 5,000" (9th);
    # De Morgen "almost 8,000", Jowhar 7,939, ND and the NU.nl article "almost 8,000" (10th); BRF about 10,000,
    # Knack 9,900 and NH Nieuws 10,000 (11th); ND about 10,000 (15th)
    assert [value for _, value, _ in arrests] == [
        "4400", "5135", "5135", "5135", "5000", "8000", "7939", "8000", "8000", "10000", "9900", "10000", "10000"]
    assert [fate for _, _, fate in arrests] == (["superseded"] * 9 + ["standing", "superseded"]
                                                + ["standing"] * 2)
    fates = {claim(r["claim"]): r for r in rows}
    assert fates["nunl-6177422-16"]["fate"] == "withdrawn, then superseded"
    assert fates["info24-ru-2d702cf7a9-01"]["withdrawnByLabel"] == "Ministry of Information and Social Development of Kazakhstan"
    assert fates["info24-ru-2d702cf7a9-01"]["reason"] == "a technical error"
    assert claim(fates["trend-3541656-01"]["supersededBy"]) == "sputnik-1093845137-01"
    assert fates["sputnik-1093845137-01"]["fate"] == "standing"
    assert len({r.get("outletLabel") for r in rows}) >= 10


def test_q18_the_fate_of_the_164_deaths_figure_is_one_query(kg):
    rows = run(kg, "18-fate-of-the-164-deaths-figure")
    found = {claim(r["claim"]): r for r in rows}
    assert set(found) == {"nunl-6177422-16", "info24-ru-2d702cf7a9-01", "nederlands-dagblad-1078123-03",
                          "de-morgen-8602f32980-05", "news18-4662272-06", "nh-nieuws-66443-03"}
    assert found["de-morgen-8602f32980-05"]["value"] == "160"  # "more than 160": the same figure, withdrawn with it
    withdrawn = {c for c, r in found.items() if "withdrawnByLabel" in r}
    assert withdrawn == set(found) - {"nh-nieuws-66443-03"}  # NH Nieuws repeated it two days after the withdrawal
    shared = found["news18-4662272-06"]
    assert (shared["withdrawnByLabel"], shared["withdrawnOn"], shared["reason"]) == (
        "Ministry of Information and Social Development of Kazakhstan", "2022-01-09", "a technical error")
    assert set(shared["withdrawalReportedBy"].split(", ")) == {"Nederlands Dagblad", "info24.ru"}
    for r in rows:  # every one superseded by the prosecutor's 225 of 15 January, itself by 230 in March
        assert (claim(r["supersededBy"]), r["newValue"], r["newStated"], r["latestValue"]) == (
            "trend-3541656-01", "225", "2022-01-15", "230")
        assert r["newClaimantLabel"] == "Prosecutor General's Office of Kazakhstan"
