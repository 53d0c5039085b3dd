"""The write gate: validation in context, OWL 2 RL consistency, and gated writes of every kind.

Every write path goes through here: assertions, Graph Store writes and SPARQL updates. Writes are serialised by
the knowledge graph's write lock; a write is validated against the state it will be applied to, and is committed
in one transaction only when it conforms and keeps the graph consistent.

The data flows one way, as one `Candidate` (`candidate.py`): parsed once (in the sandbox for request bodies), its
context read once from the IRIs it mentions (pyoxigraph quads straight from the store, `context.py`), validated and
reasoned over in one sandbox call (where rdflib terms are made, for pySHACL and the reasoners), and committed with
the entailments as the pyoxigraph terms the reasoner's N-Triples gave, written as term text (`sparql/terms.py`).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib

from newskg.writes import assertions

from newskg.core import vocab
from newskg.writes.candidate import Candidate, mentioned_iris
from newskg.writes.context import context_nquads, context_quads, ontology_terms
from newskg.core.errors import BadRequestError, ConflictError, InconsistencyError, NotFoundError
from newskg.core.ontology import load_ontology, ontology_path
from newskg.sandbox import tasks
from newskg.core.rdfio import from_rdflib, quads_as_insert_data, to_rdflib
from newskg.sparql import terms
from newskg.sparql.update import MAX_TOUCHED_SUBJECTS, touched_subjects, update_shape
from newskg.writes.reasoning import entailments
from newskg.stores.embedded import OxigraphStore
from newskg.writes.validation import load_shapes

INFERENCE_MODES = ("none", "rdfs", "owlrl")
_W3C = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2002/07/owl#", "http://www.w3.org/2001/XMLSchema#")


@dataclass
class GateOutcome:
    """What a gated write did: the record (for assertions) and whether something new was stored."""

    record: assertions.AssertionRecord | None
    created: bool


def _named_subjects(subjects: list, entailed) -> set[str] | None:
    """The IRIs a write touched (for the text index), or None when a blank node is among them (then it looks at all).

    `subjects` and the entailed triples' subjects are pyoxigraph terms."""
    touched = [*subjects, *(t.subject for t in entailed)]
    if not all(isinstance(s, ox.NamedNode) for s in touched):
        return None
    return {s.value for s in touched}


def _entailed_triples(entailed_nt: str | None) -> list:
    """The entailments the sandbox's reasoner gave (N-Triples, sorted there), as pyoxigraph triples in that order."""
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(entailed_nt or "", ox.RdfFormat.N_TRIPLES)]


def graph_subjects(store, graph: str | None) -> set[str] | None:
    """The subjects of one graph ("" the default graph), for the text index; None for the whole dataset, a blank
    node among them, or more than MAX_TOUCHED_SUBJECTS (then the index looks at everything)."""
    if graph is None:
        return None
    select = "?s WHERE { ?s ?p ?o }" if graph == "" else "?s ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    rows = store.query(f"SELECT DISTINCT {select} LIMIT {MAX_TOUCHED_SUBJECTS + 1}",
                       bindings={"g": terms.iri(graph, "the graph")} if graph else None).rows()
    if len(rows) > MAX_TOUCHED_SUBJECTS or any(not isinstance(row["s"], ox.NamedNode) for row in rows):
        return None
    return {row["s"].value for row in rows}


def dataset_nquads_of(store) -> str:
    """Everything a (small, in-memory) store holds, as N-Quads text."""
    out = io.BytesIO()
    store.dump(out, ox.RdfFormat.N_QUADS)
    return out.getvalue().decode()


def scratch_root(store_path: Path) -> Path:
    """Where the scratch copies of a store are made: a hidden folder beside it (same file system: hard links)."""
    store_path = Path(store_path).resolve()
    return store_path.parent / f".{store_path.name}.scratch"


def scratch_folder(store_path: Path) -> Path:
    """A new, not yet existing folder for one scratch copy of the store."""
    root = scratch_root(store_path)
    root.mkdir(exist_ok=True)
    return root / uuid.uuid4().hex


def remove_stale_scratch(store_path: Path) -> None:
    """Remove scratch copies left by a server that was killed mid-update (call only as the store's one writer)."""
    shutil.rmtree(scratch_root(store_path), ignore_errors=True)


