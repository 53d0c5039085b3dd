"""The text index: a tantivy index of the store's text literals, kept beside an on-disk store and in step with it.

One document per text literal (subject, predicate, language, text). Dutch literals are analysed as Dutch (lowercase,
ASCII folding, Snowball "dutch" stemmer), English ones as English, every other literal only lowercased and folded.
The store is the truth: :meth:`TextIndex.sync` diffs the literals the store holds with the documents the index holds
(by a key hashed from the literal and its subject's type) and applies the difference in one tantivy commit.

The index knows whether it is in step without reading the store: before any write reaches the store,
:meth:`TextIndex.mark_pending` leaves a mark in the index folder (on disk, fsync'd), and a sync that followed every
write since clears it. At start, a mark (a crash between a write and its index update), a missing index or one of an
older schema means a full comparison with the store (:attr:`TextIndex.stale`); no mark means no store scan.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import sys
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Protocol

import tantivy

from newskg.core import vocab
from newskg.core.errors import BadRequestError, StoreError

MAX_QUERY_CHARS = 500
MAX_LIMIT = 1000
SNIPPET_CHARS = 200
SCHEMA_VERSION = "1"  # bump when the schema or the analysis changes: an older index is then rebuilt
PROGRESS_THRESHOLD = 1000  # show a progress bar when a sync changes more documents than this

TYPES = ("claim", "article", "actor", "event", "place", "group", "other")
FIELDS = {  # predicate -> the Hit's field
    vocab.NKG + "quote": "quote",
    vocab.NKG + "translation": "translation",
    vocab.NKG + "summary": "summary",
    vocab.SCHEMA + "articleBody": "body",
    vocab.SCHEMA + "headline": "headline",
    vocab.RDFS + "label": "label",
    vocab.SKOS + "altLabel": "label",
}
# Most specific first: a subject with several types gets the first that applies (nkg:Group is an nkg:Actor).
_TYPE_ROOTS = (
    ("claim", vocab.NKG + "Claim"),
    ("article", vocab.NKG + "Article"),
    ("group", vocab.NKG + "Group"),
    ("actor", vocab.NKG + "Actor"),
    ("event", vocab.NKG + "Event"),
    ("place", vocab.NKG + "Place"),
)
_FIELD_ORDER = {field: rank for rank, field in enumerate(("quote", "translation", "summary", "headline", "body", "label"))}
_TEXT_FIELD_OF_LANG = {"nl": "text_nl", "en": "text_en"}
_SEARCH_FIELDS = {"nl": ["text_nl"], "en": ["text_en"], None: ["text_nl", "text_en", "text_any"]}
_MARKER = "newskg-text-index"
_PENDING = "pending-writes"  # present while the store may hold a write the index has not followed

_TEXTS_QUERY = f"""
SELECT ?s ?p ?text WHERE {{
  #SUBJECTS
  VALUES ?p {{ {" ".join(f"<{p}>" for p in FIELDS)} }}
  {{ ?s ?p ?text }} UNION {{ GRAPH ?g {{ ?s ?p ?text }} }}
  FILTER(isLITERAL(?text))
}}"""
_TYPES_QUERY = f"""
SELECT DISTINCT ?s ?root WHERE {{
  #SUBJECTS
  VALUES ?root {{ {" ".join(f"<{root}>" for _, root in _TYPE_ROOTS)} }}
  ?class <{vocab.RDFS}subClassOf>* ?root .
  {{ ?s a ?class }} UNION {{ GRAPH ?g {{ ?s a ?class }} }}
}}"""

_SUBJECTS_PER_QUERY = 500

# A bare word ending in "*" (not a field, not inside a phrase): tantivy's parser only knows phrase prefixes.
_PREFIX_TERM = re.compile(r'(?<![\w:.])(\w+)\*')
_PHRASE = re.compile(r'"[^"]*"')
_WORD = re.compile(r"\w+")


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> object: ...
    def close(self) -> None: ...


Progress = Callable[[int], ProgressBar]  # called with the number of documents to change


@dataclass(frozen=True)
class Hit:
    """One text literal that matched a search."""

    iri: str  # the subject the text belongs to (a claim, an article, an actor, ...)
    type: str  # "claim" | "article" | "actor" | "event" | "place" | "group" | "other"
    score: float  # BM25
    field: str  # "quote" | "translation" | "summary" | "body" | "headline" | "label"
    lang: str  # the literal's language tag ("nl", "en", "" for none)
    snippet: str  # HTML: the text escaped, the matched words in <b>...</b>


@dataclass(frozen=True)
class _Doc:
    iri: str
    type: str
    field: str
    lang: str
    text: str


def index_folder(store_path: Path) -> Path:
    """The folder of a store's text index: the hidden sibling <store parent>/.<store name>.text/."""
    store_path = Path(store_path)
    return store_path.parent / f".{store_path.name}.text"


