"""SERVICE to Wikidata's query service, redirected: to a mirror, or to the local snapshot graph when offline.

`SERVICE [SILENT] <https://query.wikidata.org/sparql> { P }` is rewritten in the query text before evaluation, at
the positions the federation tokenizer gives (so comments, strings and prefixed names are handled):
- with a mirror (NEWSKG_WIKIDATA_ENDPOINT), the target IRI becomes the mirror's (which is on the allow-list);
- offline (NEWSKG_WIKIDATA_OFFLINE=true), the whole `SERVICE [SILENT] <target>` becomes
  `GRAPH <https://w3id.org/newskg/graph/wikidata-snapshot>`, so `P` is answered from the snapshot, with no network.
Offline wins over a mirror; a SERVICE naming the mirror itself is also answered from the snapshot when offline.
"""

from __future__ import annotations

from newskg.core import vocab
from newskg.sparql.federation import normalise_endpoint, remote_targets

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"


def rewrite_wikidata_service(
    text: str, *, mirror: str | None = None, offline: bool = False, snapshot_graph: str = vocab.WIKIDATA_SNAPSHOT_GRAPH
) -> str:
    """The query with its SERVICE calls to Wikidata sent to the mirror, or turned into GRAPH <snapshot> offline."""
    if not offline and not mirror:
        return text
    wikidata = {normalise_endpoint(WIKIDATA_SPARQL)}
    if offline and mirror:
        wikidata.add(normalise_endpoint(mirror))
    edits = []
    for target in remote_targets(text):
        if target.keyword != "SERVICE" or target.iri is None or normalise_endpoint(target.iri) not in wikidata:
            continue
        if offline:
            edits.append((target.operation_start, target.end, f"GRAPH <{snapshot_graph}>"))
        else:
            edits.append((target.start, target.end, f"<{mirror}>"))
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text


def rewrite_for_settings(text: str, settings) -> str:
    """`rewrite_wikidata_service` with the mirror and offline switch from the settings."""
    return rewrite_wikidata_service(text, mirror=settings.wikidata_endpoint, offline=settings.wikidata_offline)


def answered_from_snapshot(text: str, settings) -> bool:
    """True when the settings answer one of the query's SERVICE calls from the local snapshot (offline mode and a
    SERVICE to Wikidata, or to its mirror): the very rewrite the query goes through, compared with the text."""
    return bool(settings.wikidata_offline) and rewrite_for_settings(text, settings) != text