def _subjects_of(store, graphs: set[str], limit: int = 20_000) -> set[str]:
    """IRI subjects of the given graphs ("" = the default graph), as a graph-level operation left them."""
    subjects: set[str] = set()
    for graph in graphs:
        if graph == "":
            rows = store.query(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o }} LIMIT {int(limit)}").rows()
        else:
            rows = store.query(f"SELECT DISTINCT ?g ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {int(limit)}",
                               bindings={"g": terms.iri(graph, "the graph")}).rows()
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
        from newskg.writes.validation import find_shapes_file

        path = find_shapes_file()
        mtime = path.stat().st_mtime
        if self._shapes is None or self._shapes[0] != mtime:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            self._shapes = (mtime, load_shapes(path), f"shapes-sha256:{digest}")
        return self._shapes[1], self._shapes[2]

    def ontology(self) -> rdflib.Graph:
        return load_ontology(self.kg.settings)

    # --- validation (sandboxed) --------------------------------------------------------------------------
    def _run(self, task: str, *args, what: str, writer: bool = True, **kwargs):
        """Run untrusted work in the sandbox when the server has one (limits that stop it), else in this process.

        Work for a writer (a token holder) has a lane of its own, so anonymous validation cannot hold writes up.
        """
        sandbox = self.kg.sandbox
        if sandbox is None:
            return tasks.TASKS[task](*args, **kwargs)
        return sandbox.run(task, *args, what=what, writer=writer, **kwargs)

    def shapes_input(self, graph_iri: str) -> tasks.ShapesInput:
        """A shapes graph kept in the store, as the sandbox takes it (trusted only if it is the project's own)."""
        if not self.kg.graph_exists(graph_iri):
            raise NotFoundError(f"no shapes graph <{graph_iri}> in the store")
        out = io.BytesIO()
        self.kg.store.dump(out, ox.RdfFormat.N_TRIPLES, graph=graph_iri)
        if not out.getvalue().strip():
            raise BadRequestError(f"the shapes graph <{graph_iri}> is empty")
        return tasks.ShapesInput(out.getvalue(), "application/n-triples", trusted=graph_iri == vocab.SHAPES_GRAPH)

    def validate(
        self,
        data: bytes,
        media_type: str,
        *,
        inference: str = "none",
        shapes: tasks.ShapesInput | None = None,
        plain: bool = False,
        report_format: str | None = None,
        base_iri: str | None = None,
    ) -> tasks.CheckOutcome:
        """Validate RDF data (any syntax) in context without writing it; parsing and validation run sandboxed.

        `plain` validates the data alone with the given shapes (no ontology, no stored context).
        """
        if inference not in INFERENCE_MODES:
            raise BadRequestError(f"inference must be one of {', '.join(INFERENCE_MODES)}")
        candidate = self._run("parse_candidate", data, media_type, base_iri, what="parsing the data", writer=False)
        return self._check(candidate, self.kg.store, inference=inference, shapes=shapes, plain=plain,
                           report_format=report_format, writer=False)

    def _check(self, candidate: Candidate, context_store, replaced: tuple = (), *, writer: bool = True,
               **options) -> tasks.CheckOutcome:
        """Validate a candidate against the state in `context_store` (its stored context), in the sandbox."""
        context_nq = ""
        if not options.get("plain"):
            context_nq = context_nquads(context_store, candidate.mentioned, self.ontology(), exclude_graphs=replaced)
        return self._run("check", candidate.nquads, context_nq, ontology_path=str(ontology_path(self.kg.settings)),
                         what="validating the data", writer=writer, **options)

    def _gated(self, candidate: Candidate, context_store, replaced: tuple = ()) -> list:
        """The entailments (pyoxigraph triples) of a write that conforms in context and keeps the graph consistent;
        422 otherwise."""
        outcome = self._check(candidate, context_store, replaced, reasoner=self.kg.settings.reasoner)
        if not outcome.conforms:
            raise assertions.refuse(outcome)
        if outcome.inconsistencies:
            raise InconsistencyError(
                "the data would make the graph inconsistent under OWL 2 RL; nothing was written",
                detail={"inconsistencies": outcome.inconsistencies},
            )
        return _entailed_triples(outcome.entailed_nt)

    # --- updates and graph store writes -----------------------------------------------------------------
    def _described(self, store, iris: set[str], graphs: set[str], *, hidden: str | None = None) -> list:
        """The descriptions of `iris` (and of what points at them) in every graph, and the named `graphs`, in
        `store`: pyoxigraph quads, each once (none from the graph `hidden`)."""
        found: dict = {}  # an ordered set
        known = ontology_terms(self.ontology())
        default = ox.DefaultGraph()
        wanted = sorted(i for i in iris if "://" in i and i not in known and not i.startswith(_W3C)
                        and terms.is_iri(i))[:20_000]
        for start in range(0, len(wanted), 200):
            values = terms.iri_list(wanted[start : start + 200])
            described = (
                f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?x {{ {values} }} "
                "{ { ?x ?p ?o BIND(?x AS ?s) } UNION { ?s ?p ?x BIND(?x AS ?o) } } UNION "
                "{ GRAPH ?g { { ?x ?p ?o BIND(?x AS ?s) } UNION { ?s ?p ?x BIND(?x AS ?o) } } } }"
            )
            for row in store.query(described).rows():
                if "g" not in row or row["g"].value != hidden:
                    found[ox.Quad(row["s"], row["p"], row["o"], row["g"] if "g" in row else default)] = None
        for graph in sorted(graphs):
            rows = store.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                               bindings={"g": terms.iri(graph, "the graph")}).rows()
            for row in rows:
                if graph != hidden:
                    found[ox.Quad(row["s"], row["p"], row["o"], ox.NamedNode(graph))] = None
        return list(found)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL update only if the resources it touches still conform afterwards (one transaction)."""
        shape = update_shape(sparql)
        store = self.kg.store
        if not hasattr(store, "scratch_copy"):  # a remote store: no checkpoint, a scratch of the affected resources
            return self._update_remote(sparql, shape, base_iri)
        with self.kg.write_lock:
            folder = scratch_folder(Path(store.path))
            store.scratch_copy(folder).close()
            try:
                # The update's WHERE patterns and the update itself run in the sandbox, on the checkpoint: a
                # syntax error surfaces there as the user's own, and a runaway update is stopped at the limit.
                bound, complete = self._run("apply_update", str(folder), sparql, base_iri, shape.prologue,
                                            shape.where_groups, what="the update")
                scratch = OxigraphStore(folder)
                try:
                    entailed = self._check_scratch(scratch, shape, set(shape.iris) | set(bound))
                finally:
                    scratch.close()
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            subjects = touched_subjects(sparql, shape, set(bound), complete)
            self._commit_update(sparql, base_iri, entailed, subjects)

    def _check_scratch(self, scratch, shape, touched: set[str]) -> list:
        """Validate, in `scratch` (the update already applied), the resources the update touched; their entailments."""
        graphs = {g for g in scratch.named_graphs() if g in touched} if shape.graph_operations else set()
        if shape.graph_operations:
            touched = touched | _subjects_of(scratch, graphs | {""})
        described = self._described(scratch, touched, {g for g in graphs if g})
        return self._gated(Candidate.from_quads(described), scratch) if described else []

    def _commit_update(self, sparql: str, base_iri: str | None, entailed: list,
                       subjects: set[str] | None = None) -> None:
        self.kg.store.update(sparql, base_iri=base_iri)
        self._store_entailments(entailed)
        if subjects is not None:
            subjects = _named_subjects([ox.NamedNode(s) for s in subjects if terms.is_iri(s)], entailed)
        self.kg.committed(durable=True, subjects=subjects)

    def _update_remote(self, sparql: str, shape, base_iri: str | None) -> None:
        """The update gate for a store without checkpoints (a remote SPARQL store): copy the affected resources
        into an in-memory scratch store (the update's constant IRIs and what its WHERE binds in the live store,
        described in every graph, with their context two hops deep, whole named graphs the update names, and the
        ontology), apply the update there, validate, and only then send it to the store."""
        store = self.kg.store
        with self.kg.write_lock:
            touched = set(shape.iris) | self._bound_by_where(shape, base_iri)
            named = {g for g in touched if "://" in g and store.has_graph(g)} if shape.graph_operations else set()
            hidden = getattr(store, "default_graph_iri", None)  # the graph a remote store keeps our default in
            described = self._described(store, touched, named, hidden=hidden)
            context = context_quads(store, mentioned_iris(described), self.ontology())
            quads = described + [q for q in context
                                 if isinstance(q.graph_name, ox.DefaultGraph) or q.graph_name.value != hidden]
            before = OxigraphStore()
            try:
                before.load(self.ontology().serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
                if quads:
                    before.load(ox.serialize(quads, format=ox.RdfFormat.N_QUADS), ox.RdfFormat.N_QUADS)
                scratch_nq = dataset_nquads_of(before)
            finally:
                before.close()
            # the update runs in the sandbox on the copy (a runaway update is stopped at the limit)
            after = self._run("apply_update_in_memory", scratch_nq, sparql, base_iri, what="the update")
            scratch = OxigraphStore()
            try:
                if after:
                    scratch.load(after, ox.RdfFormat.N_QUADS)
                entailed = self._check_scratch(scratch, shape, touched)
            finally:
                scratch.close()
            self._commit_update(sparql, base_iri, entailed)

    def _bound_by_where(self, shape, base_iri: str | None) -> set[str]:
        """The IRIs the update's WHERE patterns bind in the live store (the resources it may change)."""
        return tasks.bound_by_where(self.kg.store, shape.prologue, shape.where_groups, base_iri)

    def write_graph(self, graph: str | None, quads: list, operations: list[str], *, replace: bool) -> None:
        """Apply a Graph Store write (already turned into `operations`) if its content conforms in context."""
        with self.kg.write_lock:
            before = graph_subjects(self.kg.store, graph) if replace else set()  # their text may go
            replaced = (graph,) if replace and graph else ()
            candidate = Candidate.from_quads(quads)
            entailed = self._gated(candidate, self.kg.store, replaced) if quads else []
            if operations:
                self.kg.store.update(" ;\n".join(operations))
            self._store_entailments(entailed)
            subjects = None if before is None else _named_subjects(
                candidate.subjects() + [ox.NamedNode(s) for s in before], entailed)
            self.kg.committed(durable=True, subjects=subjects)

    def _store_entailments(self, entailed: list) -> None:
        """Add entailments (pyoxigraph triples, as the reasoner gave them) to the inferred graph."""
        if entailed:
            body = "\n".join(" ".join(terms.text(x) for x in t) + " ." for t in entailed)
            self.kg.store.update(f"INSERT DATA {{ GRAPH <{vocab.INFERRED_GRAPH}> {{\n{body}\n}} }}")

    # --- assertions ---------------------------------------------------------------------------------
    def submit(self, data: bytes, rdf_format, submitter: str) -> GateOutcome:
        """Validate and store an assertion with provenance; the same content twice is stored once."""
        candidate = self._run(
            "prepare_assertion", data, rdf_format.media_type, what="parsing and canonicalising the assertion"
        )
        if candidate.empty:
            raise BadRequestError("the assertion is empty: there is nothing to validate or store")
        with self.kg.write_lock:
            existing = assertions.read_record(self.kg.store, candidate.assertion_id)
            if existing is not None:
                if existing.invalidated_at:
                    raise ConflictError(
                        f"this content was asserted as {existing.iri} and retracted at {existing.invalidated_at}"
                    )
                return GateOutcome(existing, created=False)
            entailed = self._gated(candidate, self.kg.store)
            shapes_version = self.shapes()[1]
            when = assertions._now()
            self.kg.store.update(assertions.write_update(candidate, submitter, shapes_version, entailed, when))
            self.kg.committed(durable=True, subjects=_named_subjects(candidate.subjects(), entailed))
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
            content = Candidate(record.content, frozenset())
            self.kg.store.update(assertions.retraction_update(record, shared, retractor, assertions._now()))
            self._refresh_entailments_of({s.value for s in content.subjects() if isinstance(s, ox.NamedNode)})
            self.kg.committed(durable=True, subjects=_named_subjects(content.subjects(), ()))
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
        context_nq = context_nquads(self.kg.store, set(subjects), self.ontology())
        entailed_nt, _ = self._run("entail", context_nq, ontology_path=str(ontology_path(self.kg.settings)),
                                   reasoner=self.kg.settings.reasoner, what="reasoning over the retracted resources")
        keep = [t for t in _entailed_triples(entailed_nt)
                if isinstance(t.subject, ox.NamedNode) and t.subject.value in subjects]
        values = " ".join(str(ox.NamedNode(s)) for s in sorted(subjects))
        update = (
            f"DELETE {{ GRAPH <{vocab.INFERRED_GRAPH}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ VALUES ?s {{ {values} }} GRAPH <{vocab.INFERRED_GRAPH}> {{ ?s ?p ?o }} }}"
        )
        if keep:
            body = "\n".join(" ".join(terms.text(x) for x in t) + " ." for t in keep)
            update += f" ;\nINSERT DATA {{ GRAPH <{vocab.INFERRED_GRAPH}> {{\n{body}\n}} }}"
        self.kg.store.update(update)
