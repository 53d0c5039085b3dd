"""The project's OWL ontology as an rdflib graph."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import rdflib

from newskg.core.config import Settings
from newskg.core.project import find_project_dir


def ontology_path(settings: Settings | None = None) -> Path:
    """Where ontology/newskg.ttl lives."""
    return find_project_dir(settings or Settings()) / "ontology" / "newskg.ttl"


@lru_cache(maxsize=4)
def _parse(path: Path, mtime: float) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(path, format="turtle")
    return graph


def load_ontology(settings: Settings | None = None) -> rdflib.Graph:
    """The ontology graph (parsed once per file version; treat it as read-only)."""
    path = ontology_path(settings)
    return _parse(path, path.stat().st_mtime)
