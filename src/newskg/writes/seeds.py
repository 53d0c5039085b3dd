"""Seed files: the project's RDF loaded at start, each changed file replacing exactly what its last version put in.

Each loaded file is recorded in the system graph under `urn:newskg:seed:<path>`: its SHA-256 and its quads as
N-Quads (`nkg:content`, as an assertion's content is kept). At start a file whose hash is unchanged costs nothing
more than that comparison. When files changed, appeared or went away, one SPARQL update (one transaction) deletes
what their previous versions put in and the current files no longer hold, and inserts what is new. A quad another
seed file holds, or an active assertion holds, stays. Blank nodes of a file become skolem IRIs
(`…/.well-known/genid/seed/<file>/<label>`, RDF 1.1 §3.5), so that what a file put in can be deleted exactly.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from newskg.core import vocab
from newskg.writes.assertions import ASSERTIONS_GRAPH
from newskg.core.rdfio import parse_quads, quads_as_insert_data
from newskg.sparql import terms
from newskg.sparql.formats import format_for_path
from newskg.stores.embedded import OxigraphStore

log = logging.getLogger("newskg")

SEED_KEY_PREFIX = "urn:newskg:seed:"
SKOLEM_BASE = vocab.RESOURCE_BASE + ".well-known/genid/seed/"
_SHA256 = f"<{vocab.NKG}sha256>"
_CONTENT = f"<{vocab.NKG}content>"


@dataclass(frozen=True)
class SeedFile:
    """A file of the project loaded at start, and the graph it goes to (None keeps the file's own graphs)."""

    path: Path
    graph: str | None


def seed_files(project: Path) -> list[SeedFile]:
    """The ontology, the instance graphs (then the per-source ones) with the Wikidata snapshot, and the shapes."""
    files = [SeedFile(project / "ontology" / "newskg.ttl", None)]
    files += [SeedFile(p, None) for p in sorted((project / "graph").glob("*.trig"))]
    files += [SeedFile(p, None) for p in sorted((project / "graph" / "sources").glob("*.trig"))]
    files += [SeedFile(p, vocab.SHAPES_GRAPH) for p in sorted((project / "shapes").glob("*.ttl"))]
    return files


def seed_key(project: Path, seed: SeedFile) -> str:
    """The IRI recording a seed file's load: its path in the project, non-IRI characters escaped."""
    relative = seed.path.relative_to(project).as_posix()
    return terms.iri(quote(SEED_KEY_PREFIX + relative, safe=":/"), "the seed file key").value


def nquad(quad) -> str:
    """One quad as an N-Quads line."""
    graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else f" {quad.graph_name}"
    return f"{quad.subject} {quad.predicate} {quad.object}{graph} .\n"


def _parse_nquads(text: str) -> set:
    return set(ox.parse(text, ox.RdfFormat.N_QUADS)) if text else set()


def file_quads(seed: SeedFile, key: str) -> set:
    """The quads a seed file puts in: into its graph, blank nodes as skolem IRIs stable for unchanged content."""
    dataset = ox.Dataset(parse_quads(seed.path.read_bytes(), format_for_path(seed.path), into_graph=seed.graph))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)  # blank node labels from the content, not the parse
    base = SKOLEM_BASE + hashlib.sha256(key.encode()).hexdigest()[:16] + "/"

    def skolem(term):
        return ox.NamedNode(base + term.value) if isinstance(term, ox.BlankNode) else term

    return {ox.Quad(skolem(q.subject), q.predicate, skolem(q.object), skolem(q.graph_name)) for q in dataset}


@dataclass
class SeedChanges:
    """What one start changes: the files loaded anew, the keys of files gone, and the quads out and in."""

    loaded: list[SeedFile] = field(default_factory=list)
    removed_keys: list[str] = field(default_factory=list)
    delete: set = field(default_factory=set)
    insert: set = field(default_factory=set)
    records: dict[str, tuple[str, set]] = field(default_factory=dict)  # key -> (sha256, quads) for the loaded
    clean_blank_nodes_in: set[str] = field(default_factory=set)  # graphs an unrecorded (older) load filled

    @property
    def empty(self) -> bool:
        return not (self.loaded or self.removed_keys)

    @property
    def data_changed(self) -> bool:
        """True when a quad outside the shapes graph goes in or out (the entailments must be recomputed)."""
        shapes = ox.NamedNode(vocab.SHAPES_GRAPH)
        return any(q.graph_name != shapes for q in self.delete | self.insert)

    def operations(self, chunk: int = 2_000) -> list[str]:
        """The SPARQL update operations applying these changes and recording the files' new versions, the data in
        operations of at most `chunk` quads (a remote store such as Virtuoso refuses very large single updates)."""
        system = f"<{vocab.SYSTEM_GRAPH}>"
        operations = []
        for graph in sorted(self.clean_blank_nodes_in):
            target = terms.iri_text(graph, "the seed graph")
            operations.append(f"DELETE {{ GRAPH {target} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {target} "
                              "{ ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) } }")
        deleted = sorted(self.delete, key=nquad)
        for start in range(0, len(deleted), chunk):
            operations.append("DELETE DATA {\n" + quads_as_insert_data(deleted[start:start + chunk]) + "\n}")
        for key in sorted({*self.removed_keys, *self.records}):
            operations.append(f"DELETE WHERE {{ GRAPH {system} {{ {terms.iri_text(key, 'the seed key')} ?p ?o }} }}")
        inserted = sorted(self.insert, key=nquad)
        for start in range(0, len(inserted), chunk):
            operations.append("INSERT DATA {\n" + quads_as_insert_data(inserted[start:start + chunk]) + "\n}")
        for key, (digest, quads) in sorted(self.records.items()):
            operations.append(
                f"INSERT DATA {{ GRAPH {system} {{ {terms.iri_text(key, 'the seed key')} {_SHA256} "
                f"{terms.text(ox.Literal(digest))} ; {_CONTENT} "
                f"{terms.text(ox.Literal(''.join(sorted(nquad(q) for q in quads))))} . }} }}")
        return operations

    def update(self) -> str:
        """The one SPARQL update (one transaction on the embedded store) applying these changes."""
        return " ;\n".join(self.operations(chunk=10**9))


