"""A result cache: the same query on the same data answers from memory.

Entries are keyed by the data generation (bumped by every committed write, so a write empties the cache in effect),
the query text, the dataset parameters and the negotiation inputs. Queries whose answer can change without a write
are never cached: SERVICE (remote data) and the non-deterministic functions (RAND, NOW, UUID, STRUUID, BNODE).
The cache holds at most `max_bytes` of serialized answers, evicting the least recently used.

The same generation keys the HTTP validators (ETag, see web/conditional.py): `data_version` is the generation
prefixed by an epoch made when the knowledge graph is first asked (a restart, or another KnowledgeGraph object,
starts a new epoch: generation 0 of a new process is not generation 0 of the last one, whose data may differ), and
`entity_tag` a weak entity tag for an answer from that version and everything else that shapes its bytes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import weakref
from collections import OrderedDict

from newskg.sparql.federation import remote_targets, tokenize

_VOLATILE = {"SERVICE", "RAND", "NOW", "UUID", "STRUUID", "BNODE"}
# a call of a non-deterministic function, however written (any case, glued to what precedes it, comments before "(");
# STRUUID ends in UUID
_VOLATILE_NAMES = (b"RAND", b"NOW", b"UUID", b"BNODE")
_CALL_TAIL = re.compile(rb"(?:[ \t\r\n]|#[^\r\n]*)*\(")


def _calls_volatile(upper: bytes, text: bytes) -> bool:
    for name in _VOLATILE_NAMES:
        at = upper.find(name)
        while at >= 0:
            if _CALL_TAIL.match(text, at + len(name)):
                return True
            at = upper.find(name, at + 1)
    return False


def cacheable(query: str) -> bool:
    """False for queries whose answer may change while the data does not. A text in which none of the volatile words
    appears even as a substring is read no further (tokenizing costs about 50 us a query; str.upper maps each
    character on its own, so a word token upper-cased is a substring of the text upper-cased)."""
    upper = query.upper()
    if not any(word in upper for word in _VOLATILE):
        return True
    return not any(t.kind == "word" and t.text.upper() in _VOLATILE for t in tokenize(query))


def answer_stable(query: str, *, local_services: frozenset[str] = frozenset(), base_iri: str | None = None) -> bool:
    """True when the answer to `query` can change only with a write: it calls no non-deterministic function, and
    each SERVICE it has is one of `local_services` (answered from this store's own data, such as text:search).

    Give the query as it will be evaluated (SERVICE to Wikidata offline already turned into GRAPH <snapshot>). The
    text is read conservatively: a name like NOW( anywhere, even in a string, counts as a call; a text whose SERVICE
    targets cannot be read unambiguously raises (the query itself would be refused).
    """
    text = query.encode("utf-8", "surrogatepass")
    upper = text.upper()  # ASCII letters only: positions stay those of `text`
    if _calls_volatile(upper, text):
        return False
    if b"SERVICE" not in upper:
        return True
    return all(t.iri in local_services for t in remote_targets(query, base_iri) if t.keyword == "SERVICE")


_EPOCHS: "weakref.WeakKeyDictionary[object, str]" = weakref.WeakKeyDictionary()
_EPOCHS_LOCK = threading.Lock()


def data_version(kg) -> str:
    """The version of `kg`'s data: its epoch (random, one per KnowledgeGraph object) and its write generation."""
    with _EPOCHS_LOCK:
        epoch = _EPOCHS.get(kg)
        if epoch is None:
            epoch = _EPOCHS[kg] = secrets.token_hex(8)
    return f"{epoch}.{kg.generation}"


def entity_tag(version: str, *request: object) -> str:
    """A weak entity tag (RFC 9110 §8.8.3) for the answer to `request` (its parts: the query, its dataset, the
    negotiated media type...; strings, or values told apart by their repr) on the data of `version`.

    Weak, because the same request on the same data gives an equivalent answer, not always the same bytes: blank
    node labels of a CONSTRUCT template are new at every evaluation, and rows without ORDER BY may come in another
    order once the store is reopened.
    """
    pieces = []
    for part in (version, *request):  # each part typed and length-prefixed: no two requests read alike
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else repr(part).encode()
        pieces.append(b"%c%d:" % (115 if isinstance(part, str) else 114, len(data)))
        pieces.append(data)
    return 'W/"' + hashlib.blake2b(b"".join(pieces), digest_size=16).hexdigest() + '"'


class ResultCache:
    """A thread-safe LRU of serialized answers, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple):
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: tuple, answer) -> None:
        size = len(answer.body)
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)

    def stats(self) -> dict:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "hits": self.hits, "misses": self.misses}
