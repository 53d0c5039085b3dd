"""The write gate: validation in context, OWL 2 RL consistency, and gated writes of every kind.

Every write path goes through here: assertions, Graph Store writes and SPARQL updates. Writes are serialised by
the knowledge graph's write lock; a write is validated against the state it will be applied to, and is committed
in one transaction only when it conforms and keeps the graph consistent.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.term import URIRef

from . import assertions, vocab
from .context import stored_context
from .errors import BadRequestError, ConflictError, InconsistencyError, NotFoundError, QuerySyntaxError
from .ontology import load_ontology
from .rdfio import from_rdflib, quads_as_insert_data, quads_to_dataset, to_rdflib
from .sparql.update import update_shape
from .reasoning import entailments, rdfs_entailments
from .validation import ShapesError, ValidationReport, load_shapes, validate

INFERENCE_MODES = ("none", "rdfs", "owlrl")
_W3C = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2002/07/owl#", "http://www.w3.org/2001/XMLSchema#")


@dataclass
class GateOutcome:
    """What a gated write did: the record (for assertions) and whether something new was stored."""

    record: assertions.AssertionRecord | None
    created: bool


def _default_triples(dataset: rdflib.Dataset) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in dataset.default_graph:
        graph.add(triple)
    return graph


def _subjects_of(store, graphs: set[str], limit: int = 20_000) -> set[str]:
    """IRI subjects of the given graphs ("" = the default graph), as a graph-level operation left them."""
    subjects: set[str] = set()
    for graph in graphs:
        pattern = "?s ?p ?o" if graph == "" else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
        rows = store.query(f"SELECT DISTINCT ?s WHERE {{ {pattern} }} LIMIT {limit}").rows()
        subjects |= {row["s"].value for row in rows if isinstance(row["s"], ox.NamedNode)}
    return subjects


class WriteGate:
    """Validation and gated writes over one knowledge graph."""

    def __init__(self, kg):
        self.kg = kg
        self._shapes: tuple[float, rdflib.Graph, str] | None = None

    # --- shapes and ontology ------------------------------------------------------------------------
    def shapes(self) -> tuple[rdflib.Graph, str]:
        """The project's shapes and their version (a digest of the file), parsed once per file version."""
        from .validation import find_shapes_file

        path = find_shapes_file()
        mtime = path.stat().st_mtime
        if self._shapes is None or self._shapes[0] != mtime:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            self._shapes = (mtime, load_shapes(path), f"shapes-sha256:{digest}")
        return self._shapes[1], self._shapes[2]

    def stored_shapes(self, graph_iri: str) -> rdflib.Graph:
        """A shapes graph kept in the store under `graph_iri`."""
        if not self.kg.graph_exists(graph_iri):
            raise NotFoundError(f"no shapes graph <{graph_iri}> in the store")
        shapes = rdflib.Graph()
        for row in self.kg.store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}").rows():
            shapes.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))
        if len(shapes) == 0:
            raise ShapesError(f"the shapes graph <{graph_iri}> is empty")
        return shapes

    def ontology(self) -> rdflib.Graph:
        return load_ontology(self.kg.settings)

    # --- validation ---------------------------------------------------------------------------------
    def validate(
        self,
        candidate: rdflib.Dataset,
        *,
        inference: str = "none",
        shapes: rdflib.Graph | None = None,
        context: rdflib.Dataset | None = None,
    ) -> ValidationReport:
        """Validate a candidate dataset in context (its referenced resources as stored)."""
        ontology = self.ontology()
        if context is None:
            context = stored_context(self.kg.store, candidate, ontology)
        if inference != "none":
            base = _default_triples(candidate)
            for triple in context.default_graph:
                base.add(triple)
            if inference == "rdfs":
                extra = rdfs_entailments(base + ontology)
            else:
                extra = entailments(base, ontology, "auto").triples
            for triple in extra:
                context.default_graph.add(triple)
        return validate(candidate, shapes if shapes is not None else self.shapes()[0], ontology=ontology, context=context)

    def _consistency(self, candidate: rdflib.Dataset, context: rdflib.Dataset) -> set:
        """The candidate's entailments (with its context); 422 when they make the graph inconsistent."""
        base = _default_triples(candidate)
        for triple in context.default_graph:
            base.add(triple)
        found = entailments(base, self.ontology(), self.kg.settings.reasoner)
        if found.inconsistencies:
            raise InconsistencyError(
                "the data would make the graph inconsistent under OWL 2 RL; nothing was written",
                detail={"inconsistencies": found.inconsistencies},
            )
        return found.triples

    # --- updates and graph store writes -----------------------------------------------------------------
    def _described(self, store, iris: set[str], graphs: set[str]) -> rdflib.Dataset:
        """The descriptions of `iris` (and of what points at them) in every graph, and the named `graphs`, in `store`."""
        dataset = rdflib.Dataset()
        ontology_terms = {str(t) for t in self.ontology().subjects()}
        wanted = sorted(i for i in iris if "://" in i and i not in ontology_terms and not i.startswith(_W3C))[:20_000]
        for start in range(0, len(wanted), 200):
            values = " ".join(f"<{i}>" for i in wanted[start : start + 200])
            described = (
                f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?x {{ {values} }} "
                "{ { ?x ?p ?o BIND(?x AS ?s) } UNION { ?s ?p ?x BIND(?x AS ?o) } } UNION "
                "{ GRAPH ?g { { ?x ?p ?o BIND(?x AS ?s) } UNION { ?s ?p ?x BIND(?x AS ?o) } } } }"
            )
            for row in store.query(described).rows():
                graph = dataset.graph(URIRef(row["g"].value)) if "g" in row else dataset.default_graph
                graph.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))
        for graph in sorted(graphs):
            for row in store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows():
                dataset.graph(URIRef(graph)).add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))
        return dataset

    def _check(self, candidate: rdflib.Dataset, context_store, replaced: tuple = ()) -> set:
        """Validate a candidate against the state in `context_store`; 422 when it fails; its entailments if not."""
        context = stored_context(context_store, candidate, self.ontology(), exclude_graphs=replaced)
        report = self.validate(candidate, context=context)
        if not report.conforms:
            raise assertions.refuse(report)
        return self._consistency(candidate, context)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL update only if the resources it touches still conform afterwards (one transaction)."""
        shape = update_shape(sparql)
        store = self.kg.store
        if not hasattr(store, "scratch_copy"):  # a remote store: no checkpoint, a scratch of the affected resources
            return self._update_remote(sparql, shape, base_iri)
        with self.kg.write_lock:
            folder = Path(tempfile.mkdtemp(prefix=".scratch-", dir=Path(store.path).parent))
            shutil.rmtree(folder)
            scratch = store.scratch_copy(folder)
            try:
                scratch.update(sparql, base_iri=base_iri)  # a syntax error surfaces here, as the user's own
                touched = set(shape.iris) | self._bound_by_where(shape, base_iri)
                entailed = self._check_scratch(scratch, shape, touched)
            finally:
                scratch.close()
                shutil.rmtree(folder, ignore_errors=True)
            self._commit_update(sparql, base_iri, entailed)

    def _check_scratch(self, scratch, shape, touched: set[str]) -> set:
        """Validate, in `scratch` (the update already applied), the resources the update touched; their entailments."""
        graphs = {g for g in scratch.named_graphs() if g in touched} if shape.graph_operations else set()
        if shape.graph_operations:
            touched = touched | _subjects_of(scratch, graphs | {""})
        candidate = self._described(scratch, touched, {g for g in graphs if g})
        has_data = next(iter(candidate.quads((None, None, None, None))), None) is not None
        return self._check(candidate, scratch) if has_data else set()

    def _commit_update(self, sparql: str, base_iri: str | None, entailed: set) -> None:
        self.kg.store.update(sparql, base_iri=base_iri)
        self._store_entailments(entailed)
        self.kg.committed(durable=True)

    def _update_remote(self, sparql: str, shape, base_iri: str | None) -> None:
        """The update gate for a store without checkpoints (a remote SPARQL store): copy the affected resources
        into an in-memory scratch store (the update's constant IRIs and what its WHERE binds in the live store,
        described in every graph, with their context two hops deep, whole named graphs the update names, and the
        ontology), apply the update there, validate, and only then send it to the store."""
        from .store import OxigraphStore

        store = self.kg.store
        with self.kg.write_lock:
            touched = set(shape.iris) | self._bound_by_where(shape, base_iri)
            named = {g for g in touched if "://" in g and store.has_graph(g)} if shape.graph_operations else set()
            hidden = getattr(store, "default_graph_iri", None)  # the graph a remote store keeps our default in

            def as_quads(dataset):
                return [ox.Quad(*(from_rdflib(x) for x in (s, p, o)),
                                ox.DefaultGraph() if g is None or g == rdflib.graph.DATASET_DEFAULT_GRAPH_ID
                                else ox.NamedNode(str(g)))
                        for s, p, o, g in dataset.quads((None, None, None, None)) if g is None or str(g) != hidden]

            described = as_quads(self._described(store, touched, named))
            quads = described + as_quads(stored_context(store, quads_to_dataset(described), self.ontology()))
            scratch = OxigraphStore()
            try:
                scratch.load(self.ontology().serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
                if quads:
                    scratch.update("INSERT DATA {\n" + quads_as_insert_data(quads) + "\n}")
                scratch.update(sparql, base_iri=base_iri)  # a syntax error surfaces here, as the user's own
                entailed = self._check_scratch(scratch, shape, touched)
            finally:
                scratch.close()
            self._commit_update(sparql, base_iri, entailed)

    def _bound_by_where(self, shape, base_iri: str | None) -> set[str]:
        """The IRIs the update's WHERE patterns bind in the live store (the resources it may change)."""
        bound: set[str] = set()
        for group in shape.where_groups:
            query = f"{shape.prologue}\nSELECT * WHERE {group} LIMIT 20000"
            try:
                rows = self.kg.store.query(query, base_iri=base_iri).rows()
            except QuerySyntaxError:
                continue  # a pattern that needs its operation's USING/WITH context: its IRIs are in shape.iris
            bound |= {term.value for row in rows for term in row.values() if isinstance(term, ox.NamedNode)}
        return bound

    def write_graph(self, graph: str | None, quads: list, operations: list[str], *, replace: bool) -> None:
        """Apply a Graph Store write (already turned into `operations`) if its content conforms in context."""
        with self.kg.write_lock:
            candidate = quads_to_dataset(quads)
            replaced = (graph,) if replace and graph else ()
            entailed = self._check(candidate, self.kg.store, replaced) if quads else set()
            if operations:
                self.kg.store.update(" ;\n".join(operations))
            self._store_entailments(entailed)
            self.kg.committed(durable=True)

    def _store_entailments(self, entailed: set) -> None:
        if entailed:
            body = "\n".join(" ".join(str(from_rdflib(x)) for x in t) + " ." for t in sorted(entailed))
            self.kg.store.update(f"INSERT DATA {{ GRAPH <{vocab.INFERRED_GRAPH}> {{\n{body}\n}} }}")

    # --- assertions ---------------------------------------------------------------------------------
    def submit(self, data: bytes, rdf_format, submitter: str) -> GateOutcome:
        """Validate and store an assertion with provenance; the same content twice is stored once."""
        candidate = assertions.prepare(data, rdf_format)
        if not candidate.quads:
            raise BadRequestError("the assertion is empty: there is nothing to validate or store")
        with self.kg.write_lock:
            existing = assertions.read_record(self.kg.store, candidate.assertion_id)
            if existing is not None:
                if existing.invalidated_at:
                    raise ConflictError(
                        f"this content was asserted as {existing.iri} and retracted at {existing.invalidated_at}"
                    )
                return GateOutcome(existing, created=False)
            dataset = candidate.dataset()
            context = stored_context(self.kg.store, dataset, self.ontology())
            report = self.validate(dataset, context=context)
            if not report.conforms:
                raise assertions.refuse(report)
            entailed = self._consistency(dataset, context)
            shapes_version = self.shapes()[1]
            when = assertions._now()
            rows = [tuple(from_rdflib(t) for t in triple) for triple in sorted(entailed)]
            self.kg.store.update(assertions.write_update(candidate, submitter, shapes_version, rows, when))
            self.kg.committed(durable=True)
            return GateOutcome(assertions.read_record(self.kg.store, candidate.assertion_id), created=True)

    def get(self, assertion_id: str) -> assertions.AssertionRecord:
        record = assertions.read_record(self.kg.store, assertion_id)
        if record is None:
            raise NotFoundError(f"no assertion {assertion_id}")
        return record

    def retract(self, assertion_id: str, retractor: str) -> assertions.AssertionRecord:
        """Mark an assertion invalidated (who, when) and take its content out of the live graphs."""
        with self.kg.write_lock:
            record = self.get(assertion_id)
            if record.invalidated_at:
                raise ConflictError(f"assertion {assertion_id} was already retracted at {record.invalidated_at}")
            shared = assertions.lines_still_asserted(self.kg.store, record)
            subjects = {q.subject.value for q in ox.parse(record.content, ox.RdfFormat.N_QUADS)}
            self.kg.store.update(assertions.retraction_update(record, shared, retractor, assertions._now()))
            self._refresh_entailments_of(subjects)
            self.kg.committed(durable=True)
            return self.get(assertion_id)

    def refresh_all(self, engine: str | None = None):
        """Recompute the entailments of ontology + the whole default graph and replace the inferred graph."""
        store = self.kg.store
        data = rdflib.Graph()
        for row in store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }").engine_result:
            data.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))
        found = entailments(data, self.ontology(), engine or self.kg.settings.reasoner)
        if found.inconsistencies:
            raise InconsistencyError("the stored graph is inconsistent under OWL 2 RL",
                                     detail={"inconsistencies": found.inconsistencies})
        quads = [ox.Quad(*(from_rdflib(x) for x in t), ox.NamedNode(vocab.INFERRED_GRAPH)) for t in found.triples]
        with self.kg.write_lock:
            update = f"DROP SILENT GRAPH <{vocab.INFERRED_GRAPH}>"
            if quads:
                update += " ;\nINSERT DATA {\n" + quads_as_insert_data(quads) + "\n}"
            store.update(update)
            self.kg.committed(durable=True)
        return found

    def _refresh_entailments_of(self, subjects: set[str]) -> None:
        """Recompute the entailments about `subjects` from what the store now holds (scoped refresh)."""
        if not subjects:
            return
        probe = rdflib.Dataset()
        for iri in subjects:
            probe.default_graph.add((URIRef(iri), URIRef(vocab.RDF + "type"), URIRef(vocab.RDFS + "Resource")))
        context = stored_context(self.kg.store, probe, self.ontology())
        found = entailments(_default_triples(context), self.ontology(), self.kg.settings.reasoner)
        keep = [t for t in sorted(found.triples) if str(t[0]) in subjects]
        values = " ".join(f"<{s}>" for s in sorted(subjects))
        update = (
            f"DELETE {{ GRAPH <{vocab.INFERRED_GRAPH}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ VALUES ?s {{ {values} }} GRAPH <{vocab.INFERRED_GRAPH}> {{ ?s ?p ?o }} }}"
        )
        if keep:
            body = "\n".join(" ".join(str(from_rdflib(x)) for x in t) + " ." for t in keep)
            update += f" ;\nINSERT DATA {{ GRAPH <{vocab.INFERRED_GRAPH}> {{\n{body}\n}} }}"
        self.kg.store.update(update)
