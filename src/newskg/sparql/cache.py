"""A result cache: the same query on the same data answers from memory.

Entries are keyed by the data generation (bumped by every committed write, so a write empties the cache in effect),
the query text, the dataset parameters and the negotiation inputs. Queries whose answer can change without a write
are never cached: SERVICE (remote data) and the non-deterministic functions (RAND, NOW, UUID, STRUUID, BNODE).
The cache holds at most `max_bytes` of serialized answers, evicting the least recently used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from newskg.sparql.federation import tokenize

_VOLATILE = {"SERVICE", "RAND", "NOW", "UUID", "STRUUID", "BNODE"}


def cacheable(query: str) -> bool:
    """False for queries whose answer may change while the data does not."""
    return not any(t.kind == "word" and t.text.upper() in _VOLATILE for t in tokenize(query))


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
