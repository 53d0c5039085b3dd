"""The knowledge graph: one domain object holding the settings and the store, shared by the app, CLI and tests."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from . import vocab
from .config import Settings
from .errors import StoreError
from .sparql.formats import format_for_path
from .store import OxigraphStore, QueryResult, Store

log = logging.getLogger("newskg")


def find_project_dir(settings: Settings) -> Path:
    """The folder holding ontology/, graph/ and shapes/: the setting, else the nearest one above the package."""
    if settings.project_dir is not None:
        return Path(settings.project_dir)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "ontology" / "newskg.ttl").is_file():
            return parent
    raise StoreError("cannot find the project folder (ontology/newskg.ttl); set NEWSKG_PROJECT_DIR")


@dataclass(frozen=True)
class SeedFile:
    """A file of the project loaded at start, and the graph it goes to ("" keeps the file's own graphs)."""

    path: Path
    graph: str | None


def seed_files(project: Path) -> list[SeedFile]:
    """The ontology, the instance graphs with the Wikidata snapshot, and the shapes, in load order."""
    files = [SeedFile(project / "ontology" / "newskg.ttl", None)]
    files += [SeedFile(p, None) for p in sorted((project / "graph").glob("*.trig"))]
    files += [SeedFile(p, vocab.SHAPES_GRAPH) for p in sorted((project / "shapes").glob("*.ttl"))]
    return files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class KnowledgeGraph:
    """The store plus what the service knows about its data."""

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store

    @classmethod
    def open(cls, settings: Settings, *, store: Store | None = None) -> "KnowledgeGraph":
        """Open (or create) the store named by the settings, and load the seed data once."""
        kg = cls(settings, store or OxigraphStore(Path(settings.store)))
        if settings.load_seed:
            kg.load_seed()
        return kg

    def close(self) -> None:
        self.store.close()

    # --- loading -------------------------------------------------------------------------------------
    def _loaded_hash(self, key: str) -> str | None:
        result = self.store.query(
            f"SELECT ?h WHERE {{ GRAPH <{vocab.SYSTEM_GRAPH}> {{ <{key}> <{vocab.NKG}sha256> ?h }} }}"
        )
        rows = result.rows()
        return rows[0]["h"].value if rows else None

    def _record_load(self, key: str, digest: str) -> None:
        self.store.update(
            f"DELETE WHERE {{ GRAPH <{vocab.SYSTEM_GRAPH}> {{ <{key}> <{vocab.NKG}sha256> ?h }} }};\n"
            f"INSERT DATA {{ GRAPH <{vocab.SYSTEM_GRAPH}> {{ <{key}> <{vocab.NKG}sha256> \"{digest}\" }} }}"
        )

    def load_seed(self) -> list[Path]:
        """Load each seed file unless this store already holds that exact version of it. Returns the loaded ones."""
        project = find_project_dir(self.settings)
        loaded = []
        for seed in seed_files(project):
            key = "urn:newskg:seed:" + seed.path.relative_to(project).as_posix()
            digest = _sha256(seed.path)
            previous = self._loaded_hash(key)
            if previous == digest:
                continue
            if previous is not None:
                log.warning("%s changed since it was loaded; loading the new version over the old", seed.path)
            self.store.load(seed.path.read_bytes(), format_for_path(seed.path), graph=seed.graph)
            self._record_load(key, digest)
            loaded.append(seed.path)
        return loaded

    def load_file(self, path: Path, *, graph: str | None = None, wrap: Callable | None = None) -> None:
        """Bulk-load one RDF file (syntax by extension) without the SHACL gate: an admin action."""
        self.store.bulk_load_file(Path(path), format_for_path(path), graph=graph, wrap=wrap)

    # --- reading -------------------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        union_default_graph: bool = False,
    ) -> QueryResult:
        """Evaluate a SPARQL query against the store."""
        return self.store.query(
            sparql,
            default_graphs=default_graphs or None,
            named_graphs=named_graphs or None,
            union_default_graph=union_default_graph,
        )

    def export(self, output: BinaryIO, rdf_format) -> None:
        """Write the whole dataset (every graph) in a dataset syntax."""
        self.store.dump(output, rdf_format)

    def health(self) -> dict:
        """The store's kind, place and triple counts per graph."""
        counts = self.store.triple_counts()
        return {
            "status": "ok",
            "store": {"engine": type(self.store).__name__, "path": str(getattr(self.store, "path", ""))},
            "triples": sum(counts.values()),
            "default_graph_triples": counts.get("", 0),
            "named_graphs": len(counts) - 1,
            "graphs": {g or "default": n for g, n in sorted(counts.items())},
            "write_enabled": self.settings.write_enabled(),
        }


