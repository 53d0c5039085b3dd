"""Answering protocol operations: evaluate, negotiate the format, serialize (inside the error handling)."""

from __future__ import annotations

from dataclasses import dataclass

from ..kg import KnowledgeGraph
from .formats import GRAPH_FORMATS, RESULT_FORMATS, negotiate
from .protocol import QueryRequest


@dataclass
class Answer:
    """A serialized body and the Content-Type that matches it."""

    body: bytes
    content_type: str


def answer_query(kg: KnowledgeGraph, request: QueryRequest, accept: str | None) -> Answer:
    """Evaluate a query and serialize its result in the negotiated format (406 when none fits)."""
    result = kg.query(
        request.query,
        default_graphs=request.default_graphs,
        named_graphs=request.named_graphs,
        union_default_graph=request.union_default_graph,
    )
    formats = GRAPH_FORMATS if result.kind == "graph" else RESULT_FORMATS
    fmt = negotiate(formats, accept, request.format)
    return Answer(result.serialize(fmt.engine), fmt.content_type)
