"""Reading the W3C SPARQL 1.1 test manifests (mf:, qt:, ut: vocabularies) from ../shared/w3c/.

The data and queries use IRIs relative to the test files; like the W3C harnesses (Oxigraph's testsuite, rdflib's),
each file's IRI is its published place, https://w3c.github.io/rdf-tests/sparql/sparql11/<dir>/<file>.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import RDF, RDFS, Namespace
from rdflib.collection import Collection

# shared/ lies beside the clone (here /work/shared beside /work/main; in CI a copy beside the checkout).
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SPARQL11 = SHARED / "w3c" / "rdf-tests" / "sparql" / "sparql11"
BASE = "https://w3c.github.io/rdf-tests/sparql/sparql11/"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")


def require_shared() -> None:
    """Fail loudly (never skip) when the W3C test data is missing."""
    if not (SPARQL11 / "manifest.ttl").is_file():
        raise FileNotFoundError(
            f"the W3C SPARQL test data is missing: expected {SPARQL11 / 'manifest.ttl'} "
            "(a copy of shared/ must lie beside the clone)"
        )


def local_path(iri: str) -> Path:
    """The file in ../shared/ that a test IRI names."""
    if not iri.startswith(BASE):
        raise ValueError(f"{iri} is not under {BASE}")
    return SPARQL11 / iri[len(BASE):]


def file_iri(path: Path) -> str:
    """The published IRI of a test file: the base that its relative IRIs resolve against."""
    return BASE + path.resolve().relative_to(SPARQL11.resolve()).as_posix()


def parse_manifest(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(path, format="turtle", publicID=file_iri(path))
    return graph


@dataclass
class W3CTest:
    """One manifest entry, with its files as local paths."""

    iri: str
    kind: str  # the local name of its rdf:type, e.g. QueryEvaluationTest
    name: str
    manifest: Path
    query: Path | None = None  # query, update request or syntax test file
    data: list[Path] = field(default_factory=list)  # default graph
    graph_data: list[tuple[str, Path]] = field(default_factory=list)  # (graph name, file)
    result: Path | None = None  # query tests: the expected results file
    result_data: list[Path] = field(default_factory=list)  # update tests: the expected default graph
    result_graph_data: list[tuple[str, Path]] = field(default_factory=list)
    service_data: bool = False

    @property
    def id(self) -> str:
        folder = self.manifest.parent.name
        return f"{folder}/{self.iri.rsplit('#', 1)[-1]}"


def _update_graphs(graph: rdflib.Graph, node) -> list[tuple[str, Path]]:
    graphs = []
    for description in graph.objects(node, UT.graphData):
        data = graph.value(description, UT.graph)
        label = graph.value(description, RDFS.label)
        graphs.append((str(label) if label is not None else str(data), local_path(str(data))))
    return graphs


def _entry(graph: rdflib.Graph, manifest: Path, node) -> W3CTest:
    kind = str(graph.value(node, RDF.type)).rsplit("#", 1)[-1]
    test = W3CTest(str(node), kind, str(graph.value(node, MF.name) or node), manifest)
    action = graph.value(node, MF.action)
    result = graph.value(node, MF.result)
    if isinstance(action, rdflib.URIRef):  # syntax tests: the action is the file
        test.query = local_path(str(action))
        return test
    if graph.value(action, QT.query) is not None:
        test.query = local_path(str(graph.value(action, QT.query)))
        test.data = [local_path(str(d)) for d in graph.objects(action, QT.data)]
        test.graph_data = [(str(g), local_path(str(g))) for g in graph.objects(action, QT.graphData)]
        test.service_data = graph.value(action, QT.serviceData) is not None
        test.result = local_path(str(result)) if result is not None else None
    elif graph.value(action, UT.request) is not None:
        test.query = local_path(str(graph.value(action, UT.request)))
        test.data = [local_path(str(d)) for d in graph.objects(action, UT.data)]
        test.graph_data = _update_graphs(graph, action)
        if result is not None:
            test.result_data = [local_path(str(d)) for d in graph.objects(result, UT.data)]
            test.result_graph_data = _update_graphs(graph, result)
    else:
        raise ValueError(f"cannot read the action of {node}")
    return test


def load_tests(path: Path) -> list[W3CTest]:
    """Every entry of a manifest and of the manifests it includes (mf:include), in manifest order."""
    graph = parse_manifest(path)
    me = rdflib.URIRef(file_iri(path))
    tests: list[W3CTest] = []
    for included in graph.objects(me, MF.include):
        for child in Collection(graph, included):
            tests += load_tests(local_path(str(child)))
    for entries in graph.objects(me, MF.entries):
        tests += [_entry(graph, path, node) for node in Collection(graph, entries)]
    return tests
