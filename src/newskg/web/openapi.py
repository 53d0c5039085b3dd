"""What the OpenAPI schema says about parameters and bodies that handlers read themselves (protocol parsing is ours).

The SPARQL and Graph Store handlers take the raw request, because the protocols allow repeated parameters, flags
without values and bodies in many syntaxes. These fragments (given to routes as `openapi_extra`) describe them, so
that the served schema documents the real interface and a schema-driven client or fuzzer can exercise it.
"""

from __future__ import annotations

RDF_MEDIA_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/trig",
    "application/n-quads",
    "application/ld+json",
    "application/rdf+xml",
)


def _query(name: str, description: str, *, array: bool = False, flag: bool = False, **schema) -> dict:
    value = {"type": "string", **schema}
    parameter = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "array", "items": value} if array else value,
    }
    return {**parameter, "allowEmptyValue": True} if flag else parameter


def _text_bodies(*media_types: str, description: str) -> dict:
    return {
        "description": description,
        "required": False,
        "content": {media_type: {"schema": {"type": "string"}} for media_type in media_types},
    }


# HTTP caching (web/conditional.py): answers computed from the data carry a weak ETag; If-None-Match is answered
# before any evaluation.
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "ETags of answers the client holds (or *): a listed one gets 304 (412 for POST) without the "
                   "answer being computed again.",
}
NOT_MODIFIED = {"304": {"description": "Not Modified: the answer still has the ETag that If-None-Match lists; no "
                                       "body (ETag, Cache-Control and Vary as on the 200)."}}
PRECONDITION_FAILED = {"412": {"description": "Precondition Failed: If-None-Match lists the answer's ETag on a POST "
                                              "(RFC 9110 §13.1.2: use GET for a 304)."}}
CONDITIONAL_READ = {"parameters": [IF_NONE_MATCH], "responses": NOT_MODIFIED}


def conditional(extra: dict, responses: dict = NOT_MODIFIED) -> dict:
    """`extra` with the If-None-Match header and the conditional status among its documented answers."""
    return {**extra, "parameters": [*extra.get("parameters", []), IF_NONE_MATCH],
            "responses": {**extra.get("responses", {}), **responses}}


FORMAT = _query("format", "Answer format by name (e.g. json, xml, csv, tsv, ttl, nt, jsonld, trig); overrides Accept.")
DATASET_PARAMETERS = [
    _query("default-graph-uri", "A graph of the default graph (absolute IRI); may repeat.", array=True),
    _query("named-graph-uri", "A named graph of the dataset (absolute IRI); may repeat.", array=True),
]
QUERY_OPTIONS = [
    FORMAT,
    _query("timeout", "Time limit in seconds, at most the server's (a positive, finite number).", format="float"),
    _query("infer", "Whether the query sees the OWL 2 RL entailments.", enum=["true", "false"]),
    _query("union-default-graph", "Whether the default graph is the union of all graphs.", enum=["true", "false"]),
]
SPARQL_GET = conditional({
    "parameters": [_query("query", "A SPARQL 1.1 query (absent: the Service Description)."), *DATASET_PARAMETERS,
                   *QUERY_OPTIONS],
})
SPARQL_POST = conditional({
    "parameters": [*DATASET_PARAMETERS, *QUERY_OPTIONS,
                   _query("using-graph-uri", "USING graph of an update (absolute IRI); may repeat.", array=True),
                   _query("using-named-graph-uri", "USING NAMED graph of an update; may repeat.", array=True)],
    "requestBody": {
        "description": "A query or an update, directly or as a form (SPARQL 1.1 Protocol §2.1.2, §2.2.1, §2.2.2).",
        "required": True,
        "content": {
            "application/sparql-query": {"schema": {"type": "string"}},
            "application/sparql-update": {"schema": {"type": "string"}},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}, "update": {"type": "string"}},
                },
            },
        },
    },
}, PRECONDITION_FAILED)
GRAPH_STORE_TARGET = [
    _query("graph", "The IRI of the graph (indirect identification)."),
    _query("default", "The default graph (a flag: no value needed).", flag=True),
]
GRAPH_STORE_READ = conditional({"parameters": [*GRAPH_STORE_TARGET, FORMAT]})
GRAPH_STORE_DIRECT_READ = conditional({"parameters": [FORMAT]})
GRAPH_STORE_DELETE = {"parameters": GRAPH_STORE_TARGET}
GRAPH_STORE_BODY = _text_bodies(*RDF_MEDIA_TYPES, description="RDF in any syntax we read (or multipart/form-data).")
GRAPH_STORE_WRITE = {"parameters": GRAPH_STORE_TARGET, "requestBody": GRAPH_STORE_BODY}
GRAPH_STORE_DIRECT_WRITE = {"requestBody": GRAPH_STORE_BODY}
RDF_BODY = _text_bodies(*RDF_MEDIA_TYPES, description="RDF in any syntax we read, by Content-Type.")
ASSERTION_SUBMIT = {"requestBody": {**RDF_BODY, "required": True}}
VALIDATE = {
    "parameters": [
        _query("shapes-graph", "Validate with the shapes kept in this graph of the store (absolute IRI)."),
        _query("inference", "Entailments to add before validating.", enum=["none", "rdfs", "owlrl"]),
        _query("base", "Base IRI for relative IRIs in the data and in the uploaded shapes (an absolute http, https "
                       "or urn IRI; anything else is 400)."),
        _query("plain", "Standard SHACL with your own shapes (a 'shapes' part or shapes-graph): the data alone, no "
                        "ontology, no stored context; every result is reported, and conforms is true only when there "
                        "is none.", enum=["true", "false"]),
        _query("format", "Report format by name (json, turtle, jsonld); overrides Accept."),
    ],
    "requestBody": {
        **RDF_BODY,
        "required": True,
        "content": {
            **RDF_BODY["content"],
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "data": {"type": "string", "format": "binary"},
                        "shapes": {"type": "string", "format": "binary"},
                    },
                    "required": ["data"],
                },
                "encoding": {"data": {"contentType": "text/turtle"}, "shapes": {"contentType": "text/turtle"}},
            },
        },
    },
}
