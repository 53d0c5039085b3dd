"""Our IRIs and the namespaces we use, in one place."""

from __future__ import annotations

NKG = "https://w3id.org/newskg/ontology#"
ONTOLOGY_IRI = "https://w3id.org/newskg/ontology"
RESOURCE_BASE = "https://w3id.org/newskg/id/"
GRAPH_BASE = "https://w3id.org/newskg/graph/"

SHAPES_GRAPH = GRAPH_BASE + "shapes"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
SYSTEM_GRAPH = GRAPH_BASE + "system"
WIKIDATA_SNAPSHOT_GRAPH = GRAPH_BASE + "wikidata-snapshot"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "http://schema.org/"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
TIME = "http://www.w3.org/2006/time#"
SH = "http://www.w3.org/ns/shacl#"
DCTERMS = "http://purl.org/dc/terms/"
GAF = "http://groundedannotationframework.org/gaf#"
GRASPF = "http://groundedannotationframework.org/grasp/factuality#"
GEO = "http://www.opengis.net/ont/geosparql#"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
TEXT = "https://w3id.org/newskg/text#"  # text:score and text:match (search/sparql_functions.py)
VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"

PREFIXES: dict[str, str] = {
    "nkg": NKG,
    "res": RESOURCE_BASE,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "prov": PROV,
    "schema": SCHEMA,
    "sem": SEM,
    "time": TIME,
    "sh": SH,
    "dcterms": DCTERMS,
    "gaf": GAF,
    "graspf": GRASPF,
    "geo": GEO,
    "wd": WD,
    "wdt": WDT,
    "text": TEXT,
}