def stderr_progress(total: int) -> ProgressBar:
    """A progress bar on stderr, shown only when more than PROGRESS_THRESHOLD documents change."""
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, unit="doc", desc="text index", disable=total <= PROGRESS_THRESHOLD)


def _analyzer(language: str | None) -> tantivy.TextAnalyzer:
    builder = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
               .filter(tantivy.Filter.remove_long(64))
               .filter(tantivy.Filter.lowercase())
               .filter(tantivy.Filter.ascii_fold()))
    if language:
        builder = builder.filter(tantivy.Filter.stemmer(language))
    return builder.build()


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in ("key", "iri", "type", "field", "lang"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    builder.add_text_field("text_nl", stored=True, tokenizer_name="newskg_nl")
    builder.add_text_field("text_en", stored=True, tokenizer_name="newskg_en")
    builder.add_text_field("text_any", stored=True, tokenizer_name="newskg_any")
    return builder.build()


def _key(doc: _Doc, predicate: str) -> str:
    return hashlib.sha1("\x1f".join((doc.iri, predicate, doc.lang, doc.text, doc.type)).encode()).hexdigest()


def _term_text(term) -> str:
    """A pyoxigraph subject as text: the IRI, or "_:id" for a blank node."""
    return f"_:{term.value}" if type(term).__name__ == "BlankNode" else term.value


def _fold(word: str) -> str:
    """Lowercase and strip accents, as the analyzers' ascii_fold does for Latin text."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def _text_field(lang: str) -> str:
    return _TEXT_FIELD_OF_LANG.get(lang.lower().split("-")[0], "text_any")


def _expand_prefixes(query: str, fields: list[str]) -> tuple[str, list[str]]:
    """Rewrite each bare `word*` as the word or a regex prefix over `fields`; also the folded prefixes (to highlight).

    Slashes outside phrases become spaces first (the analyzers split words there anyway), so no regex of the
    user's own reaches tantivy's parser.
    """
    prefixes: list[str] = []
    out, last = [], 0
    for phrase in _PHRASE.finditer(query):
        out.append(query[last:phrase.start()].replace("/", " "))
        out.append(phrase.group())
        last = phrase.end()
    out.append(query[last:].replace("/", " "))
    parts = out

    def expand(match: re.Match) -> str:
        word = match.group(1)
        prefix = _fold(word)
        if not prefix.isascii() or not prefix.isalnum():
            return word
        prefixes.append(prefix)
        regexes = " OR ".join(f"{field}:/{re.escape(prefix)}.*/" for field in fields)
        return f"({word} OR {regexes})"

    rewritten = "".join(part if part.startswith('"') else _PREFIX_TERM.sub(expand, part) for part in parts)
    return rewritten, prefixes


def _highlight(text: str, prefixes: list[str]) -> str:
    """A snippet of `text`, escaped, with the words starting with a prefix in <b>...</b> (tantivy's snippets do not
    highlight regex matches)."""
    words = [m for m in _WORD.finditer(text) if any(_fold(m.group()).startswith(p) for p in prefixes)]
    start = max(0, words[0].start() - SNIPPET_CHARS // 3) if words else 0
    end = min(len(text), start + SNIPPET_CHARS)
    out, at = [], start
    for word in words:
        if word.start() < start or word.end() > end:
            continue
        out.append(html.escape(text[at:word.start()]))
        out.append(f"<b>{html.escape(word.group())}</b>")
        at = word.end()
    out.append(html.escape(text[at:end]))
    return "".join(out).strip()


class TextIndex:
    """A tantivy index of the store's text literals, in `folder`; read-only views search what the writer committed."""

    def __init__(self, folder: Path, *, read_only: bool = False):
        self.folder = Path(folder)
        self.read_only = read_only
        self._schema = _schema()
        self._lock = threading.Lock()
        self._reloading = threading.Lock()
        self._keys: dict[str, str] | None = None  # key -> subject of every document held, read at the first sync
        self._keys_of: dict[str, set[str]] = {}  # subject -> its documents' keys
        self._writer = None
        self._missed_write = False  # a write went unfollowed (a failed sync, a failed write path): compare everything
        self.written_since_sync = False
        marker = self.folder / _MARKER
        self.stale = True  # whether the store may hold writes the index has not followed (see kg.open)
        if read_only:
            if not marker.is_file() or marker.read_text().strip() != SCHEMA_VERSION:
                raise StoreError(f"no text index (version {SCHEMA_VERSION}) at {self.folder}")
        elif not marker.is_file() or marker.read_text().strip() != SCHEMA_VERSION:
            shutil.rmtree(self.folder, ignore_errors=True)  # none yet, or an older schema: rebuilt by the sync
            self.folder.mkdir(parents=True)
        else:
            self.stale = (self.folder / _PENDING).exists()
        try:
            self._index = tantivy.Index(self._schema, str(self.folder), reuse=True)
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot open the text index at {self.folder}: {exc}") from exc
        self._index.register_tokenizer("newskg_nl", _analyzer("dutch"))
        self._index.register_tokenizer("newskg_en", _analyzer("english"))
        self._index.register_tokenizer("newskg_any", _analyzer(None))
        if not read_only:
            try:
                self._writer = self._index.writer(heap_size=64_000_000, num_threads=1)
            except ValueError as exc:
                raise StoreError(f"the text index at {self.folder} is in use by another process: {exc}") from exc
            if self.stale:
                self.mark_pending()  # until a full sync has run, a crash leaves the index marked for one
            marker.write_text(SCHEMA_VERSION + "\n")

    # --- the pending mark ------------------------------------------------------------------------------
    def mark_pending(self) -> None:
        """Record, durably, that the store is about to change: called before every write reaches the store."""
        self.written_since_sync = True
        pending = self.folder / _PENDING
        if pending.exists():
            return
        with open(pending, "wb") as mark:
            os.fsync(mark.fileno())
        _fsync_folder(self.folder)

    def missed_write(self) -> None:
        """A write path failed after it had written to the store: the next sync compares everything."""
        if self.written_since_sync:
            self._missed_write = True

    def _clear_pending(self) -> None:
        pending = self.folder / _PENDING
        if pending.exists():
            pending.unlink()
            _fsync_folder(self.folder)

    # --- keeping in step with the store ---------------------------------------------------------------
    def sync(self, store, *, subjects: Iterable[str] | None = None, progress: Progress | None = None) -> int:
        """Make the index hold exactly the store's text literals (only those of `subjects`, when a write names the
        subjects it touched: a full sync scans every text literal); the number of documents added or deleted."""
        if self._writer is None:
            raise StoreError("a read-only text index cannot be synced")
        if self._missed_write:
            subjects = None
        if subjects is not None:
            subjects = set(subjects)
            if any(not s or s.startswith("_:") or ">" in s for s in subjects):
                subjects = None  # a blank node cannot be named in a query: look at everything
        try:
            changes = self._apply(store, subjects, progress)
        except BaseException:
            self._missed_write = True
            raise
        self._missed_write = self.written_since_sync = False
        if subjects is None:
            self.stale = False
        self._clear_pending()
        return changes

    def _apply(self, store, subjects: set[str] | None, progress: Progress | None) -> int:
        wanted = self._documents_of(store, subjects)
        with self._lock:
            if self._keys is None:
                self._keys = self._stored_keys()
                for key, iri in self._keys.items():
                    self._keys_of.setdefault(iri, set()).add(key)
            if subjects is None:
                held = set(self._keys)
            else:
                held = set().union(*(self._keys_of.get(s, ()) for s in subjects))
            stale = held - wanted.keys()
            fresh = [key for key in wanted if key not in self._keys]
            changes = len(stale) + len(fresh)
            if not changes:
                return 0
            bar = progress(changes) if progress else None
            try:
                for key in stale:
                    self._writer.delete_documents_by_term("key", key)
                    if bar:
                        bar.update(1)
                for key in fresh:
                    doc = wanted[key]
                    self._writer.add_document(tantivy.Document(
                        key=key, iri=doc.iri, type=doc.type, field=doc.field, lang=doc.lang,
                        **{_text_field(doc.lang): doc.text},
                    ))
                    if bar:
                        bar.update(1)
                self._writer.commit()
            except BaseException:
                self._writer.rollback()
                raise
            finally:
                if bar:
                    bar.close()
            self._index.reload()
            for key in stale:
                iri = self._keys.pop(key)
                self._keys_of[iri].discard(key)
                if not self._keys_of[iri]:
                    del self._keys_of[iri]
            for key in fresh:
                self._keys[key] = wanted[key].iri
                self._keys_of.setdefault(wanted[key].iri, set()).add(key)
            return changes

    def _documents_of(self, store, subjects: set[str] | None) -> dict[str, _Doc]:
        if subjects is None:
            return self._documents_in(store, "")
        docs: dict[str, _Doc] = {}
        ordered = sorted(subjects)
        for start in range(0, len(ordered), _SUBJECTS_PER_QUERY):
            chunk = ordered[start:start + _SUBJECTS_PER_QUERY]
            docs.update(self._documents_in(store, "VALUES ?s { " + " ".join(f"<{s}>" for s in chunk) + " }"))
        return docs

    def _documents_in(self, store, only: str) -> dict[str, _Doc]:
        kinds: dict[str, str] = {}
        rank = {root: i for i, (_, root) in enumerate(_TYPE_ROOTS)}
        name = dict((root, kind) for kind, root in _TYPE_ROOTS)
        for row in store.query(_TYPES_QUERY.replace("#SUBJECTS", only)).rows():
            subject, root = _term_text(row["s"]), row["root"].value
            current = kinds.get(subject)
            if current is None or rank[root] < rank[current]:
                kinds[subject] = root
        docs = {}
        for row in store.query(_TEXTS_QUERY.replace("#SUBJECTS", only)).rows():
            subject, predicate, literal = _term_text(row["s"]), row["p"].value, row["text"]
            root = kinds.get(subject)
            doc = _Doc(subject, name[root] if root else "other", FIELDS[predicate], literal.language or "",
                       literal.value)
            docs[_key(doc, predicate)] = doc
        return docs

    def _stored_keys(self) -> dict[str, str]:
        searcher = self._index.searcher()
        if not searcher.num_docs:
            return {}
        hits = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False).hits
        docs = (searcher.doc(address) for _, address in hits)
        return {doc.get_first("key"): doc.get_first("iri") for doc in docs}

    # --- searching ------------------------------------------------------------------------------------
    def search(self, query: str, *, lang: str | None = None, types: Iterable[str] | None = None,
               limit: int = 20) -> list[Hit]:
        """The best `limit` subjects with a literal matching `query` (tantivy's query language, plus `word*`
        prefixes), by BM25: one hit per subject, its best-scoring literal."""
        parsed, prefixes = self._parse(query, lang, types)
        if limit < 1:
            raise BadRequestError("the search limit must be at least 1")
        limit = min(limit, MAX_LIMIT)
        searcher = self._searcher()
        best: dict[str, tuple[float, object]] = {}
        fetch = limit * 2
        while True:
            found = self._run(searcher, parsed, fetch)
            best.clear()
            for score, address in found:
                iri = searcher.doc(address).get_first("iri")
                if iri not in best:
                    best[iri] = (score, address)
                    if len(best) == limit:
                        break
            if len(best) == limit or len(found) < fetch:
                break
            fetch *= 4
        shown = self._shown_literals(searcher, parsed, best)
        snippets: dict[str, tantivy.SnippetGenerator] = {}
        hits = []
        for iri, (score, _) in best.items():
            doc = shown[iri]
            text_field = next(f for f in ("text_nl", "text_en", "text_any") if doc.get_first(f) is not None)
            generator = snippets.get(text_field)
            if generator is None:
                generator = snippets[text_field] = tantivy.SnippetGenerator.create(
                    searcher, parsed, self._schema, text_field)
                generator.set_max_num_chars(SNIPPET_CHARS)
            snippet = generator.snippet_from_doc(doc)
            html_text = snippet.to_html() if snippet.highlighted() else _highlight(doc.get_first(text_field), prefixes)
            hits.append(Hit(iri=iri, type=doc.get_first("type"), score=float(score),
                            field=doc.get_first("field"), lang=doc.get_first("lang"), snippet=html_text))
        return hits

    def _shown_literals(self, searcher, parsed, best: dict[str, tuple[float, object]]) -> dict:
        """For each subject, the matching literal its hit shows: a claim's own words (quote, translation) before
        a summary, a headline or body before a label, whichever scored best."""
        shown = {iri: searcher.doc(address) for iri, (_, address) in best.items()}
        if not best:
            return shown
        theirs = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, parsed),
            (tantivy.Occur.Must, tantivy.Query.term_set_query(self._schema, "iri", sorted(best))),
        ])
        for _, address in self._run(searcher, theirs, len(best) * 16):
            doc = searcher.doc(address)
            iri = doc.get_first("iri")
            if _FIELD_ORDER[doc.get_first("field")] < _FIELD_ORDER[shown[iri].get_first("field")]:
                shown[iri] = doc
        return shown

    def scores(self, query: str, *, lang: str | None = None, types: Iterable[str] | None = None) -> dict[str, float]:
        """Every subject with a literal matching `query`, with its best BM25 score: no cap, no snippets (for
        text:score and SERVICE text:search, whose answers must not depend on how many others match)."""
        parsed, _ = self._parse(query, lang, types)
        searcher = self._searcher()
        total = searcher.search(parsed, limit=1, count=True).count
        best: dict[str, float] = {}
        for score, address in self._run(searcher, parsed, max(total, 1)):
            iri = searcher.doc(address).get_first("iri")
            if score > best.get(iri, float("-inf")):
                best[iri] = float(score)
        return best

    def _parse(self, query: str, lang: str | None, types: Iterable[str] | None):
        if len(query) > MAX_QUERY_CHARS:
            raise BadRequestError(f"the search query is longer than {MAX_QUERY_CHARS} characters")
        if not query.strip():
            raise BadRequestError("the search query is empty")
        if lang not in _SEARCH_FIELDS:
            raise BadRequestError(f"unknown search language {lang!r}: use nl, en, or none for every language")
        wanted_types = sorted(set(types)) if types is not None else []
        unknown = [t for t in wanted_types if t not in TYPES]
        if unknown:
            raise BadRequestError(f"unknown type {unknown[0]!r}: use one of {', '.join(TYPES)}")
        fields = _SEARCH_FIELDS[lang]
        rewritten, prefixes = _expand_prefixes(query, fields)
        try:
            parsed = self._index.parse_query(rewritten, fields, allow_regexes=bool(prefixes))
        except ValueError as exc:
            raise BadRequestError(f"search query: {exc}") from exc
        if types is not None:
            only = tantivy.Query.const_score_query(
                tantivy.Query.term_set_query(self._schema, "type", wanted_types), 0.0)
            parsed = tantivy.Query.boolean_query([(tantivy.Occur.Must, parsed), (tantivy.Occur.Must, only)])
        return parsed, prefixes

    def _searcher(self):
        with self._reloading:  # a query worker's threads share one view: one reload at a time
            if self.read_only:
                self._index.reload()  # another process writes: see its last commit
            return self._index.searcher()

    @staticmethod
    def _run(searcher, parsed, limit: int) -> list:
        try:
            return searcher.search(parsed, limit=limit, count=False).hits
        except ValueError as exc:
            raise BadRequestError(f"search query: {exc}") from exc

    def __len__(self) -> int:
        return self._index.searcher().num_docs

    def close(self) -> None:
        """Release the writer (and its lock on the folder)."""
        with self._lock:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                writer.wait_merging_threads()
