"""The write gate: validation in context, OWL 2 RL consistency, and gated writes of every kind.

Every write path goes through here: assertions, Graph Store writes and SPARQL updates. Writes are serialised by
the knowledge graph's write lock; a write is validated against the state it will be applied to, and is committed
in one transaction only when it conforms and keeps the graph consistent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.term import URIRef

from . import assertions, vocab
from .context import stored_context
from .errors import ConflictError, InconsistencyError, NotFoundError
from .ontology import load_ontology
from .rdfio import from_rdflib, to_rdflib
from .reasoning import entailments
from .validation import ShapesError, ValidationReport, load_shapes, validate

INFERENCE_MODES = ("none", "rdfs", "owlrl")


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


def _rdfs_closure(graph: rdflib.Graph) -> set:
    import owlrl

    work = rdflib.Graph()
    for triple in graph:
        work.add(triple)
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(work)
    return set(work) - set(graph)


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
                extra = _rdfs_closure(base + ontology)
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

    # --- assertions ---------------------------------------------------------------------------------
    def submit(self, data: bytes, rdf_format, submitter: str) -> GateOutcome:
        """Validate and store an assertion with provenance; the same content twice is stored once."""
        candidate = assertions.prepare(data, rdf_format)
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
