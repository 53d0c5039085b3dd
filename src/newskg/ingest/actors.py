"""Finding actors (and events, places, groups) by label in any language, IRI or QID, with closest matches."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.errors import IngestError
from newskg.sparql import terms

ACTOR = vocab.NKG + "Actor"
EVENT = vocab.NKG + "Event"
PLACE = vocab.NKG + "Place"
GROUP = vocab.NKG + "Group"
_QID = re.compile(r"^(?:wd:|http://www\.wikidata\.org/entity/)?(Q[1-9][0-9]{0,11})$", re.IGNORECASE)
_KIND_NAMES = {ACTOR: "actor", EVENT: "event", PLACE: "place", GROUP: "group"}
_LABELS = (vocab.RDFS + "label", vocab.SKOS + "altLabel")

# Our own constant IRIs only: the class to look in is bound by substitution, never pasted.
_CANDIDATES = f"""
SELECT ?cls ?x ?type ?label ?qid WHERE {{
    ?x a ?type . ?type <{vocab.RDFS}subClassOf>* ?cls .
    OPTIONAL {{ ?x <{vocab.RDFS}label>|<{vocab.SKOS}altLabel> ?label }}
    OPTIONAL {{ ?x <{vocab.NKG}wikidata> ?qid }}
}}"""
_UNTYPED_EVENTS = f"""
SELECT ?x ?label WHERE {{
    ?x <{vocab.RDFS}label> ?label .
    FILTER (STRSTARTS(STR(?x), "{vocab.RESOURCE_BASE}event/"))
    FILTER NOT EXISTS {{ ?x a ?type }}
}}"""


def fold(text: str) -> str:
    """Text for matching: accents removed, case folded, white space collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def slug(text: str, limit: int = 60) -> str:
    """A lower-case ASCII slug for an IRI: accents folded, anything else between words a hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:limit].strip("-") or "x"


@dataclass
class Candidate:
    """One resource that a reference may name: its IRI, labels, QID and types."""

    iri: str
    labels: list[str] = field(default_factory=list)
    qid: str | None = None
    types: set[str] = field(default_factory=set)
    _tagged: list = field(default_factory=list, repr=False)

    def label(self) -> str:
        """The label to show: English if there is one, else the first."""
        english = [label for label, lang in self._tagged if lang == "en"]
        return english[0] if english else (self.labels[0] if self.labels else self.iri.rsplit("/", 1)[-1])

    def type(self) -> str | None:
        """The most specific class of our ontology it is typed with."""
        ours = sorted(t for t in self.types if t.startswith(vocab.NKG) and t not in (ACTOR, EVENT, PLACE))
        return ours[0] if ours else (sorted(self.types)[0] if self.types else None)

    def to_json(self) -> dict:
        """{"iri", "label", "qid", "type"}: what GET /actors lists."""
        return {"iri": self.iri, "label": self.label(), "qid": self.qid, "type": self.type()}

    def shown(self) -> str:
        return f"{self.label()!r} ({self.qid or self.iri.rsplit('/', 1)[-1]})"


def candidates(kg, cls: str = ACTOR) -> list[Candidate]:
    """Every resource of class `cls` in the default graph (events also when only labelled), once per data version."""

    def compute() -> list[Candidate]:
        found: dict[str, Candidate] = {}
        rows = kg.query(_CANDIDATES, bindings={"cls": terms.iri(cls, "the class")}).rows()
        if cls == EVENT:
            rows += kg.query(_UNTYPED_EVENTS).rows()
        for row in rows:
            if not isinstance(row.get("x"), ox.NamedNode):
                continue
            item = found.setdefault(row["x"].value, Candidate(row["x"].value))
            if "type" in row:
                item.types.add(row["type"].value)
            if "label" in row and row["label"].value not in item.labels:
                item.labels.append(row["label"].value)
                item._tagged.append((row["label"].value, getattr(row["label"], "language", None)))
            if "qid" in row:
                item.qid = row["qid"].value.rsplit("/", 1)[-1]
        return sorted(found.values(), key=lambda c: c.iri)

    return kg.memo(f"ingest-candidates:{cls}", compute)


def _score(item: Candidate, wanted: str, qid: str | None) -> float:
    if qid and item.qid == qid:
        return 1.0
    if wanted == fold(item.iri):
        return 1.0
    best = 0.0
    for name in [*item.labels, item.iri.rsplit("/", 1)[-1].replace("-", " ")]:
        name = fold(name)
        if not name or not wanted:
            continue
        if name == wanted:
            return 1.0
        if name.startswith(wanted) or wanted.startswith(name):
            best = max(best, 0.9)
        elif wanted in name or name in wanted:
            best = max(best, 0.8)
        else:
            best = max(best, 0.75 * difflib.SequenceMatcher(None, wanted, name).ratio())
    return best


def search(kg, text: str, limit: int = 10, cls: str = ACTOR) -> list[Candidate]:
    """The resources of class `cls` best matching `text` (label in any language, IRI or QID), best first."""
    text = text[:500]
    match = _QID.match(text.strip())
    qid = match.group(1).upper() if match else None
    wanted = fold(text)
    items = candidates(kg, cls)
    if not wanted:
        return sorted(items, key=lambda c: fold(c.label()))[:limit]
    scored = [(s, c) for c in items if (s := _score(c, wanted, qid)) >= 0.4]
    scored.sort(key=lambda sc: (-sc[0], fold(sc[1].label()), sc[1].iri))
    return [c for _, c in scored[:limit]]


def suggestions(kg, text: str, cls: str = ACTOR, limit: int = 5) -> str:
    """'closest: 'X' (Q1), 'Y' (slug)' for an error message, or a hint when nothing is close."""
    close = search(kg, text, limit, cls)
    if not close:
        listing = "; GET /actors?q=... lists them" if cls == ACTOR else ""
        return f"no {_KIND_NAMES.get(cls, 'resource')} has a similar label{listing}"
    return "closest: " + ", ".join(c.shown() for c in close)


def lookup(kg, reference: str, cls: str = ACTOR) -> Candidate | None:
    """The one resource `reference` names (IRI, QID, or a label compared without case and accents), or None.

    A label that several resources carry is an error naming them (use the IRI or QID instead).
    """
    reference = reference.strip()
    items = candidates(kg, cls)
    match = _QID.match(reference)
    if match:
        hits = [c for c in items if c.qid == match.group(1).upper()]
    elif "://" in reference:
        hits = [c for c in items if c.iri == reference]
    else:
        wanted = fold(reference)
        hits = [c for c in items if any(fold(label) == wanted for label in c.labels)]
    if len(hits) > 1:
        raise IngestError.at(f"{reference!r} names several resources: " + ", ".join(f"<{c.iri}>" for c in hits)
                             + "; give the IRI or QID instead")
    return hits[0] if hits else None


def resolve(kg, reference: str, cls: str = ACTOR, *, row: int | None = None, column: str | None = None) -> str:
    """The IRI of the existing resource `reference` names; an error with the closest matches when there is none."""
    try:
        found = lookup(kg, reference, cls)
    except IngestError as exc:
        raise IngestError.at(exc.errors[0]["message"], row, column) from None
    if found is None:
        kind = _KIND_NAMES.get(cls, "resource")
        raise IngestError.at(f"no {kind} {reference[:200]!r} in the store ({suggestions(kg, reference, cls)})",
                             row, column)
    return found.iri


def mint(kg, kind: str, label: str, taken: set[str] | None = None) -> str:
    """A new IRI res:<kind>/<slug of label> not yet used in the store (nor in `taken`): -2, -3... when it is."""
    base = f"{vocab.RESOURCE_BASE}{kind}/{slug(label)}"
    iri, n = base, 1
    while (taken and iri in taken) or exists(kg, iri):
        n += 1
        iri = f"{base}-{n}"
    if taken is not None:
        taken.add(iri)
    return iri


def exists(kg, iri: str) -> bool:
    """True when the store says anything about `iri` (as subject or object, in any graph) or names a graph so."""
    node = terms.iri(iri)
    rows = kg.query("SELECT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } UNION { GRAPH ?x { ?s ?p ?o } } "
                    "UNION { GRAPH ?g { { ?x ?p ?o } UNION { ?s ?p ?x } } } } LIMIT 1",
                    bindings={"x": node}).rows()
    return bool(rows)
