"""The ingest core on a real store: offsets from quotes, actors by label/IRI/QID, errors that say what is right."""

from __future__ import annotations

import pytest

from newskg.core.errors import IngestError
from newskg.ingest import actors, intake
from newskg.ingest.claims import read_sheet

from .helpers import ARTICLE, ARTICLE_JSON, CLAIMS_OF, SHEET, row


@pytest.fixture
def with_article(kg):
    iri, outcome = intake.add_article(kg, intake.article_fields(ARTICLE_JSON), "test")
    assert iri == ARTICLE and outcome.created
    return kg


@pytest.fixture
def with_sheet(with_article):
    intake.add_claims(with_article, ARTICLE, read_sheet(SHEET.read_bytes(), "csv", 1000), "test")
    return with_article


def _errors(kg, rows):
    _, checked = intake.check_claims(kg, ARTICLE, rows)
    return checked.errors


def _claim_count(kg):
    return len(kg.query(CLAIMS_OF).rows())


def test_article_keeps_the_exact_text_and_its_checksum(with_article):
    import hashlib

    rows = with_article.query("SELECT ?a ?body ?sha WHERE { ?a <http://schema.org/articleBody> ?body ; "
                              "<https://w3id.org/newskg/ontology#sha256> ?sha }",
                              bindings={"a": __import__("pyoxigraph").NamedNode(ARTICLE)}).rows()
    text = ARTICLE_JSON["text"]
    assert rows[0]["body"].value == text
    assert rows[0]["sha"].value == hashlib.sha256(text.encode()).hexdigest()


def test_sheet_of_five_claims_goes_in_with_offsets_that_select_the_quotes(with_article):
    sheet = read_sheet(SHEET.read_bytes(), "csv", 1000)
    claims, outcome = intake.add_claims(with_article, ARTICLE, sheet, "test")
    assert outcome.created and len(claims) == 5
    assert claims[0] == "https://w3id.org/newskg/id/claim/voorbeeldkrant-100001-01"
    found = with_article.query(CLAIMS_OF).rows()
    ours = [r for r in found if r["claim"].value in claims]
    assert len(ours) == 5
    for r in ours:  # code point offsets, end exclusive (the text has an ë before the quotes)
        assert r["body"].value[int(r["start"].value):int(r["end"].value)] == r["quote"].value


def test_next_sheet_numbers_on_after_the_existing_claims(with_sheet):
    claims, _ = intake.add_claims(with_sheet, ARTICLE, [row()], "test")
    assert claims == ["https://w3id.org/newskg/id/claim/voorbeeldkrant-100001-06"]


def test_quote_not_in_the_text_names_the_nearest_passage(with_article):
    errors = _errors(with_article, [row(quote="De burgemeester zei dinsdag dat niemand gewond is geraakt.",
                                        occurrence=None)])
    quote_errors = [e for e in errors if e["column"] == "quote"]
    assert quote_errors and quote_errors[0]["row"] == 1
    assert "not in the article's text" in quote_errors[0]["message"]
    assert "zei woensdag dat niemand gewond" in quote_errors[0]["message"]


def test_quote_that_occurs_twice_asks_for_the_occurrence(with_article):
    errors = _errors(with_article, [row(occurrence=None)])
    assert any(e["column"] == "occurrence" and "occurs 2 times" in e["message"] for e in errors)


def test_unknown_claimant_names_the_closest_labels_and_qids(kg):
    with pytest.raises(IngestError) as caught:
        actors.resolve(kg, "Tokajev", row=3, column="claimant")
    error = caught.value.errors[0]
    assert (error["row"], error["column"]) == (3, "claimant")
    assert "Kassym-Jomart Tokayev" in error["message"] and "Q200881" in error["message"]


def test_actor_found_by_label_in_any_language_iri_or_qid_ignoring_accents(kg):
    tokayev = "https://w3id.org/newskg/id/actor/tokayev"
    assert actors.resolve(kg, "kassym-jomart TOKAYEV") == tokayev
    assert actors.resolve(kg, "Q200881") == tokayev
    assert actors.resolve(kg, "wd:Q200881") == tokayev
    assert actors.resolve(kg, tokayev) == tokayev
    assert actors.resolve(kg, "persbureau AFP") == actors.resolve(kg, "Agence France-Presse (AFP)")
    assert actors.search(kg, "Oekraine", cls=actors.PLACE)[0].iri.endswith("/place/ukraine")  # ï folded


