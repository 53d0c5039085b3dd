"""`newskg article add` and `newskg claims add` against a stopped store folder and against a running server."""

from __future__ import annotations

import httpx

from newskg.cli import main

from .helpers import ARTICLE, CLAIMS_OF, SHEET, TEXT_FILE, TITLE, URL

ARTICLE_ARGS = ["article", "add", str(TEXT_FILE), "--url", URL, "--title", TITLE, "--publisher", "Voorbeeldkrant",
                "--date", "2024-03-07", "--lang", "nl"]
CLAIMS_ARGS = ["claims", "add", str(SHEET), "--article", ARTICLE]


def _claims_in(store) -> list[str]:
    from newskg.core.config import Settings
    from newskg.kg import KnowledgeGraph

    kg = KnowledgeGraph.open(Settings(store=store))
    try:
        return sorted(r["claim"].value for r in kg.query(CLAIMS_OF).rows() if "voorbeeldkrant" in r["claim"].value)
    finally:
        kg.close()


def test_article_and_five_claims_into_a_stopped_store(tmp_path, capsys):
    store = ["--store", str(tmp_path / "store")]
    assert main(ARTICLE_ARGS + store) == 0
    assert capsys.readouterr().out.strip() == ARTICLE
    assert main(CLAIMS_ARGS + store + ["--dry-run"]) == 0
    dry = capsys.readouterr()
    assert "nkg:Claim" in dry.out and "conforms" in dry.err
    assert _claims_in(tmp_path / "store") == []  # the dry run wrote nothing
    assert main(CLAIMS_ARGS + store) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 5 and _claims_in(tmp_path / "store") == sorted(printed)


def test_a_bad_sheet_exits_1_naming_row_and_column_and_writes_nothing(tmp_path, capsys):
    store = ["--store", str(tmp_path / "store")]
    assert main(ARTICLE_ARGS + store) == 0
    sheet = tmp_path / "bad.csv"
    sheet.write_text(SHEET.read_text(encoding="utf-8") + "Dit staat er niet,,de burgemeester van Voorbeeld,,x\n",
                     encoding="utf-8")
    assert main(["claims", "add", str(sheet), "--article", ARTICLE] + store) == 1
    err = capsys.readouterr().err
    assert "row 6, column quote: the quote is not in the article's text" in err
    assert _claims_in(tmp_path / "store") == []


def test_article_and_five_claims_through_a_running_server(server, capsys):
    remote = ["--server", server.url, "--token", "test-token"]
    assert main(ARTICLE_ARGS + remote) == 0
    assert capsys.readouterr().out.strip() == ARTICLE
    assert main(CLAIMS_ARGS + ["--server", server.url, "--dry-run"]) == 0  # anonymous, writes nothing
    capsys.readouterr()
    assert main(CLAIMS_ARGS + remote) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 5
    answer = httpx.post(server.url + "/sparql", data={"query": CLAIMS_OF},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
    found = sorted(b["claim"]["value"] for b in answer.json()["results"]["bindings"]
                   if "voorbeeldkrant" in b["claim"]["value"])
    assert found == sorted(printed)
    assert main(CLAIMS_ARGS + ["--server", server.url, "--token", "wrong"]) == 2
    assert "401" in capsys.readouterr().err
