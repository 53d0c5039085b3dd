"""The SHACL shapes: every case under tests/cases behaves as named, every class has a shape, the shipped data conforms."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, SH

from newskg.core.rdfio import parse_rdf_file, quads_to_dataset
from newskg.writes.validation import (
    GRAPH_TRIPLE_COUNT,
    ShapesError,
    ValidationReport,
    find_shapes_file,
    load_shapes,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases"
SHAPES_FILE = ROOT / "shapes" / "newskg.shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "newskg.ttl"
ARTICLE_GRAPH = ROOT / "graph" / "nunl-6177422.trig"
SNAPSHOT_GRAPH = ROOT / "graph" / "wikidata-snapshot.trig"
NKG = rdflib.Namespace("https://w3id.org/newskg/ontology#")
NKGSH = rdflib.Namespace("https://w3id.org/newskg/shapes#")
EXPECT_PREFIX = "# expect:"

CASE_FILES = sorted(p for p in CASES.glob("*/*") if p.suffix in {".ttl", ".trig"})


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes(SHAPES_FILE)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph | None:
    if not ONTOLOGY_FILE.exists():
        return None
    return rdflib.Graph().parse(ONTOLOGY_FILE, format="turtle")


def parse_case(path: Path) -> rdflib.Graph:
    """A .trig case as a Dataset (named graphs kept), a .ttl case as a plain Graph."""
    if path.suffix == ".trig":
        return parse_rdf_file(path)  # read by pyoxigraph, as the write gate reads a candidate
    return rdflib.Graph().parse(path, format="turtle")


def expected_message(path: Path) -> str:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith(EXPECT_PREFIX), f"{path.name} must start with '{EXPECT_PREFIX} <message substring>'"
    return first_line[len(EXPECT_PREFIX) :].strip()


def describe(report: ValidationReport) -> str:
    return "\n".join(f"{r.severity} {r.focus_node} {r.path} {r.value!r}: {r.message}" for r in report.results)


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_cases_exist_for_every_shape(shapes):
    node_shapes = {str(s).removeprefix(str(NKGSH)) for s in shapes.subjects(RDF.type, SH.NodeShape)}
    folders = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert folders <= node_shapes, f"case folders without a shape: {sorted(folders - node_shapes)}"
    for name in sorted(node_shapes):
        files = [p.name for p in (CASES / name).glob("*")] if (CASES / name).is_dir() else []
        assert any(f.startswith("ok-") for f in files), f"{name} has no ok-* case"
        assert any(f.startswith("bad-") for f in files), f"{name} has no bad-* case"


@pytest.mark.parametrize("path", [p for p in CASE_FILES if p.name.startswith("ok-")], ids=case_id)
def test_ok_case_conforms(path, shapes, ontology):
    report = validate(parse_case(path), shapes, ontology=ontology)
    assert report.conforms, describe(report)
    assert report.results == [], describe(report)


@pytest.mark.parametrize("path", [p for p in CASE_FILES if p.name.startswith("bad-")], ids=case_id)
def test_bad_case_is_reported_with_its_message(path, shapes, ontology):
    expected = expected_message(path)
    report = validate(parse_case(path), shapes, ontology=ontology)
    assert not report.conforms, f"{case_id(path)} conforms but should not"
    messages = report.messages()
    assert any(expected in message for message in messages), f"no message contains {expected!r}:\n{describe(report)}"


@pytest.mark.parametrize("path", [p for p in CASE_FILES if p.name.startswith("warn-")], ids=case_id)
def test_warn_case_conforms_with_a_warning(path, shapes, ontology):
    expected = expected_message(path)
    report = validate(parse_case(path), shapes, ontology=ontology)
    assert report.conforms, describe(report)
    assert [r.severity for r in report.results] == ["Warning"], describe(report)
    assert expected in report.results[0].message, describe(report)


def test_every_constraint_has_an_english_message(shapes):
    constraint_nodes = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.sparql))
    assert constraint_nodes
    for node in constraint_nodes:
        messages = list(shapes.objects(node, SH.message))
        assert messages, f"constraint {node} has no sh:message"
        assert all(getattr(m, "language", None) == "en" for m in messages), f"{node} message is not @en"


def test_node_shapes_are_named_after_the_class_they_target(shapes):
    for shape, cls in shapes.subject_objects(SH.targetClass):
        assert str(cls).startswith(str(NKG)), cls
        assert str(shape) == f"{NKGSH}{str(cls).removeprefix(str(NKG))}Shape"


def test_every_ontology_class_has_a_shape(shapes, ontology):
    if ontology is None:
        pytest.skip("ontology/newskg.ttl does not exist yet")
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(str(NKG))}
    assert classes, "the ontology declares no nkg: class"
    targeted = set(shapes.objects(None, SH.targetClass))
    missing = sorted(str(c) for c in classes - targeted)
    assert not missing, f"classes without a shape: {missing}"
    unknown = sorted(str(c) for c in targeted - classes)
    assert not unknown, f"shapes target classes the ontology does not declare: {unknown}"


def test_ontology_individuals_conform(shapes, ontology):
    if ontology is None:
        pytest.skip("ontology/newskg.ttl does not exist yet")
    report = validate(ontology, shapes, ontology=ontology)
    assert report.conforms, describe(report)


def test_article_graph_conforms(shapes, ontology):
    if not ARTICLE_GRAPH.exists():
        pytest.skip("graph/nunl-6177422.trig does not exist yet")
    assert ontology is not None, "the article graph exists but ontology/newskg.ttl does not"
    paths = [ARTICLE_GRAPH, *([SNAPSHOT_GRAPH] if SNAPSHOT_GRAPH.exists() else [])]
    data = quads_to_dataset(quad for path in paths for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG))
    report = validate(data, shapes, ontology=ontology)
    assert report.results == [], describe(report)
    assert report.conforms


def test_article_claims_are_actually_checked(shapes, ontology):
    """Guard against a vacuous pass: breaking one claim of the article graph is reported."""
    if not ARTICLE_GRAPH.exists():
        pytest.skip("graph/nunl-6177422.trig does not exist yet")
    data = parse_rdf_file(ARTICLE_GRAPH)
    claims = sorted(data.default_graph.subjects(RDF.type, NKG.Claim))
    assert claims, "the article graph has no nkg:Claim in its default graph"
    claim = claims[0]
    data.remove_graph(data.graph(claim))
    report = validate(data, shapes, ontology=ontology)
    assert not report.conforms
    assert any(r.focus_node == str(claim) and "non-empty claim graph" in r.message for r in report.results)


def test_context_supplies_referenced_descriptions_without_reporting_them(shapes, ontology):
    """A claim validated alone lacks its claimant's type; with the context it conforms, and context faults stay out."""
    claim_case = CASES / "ClaimShape" / "ok-claim.trig"
    full = parse_case(claim_case)
    actor = rdflib.URIRef("https://w3id.org/newskg/id/actor/tokayev")
    context = rdflib.Graph()
    data = rdflib.Dataset()
    for s, p, o, g in full.quads((None, None, None, None)):
        if s == actor:
            context.add((s, p, o))
        else:
            (data.graph(g) if g != full.default_graph.identifier else data.default_graph).add((s, p, o))
    alone = validate(data, shapes, ontology=ontology)
    assert any("nkg:claimant must point at an nkg:Actor" in m for m in alone.messages()), describe(alone)
    context.remove((actor, rdflib.RDFS.label, None))  # a fault of the stored actor, not of the candidate
    with_context = validate(data, shapes, ontology=ontology, context=context)
    assert with_context.conforms, describe(with_context)


