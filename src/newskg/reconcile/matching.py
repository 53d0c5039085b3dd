"""The reconciliation index: the graph's actors, places, events and claims, their names in every language, their
types and Wikidata QIDs, and how well a name matches them (accents, case and punctuation ignored; fuzzy).

The index is read from the store with fixed queries (no request text ever reaches SPARQL) and kept per data
generation (``kg.memo``): the first query after a write rebuilds it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from newskg.core import vocab

KINDS = ("Actor", "Place", "Event", "Claim")  # local names of the nkg: classes whose instances are reconciled
# Minted IRIs typed only inside a claim graph (an ordered or denied event) get their kind from their path.
KIND_BY_PATH = {"actor/": "Actor", "group/": "Actor", "place/": "Place", "event/": "Event", "claim/": "Claim"}
NAME_LANGUAGES = ("en", "nl")  # the language of the name shown, in order of preference; then any other
QID = re.compile(r"(?:https?://www\.wikidata\.org/(?:entity|wiki)/|wd:)?([Qq][1-9][0-9]{0,11})")
# Letters NFKD does not decompose into a base letter and a mark.
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe",
                          "þ": "th", "ŀ": "l"})

_PREFIXES = f"PREFIX nkg: <{vocab.NKG}>\nPREFIX rdfs: <{vocab.RDFS}>\nPREFIX skos: <{vocab.SKOS}>\n"
_KIND_VALUES = " ".join(f"nkg:{kind}" for kind in KINDS)
Q_TYPED = _PREFIXES + f"""SELECT ?s ?type ?kind WHERE {{
  VALUES ?kind {{ {_KIND_VALUES} }}
  ?type rdfs:subClassOf* ?kind .
  ?s a ?type .
  FILTER(isIRI(?s))
}}"""
Q_UNTYPED = _PREFIXES + """SELECT DISTINCT ?s WHERE {
  ?s rdfs:label ?label .
  FILTER(isIRI(?s))
  FILTER NOT EXISTS { ?s a ?type }
}"""
Q_NAMES = _PREFIXES + """SELECT ?s ?p ?name WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel nkg:quote nkg:translation }
  ?s ?p ?name .
  FILTER(isIRI(?s) && isLiteral(?name))
}"""
Q_QIDS = _PREFIXES + "SELECT ?s ?item WHERE { ?s nkg:wikidata ?item FILTER(isIRI(?item)) }"
Q_CLASSES = _PREFIXES + f"""SELECT ?class ?broader ?definition WHERE {{
  VALUES ?kind {{ {_KIND_VALUES} }}
  ?class rdfs:subClassOf* ?kind .
  FILTER(isIRI(?class))
  OPTIONAL {{ ?class rdfs:subClassOf ?broader FILTER(isIRI(?broader) && ?broader != ?class) }}
  OPTIONAL {{ ?class skos:definition ?definition FILTER(langMatches(lang(?definition), "en")) }}
}}"""
Q_CLAIMS = _PREFIXES + """SELECT ?claim ?claimant ?status WHERE {
  ?claim a nkg:Claim ; nkg:claimant ?claimant .
  OPTIONAL { ?claim nkg:status ?status }
}"""

NAME_PROPERTIES = {vocab.RDFS + "label": 0, vocab.SKOS + "prefLabel": 0, vocab.NKG + "translation": 0,
                   vocab.NKG + "quote": 0, vocab.SKOS + "altLabel": 1}  # 0: a name, 1: an alternative name


def fold(text: str) -> str:
    """Text for comparison: accents removed (NFKD), case folded, punctuation as spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    kept = (" " if not c.isalnum() else c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(kept).split())


def qid_of(text: str) -> str | None:
    """The Wikidata QID a query string names (Q42, wd:Q42, or an entity IRI), or None."""
    found = QID.fullmatch(text.strip())
    return found.group(1).upper() if found else None


@dataclass(frozen=True)
class Name:
    """One name of an entity: the text, its language, whether it is an alternative label, and its folded form."""

    text: str
    language: str
    alternative: bool
    folded: str


