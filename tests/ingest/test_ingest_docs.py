"""The README's how-to runs as written; the encoded claim of ontology/README.md parses and matches the article."""

from __future__ import annotations

import re
import shlex

import pyoxigraph as ox
import rdflib

from newskg.cli import main
from newskg.core.rdfio import parse_rdf_file
from newskg_test_servers import ROOT

from .helpers import ARTICLE, SHEET


def _section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n#", start + len(title))
    return text[start : end if end != -1 else len(text)]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_readme_how_to_commands_and_sheet_run_as_written(tmp_path, monkeypatch, capsys):
    howto = _section((ROOT / "README.md").read_text(encoding="utf-8"), "### Add an article and its claims")
    assert _blocks(howto, "csv") == [SHEET.read_text(encoding="utf-8")]
    commands = [line for line in _blocks(howto, "sh")[0].splitlines() if line.strip()]
    assert len(commands) >= 3
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NEWSKG_STORE", str(tmp_path / "store"))
    outputs = []
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "newskg"
        assert main(words[1:]) == 0, command
        outputs.append(capsys.readouterr().out)
    assert outputs[0].strip() == ARTICLE
    assert len(outputs[-1].split()) == 5


def test_ontology_readme_claim_parses_and_matches_the_article():
    block = _blocks((ROOT / "ontology" / "README.md").read_text(encoding="utf-8"), "trig")[-1]
    example = ox.Dataset(ox.parse(block.encode(), ox.RdfFormat.TRIG))
    shipped = ox.Dataset(ox.parse(path=str(ROOT / "graph" / "nunl-6177422.trig"), format=ox.RdfFormat.TRIG))
    missing = [q for q in example if q not in shipped]
    assert not missing, missing[:3]
    body = parse_rdf_file(ROOT / "graph" / "nunl-6177422.trig").default_graph.value(
        rdflib.URIRef(ARTICLE.replace("voorbeeldkrant-100001", "nunl-6177422")),
        rdflib.URIRef("http://schema.org/articleBody"))
    nkg = "https://w3id.org/newskg/ontology#"
    values = {q.predicate.value[len(nkg):]: q.object.value for q in example if q.predicate.value.startswith(nkg)}
    assert str(body)[int(values["charStart"]):int(values["charEnd"])] == values["quote"]
