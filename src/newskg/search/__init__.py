"""Full-text search over the store's text literals: a tantivy index kept beside the store (issue 13)."""

from newskg.search.index import MAX_LIMIT, MAX_QUERY_CHARS, Hit, TextIndex, index_folder

__all__ = ["Hit", "MAX_LIMIT", "MAX_QUERY_CHARS", "TextIndex", "index_folder"]
