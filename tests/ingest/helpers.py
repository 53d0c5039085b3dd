"""The example article and sheet of graph/examples, shared by the ingest tests."""

from __future__ import annotations

from newskg_test_servers import ROOT

EXAMPLES = ROOT / "graph" / "examples"
TEXT_FILE = EXAMPLES / "voorbeeld.nl.txt"
SHEET = EXAMPLES / "voorbeeld-claims.csv"
URL = "https://example.org/voorbeeldkrant/2024/03/100001/overstroming-in-voorbeeld"
ARTICLE = "https://w3id.org/newskg/id/article/voorbeeldkrant-100001"
TITLE = "Honderden mensen geëvacueerd na overstroming in Voorbeeld"
ARTICLE_JSON = {"text": TEXT_FILE.read_text(encoding="utf-8"), "url": URL, "title": TITLE,
                "publisher": "Voorbeeldkrant", "date": "2024-03-07", "lang": "nl"}
AUTH = {"Authorization": "Bearer test-token"}
NKG = "https://w3id.org/newskg/ontology#"
CLAIMS_OF = f"""SELECT ?claim ?start ?end ?quote ?body WHERE {{
    ?claim <{NKG}reportedIn> ?article ; <{NKG}charStart> ?start ; <{NKG}charEnd> ?end ; <{NKG}quote> ?quote .
    ?article <http://schema.org/articleBody> ?body }} ORDER BY ?claim"""


def row(**cells) -> dict:
    """A sheet row about the example's flood, with these cells added or replaced."""
    base = {"quote": "Samen komen we hier doorheen", "occurrence": "2", "claimant": "de burgemeester van Voorbeeld",
            "translation": "We will get through this together", "event": "de overstroming in Voorbeeld"}
    base.update(cells)
    return {k: v for k, v in base.items() if v is not None}