def test_unknown_status_kind_and_column_list_the_allowed_values(with_article):
    errors = _errors(with_article, [row(status="retracted", figure_kind="casualties", figure_value="3")])
    by_column = {e["column"]: e["message"] for e in errors}
    assert "asserted, withdrawn, disputed" in by_column["status"]
    assert "deaths, injured, arrests, population" in by_column["figure_kind"]
    errors = _errors(with_article, [row(claimnt="x")])
    assert errors[0]["column"] == "claimnt" and "did you mean 'claimant'" in errors[0]["message"]


def test_a_date_after_the_article_or_not_in_the_calendar_is_refused(with_article):
    errors = _errors(with_article, [row(date="2024-04-01"), row(date="2024-02-30"),
                                    row(date="2024-03-01", date_expression="vrijdag")])
    errors = [e for e in errors if e["column"] in ("date", "date_expression")]
    assert "after the article's date" in errors[0]["message"] and errors[0]["row"] == 1
    assert errors[1]["row"] == 2 and "not a calendar date" in errors[1]["message"]
    assert errors[2]["column"] == "date_expression" and "not in the article's text" in errors[2]["message"]


def test_one_bad_row_writes_nothing(with_article):
    sheet = read_sheet(SHEET.read_bytes(), "csv", 1000) + [row(claimant="Nobody Anywhere")]
    before = _claim_count(with_article)
    with pytest.raises(IngestError) as caught:
        intake.add_claims(with_article, ARTICLE, sheet, "test")
    assert caught.value.errors[0]["row"] == 6 and caught.value.errors[0]["column"] == "claimant"
    assert _claim_count(with_article) == before


def test_new_claimant_only_with_the_explicit_column(with_sheet):
    errors = _errors(with_sheet, [row(claimant="de waterschapper", occurrence="2")])
    assert errors and errors[0]["column"] == "claimant" and "no actor" in errors[0]["message"]
    claims, outcome = intake.add_claims(with_sheet, ARTICLE, [row(claimant="de waterschapper",
                                                                    claimant_new="Person")], "test")
    assert outcome.created and len(claims) == 1


def test_misspelt_term_of_our_namespace_is_named_in_the_report(kg):
    data = b"""@prefix nkg: <https://w3id.org/newskg/ontology#> .
    <https://w3id.org/newskg/id/group/x> a nkg:Group ; <http://www.w3.org/2000/01/rdf-schema#label> "x"@nl ;
        nkg:memberof <https://w3id.org/newskg/id/group/y> ; nkg:claimnt <https://w3id.org/newskg/id/actor/tokayev> ."""
    report = kg.gate.validate(data, "text/turtle")
    messages = [r.message for r in report.results]
    assert not report.conforms
    assert "nkg:claimnt is not a term of the ontology; did you mean nkg:claimant?" in messages
    assert "nkg:memberof is not a term of the ontology; did you mean nkg:memberOf?" in messages


def test_dry_run_trig_parses_and_conforms(with_article):
    import pyoxigraph as ox

    claims, checked = intake.check_claims(with_article, ARTICLE, read_sheet(SHEET.read_bytes(), "csv", 1000))
    assert checked.conforms and not checked.errors and len(claims) == 5
    graphs = {q.graph_name.value for q in ox.parse(checked.trig.encode(), ox.RdfFormat.TRIG)
              if isinstance(q.graph_name, ox.NamedNode)}
    assert graphs == set(claims)


def test_jsonl_sheet_is_the_same_as_csv():
    import json

    rows = read_sheet(SHEET.read_bytes(), "csv", 1000)
    jsonl = "\n".join(json.dumps({k: v for k, v in r.items() if v}) for r in rows).encode()
    assert read_sheet(jsonl, "jsonl", 1000) == [{k: v for k, v in r.items() if v} for r in rows]
