"""Reading the W3C SHACL test suite manifests (mf:, sht: vocabularies) from ../shared/w3c/data-shapes/.

Every test file is read with its published IRI as base (like the W3C harnesses): a test's data and shapes use
relative IRIs (``<>``, ``<some-data.ttl>``) that resolve against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib import RDF, RDFS, Namespace
from rdflib.collection import Collection

from w3c_manifests import SHARED

SHACL_TESTS = SHARED / "w3c" / "data-shapes" / "data-shapes-test-suite" / "tests"
SHACL_BASE = "https://w3c.github.io/data-shapes/data-shapes-test-suite/tests/"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")


def require_shacl_suite() -> None:
    """Fail loudly (never skip) when the W3C SHACL test data is missing."""
    if not (SHACL_TESTS / "core" / "manifest.ttl").is_file():
        raise FileNotFoundError(f"the W3C SHACL test data is missing: expected {SHACL_TESTS / 'core' / 'manifest.ttl'}")


def file_iri(path: Path) -> str:
    """The published IRI of a test file: the base its relative IRIs resolve against."""
    return SHACL_BASE + path.resolve().relative_to(SHACL_TESTS.resolve()).as_posix()


def local_path(iri: str) -> Path:
    if not iri.startswith(SHACL_BASE):
        raise ValueError(f"{iri} is not under {SHACL_BASE}")
    return SHACL_TESTS / iri[len(SHACL_BASE):]


def parse_file(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(path, format="turtle", publicID=file_iri(path))
    return graph


@dataclass
class ShaclTest:
    """One sht:Validate entry: its data and shapes files, and its manifest graph (which holds the expected report)."""

    iri: str
    label: str
    data: Path
    shapes: Path
    manifest: Path
    graph: rdflib.Graph  # the manifest file, parsed (mf:result is a node in it)
    result: rdflib.term.Node

    @property
    def id(self) -> str:
        return f"{self.manifest.parent.name}/{self.iri.rsplit('/', 1)[-1]}"


def shacl_tests(manifest: Path) -> list[ShaclTest]:
    """Every sht:Validate test reachable from a manifest (following mf:include), in manifest order."""
    graph = parse_file(manifest)
    found: list[ShaclTest] = []
    node = rdflib.URIRef(file_iri(manifest))
    for included in graph.objects(node, MF.include):
        found += shacl_tests(local_path(str(included)))
    for entries in graph.objects(node, MF.entries):
        for entry in Collection(graph, entries):
            if (entry, RDF.type, SHT.Validate) not in graph:
                continue
            action = graph.value(entry, MF.action)
            found.append(ShaclTest(
                iri=str(entry),
                label=str(graph.value(entry, RDFS.label) or ""),
                data=local_path(str(graph.value(action, SHT.dataGraph))),
                shapes=local_path(str(graph.value(action, SHT.shapesGraph))),
                manifest=manifest,
                graph=graph,
                result=graph.value(entry, MF.result),
            ))
    return found


def core_tests() -> list[ShaclTest]:
    return shacl_tests(SHACL_TESTS / "core" / "manifest.ttl")