@dataclass
class Entry:
    """One reconcilable resource."""

    iri: str
    id: str
    kind: str
    types: set[str] = field(default_factory=set)  # class IRIs, as stated (most specific first when shown)
    names: list[Name] = field(default_factory=list)
    qids: set[str] = field(default_factory=set)
    description: str = ""

    def name(self) -> str:
        """The name shown: a label in English, else Dutch, else any; the id when it has none."""
        primary = [n for n in self.names if not n.alternative] or self.names
        for language in NAME_LANGUAGES:
            for n in primary:
                if n.language.lower().split("-")[0] == language:
                    return n.text
        return primary[0].text if primary else self.id


@dataclass
class TypeInfo:
    """A class of the ontology that reconciliation queries may name."""

    iri: str
    id: str
    name: str
    broader: list[str]  # ids of direct superclasses among the reconcilable classes
    ancestors: set[str]  # class IRIs of itself and every superclass
    description: str = ""
    folded_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    """An entry scored against one query."""

    entry: Entry
    score: float  # 0..100
    exact: bool  # a name equal to the query once folded, the id or the IRI itself
    by_qid: bool


@dataclass
class Index:
    """The entries, with look-ups by id, IRI, QID and 3-gram of their folded names."""

    identifier_space: str
    schema_space: str
    entries: list[Entry]
    types: dict[str, TypeInfo]  # by class IRI
    by_id: dict[str, Entry] = field(default_factory=dict)
    by_iri: dict[str, Entry] = field(default_factory=dict)
    by_qid: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    grams: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def __post_init__(self):
        for position, entry in enumerate(self.entries):
            self.by_id[entry.id] = entry
            self.by_iri[entry.iri] = entry
            for qid in entry.qids:
                self.by_qid[qid].append(entry)
            for n in entry.names:
                for gram in _grams(n.folded):
                    self.grams[gram].add(position)

    # --- types ---------------------------------------------------------------------------------------
    def type_iri(self, type_id: str) -> str | None:
        """The class IRI a query's type names (a local name such as "Person", nkg:Person, or the IRI), or None."""
        text = type_id.strip()
        for candidate in (text, self.schema_space + text, self.schema_space + text.removeprefix("nkg:")):
            if candidate in self.types:
                return candidate
        return None

    def type_ref(self, class_iri: str) -> dict:
        """A type as the API shows it: {"id", "name"}."""
        info = self.types.get(class_iri)
        if info is None:
            return {"id": class_iri, "name": class_iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]}
        return {"id": info.id, "name": info.name}

    def entry_types(self, entry: Entry) -> list[str]:
        """An entry's stated classes, the most specific first (most ancestors), then by name."""
        return sorted(entry.types, key=lambda t: (-len(self.types[t].ancestors) if t in self.types else 0, t))

    def has_type(self, entry: Entry, class_iri: str) -> bool:
        """Whether the entry is an instance of the class, directly or through a subclass."""
        return any(class_iri in self.types[t].ancestors for t in entry.types if t in self.types)

    # --- entities ------------------------------------------------------------------------------------
    def lookup(self, text: str) -> Entry | None:
        """The entry an identifier names: its id ("actor/tokayev") or its IRI."""
        text = text.strip()
        return self.by_id.get(text) or self.by_iri.get(text)

    def candidates(self, query: str) -> list[Candidate]:
        """Every entry whose names come near the query, scored, best first (unsorted ties by name)."""
        found: dict[str, Candidate] = {}
        qid = qid_of(query)
        if qid:
            for entry in self.by_qid.get(qid, []):
                found[entry.iri] = Candidate(entry, 100.0, True, True)
        named = self.lookup(query)
        if named is not None:
            found[named.iri] = Candidate(named, 100.0, True, False)
        folded = fold(query)
        if folded:
            for position in self._near(folded):
                entry = self.entries[position]
                if entry.iri in found:
                    continue
                score, exact = best_score(folded, entry.names)
                if score >= MIN_SCORE:
                    found[entry.iri] = Candidate(entry, score, exact, False)
        return sorted(found.values(), key=lambda c: (-c.score, not c.exact, c.entry.name().casefold(), c.entry.id))

    def _near(self, folded: str) -> list[int]:
        """Entries sharing 3-grams with the folded query, at most MAX_SCORED of those sharing most (every entry for
        a query shorter than a 3-gram): the ones worth scoring, so a query's cost does not grow with the graph."""
        grams = _grams(folded)
        if not grams:
            return list(range(len(self.entries)))
        shared: Counter[int] = Counter()
        for gram in grams:
            shared.update(self.grams.get(gram, ()))
        return [position for position, _ in shared.most_common(MAX_SCORED)]

    def prefixed(self, prefix: str) -> list[Entry]:
        """Entries a name of which, or a word of a name, starts with the prefix; or named by id, IRI or QID."""
        folded = fold(prefix)
        ranked: dict[str, tuple[int, Entry]] = {}
        named = self.lookup(prefix)
        if named is not None:
            ranked[named.iri] = (0, named)
        qid = qid_of(prefix)
        for entry in self.by_qid.get(qid, []) if qid else []:
            ranked.setdefault(entry.iri, (0, entry))
        for entry in self.entries:
            if entry.iri in ranked:
                continue
            rank = _prefix_rank(folded, [n.folded for n in entry.names])
            if rank is not None:
                ranked[entry.iri] = (rank, entry)
        # Claims (whole sentences) after the named things, then how the prefix matched, then by name.
        order = sorted(ranked.values(), key=lambda r: (r[1].kind == "Claim", r[0], r[1].name().casefold(), r[1].id))
        return [entry for _, entry in order]

    def prefixed_types(self, prefix: str) -> list[TypeInfo]:
        """Classes whose name, a word of it or id starts with the prefix (all of them for an empty prefix)."""
        folded = fold(prefix)
        ranked = []
        for info in self.types.values():
            rank = _prefix_rank(folded, info.folded_names + [fold(info.id)])
            if rank is not None or self.type_iri(prefix) == info.iri:
                ranked.append((rank or 0, info.name.casefold(), info))
        return [info for *_, info in sorted(ranked, key=lambda r: r[:2])]