def test_graph_triple_count_markers_in_the_input_are_ignored(shapes, ontology):
    """The data cannot fake a claim graph by asserting the internal marker itself."""
    data = parse_case(CASES / "ClaimShape" / "bad-no-claim-graph.ttl")
    claim = rdflib.URIRef("https://w3id.org/newskg/id/claim/test-14")
    data.add((claim, GRAPH_TRIPLE_COUNT, rdflib.Literal(5)))
    report = validate(data, shapes, ontology=ontology)
    assert any("non-empty claim graph" in m for m in report.messages()), describe(report)


def test_report_json_and_graph_agree(shapes, ontology):
    report = validate(parse_case(CASES / "TimeSpecShape" / "bad-implausible-date.ttl"), shapes, ontology=ontology)
    body = report.to_json()
    assert body["conforms"] is False
    assert body["results"] and set(body["results"][0]) == {
        "focus_node",
        "path",
        "value",
        "severity",
        "message",
        "source_shape",
        "source_constraint_component",
    }
    assert body["results"][0]["source_shape"] == str(NKGSH.TimeSpecShape)
    for result in body["results"]:  # the component named in the report graph, as a full IRI
        assert result["source_constraint_component"].startswith(str(SH))
        assert (None, SH.sourceConstraintComponent, rdflib.URIRef(result["source_constraint_component"])) in report.graph
    assert len(list(report.graph.subjects(RDF.type, SH.ValidationResult))) == len(body["results"])
    assert (None, SH.conforms, rdflib.Literal(False)) in report.graph


BROKEN_SPARQL_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix nkg: <https://w3id.org/newskg/ontology#> .
<urn:test:BrokenShape> a sh:NodeShape ;
    sh:targetClass nkg:Claim ;
    sh:sparql [ sh:message "never shown"@en ; sh:select "SELECT $this WHERE { $this ?p " ] .
"""


def test_malformed_sparql_constraint_raises_shapes_error(shapes, ontology):
    broken = rdflib.Graph().parse(data=BROKEN_SPARQL_SHAPES, format="turtle")
    data = parse_case(CASES / "ClaimShape" / "ok-claim.trig")
    with pytest.raises(ShapesError):
        validate(data, broken, ontology=ontology)


def test_loading_a_malformed_sparql_constraint_raises_shapes_error(tmp_path):
    path = tmp_path / "broken.shapes.ttl"
    path.write_text(BROKEN_SPARQL_SHAPES, encoding="utf-8")
    with pytest.raises(ShapesError):
        load_shapes(path)


def test_invalid_shape_definition_raises_shapes_error(ontology):
    broken = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix nkg: <https://w3id.org/newskg/ontology#> .
        <urn:test:BadCount> a sh:NodeShape ; sh:targetClass nkg:Claim ;
            sh:property [ sh:path nkg:claimant ; sh:minCount "one" ; sh:message "x"@en ] .
        """,
        format="turtle",
    )
    data = parse_case(CASES / "ClaimShape" / "ok-claim.trig")
    with pytest.raises(ShapesError):
        validate(data, broken, ontology=ontology)


def test_unparsable_shapes_file_raises_shapes_error(tmp_path):
    path = tmp_path / "broken.shapes.ttl"
    path.write_text("this is not turtle .", encoding="utf-8")
    with pytest.raises(ShapesError):
        load_shapes(path)
    with pytest.raises(ShapesError):
        load_shapes(tmp_path / "missing.ttl")


def test_default_shapes_file_is_the_repository_one():
    assert find_shapes_file() == SHAPES_FILE
    assert len(load_shapes()) > 0