def recorded_hashes(store) -> dict[str, str | None]:
    """Every seed file key the store has a record of, with the hash of the version it loaded, or None when an
    older newskg loaded it without recording its content (one query)."""
    rows = store.query(
        f"SELECT ?key ?h ?recorded WHERE {{ GRAPH <{vocab.SYSTEM_GRAPH}> {{ ?key {_SHA256} ?h "
        f"BIND(EXISTS {{ ?key {_CONTENT} ?c }} AS ?recorded) }} "
        f'FILTER(STRSTARTS(STR(?key), "{SEED_KEY_PREFIX}")) }}'
    ).rows()
    return {row["key"].value: row["h"].value if row["recorded"].value == "true" else None for row in rows}


def recorded_contents(store) -> dict[str, set]:
    """The quads each recorded seed file put in (files loaded before contents were recorded are left out)."""
    rows = store.query(
        f"SELECT ?key ?c WHERE {{ GRAPH <{vocab.SYSTEM_GRAPH}> {{ ?key {_CONTENT} ?c }} "
        f'FILTER(STRSTARTS(STR(?key), "{SEED_KEY_PREFIX}")) }}'
    ).rows()
    return {row["key"].value: _parse_nquads(row["c"].value) for row in rows}


def asserted_quads(store) -> set:
    """The quads active (not retracted) assertions hold."""
    rows = store.query(
        f"SELECT ?content WHERE {{ GRAPH <{ASSERTIONS_GRAPH}> {{ ?a {_CONTENT} ?content "
        f"FILTER NOT EXISTS {{ ?a <{vocab.PROV}invalidatedAtTime> ?t }} }} }}"
    ).rows()
    held: set = set()
    for row in rows:
        held |= _parse_nquads(row["content"].value)
    return held


def plan(store, project: Path) -> SeedChanges:
    """What the store must change so that it holds the current seed files, and no more of their old versions."""
    seeds = {seed_key(project, seed): seed for seed in seed_files(project)}
    digests = {key: hashlib.sha256(seed.path.read_bytes()).hexdigest() for key, seed in seeds.items()}
    recorded = recorded_hashes(store)
    changes = SeedChanges(
        loaded=[seed for key, seed in seeds.items() if recorded.get(key) != digests[key]],
        removed_keys=sorted(set(recorded) - set(seeds)),
    )
    if changes.empty:
        return changes
    contents = recorded_contents(store)
    current = {key: contents[key] if key in contents and seed not in changes.loaded else file_quads(seed, key)
               for key, seed in seeds.items()}
    for key, seed in seeds.items():
        if key in recorded and recorded[key] is None:
            log.warning("%s was loaded by an older newskg that did not record what it put in; triples its earlier "
                        "versions held may remain (rebuild the store to be sure)", seed.path)
            if seed.graph is not None:  # a graph only seed files fill: its blank nodes are that load's
                changes.clean_blank_nodes_in.add(seed.graph)
    for seed in changes.loaded:
        key = seed_key(project, seed)
        old = contents.get(key, set())
        changes.insert |= current[key] - old
        changes.delete |= old - current[key]
        changes.records[key] = (digests[key], current[key])
        if recorded.get(key) and recorded[key] != digests[key]:
            log.info("%s changed since it was loaded; replacing what its previous version put in", seed.path)
    for key in changes.removed_keys:
        log.info("%s is no longer a seed file; removing what it put in", key[len(SEED_KEY_PREFIX):])
        changes.delete |= contents.get(key, set())
    if changes.delete:
        held = set().union(*current.values()) | asserted_quads(store)
        changes.delete -= held
    return changes


def sync(store, project: Path) -> SeedChanges:
    """Bring the store's seed content up to the project's files (in one transaction on the embedded store); what
    changed."""
    changes = plan(store, project)
    if changes.empty:
        return changes
    if isinstance(store, OxigraphStore):
        store.update(changes.update())
    else:  # a remote store: several requests (not atomic: a failure halfway is repaired at the next start, since the
        # records are written last and an unrecorded file is loaded again); the data goes in through the store's own
        # loader, in the chunks and with the graph mapping its server accepts
        inserted, changes.insert = changes.insert, set()
        for operation in changes.operations(chunk=200):
            if operation.startswith("INSERT DATA { GRAPH"):  # the records: after the data
                continue
            store.update(operation)
        if inserted:
            store.load("".join(nquad(q) for q in sorted(inserted, key=nquad)), ox.RdfFormat.N_QUADS)
        changes.insert = inserted
        for operation in changes.operations(chunk=200):
            if operation.startswith("INSERT DATA { GRAPH"):
                store.update(operation)
    return changes
