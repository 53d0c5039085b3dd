"""The data behind the HTML pages (query UI, Linked Data pages, article view, ontology docs).

Everything here is SPARQL through the knowledge graph (``kg.query(...).rows()``), shaped into plain dicts and lists
for the templates. No FastAPI import: the HTTP layer (``http/pages.py``) only negotiates, calls and renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.errors import NotFoundError
from newskg.ingest import claims as claim_sheet
from newskg.sparql import terms
from newskg.wikidata.snapshot import snapshot_date

# Prefixes used to show IRIs compactly (ours first, then a few common ones the pages meet).
DISPLAY_PREFIXES: dict[str, str] = {**vocab.PREFIXES, "void": vocab.VOID, "sd": vocab.SD}

# Prefixes for RDF documents: one per kind of minted resource (Turtle cannot abbreviate "res:actor/x"), as in graph/.
SERIALIZATION_PREFIXES: dict[str, str] = {
    **{k: v for k, v in vocab.PREFIXES.items() if k not in ("res", "sh")},
    **{kind: vocab.RESOURCE_BASE + kind + "/" for kind in (
        "article", "actor", "group", "place", "event", "claim", "figure", "withdrawal", "concept")},
    "ts": vocab.RESOURCE_BASE + "time/",
    "graph": vocab.GRAPH_BASE,
}

# Named graphs that never count as asserted or claimed content of a resource.
_HIDDEN_GRAPHS = (vocab.INFERRED_GRAPH, vocab.SYSTEM_GRAPH, vocab.SHAPES_GRAPH)
SNAPSHOT_GRAPHS = (vocab.WIKIDATA_SNAPSHOT_GRAPH, vocab.GRAPH_BASE + "snapshot-wikipedia")

_SKIP_OUT = {vocab.RDF + "type", vocab.RDFS + "label"}


def _resource(value: str) -> dict[str, ox.NamedNode]:
    """The bindings naming a resource as ?r (queries take it by substitution); a value that is not an IRI is a 404."""
    if not terms.is_iri(value):
        raise NotFoundError(f"no resource {value[:200]!r}: not an IRI")
    return {"r": ox.NamedNode(value)}


_HIDDEN = ", ".join(terms.iri_text(g) for g in _HIDDEN_GRAPHS)  # for NOT IN (...)


def compact(iri: str) -> str:
    """prefix:local when a known prefix fits, else the IRI."""
    for name, ns in DISPLAY_PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and "/" not in iri[len(ns):]:
            return f"{name}:{iri[len(ns):]}"
    return iri


@dataclass(frozen=True)
class Site:
    """Where things live on this server: minted IRIs (under the base) map to local paths."""

    base_iri: str = "https://w3id.org/newskg/"

    def local_path(self, iri: str) -> str | None:
        """The path of a minted IRI on this server ("/id/actor/tokayev"), or None for other IRIs."""
        if iri.startswith(vocab.NKG):
            return "/ontology#" + iri[len(vocab.NKG):]
        if iri.startswith(self.base_iri):
            rest = iri[len(self.base_iri):]
            return "/" + rest if rest else None
        return None

    def href(self, iri: str) -> str:
        """Where a link to this IRI should go: the local page for minted IRIs, else the IRI itself."""
        return self.local_path(iri) or iri

    def iri_for_path(self, path: str) -> str:
        """The minted IRI a local path stands for (inverse of local_path)."""
        return self.base_iri + path.lstrip("/")

    def doc_path(self, iri: str) -> str:
        """The document (page) describing a minted IRI: /id/actor/x -> /doc/id/actor/x."""
        return "/doc/" + iri[len(self.base_iri):]


def term_view(term, site: Site, labels: dict[str, str] | None = None) -> dict:
    """One pyoxigraph term as a dict the templates render (text, link, language, datatype)."""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        label = (labels or {}).get(iri)
        return {"kind": "iri", "value": iri, "text": label or compact(iri), "href": site.href(iri),
                "local": site.local_path(iri) is not None, "compact": compact(iri)}
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else ""
        shown = "" if datatype in (vocab.XSD + "string", vocab.RDF + "langString") else compact(datatype)
        return {"kind": "literal", "value": term.value, "text": term.value, "lang": term.language or "",
                "datatype": shown}
    return {"kind": "bnode", "value": str(term), "text": str(term)}


def _pick_label(found: dict[str, str]) -> str | None:
    return found.get("en") or found.get("") or found.get("nl") or (next(iter(found.values())) if found else None)


def labels_for(kg, iris) -> dict[str, str]:
    """English (else untagged, else Dutch) rdfs:label / skos:prefLabel of each IRI: from the default graph, else
    from a named graph (a figure is labelled inside its claim's graph, a Wikidata item in the snapshot)."""
    iris = sorted({i for i in iris if i})
    if not iris:
        return {}
    found: dict[str, dict[str, str]] = {}
    in_graphs: dict[str, dict[str, str]] = {}
    iris = [i for i in iris if terms.is_iri(i)]  # nothing else can be stored
    for start in range(0, len(iris), 200):
        values = terms.iri_list(iris[start:start + 200])
        rows = kg.query(
            f"SELECT ?s ?l ?g WHERE {{ VALUES ?s {{ {values} }} {{ ?s <{vocab.RDFS}label>|<{vocab.SKOS}prefLabel> ?l }}"
            f" UNION {{ GRAPH ?g {{ ?s <{vocab.RDFS}label>|<{vocab.SKOS}prefLabel> ?l }} FILTER(?g NOT IN ({_HIDDEN})) }} }}"
        ).rows()
        for row in rows:
            target = in_graphs if "g" in row else found
            target.setdefault(row["s"].value, {}).setdefault(row["l"].language or "", row["l"].value)
    for iri, langs in in_graphs.items():
        found.setdefault(iri, langs)
    return {iri: _pick_label(langs) for iri, langs in found.items() if _pick_label(langs)}


# --------------------------------------------------------------------------------------------- examples
@dataclass(frozen=True)
class Example:
    """One research question of queries/examples: its file name, title, description and SPARQL text."""

    name: str
    title: str
    description: str
    query: str


def examples(project_dir: Path) -> list[Example]:
    """The example queries (queries/examples/*.rq), in file order, with their `# title:` and `# description:`."""
    out = []
    for path in sorted((Path(project_dir) / "queries" / "examples").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title = path.stem
        description = []
        for line in text.splitlines():
            if line.startswith("# title:"):
                title = line[len("# title:"):].strip()
            elif line.startswith("# description:"):
                description.append(line[len("# description:"):].strip())
        out.append(Example(path.stem, title, " ".join(description), text))
    return out


# --------------------------------------------------------------------------------------------- resources
def is_known(kg, iri: str) -> bool:
    """True when the store mentions the IRI anywhere: as subject or object, in any graph, or as a graph name."""
    return kg.query(
        "ASK { { ?r ?p ?o } UNION { ?s ?p ?r } UNION { GRAPH ?g { ?r ?p ?o } }"
        " UNION { GRAPH ?g { ?s ?p ?r } } UNION { GRAPH ?r { ?s ?p ?o } } }",
        bindings=_resource(iri),
    ).boolean


def _claim_rows(kg, where: str, bindings: dict) -> list[dict]:
    """Claims matching a pattern on ?claim (and the `bindings`' variables), with their metadata, ordered by IRI."""
    n = vocab.NKG
    bound = "".join(f"?{name} " for name in bindings if name != "claim")  # substituted variables are projected
    return kg.query(
        f"SELECT DISTINCT {bound}?claim ?label ?claimant ?status ?quote ?translation ?summary ?relayedBy WHERE {{ "
        f"{where} ?claim a <{n}Claim> . "
        f"OPTIONAL {{ ?claim <{vocab.RDFS}label> ?label FILTER(LANG(?label) = 'en') }} "
        f"OPTIONAL {{ ?claim <{n}claimant> ?claimant }} OPTIONAL {{ ?claim <{n}status> ?status }} "
        f"OPTIONAL {{ ?claim <{n}quote> ?quote }} OPTIONAL {{ ?claim <{n}translation> ?translation }} "
        f"OPTIONAL {{ ?claim <{n}summary> ?summary }} "
        f"OPTIONAL {{ ?claim <{n}relayedBy> ?relayedBy }} }} ORDER BY ?claim",
        bindings=bindings,
    ).rows()


def _status_name(status_iri: str | None) -> str:
    return status_iri[len(vocab.NKG):].lower() if status_iri and status_iri.startswith(vocab.NKG) else "unknown"


def _claims_view(rows: list[dict], site: Site, labels: dict[str, str]) -> list[dict]:
    claims: dict[str, dict] = {}
    for row in rows:
        iri = row["claim"].value
        claim = claims.setdefault(iri, {
            "iri": iri, "href": site.href(iri), "id": iri.rsplit("/", 1)[-1],
            "label": row["label"].value if "label" in row else compact(iri),
            "claimant": term_view(row["claimant"], site, labels) if "claimant" in row else None,
            "status": _status_name(row["status"].value if "status" in row else None),
            "quote": row["quote"].value if "quote" in row else "",
            "translation": row["translation"].value if "translation" in row else "",
            "summary": row["summary"].value if "summary" in row else "",
            "relayed_by": [],
        })
        if "relayedBy" in row:
            relay = term_view(row["relayedBy"], site, labels)
            if relay not in claim["relayed_by"]:
                claim["relayed_by"].append(relay)
    return list(claims.values())


def _iris_in(rows: list[dict]) -> set[str]:
    return {t.value for row in rows for t in row.values() if isinstance(t, ox.NamedNode)}


def describe(kg, site: Site, iri: str) -> dict:
    """Everything the resource page shows: labels, types, properties, incoming links, claims, Wikidata link."""
    resource = _resource(iri)
    label_rows = kg.query(f"SELECT ?r ?l WHERE {{ ?r <{vocab.RDFS}label>|<{vocab.SKOS}prefLabel> ?l }}",
                          bindings=resource).rows()
    type_rows = kg.query("SELECT ?r ?t WHERE { ?r a ?t } ORDER BY ?t", bindings=resource).rows()
    out_rows = kg.query("SELECT ?r ?p ?o WHERE { ?r ?p ?o } ORDER BY ?p ?o", bindings=resource).rows()
    in_rows = kg.query("SELECT ?r ?s ?p WHERE { ?s ?p ?r } ORDER BY ?p ?s", bindings=resource).rows()
    said_rows = kg.query(
        "SELECT ?r ?g ?s ?p ?o WHERE { GRAPH ?g { { ?r ?p ?o BIND(?r AS ?s) } UNION { ?s ?p ?r BIND(?r AS ?o) } }"
        f" ?g a <{vocab.NKG}Claim> }} ORDER BY ?g ?s ?p ?o", bindings=resource,
    ).rows()
    graph_rows = kg.query(
        f"SELECT ?r ?s ?p ?o WHERE {{ GRAPH ?r {{ ?s ?p ?o }} FILTER(?r NOT IN ({_HIDDEN})) }}"
        " ORDER BY ?s ?p ?o LIMIT 500", bindings=resource,
    ).rows()
    n = vocab.NKG
    by_rows = _claim_rows(kg, f"?claim <{n}claimant> ?r .", resource)
    relayed_rows = _claim_rows(kg, f"?claim <{n}relayedBy> ?r .", resource)
    about_rows = _claim_rows(
        kg, f"{{ ?claim <{n}aboutEvent> ?r }} UNION {{ GRAPH ?claim {{ {{ ?r ?p1 ?o1 }} UNION {{ ?s1 ?p1 ?r }} }} }}",
        resource,
    )
    wikidata_rows = kg.query(
        f"SELECT ?r ?wd ?label WHERE {{ ?r <{n}wikidata> ?wd . OPTIONAL {{ GRAPH <{vocab.WIKIDATA_SNAPSHOT_GRAPH}> "
        f"{{ ?wd <{vocab.RDFS}label> ?label FILTER(LANG(?label) = 'en') }} }} }}", bindings=resource,
    ).rows()
    all_rows = type_rows + out_rows + in_rows + said_rows + graph_rows + by_rows + relayed_rows + about_rows
    labels = labels_for(kg, _iris_in(all_rows) | {iri})

    def triples(rows):
        return [{"g": term_view(r["g"], site, labels) if "g" in r else None, "s": term_view(r["s"], site, labels),
                 "p": term_view(r["p"], site, labels), "o": term_view(r["o"], site, labels)} for r in rows]

    types = [term_view(r["t"], site, labels) for r in type_rows]
    claim = None
    if any(r["t"].value == n + "Claim" for r in type_rows):
        claim = _claims_view(_claim_rows(kg, "", {"claim": resource["r"]}), site, labels)[0]
        article = next((r["o"].value for r in out_rows if r["p"].value == n + "reportedIn"), None)
        claim["article_href"] = article_path(article, site, claim["id"]) if article else None
    article_view_href = None
    if any(r["t"].value == n + "Article" for r in type_rows):
        article_view_href = article_path(iri, site)
    return {
        "iri": iri,
        "compact": compact(iri),
        "labels": sorted(({"text": r["l"].value, "lang": r["l"].language or ""} for r in label_rows),
                         key=lambda x: (x["lang"] != "nl", x["lang"] != "en", x["lang"])),
        "title": labels.get(iri) or _pick_label({r["l"].language or "": r["l"].value for r in label_rows}) or compact(iri),
        "types": types,
        "properties": [{"p": term_view(r["p"], site, labels), "o": term_view(r["o"], site, labels)}
                       for r in out_rows if r["p"].value not in _SKIP_OUT],
        "incoming": [{"s": term_view(r["s"], site, labels), "p": term_view(r["p"], site, labels)} for r in in_rows],
        "said_in_claims": triples(said_rows),
        "graph": triples(graph_rows),
        "claims_by": _claims_view(by_rows, site, labels),
        "claims_relayed": _claims_view(relayed_rows, site, labels),
        "claims_about": _claims_view(about_rows, site, labels),
        "wikidata": [{"iri": r["wd"].value, "compact": compact(r["wd"].value),
                      "label": r["label"].value if "label" in r else ""} for r in wikidata_rows],
        "claim": claim,
        "article_view": article_view_href,
    }


def description_quads(kg, iri: str, *, with_graphs: bool) -> list:
    """The RDF description of a resource: its triples in the default graph; with_graphs adds, each in its own
    named graph, the graph named by the resource (a claim's graph) and what claim graphs say about it."""
    bindings = _resource(iri)
    quads = [ox.Quad(bindings["r"], r["p"], r["o"], ox.DefaultGraph())
             for r in kg.query("SELECT ?r ?p ?o WHERE { ?r ?p ?o }", bindings=bindings).rows()]
    if with_graphs:
        rows = kg.query(
            "SELECT DISTINCT ?r ?g ?s ?p ?o WHERE { { GRAPH ?r { ?s ?p ?o } BIND(?r AS ?g) } UNION "
            f"{{ GRAPH ?g {{ ?r ?p ?o BIND(?r AS ?s) }} ?g a <{vocab.NKG}Claim> }} "
            f"FILTER(?g NOT IN ({_HIDDEN})) }}", bindings=bindings,
        ).rows()
        quads += [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]
    return quads


def serialize(quads: list, rdf_format) -> bytes:
    """Quads (or triples) in one RDF syntax, with our prefixes where the syntax has them."""
    if not rdf_format.supports_datasets:
        quads = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return ox.serialize(quads, format=rdf_format, prefixes=SERIALIZATION_PREFIXES)


# --------------------------------------------------------------------------------------------- the article view
def article_path(article_iri: str, site: Site, claim_id: str | None = None) -> str:
    """The article view of an article IRI (/article/<slug>), optionally at one claim's mark."""
    path = "/article/" + article_iri.rsplit("/", 1)[-1]
    return path + (f"#{claim_id}" if claim_id else "")


def mark_spans(text: str, spans: list[tuple[int, int, str]]) -> list:
    """Split text into a tree of plain strings and marks: ("mark", id, children). Nested spans nest; a span that
    crosses the end of an enclosing one is cut in pieces (each a mark with the same id)."""
    ordered = sorted((s, e, i) for s, e, i in spans if 0 <= s < e <= len(text))
    ordered.sort(key=lambda x: (x[0], -x[1]))

    def build(start: int, end: int, items: list) -> list:
        out: list = []
        pos = start
        rest = list(items)
        while rest:
            s, e, ident = rest.pop(0)
            s, e = max(s, pos), min(e, end)
            if s >= e:
                continue
            inner = [(s2, e2, i2) for s2, e2, i2 in rest if s2 < e]
            rest = [x for x in rest if x[0] >= e] + [(e, e2, i2) for s2, e2, i2 in inner if e2 > e]
            rest.sort(key=lambda x: (x[0], -x[1]))
            if s > pos:
                out.append(text[pos:s])
            out.append(("mark", ident, build(s, e, inner)))
            pos = e
        if pos < end:
            out.append(text[pos:end])
        return out

    return build(0, len(text), ordered)


def _date(term) -> date | None:
    try:
        return date.fromisoformat(term.value) if term is not None else None
    except ValueError:
        return None


def timeline(kg, site: Site, article_iri: str) -> dict:
    """Dated events and statements of an article's claims, as bars on one date axis (percent positions)."""
    n = vocab.NKG
    rows = kg.query(
        f"SELECT DISTINCT ?r ?item ?kind ?spec ?earliest ?latest ?precision ?expression WHERE {{ "
        f"?claim <{n}reportedIn> ?r . "
        f"{{ ?claim <{n}statedAt> ?spec BIND(?claim AS ?item) BIND('statement' AS ?kind) }} UNION "
        f"{{ ?claim <{n}aboutEvent> ?item . ?item <{n}occurredAt> ?spec BIND('event' AS ?kind) }} UNION "
        f"{{ ?claim <{n}aboutEvent>/<{vocab.SEM}subEventOf> ?item . ?item <{n}occurredAt> ?spec BIND('event' AS ?kind) }} UNION "
        f"{{ GRAPH ?claim {{ ?item <{n}occurredAt> ?spec }} BIND('event' AS ?kind) }} UNION "
        f"{{ ?claim <{n}withdrawnBy> ?item . ?item <{n}occurredAt> ?spec BIND('withdrawal' AS ?kind) }} "
        f"OPTIONAL {{ ?spec <{n}earliest> ?earliest }} OPTIONAL {{ ?spec <{n}latest> ?latest }} "
        f"OPTIONAL {{ ?spec <{n}precision> ?precision }} "
        f"OPTIONAL {{ ?spec <{n}expression> ?expression }} }}", bindings=_resource(article_iri),
    ).rows()
    labels = labels_for(kg, _iris_in(rows))
    items = []
    for r in rows:
        early, late = _date(r.get("earliest")), _date(r.get("latest"))
        if early is None and late is None:
            continue
        items.append({"item": term_view(r["item"], site, labels), "kind": r["kind"].value,
                      "spec": term_view(r["spec"], site, labels), "earliest": early, "latest": late,
                      "precision": compact(r["precision"].value) if "precision" in r else "",
                      "expression": r["expression"].value if "expression" in r else ""})
    if not items:
        return {"items": [], "ticks": []}
    first = min(d for i in items for d in (i["earliest"], i["latest"]) if d)
    last = max(d for i in items for d in (i["earliest"], i["latest"]) if d)
    span = max((last - first).days + 1, 1)
    for i in items:
        start = i["earliest"] or first
        end = i["latest"] or last
        i["open_start"] = i["earliest"] is None
        i["left"] = round(100 * (start - first).days / span, 2)
        i["width"] = round(100 * ((end - start).days + 1) / span, 2)
    items = _group_statements(items)
    items.sort(key=lambda i: (i["earliest"] or date.min, i["latest"] or date.max, i["kind"], i["item"]["text"]))
    ticks = []
    for offset in range(0, span, 7 if span > 21 else -(-span // 7)):  # at most about seven labels fit
        d = date.fromordinal(first.toordinal() + offset)
        ticks.append({"left": round(100 * offset / span, 2), "text": d.isoformat()})
    return {"items": items, "ticks": ticks, "first": first, "last": last}


def _group_statements(items: list[dict]) -> list[dict]:
    """One row per statement date (its TimeSpec) listing the claims stated then; events keep one row each."""
    rows: list[dict] = []
    by_spec: dict[str, dict] = {}
    for item in items:
        if item["kind"] != "statement":
            item["claims"] = []
            rows.append(item)
            continue
        row = by_spec.get(item["spec"]["value"])
        if row is None:
            row = by_spec[item["spec"]["value"]] = {**item, "item": item["spec"], "claims": []}
            rows.append(row)
        row["claims"].append(item["item"])
    for row in by_spec.values():
        row["claims"].sort(key=lambda c: c["value"])
    return rows


_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?point\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$", re.IGNORECASE)


def places(kg, site: Site, article_iri: str) -> list[dict]:
    """Places the article's claims mention (or whose events happen in, and what those lie in), with coordinates
    from the snapshot graphs (wdt:P625 WKT points), and the graph each point comes from."""
    n = vocab.NKG
    graphs = terms.iri_list(SNAPSHOT_GRAPHS)
    rows = kg.query(
        f"SELECT DISTINCT ?r ?place ?wd ?wkt ?graph WHERE {{ ?claim <{n}reportedIn> ?r . "
        f"{{ GRAPH ?claim {{ {{ ?x ?y ?place }} UNION {{ ?place ?y ?x }} }} }} UNION "
        f"{{ ?claim <{n}aboutEvent>/<{vocab.SEM}hasPlace>/<{n}locatedIn>* ?place }} "
        f"?place a/<{vocab.RDFS}subClassOf>* <{n}Place> ; <{n}wikidata> ?wd . "
        f"VALUES ?graph {{ {graphs} }} GRAPH ?graph {{ ?wd <{vocab.WDT}P625> ?wkt }} }} ORDER BY ?place",
        bindings=_resource(article_iri),
    ).rows()
    labels = labels_for(kg, _iris_in(rows))
    out = []
    for r in rows:
        match = _POINT.match(r["wkt"].value)
        if not match:
            continue
        out.append({"iri": r["place"].value, "href": site.href(r["place"].value),
                    "label": labels.get(r["place"].value, compact(r["place"].value)),
                    "wikidata": r["wd"].value, "lon": float(match.group(1)), "lat": float(match.group(2)),
                    "graph": r["graph"].value, "graph_name": r["graph"].value.rsplit("/", 1)[-1]})
    return out


# Figures across sources: arrests and deaths over the days, one point per figure claim (server-rendered SVG).
CHART_KINDS = (("Arrests", "Arrests"), ("Deaths", "Deaths"))  # (nkg local name, panel title)
_APPROXIMATION_WORDS = {"Almost": "almost ", "About": "about ", "AtLeast": "at least ", "MoreThan": "more than "}
_CHART = {"width": 960, "panel": 150, "gap": 34, "left": 64, "right": 16, "top": 22, "bottom": 26}


def web_address(value: str) -> str:
    """`value` if it is an http(s) address (safe as a link target), else "" (no javascript: or data: links)."""
    return value if re.match(r"https?://[^\s]+$", value or "", re.IGNORECASE) else ""


def figure_claims(kg, site: Site, article_iri: str) -> list[dict]:
    """Every arrests or deaths figure any source claims about the article's events (and the events they are part
    of, and those events' parts), with the statement dates, claimant, outlet, status and what supersedes what."""
    n = vocab.NKG
    kinds = " ".join(f"<{n}{local}>" for local, _ in CHART_KINDS)
    events = [r["event"].value for r in kg.query(
        f"SELECT DISTINCT ?r ?event WHERE {{ ?c <{n}reportedIn> ?r . "
        f"{{ ?c <{n}aboutEvent> ?told }} UNION {{ GRAPH ?c {{ ?x <{n}figureOf> ?told }} }} "
        f"?told <{vocab.SEM}subEventOf>* ?event }}",
        bindings=_resource(article_iri),
    ).rows() if isinstance(r["event"], ox.NamedNode)]
    if not events:
        return []
    rows = kg.query(  # the events as checked IRI terms in VALUES: no subquery re-binds the article variable
        f"SELECT DISTINCT ?claim ?f ?kind ?value ?approx ?group ?earliest ?latest ?status ?claimant ?source "
        f"?outlet ?headline ?supersedes WHERE {{ VALUES ?event {{ {terms.iri_list(events)} }} "
        f"?part <{vocab.SEM}subEventOf>* ?event . "
        f"GRAPH ?claim {{ ?f <{n}figureOf> ?part ; <{n}figureKind> ?kind ; <{n}value> ?value . "
        f"OPTIONAL {{ ?f <{n}approximation> ?approx }} OPTIONAL {{ ?f <{n}countedGroup> ?group }} }} "
        f"VALUES ?kind {{ {kinds} }} ?claim a <{n}Claim> . "
        f"OPTIONAL {{ ?claim <{n}statedAt> ?spec OPTIONAL {{ ?spec <{n}earliest> ?earliest }} "
        f"OPTIONAL {{ ?spec <{n}latest> ?latest }} }} "
        f"OPTIONAL {{ ?claim <{n}status> ?status }} OPTIONAL {{ ?claim <{n}claimant> ?claimant }} "
        f"OPTIONAL {{ ?claim <{n}reportedIn> ?source OPTIONAL {{ ?source <{vocab.SCHEMA}publisher> ?outlet }} "
        f"OPTIONAL {{ ?source <{vocab.SCHEMA}headline> ?headline }} }} "
        f"OPTIONAL {{ ?claim <{n}supersedes> ?supersedes }} }}"
    ).rows()
    labels = labels_for(kg, _iris_in(rows))
    claims: dict[tuple[str, str], dict] = {}
    for r in rows:
        try:
            value = float(r["value"].value)
        except ValueError:
            continue
        iri = r["claim"].value
        point = claims.setdefault((iri, r["f"].value), {
            "claim": iri, "id": iri.rsplit("/", 1)[-1],
            "href": site.doc_path(iri) if iri.startswith(site.base_iri) else iri,
            "kind": r["kind"].value[len(n):], "value": value,
            "approximation": r["approx"].value[len(n):] if "approx" in r else "",
            "group": labels.get(r["group"].value, compact(r["group"].value)) if "group" in r else "",
            "earliest": _date(r.get("earliest")), "latest": _date(r.get("latest")),
            "status": _status_name(r["status"].value if "status" in r else None),
            "claimant": labels.get(r["claimant"].value, compact(r["claimant"].value)) if "claimant" in r else "",
            "source": r["source"].value if "source" in r else "",
            "outlet": (labels.get(r["outlet"].value, compact(r["outlet"].value)) if "outlet" in r
                       else r["headline"].value if "headline" in r else ""),
            "supersedes": set(),
        })
        if "supersedes" in r:
            point["supersedes"].add(r["supersedes"].value)
    return sorted(claims.values(), key=lambda c: (c["earliest"] or c["latest"] or date.max, c["kind"], c["id"]))


def _nice_ceiling(value: float) -> tuple[float, float]:
    """An axis top at or above `value`, and a tick step giving 2 to 5 ticks (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0, 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (power / 5, power / 2, power, power * 2, power * 5, power * 10):
        if step > 0 and value / step <= 5:
            top = step * -(-value // step)
            return top, step
    return value, value


def _number(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,.1f}"


def _day_positions(days: set[date], longest_gap: int = 3, gap_width: float = 1.5) -> tuple[dict, list, float]:
    """Each day's position on a time axis whose empty stretches longer than `longest_gap` days are cut to
    `gap_width` days (so a late figure does not squeeze the busy days); the cuts' positions; the axis length."""
    ordered = sorted(days)
    position, cuts = {ordered[0]: 1.0}, []
    for before, after in zip(ordered, ordered[1:]):
        gap = (after - before).days
        if gap > longest_gap:
            cuts.append(position[before] + gap_width / 2)
        position[after] = position[before] + (gap_width if gap > longest_gap else gap)
    return position, cuts, position[ordered[-1]] + 1.0


def figure_chart(kg, site: Site, article_iri: str) -> dict:
    """The arrests and deaths chart of the article view: one panel per kind, one linked point per figure claim,
    positions in SVG user units; figures without a statement date are counted, not drawn."""
    claims = figure_claims(kg, site, article_iri)
    dated = [c for c in claims if c["earliest"] or c["latest"]]
    geometry = dict(_CHART)
    out = {**geometry, "panels": [], "undated": len(claims) - len(dated), "count": len(dated), "height": 0}
    if not dated:
        return out
    for c in dated:
        c["start"], c["end"] = c["earliest"] or c["latest"], c["latest"] or c["earliest"]
    position, cuts, length = _day_positions({d for c in dated for d in (c["start"], c["end"])})
    inner = geometry["width"] - geometry["left"] - geometry["right"]

    def x(units: float) -> float:
        return round(geometry["left"] + inner * units / length, 1)

    ticks, last_tick = [], None
    for day in sorted({c["start"] for c in dated}):
        if last_tick is None or x(position[day]) - last_tick >= 40:
            last_tick = x(position[day])
            ticks.append({"x": last_tick, "text": f"{day.day} {day:%b}"})
    breaks = [x(u) for u in cuts]
    superseded = {old for c in dated for old in c["supersedes"]}
    height = geometry["panel"] - geometry["top"] - geometry["bottom"]
    top = 0
    for local, title in CHART_KINDS:
        points = [c for c in dated if c["kind"] == local]
        if not points:
            continue
        ceiling, step = _nice_ceiling(1.05 * max(c["value"] for c in points))

        def y(value: float) -> float:
            return round(geometry["top"] + height * (1 - value / ceiling), 1)

        drawn, same_place = [], {}
        for c in points:
            said = c["start"].isoformat() if c["start"] == c["end"] else f"{c['start']} – {c['end']}"
            text = f"{_APPROXIMATION_WORDS.get(c['approximation'], '')}{_number(c['value'])} {title.lower()}"
            text += f" ({c['group']})" if c["group"] else ""
            text += f", stated {said}"
            text += f"; claimant: {c['claimant']}" if c["claimant"] else ""
            text += f"; outlet: {c['outlet']}" if c["outlet"] else ""
            text += "; withdrawn" if c["status"] == "withdrawn" else ""
            text += "; superseded by a later figure" if c["claim"] in superseded else ""
            point = {**c, "cx": x(position[c["start"]]), "cy": y(c["value"]), "superseded": c["claim"] in superseded,
                     "x2": x(position[c["end"]]) if c["end"] != c["start"] else None, "title": text}
            same_place.setdefault((point["cx"], point["cy"]), []).append(point)
            drawn.append(point)
        for group in same_place.values():  # side by side, so that each one can be pointed at and followed
            for k, point in enumerate(group):
                point["cx"] = round(point["cx"] + 8 * (k - (len(group) - 1) / 2), 1)
        at = {p["claim"]: p for p in drawn}
        ends = sorted({(at[old]["cx"], at[old]["cy"], p["cx"], p["cy"])
                       for p in drawn for old in p["supersedes"] if old in at})
        links = [{"x1": x1, "y1": y1, "x2": x2, "y2": y2} for x1, y1, x2, y2 in ends]
        yticks = [{"y": y(k * step), "text": _number(k * step)} for k in range(int(round(ceiling / step)) + 1)]
        out["panels"].append({"kind": local.lower(), "title": title, "top": top, "points": drawn, "links": links,
                              "yticks": yticks, "xticks": ticks, "breaks": breaks, "baseline": y(0)})
        top += geometry["panel"] + geometry["gap"]
    out["height"] = top - geometry["gap"]
    return out


def article_view(kg, site: Site, article_iri: str) -> dict | None:
    """The article with each claim's sentence marked, its claims, timeline and places; None if no such article."""
    article = _resource(article_iri)
    n, s = vocab.NKG, vocab.SCHEMA
    head = kg.query(
        f"SELECT ?r ?headline ?body ?url ?publisher ?date ?language WHERE {{ ?r a <{n}Article> . "
        f"OPTIONAL {{ ?r <{s}headline> ?headline }} OPTIONAL {{ ?r <{s}articleBody> ?body }} "
        f"OPTIONAL {{ ?r <{s}inLanguage> ?language }} "
        f"OPTIONAL {{ ?r <{s}url> ?url }} OPTIONAL {{ ?r <{s}publisher> ?publisher }} "
        f"OPTIONAL {{ ?r <{s}datePublished> ?date }} }} LIMIT 1", bindings=article,
    ).rows()
    if not head:
        return None
    head = head[0]
    rows = _claim_rows(kg, f"?claim <{n}reportedIn> ?r .", article)
    offsets = {r["claim"].value: (int(r["start"].value), int(r["end"].value)) for r in kg.query(
        f"SELECT ?r ?claim ?start ?end WHERE {{ ?claim <{n}reportedIn> ?r ; <{n}charStart> ?start ; <{n}charEnd> ?end }}",
        bindings=article,
    ).rows()}
    extra = kg.query(
        f"SELECT ?r ?claim ?stated ?earliest ?latest ?withdrawnBy ?withdrawer WHERE {{ ?claim <{n}reportedIn> ?r . "
        f"OPTIONAL {{ ?claim <{n}statedAt> ?stated OPTIONAL {{ ?stated <{n}earliest> ?earliest }} "
        f"OPTIONAL {{ ?stated <{n}latest> ?latest }} }} "
        f"OPTIONAL {{ ?claim <{n}withdrawnBy> ?withdrawnBy "
        f"OPTIONAL {{ ?withdrawnBy <{vocab.PROV}wasAssociatedWith> ?withdrawer }} }} }}", bindings=article,
    ).rows()
    labels = labels_for(kg, _iris_in(rows) | _iris_in(extra) | {article_iri}
                        | ({head["publisher"].value} if "publisher" in head else set()))
    claims = _claims_view(rows, site, labels)
    by_iri = {c["iri"]: c for c in claims}
    for r in extra:
        claim = by_iri.get(r["claim"].value)
        if claim is None:
            continue
        claim["stated"] = term_view(r["stated"], site, labels) if "stated" in r else None
        if claim["stated"] and r["stated"].value not in labels and "earliest" in r:  # unlabelled: its dates
            span = {r["earliest"].value, r["latest"].value if "latest" in r else r["earliest"].value}
            claim["stated"]["text"] = " – ".join(sorted(span))
        claim["withdrawn_by"] = term_view(r["withdrawnBy"], site, labels) if "withdrawnBy" in r else None
        claim["withdrawer"] = term_view(r["withdrawer"], site, labels) if "withdrawer" in r else None
    body = head["body"].value if "body" in head else ""
    spans = []
    for claim in claims:
        start, end = offsets.get(claim["iri"], (None, None))
        claim["start"], claim["end"] = start, end
        if start is not None:
            spans.append((start, end, claim["id"]))
    claimants = sorted({(c["claimant"]["value"], c["claimant"]["text"]) for c in claims if c["claimant"]},
                       key=lambda x: x[1].lower())
    claims_js = {c["id"]: {
        "label": c["label"], "href": c["href"], "status": c["status"], "quote": c["quote"],
        "translation": c["translation"], "summary": c["summary"],
        "claimant": c["claimant"]["text"] if c["claimant"] else "",
        "claimantHref": c["claimant"]["href"] if c["claimant"] else "",
        "relayedBy": [r["text"] for r in c["relayed_by"]],
        "stated": c["stated"]["text"] if c.get("stated") else "",
        "withdrawnBy": c["withdrawer"]["text"] if c.get("withdrawer") else "",
    } for c in claims}
    return {
        "iri": article_iri,
        "status_of": {c["id"]: c["status"] for c in claims},
        "order_of": {c["id"]: n for n, c in enumerate(sorted(claims, key=lambda c: (c["start"] or 0, c["id"])))},
        "claims_js": claims_js,
        "page": site.doc_path(article_iri) if article_iri.startswith(site.base_iri) else article_iri,
        "headline": (head["headline"].value if "headline" in head else labels.get(article_iri, compact(article_iri))),
        "language": head["language"].value if "language" in head else ("nl" if body else "en"),
        "url": web_address(head["url"].value) if "url" in head else "",
        "publisher": term_view(head["publisher"], site, labels) if "publisher" in head else None,
        "date": head["date"].value if "date" in head else "",
        "body": body,
        "marked": mark_spans(body, spans),
        "claims": claims,
        "claimants": [{"iri": i, "label": l} for i, l in claimants],
        "statuses": sorted({c["status"] for c in claims}),
        "timeline": timeline(kg, site, article_iri),
        "chart": kg.memo(f"figure-chart {site.base_iri} {article_iri}", lambda: figure_chart(kg, site, article_iri)),
        "places": places(kg, site, article_iri),
        "events": events(kg),
        "choices": CLAIM_CHOICES,
    }


def articles(kg, site: Site) -> list[dict]:
    """Every article in the store, with its headline and the number of claims reported in it."""
    n, s = vocab.NKG, vocab.SCHEMA
    rows = kg.query(
        f"SELECT ?a (SAMPLE(?h) AS ?headline) (COUNT(DISTINCT ?c) AS ?claims) WHERE {{ ?a a <{n}Article> . "
        f"OPTIONAL {{ ?a <{s}headline> ?h }} OPTIONAL {{ ?c <{n}reportedIn> ?a }} }} GROUP BY ?a ORDER BY ?a"
    ).rows()
    return [{"iri": r["a"].value, "href": article_path(r["a"].value, site),
             "headline": r["headline"].value if "headline" in r else compact(r["a"].value),
             "claims": int(r["claims"].value)} for r in rows]



def wikidata_offline_note(kg) -> dict | None:
    """For the query page when offline mode is on (SERVICE to Wikidata answered from the snapshot graph): the
    snapshot's date as the store records it (its prov:generatedAtTime), shown as a day; None when offline is off."""
    if not kg.settings.wikidata_offline:
        return None
    recorded = snapshot_date(kg)
    day = recorded[:10] if recorded and re.fullmatch(r"\d{4}-\d{2}-\d{2}", recorded[:10]) else None
    return {"graph": vocab.WIKIDATA_SNAPSHOT_GRAPH, "datetime": recorded, "day": day}


def events(kg) -> list[dict]:
    """Every event in the store (what a new claim can be about), with its English (else any) label, by label."""
    n = vocab.NKG
    rows = kg.query(
        f"SELECT DISTINCT ?e WHERE {{ ?e a/<{vocab.RDFS}subClassOf>* <{n}Event> FILTER(ISIRI(?e)) }}"
    ).rows()
    iris = [r["e"].value for r in rows]
    labels = labels_for(kg, iris)
    return sorted(({"iri": i, "label": labels.get(i, compact(i))} for i in iris), key=lambda e: e["label"].lower())


# Choices of the annotation form, named as the claims sheet names them (ingest/claims.py holds the rules).
CLAIM_CHOICES = {
    "status": tuple(claim_sheet.STATUSES),
    **{name: tuple(values) for name, values in claim_sheet.FACTUALITY.items()},
    "figure_kind": tuple(claim_sheet.FIGURE_KINDS),
    "figure_approximation": tuple(claim_sheet.APPROXIMATIONS),
    "claimant_new": claim_sheet.NEW_ACTOR_CLASSES,
    "event_new": claim_sheet.NEW_EVENT_CLASSES,
}

# --------------------------------------------------------------------------------------------- ontology docs
_KINDS = {
    vocab.OWL + "Class": "class",
    vocab.OWL + "ObjectProperty": "property",
    vocab.OWL + "DatatypeProperty": "property",
    vocab.OWL + "AnnotationProperty": "property",
    vocab.RDF + "Property": "property",
    vocab.SKOS + "ConceptScheme": "scheme",
    vocab.SKOS + "Concept": "individual",
    vocab.OWL + "NamedIndividual": "individual",
}


@dataclass
class Term:
    """One ontology term for the documentation page."""

    iri: str
    local: str
    kinds: set[str] = field(default_factory=set)
    types: list[str] = field(default_factory=list)
    values: dict[str, list] = field(default_factory=dict)


def ontology_doc(kg, site: Site) -> dict:
    """The ontology's header and its classes, properties, concept schemes and individuals, from the store."""
    header_rows = kg.query(f"SELECT ?p ?o WHERE {{ <{vocab.ONTOLOGY_IRI}> ?p ?o }}").rows()
    rows = kg.query(
        f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"{vocab.NKG}\")) }} ORDER BY ?s ?p ?o"
    ).rows()
    incoming = kg.query(
        f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?o), \"{vocab.NKG}\") && ISIRI(?o) "
        f"&& STRSTARTS(STR(?s), \"{vocab.NKG}\") && ?p IN (<{vocab.RDFS}subClassOf>, <{vocab.RDFS}subPropertyOf>)) }}"
    ).rows()
    terms: dict[str, Term] = {}
    for r in rows:
        iri = r["s"].value
        term = terms.setdefault(iri, Term(iri, iri[len(vocab.NKG):]))
        p, o = r["p"].value, r["o"]
        if p == vocab.RDF + "type" and o.value in _KINDS:
            term.kinds.add(_KINDS[o.value])
            term.types.append(compact(o.value))
        elif p == vocab.RDF + "type":
            term.values.setdefault(compact(p), []).append(o)
        else:
            term.values.setdefault(compact(p), []).append(o)
    sub_of: dict[str, list[str]] = {}
    for r in incoming:
        sub_of.setdefault(r["o"].value, []).append(r["s"].value)
    labels = labels_for(kg, {o.value for t in terms.values() for vs in t.values.values() for o in vs
                             if isinstance(o, ox.NamedNode)})

    def text(term: Term, prop: str, lang: str) -> str:
        return next((o.value for o in term.values.get(prop, []) if isinstance(o, ox.Literal) and o.language == lang), "")

    def view(term: Term) -> dict:
        links = {}
        for prop, objects in term.values.items():
            iris = [term_view(o, site, labels) for o in objects if isinstance(o, ox.NamedNode)]
            lits = [term_view(o, site) for o in objects if isinstance(o, ox.Literal)]
            if prop in ("rdfs:label", "skos:definition", "skos:prefLabel"):
                continue
            if iris or lits:
                links[prop] = iris + lits
        kind = next((k for k in ("class", "property", "scheme", "individual") if k in term.kinds), "other")
        return {
            "iri": term.iri, "local": term.local, "kind": kind, "types": term.types,
            "label_en": text(term, "rdfs:label", "en") or text(term, "skos:prefLabel", "en"),
            "label_nl": text(term, "rdfs:label", "nl") or text(term, "skos:prefLabel", "nl"),
            "definition_en": text(term, "skos:definition", "en"),
            "definition_nl": text(term, "skos:definition", "nl"),
            "links": links,
            "subterms": [term_view(ox.NamedNode(s), site) for s in sorted(sub_of.get(term.iri, []))],
            "deprecated": any(o.value == "true" for o in term.values.get("owl:deprecated", [])),
        }

    views = [view(t) for t in sorted(terms.values(), key=lambda t: t.local.lower())]
    header = {}
    for r in header_rows:
        header.setdefault(compact(r["p"].value), []).append(term_view(r["o"], site))
    return {
        "iri": vocab.ONTOLOGY_IRI,
        "header": header,
        "title": next((v["text"] for v in header.get("dcterms:title", []) if v.get("lang") == "en"), "newskg ontology"),
        "sections": [
            ("Classes", "class", [v for v in views if v["kind"] == "class"]),
            ("Properties", "property", [v for v in views if v["kind"] == "property"]),
            ("Concept schemes", "scheme", [v for v in views if v["kind"] == "scheme"]),
            ("Individuals and concepts", "individual", [v for v in views if v["kind"] in ("individual", "other")]),
        ],
    }


def ontology_versions(kg) -> set[str]:
    """The ontology's version IRIs (owl:versionIRI)."""
    rows = kg.query(f"SELECT ?v WHERE {{ <{vocab.ONTOLOGY_IRI}> <{vocab.OWL}versionIRI> ?v }}").rows()
    return {r["v"].value for r in rows}


def ontology_rdf(source: Path, rdf_format) -> bytes:
    """The ontology file itself for Turtle (comments kept), else re-serialized in the syntax asked for."""
    data = Path(source).read_bytes()
    if rdf_format == ox.RdfFormat.TURTLE:
        return data
    return serialize(list(ox.parse(data, ox.RdfFormat.TURTLE)), rdf_format)
