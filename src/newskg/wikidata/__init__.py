"""Wikidata integration: a polite client, entity linking, the snapshot, and export of figures.

`client` talks to the search API and the query service; `links` finds and writes links through the SHACL gate;
`snapshot` regenerates graph/wikidata-snapshot.trig; `export` writes QuickStatements v1 or Wikidata-model RDF;
`commands` is `newskg wikidata ...`. SERVICE redirection (mirror, offline) lives in `sparql.wikidata_service`.
"""