MIN_SCORE = 50.0
ALTERNATIVE_FACTOR = 0.95  # an alternative label counts a little less than a name
TOKEN_SIMILARITY = 0.8  # a query word matches a name word this similar (typos)
MAX_SCORED = 300  # entries scored per query: those sharing the most 3-grams with it
MAX_QUERY_WORDS = 12  # queries of more words are compared as whole strings, not word by word


def _grams(folded: str) -> set[str]:
    padded = f" {folded} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)} if len(folded) >= 3 else set()


def _prefix_rank(folded: str, names: list[str]) -> int | None:
    """0: a name starts with the prefix; 1: a word of a name does; None: neither."""
    if not folded:
        return 1
    if any(name.startswith(folded) for name in names):
        return 0
    if any(word.startswith(folded) for name in names for word in name.split()):
        return 1
    if " " in folded and any(f" {folded}" in f" {name}" for name in names):
        return 1
    return None


def score_name(folded_query: str, folded_name: str) -> float:
    """How well a folded query matches a folded name, 0..1: 1 when equal; the better of the character similarity
    and the query's words found (fuzzily) among the name's, weighed by how much of the name they cover."""
    if not folded_query or not folded_name:
        return 0.0
    if folded_query == folded_name:
        return 1.0
    matcher = SequenceMatcher(None, folded_query, folded_name, autojunk=False)
    similarity = matcher.ratio() if matcher.quick_ratio() >= MIN_SCORE / 100 else 0.0
    name_words = folded_name.split()
    query_words = folded_query.split()
    worst = 1.0 if len(query_words) <= MAX_QUERY_WORDS else 0.0  # a long query is compared as a whole only
    for word in query_words if worst else ():
        if word in name_words:
            continue
        worst = min(worst, max((_word_similarity(word, other) for other in name_words), default=0.0))
        if worst < TOKEN_SIMILARITY:
            break
    contained = 0.0
    if worst >= TOKEN_SIMILARITY:
        coverage = min(1.0, len(folded_query) / len(folded_name))
        contained = (0.6 + 0.35 * coverage) * worst
    return max(similarity, contained)


@lru_cache(maxsize=65536)
def _word_similarity(word: str, other: str) -> float:
    return SequenceMatcher(None, word, other, autojunk=False).ratio()


def best_score(folded_query: str, names: list[Name]) -> tuple[float, bool]:
    """The best score (0..100) of a folded query over an entry's names, and whether a name equals it."""
    best, exact = 0.0, False
    for n in names:
        score = score_name(folded_query, n.folded)
        exact = exact or score == 1.0
        best = max(best, score * (ALTERNATIVE_FACTOR if n.alternative else 1.0))
    return round(best * 100, 1), exact


