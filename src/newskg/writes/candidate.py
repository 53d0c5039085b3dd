"""The one object a write travels as, from parsing to commit.

A write's data is parsed once (in the sandbox for request bodies: `sandbox/tasks.py`) into a :class:`Candidate`:
its canonical N-Quads text, the IRIs it mentions and, for an assertion, its content hash and identifier. The gate
then passes that same object, in order, through context (computed once from `mentioned`), validation and reasoning
(one sandbox call that takes the text), and commit (the pyoxigraph quads, read once from the text where this
process needs them, go into the update through `sparql/terms.py`-style term text; the entailments stay the
pyoxigraph terms the reasoner's N-Triples gave). rdflib terms exist only inside the sandbox, where pySHACL and the
reasoners need them, and in :meth:`Candidate.dataset` for callers (benchmarks, tests) that want an rdflib view.

Across a process boundary a Candidate travels as text (pickled without its parsed quads), so what a worker returns
is read by the N-Quads parser here, never trusted as objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib

from newskg.core import vocab

ASSERTION_BASE = vocab.RESOURCE_BASE + "assertion/"


def nquad(quad: ox.Quad) -> str:
    """One quad as an N-Quads line (the canonical form: what is hashed, stored and compared)."""
    graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else f" {quad.graph_name}"
    return f"{quad.subject} {quad.predicate} {quad.object}{graph} .\n"


def mentioned_iris(quads) -> frozenset[str]:
    """The IRIs pyoxigraph quads mention as subject, object or graph name (where their context starts)."""
    return frozenset(term.value for q in quads for term in (q.subject, q.object, q.graph_name)
                     if isinstance(term, ox.NamedNode))


@dataclass
class Candidate:
    """A write's data, parsed once: canonical N-Quads text, mentioned IRIs, and (assertions) hash and identifier."""

    nquads: str
    mentioned: frozenset[str]
    content_hash: str | None = None
    assertion_id: str | None = None
    _quads: list | None = field(default=None, repr=False, compare=False)
    _dataset: rdflib.Dataset | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_quads(cls, quads, content_hash: str | None = None, assertion_id: str | None = None) -> "Candidate":
        """A candidate of pyoxigraph quads (kept as they are, in their order)."""
        quads = list(quads)
        return cls("".join(nquad(q) for q in quads), mentioned_iris(quads), content_hash, assertion_id, quads)

    def __getstate__(self) -> dict:
        """Pickled (to or from a sandbox worker) as text: the quads are read again by the parser on the other side."""
        return {**self.__dict__, "_quads": None, "_dataset": None}

    @property
    def quads(self) -> list:
        """The pyoxigraph quads (parsed from the text the first time they are asked for)."""
        if self._quads is None:
            self._quads = list(ox.parse(self.nquads, ox.RdfFormat.N_QUADS)) if self.nquads else []
        return self._quads

    @property
    def empty(self) -> bool:
        return not self.nquads

    @property
    def quad_count(self) -> int:
        """How many quads it holds (one N-Quads line each: a literal's line breaks are escaped)."""
        return self.nquads.count("\n")

    @property
    def iri(self) -> str:
        return ASSERTION_BASE + (self.assertion_id or "")

    def graphs(self) -> list[str]:
        """The named graphs the candidate writes to."""
        return sorted({q.graph_name.value for q in self.quads if not isinstance(q.graph_name, ox.DefaultGraph)})

    def subjects(self) -> list:
        """The subjects of its quads (pyoxigraph terms)."""
        return [q.subject for q in self.quads]

    def dataset(self) -> rdflib.Dataset:
        """An rdflib view (default graph plus named graphs), built once, for a library that needs rdflib."""
        if self._dataset is None:
            from newskg.core.rdfio import quads_to_dataset

            self._dataset = quads_to_dataset(self.quads)
        return self._dataset