def build_index(kg) -> Index:
    """Read the reconcilable entries from the store's default graph (fixed queries only)."""
    base = kg.settings.base_iri
    identifier_space = base + "id/"
    schema_space = vocab.NKG
    entries: dict[str, Entry] = {}
    kind_of = {vocab.NKG + kind: kind for kind in KINDS}

    def add(iri: str, kind: str) -> Entry | None:
        if not iri.startswith(identifier_space) or len(iri) == len(identifier_space):
            return None
        entry = entries.get(iri)
        if entry is None:
            entry = entries[iri] = Entry(iri=iri, id=iri[len(identifier_space):], kind=kind)
        return entry

    for row in kg.query(Q_TYPED).rows():
        entry = add(row["s"].value, kind_of[row["kind"].value])
        if entry is not None:
            entry.types.add(row["type"].value)
    for row in kg.query(Q_UNTYPED).rows():
        iri = row["s"].value
        path = iri[len(identifier_space):] if iri.startswith(identifier_space) else ""
        kind = next((k for prefix, k in KIND_BY_PATH.items() if path.startswith(prefix)), None)
        if kind is not None:
            add(iri, kind).types.add(vocab.NKG + kind)

    labels: dict[str, list[Name]] = defaultdict(list)
    for row in kg.query(Q_NAMES).rows():
        literal = row["name"]
        folded = fold(literal.value)
        if folded:
            labels[row["s"].value].append(Name(literal.value, literal.language or "",
                                               bool(NAME_PROPERTIES[row["p"].value]), folded))
    for iri, names in labels.items():
        if iri in entries:
            entries[iri].names = sorted(set(names), key=lambda n: (n.alternative, n.language, n.text))
    for row in kg.query(Q_QIDS).rows():
        qid = qid_of(row["item"].value)
        if row["s"].value in entries and qid:
            entries[row["s"].value].qids.add(qid)

    types = _types(kg, schema_space, labels)
    for row in kg.query(Q_CLAIMS).rows():
        claim = entries.get(row["claim"].value)
        if claim is None:
            continue
        claimant = entries.get(row["claimant"].value)
        who = claimant.name() if claimant else row["claimant"].value
        status = row.get("status")
        claim.description = f"claim by {who}" + (f" ({_local(status.value)})" if status is not None else "")
    index = Index(identifier_space, schema_space, [entries[iri] for iri in sorted(entries)], types)
    for entry in index.entries:
        if not entry.description:
            shown = [index.type_ref(t)["name"] for t in index.entry_types(entry)]
            qids = ", ".join(f"Wikidata {q}" for q in sorted(entry.qids))
            entry.description = "; ".join(part for part in (", ".join(shown), qids) if part)
    return index


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _types(kg, schema_space: str, labels: dict[str, list[Name]]) -> dict[str, TypeInfo]:
    """The reconcilable classes (the kinds and their subclasses) with names, definitions and superclasses."""
    broader: dict[str, set[str]] = defaultdict(set)
    definitions: dict[str, str] = {}
    for row in kg.query(Q_CLASSES).rows():
        iri = row["class"].value
        broader[iri]
        if "broader" in row:
            broader[iri].add(row["broader"].value)
        if "definition" in row:
            definitions[iri] = row["definition"].value

    def ancestors(iri: str, seen: set[str]) -> set[str]:
        if iri in seen:
            return set()
        seen.add(iri)
        out = {iri}
        for parent in broader.get(iri, ()):
            out |= ancestors(parent, seen)
        return out

    types = {}
    for iri in broader:
        entry = Entry(iri=iri, id=iri, kind="", names=labels.get(iri, []))
        type_id = iri[len(schema_space):] if iri.startswith(schema_space) else iri
        name = entry.name() if entry.names else _local(iri)
        types[iri] = TypeInfo(iri=iri, id=type_id, name=name, broader=[], ancestors=ancestors(iri, set()),
                              description=definitions.get(iri, ""),
                              folded_names=[n.folded for n in entry.names] or [fold(name)])
    for iri, info in types.items():
        info.broader = sorted(types[b].iri for b in broader[iri] if b in types)
    return types


def index_of(kg) -> Index:
    """The index for the store's current data, built once per data generation."""
    return kg.memo("reconcile-index", lambda: build_index(kg))
