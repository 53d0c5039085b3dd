"""A seeded generator of a synthetic news corpus in the newskg ontology, written as N-Quads, streaming.

    python bench/corpus.py --triples 1000000 --seed 42 --out bench/out/corpus-1m.nq

Same seed and size, same bytes. The vocabulary is the one of ontology/README.md: articles with a body, news
organisations, persons, government bodies, groups, countries and cities, events of the nkg:Event subclasses with a
place and a TimeSpec, and claims whose metadata sit in the default graph and whose proposition (often an
nkg:Figure) sits in a named graph whose IRI is the claim IRI. Several claims give different figures for the same
event, kind and group; some claims are withdrawn by an nkg:Withdrawal dated after the claim. Every quote is the
exact substring ``body[charStart:charEnd]`` of its article's ``schema:articleBody`` (code points, end exclusive).
No blank nodes in the instance data. Instance IRIs live under https://w3id.org/newskg/id/bench/.

The class hierarchy comes from ontology/newskg.ttl when that file exists (``--ontology auto``, the default), else
from a minimal built-in hierarchy (the subclass and type triples of ontology/README.md). A manifest
``<out>.json`` beside the output records the counts the query mix needs (how many claims, events, ...).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

GENERATOR_VERSION = 1

NKG = "https://w3id.org/newskg/ontology#"
ID = "https://w3id.org/newskg/id/bench/"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
SCHEMA = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
GRASPF = "http://groundedannotationframework.org/grasp/factuality#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

PROJECT = Path(__file__).resolve().parent.parent
ONTOLOGY_FILE = PROJECT / "ontology" / "newskg.ttl"

# Event subclasses used for events (nkg:Withdrawal is used for withdrawals only).
EVENT_CLASSES = [
    ("Unrest", "onrust", "unrest"),
    ("Protest", "protest", "protest"),
    ("Storming", "bestorming", "storming"),
    ("MassArrest", "massa-arrestatie", "mass arrest"),
    ("MilitaryOperation", "militaire operatie", "military operation"),
    ("Order", "bevel", "order"),
    ("Shooting", "schietpartij", "shooting"),
    ("CoupAttempt", "staatsgreep", "coup attempt"),
    ("InternetOutage", "internetstoring", "internet outage"),
    ("PriceRise", "prijsstijging", "price rise"),
    ("Recovery", "herstel", "recovery"),
    ("Grievance", "onvrede", "grievance"),
    ("Interference", "buitenlandse inmenging", "foreign interference"),
]

# The minimal hierarchy used while ontology/newskg.ttl does not exist: (subclass, superclass) pairs.
BUILTIN_SUBCLASSES = [
    (NKG + "Actor", PROV + "Agent"),
    (NKG + "Person", NKG + "Actor"), (NKG + "Person", SCHEMA + "Person"),
    (NKG + "Organisation", NKG + "Actor"), (NKG + "Organisation", SCHEMA + "Organization"),
    (NKG + "GovernmentBody", NKG + "Organisation"), (NKG + "GovernmentBody", SCHEMA + "GovernmentOrganization"),
    (NKG + "NewsOrganisation", NKG + "Organisation"), (NKG + "NewsOrganisation", SCHEMA + "NewsMediaOrganization"),
    (NKG + "NewsAgency", NKG + "NewsOrganisation"),
    (NKG + "ArmedForce", NKG + "Organisation"),
    (NKG + "Group", NKG + "Actor"), (NKG + "Group", SCHEMA + "Organization"),
    (NKG + "Event", SEM + "Event"), (NKG + "Event", SCHEMA + "Event"),
    *[(NKG + name, NKG + "Event") for name, _, _ in EVENT_CLASSES],
    (NKG + "Withdrawal", NKG + "Event"), (NKG + "Withdrawal", PROV + "Activity"),
    (NKG + "Place", SEM + "Place"), (NKG + "Place", SCHEMA + "Place"),
    (NKG + "Country", NKG + "Place"), (NKG + "Country", SCHEMA + "Country"),
    (NKG + "City", NKG + "Place"), (NKG + "City", SCHEMA + "City"),
    (NKG + "Region", NKG + "Place"),
    (NKG + "Article", SCHEMA + "NewsArticle"), (NKG + "Article", PROV + "Entity"),
    (NKG + "Claim", SCHEMA + "Claim"), (NKG + "Claim", PROV + "Entity"),
    (NKG + "Figure", SCHEMA + "QuantitativeValue"),
    (NKG + "TimeSpec", TIME + "TemporalEntity"),
]

FIRST_NAMES = ["Aigerim", "Nursultan", "Kassym", "Dina", "Zoë", "Jan", "Marieke", "Sjoerd", "Ayşe", "Erlan",
               "Gulnara", "Timur", "Anouk", "Daan", "Renée", "Bekzat", "Saule", "Pieter", "Inès", "Askar"]
LAST_NAMES = ["Nurlanova", "Tokayev", "Abenov", "de Vries", "Jansen", "Bakker", "Smaïlova", "Yilmaz", "Visser",
              "Sultanbekov", "van den Berg", "Mäkinen", "Ospanov", "Dekker", "Kemelbek", "Müller"]
COUNTRY_NAMES = ["Kazachstan", "Kirgizië", "Oezbekistan", "Tadzjikistan", "Turkmenistan", "Rusland", "Georgië",
                 "Armenië", "Azerbeidzjan", "Wit-Rusland", "Mongolië", "Oekraïne"]
CITY_WORDS = ["Almaty", "Astana", "Sjymkent", "Aktau", "Zjanaozen", "Taraz", "Karaganda", "Atyrau", "Bisjkek",
              "Osj", "Tasjkent", "Samarkand", "Doesjanbe", "Tbilisi", "Jerevan", "Bakoe"]
GOV_WORDS = ["ministerie van Binnenlandse Zaken", "ministerie van Defensie", "presidentieel bureau",
             "openbaar ministerie", "nationale garde", "veiligheidsdienst", "gemeenteraad", "parlement"]
GROUP_WORDS = [("demonstranten", "protesters"), ("soldaten", "soldiers"), ("politieagenten", "police officers"),
               ("burgers", "civilians"), ("terroristen en bandieten", "terrorists and bandits"),
               ("relschoppers", "rioters"), ("journalisten", "journalists"), ("buitenlandse militairen", "foreign troops")]
NEWS_WORDS = ["Nieuwsdienst", "Dagblad", "Persbureau", "Omroep", "Courant", "Nieuwsuur", "Ochtendpost"]
FILLER = [
    "De situatie in de stad bleef gespannen.",
    "Het openbaar vervoer lag grotendeels stil.",
    "Winkels en banken bleven de hele dag gesloten.",
    "Op sociale media circuleerden beelden van brandende auto's.",
    "Het internet was urenlang niet bereikbaar.",
    "Buitenlandse waarnemers riepen op tot terughoudendheid.",
    "De prijs van brandstof was eerder die week verdubbeld.",
    "Volgens ooggetuigen was het 's avonds rustiger.",
    "Het is niet duidelijk hoeveel mensen gewond zijn geraakt.",
    "De regering kondigde een noodtoestand af voor twee weken.",
    "Op het centrale plein verzamelden zich opnieuw honderden mensen.",
    "De luchthaven werd tijdelijk gesloten voor burgerverkeer.",
]
FIGURE_KINDS = [("Deaths", "gedood", "killed", 5), ("Injured", "gewond geraakt", "injured", 3),
                ("Arrests", "gearresteerd", "arrested", 2)]
APPROXIMATIONS = [("Exact", "", ""), ("About", "ongeveer ", "about "), ("Almost", "bijna ", "almost "),
                  ("AtLeast", "minstens ", "at least ")]
WEEKDAYS_NL = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
START = date(2020, 1, 1)
SPAN_DAYS = 5 * 365


def iri(value: str) -> str:
    return f"<{value}>"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    if lang:
        return f'"{_escape(text)}"@{lang}'
    if datatype:
        return f'"{_escape(text)}"^^<{datatype}>'
    return f'"{_escape(text)}"'


def integer(n: int, datatype: str = XSD + "integer") -> str:
    return f'"{n}"^^<{datatype}>'


def xdate(d: date) -> str:
    return f'"{d.isoformat()}"^^<{XSD}date>'


class Writer:
    """Writes quads to a binary stream and counts them."""

    def __init__(self, out):
        self.out = out
        self.count = 0
        self._buf: list[str] = []

    def quad(self, s: str, p: str, o: str, g: str | None = None) -> None:
        self._buf.append(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n")
        self.count += 1
        if len(self._buf) >= 4096:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            self.out.write("".join(self._buf).encode("utf-8"))
            self._buf.clear()


def _ontology_quads(w: Writer, mode: str) -> str:
    """Write the class hierarchy into the default graph; return which source was used."""
    path = ONTOLOGY_FILE if mode == "auto" else (None if mode == "builtin" else Path(mode))
    if path is not None and path.is_file():
        import pyoxigraph as ox

        labels: dict[str, str] = {}

        def term(t) -> str:
            if isinstance(t, ox.BlankNode):  # the ontology may use blank nodes (lists, axioms); relabel stably
                return "_:o" + labels.setdefault(t.value, str(len(labels)))
            return str(t)

        with open(path, "rb") as f:
            for q in ox.parse(f, ox.RdfFormat.TURTLE, base_iri="https://w3id.org/newskg/ontology"):
                w.quad(term(q.subject), term(q.predicate), term(q.object))
        return f"{path.relative_to(PROJECT) if path.is_relative_to(PROJECT) else path} sha256:" + hashlib.sha256(
            path.read_bytes()).hexdigest()
    if mode not in ("auto", "builtin"):
        raise SystemExit(f"corpus: no such ontology file: {mode}")
    classes = sorted({c for pair in BUILTIN_SUBCLASSES for c in pair if c.startswith(NKG)})
    for c in classes:
        w.quad(iri(c), iri(RDF_TYPE), iri(OWL + "Class"))
    for sub, sup in BUILTIN_SUBCLASSES:
        w.quad(iri(sub), iri(RDFS + "subClassOf"), iri(sup))
    return "builtin"


def sizes_for(triples: int) -> dict[str, int]:
    """How many backbone entities a corpus of about `triples` triples has."""
    return {
        "countries": min(200, 10 + triples // 50_000),
        "cities": max(20, triples // 2_000),
        "news_organisations": max(5, triples // 25_000),
        "persons": max(50, triples // 400),
        "government_bodies": max(10, triples // 5_000),
        "groups": max(10, triples // 5_000),
        "events": max(20, triples // 300),
    }


def skewed(rng: random.Random, n: int) -> int:
    """An index in [0, n) drawn with a skew towards small indices (a few very active claimants)."""
    return min(n - 1, int(n * rng.random() ** 2.5))


def generate(out, triples: int, seed: int, ontology: str = "auto") -> dict:
    """Write a corpus of at least `triples` quads (stopping after the article that reaches it); return the manifest."""
    rng = random.Random(seed)
    w = Writer(out)
    n = sizes_for(triples)
    a = iri(RDF_TYPE)
    label = iri(RDFS + "label")
    P = {name: iri(NKG + name) for name in [
        "locatedIn", "occurredAt", "earliest", "latest", "precision", "expression", "claimant", "relayedBy",
        "reportedIn", "aboutEvent", "statedAt", "status", "withdrawnBy", "withdraws", "certainty", "polarity",
        "tense", "quote", "translation", "charStart", "charEnd", "mention", "figureKind", "figureOf",
        "countedGroup", "value", "approximation", "period", "valueKnown", "memberOf", "perpetrator", "target"]}
    C = {name: iri(NKG + name) for name in [
        "Person", "GovernmentBody", "NewsOrganisation", "NewsAgency", "Group", "Country", "City", "Article", "Claim",
        "Figure", "TimeSpec", "Withdrawal", "Asserted", "Withdrawn", "Disputed", "DayPrecision", "WeekPrecision",
        "MonthPrecision"]}
    hasPlace, hasActor = iri(SEM + "hasPlace"), iri(SEM + "hasActor")
    assoc = iri(PROV + "wasAssociatedWith")

    source = _ontology_quads(w, ontology)

    def timespec(node: str, earliest: date, latest: date, precision: str, expression: str) -> None:
        w.quad(node, a, C["TimeSpec"])
        w.quad(node, P["earliest"], xdate(earliest))
        w.quad(node, P["latest"], xdate(latest))
        w.quad(node, P["precision"], C[precision])
        w.quad(node, P["expression"], lit(expression, "nl"))

    # --- places ---
    country = lambda i: iri(f"{ID}place/country-{i:04d}")  # noqa: E731
    city = lambda i: iri(f"{ID}place/city-{i:06d}")  # noqa: E731
    city_names = []
    for i in range(n["countries"]):
        w.quad(country(i), a, C["Country"])
        w.quad(country(i), label, lit(f"{COUNTRY_NAMES[i % len(COUNTRY_NAMES)]} {i // len(COUNTRY_NAMES) or ''}".strip(), "nl"))
    for i in range(n["cities"]):
        name = f"{CITY_WORDS[i % len(CITY_WORDS)]}-{i}"
        city_names.append(name)
        w.quad(city(i), a, C["City"])
        w.quad(city(i), label, lit(name, "nl"))
        w.quad(city(i), P["locatedIn"], country(rng.randrange(n["countries"])))

    # --- actors ---
    person = lambda i: iri(f"{ID}actor/person-{i:06d}")  # noqa: E731
    gov = lambda i: iri(f"{ID}actor/gov-{i:05d}")  # noqa: E731
    news = lambda i: iri(f"{ID}actor/news-{i:04d}")  # noqa: E731
    group = lambda i: iri(f"{ID}group/group-{i:05d}")  # noqa: E731
    for i in range(n["government_bodies"]):
        w.quad(gov(i), a, C["GovernmentBody"])
        w.quad(gov(i), label, lit(f"{GOV_WORDS[i % len(GOV_WORDS)]} ({i})", "nl"))
    person_names = []
    for i in range(n["persons"]):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        person_names.append(name)
        w.quad(person(i), a, C["Person"])
        w.quad(person(i), label, lit(name))
        if rng.random() < 0.3:
            w.quad(person(i), P["memberOf"], gov(rng.randrange(n["government_bodies"])))
    for i in range(n["news_organisations"]):
        w.quad(news(i), a, C["NewsAgency"] if i % 5 == 0 else C["NewsOrganisation"])
        w.quad(news(i), label, lit(f"{NEWS_WORDS[i % len(NEWS_WORDS)]} {i}"))
    for i in range(n["groups"]):
        nl, en = GROUP_WORDS[i % len(GROUP_WORDS)]
        w.quad(group(i), a, C["Group"])
        w.quad(group(i), label, lit(f"{nl} ({i})", "nl"))

    # Claimants: persons, government bodies and news organisations, in one index space.
    n_claimants = n["persons"] + n["government_bodies"] + n["news_organisations"]

    def claimant(i: int) -> tuple[str, str]:
        if i < n["persons"]:
            return person(i), person_names[i]
        i -= n["persons"]
        if i < n["government_bodies"]:
            return gov(i), f"het {GOV_WORDS[i % len(GOV_WORDS)]}"
        i -= n["government_bodies"]
        return news(i), f"{NEWS_WORDS[i % len(NEWS_WORDS)]} {i}"

    # --- events ---
    event = lambda i: iri(f"{ID}event/event-{i:06d}")  # noqa: E731
    event_time = lambda i: iri(f"{ID}time/event-{i:06d}")  # noqa: E731
    events = []  # (start date, class index, city index)
    for i in range(n["events"]):
        start = START + timedelta(days=rng.randrange(SPAN_DAYS))
        cls = rng.randrange(len(EVENT_CLASSES))
        c = rng.randrange(n["cities"])
        events.append((start, cls, c))
        name, nl, _ = EVENT_CLASSES[cls]
        w.quad(event(i), a, iri(NKG + name))
        w.quad(event(i), label, lit(f"{nl} in {city_names[c]} ({start.isoformat()})", "nl"))
        w.quad(event(i), hasPlace, city(c))
        w.quad(event(i), P["occurredAt"], event_time(i))
        timespec(event_time(i), start, start + timedelta(days=rng.randrange(0, 8)), "WeekPrecision",
                 WEEKDAYS_NL[start.weekday()])

    # --- articles and claims ---
    article = lambda i: f"{ID}article/article-{i:07d}"  # noqa: E731
    counts = {"articles": 0, "claims": 0, "figures": 0, "withdrawn": 0, "disputed": 0, "relayed": 0}
    while w.count < triples:
        ai = counts["articles"]
        art = article(ai)
        ev = rng.randrange(n["events"])
        ev_start, ev_cls, ev_city = events[ev]
        ev_nl = f"de {EVENT_CLASSES[ev_cls][1]} in {city_names[ev_city]}"
        ev_en = f"the {EVENT_CLASSES[ev_cls][2]} in {city_names[ev_city]}"
        published = ev_start + timedelta(days=rng.randrange(0, 40))
        body_parts: list[str] = []
        pos = 0
        claims = []
        for k in range(rng.randint(2, 8)):
            for _ in range(rng.randint(0, 2)):
                s = rng.choice(FILLER) + " "
                body_parts.append(s)
                pos += len(s)
            # Mostly the article's event; sometimes another one, so per-event claims come from several articles.
            cev = ev if rng.random() < 0.8 else rng.randrange(n["events"])
            cev_start, cev_cls, cev_city = events[cev]
            cev_nl = f"de {EVENT_CLASSES[cev_cls][1]} in {city_names[cev_city]}"
            cev_en = f"the {EVENT_CLASSES[cev_cls][2]} in {city_names[cev_city]}"
            ci = skewed(rng, n_claimants)
            who_iri, who = claimant(ci)
            figure = None
            if rng.random() < 0.6:
                kind, verb_nl, verb_en, _ = rng.choices(FIGURE_KINDS, weights=[f[3] for f in FIGURE_KINDS])[0]
                gi = (cev * 7 + rng.randrange(3)) % n["groups"]  # a few groups per event: conflicting figures
                g_nl, g_en = GROUP_WORDS[gi % len(GROUP_WORDS)]
                known = rng.random() < 0.93
                value = int((1 + (cev * 31 + gi) % 97) * rng.uniform(0.5, 1.6)) if known else None
                approx = rng.choices(APPROXIMATIONS, weights=[5, 3, 1, 1])[0]
                if known:
                    quote = f"Volgens {who} zijn er {approx[1]}{value} {g_nl} {verb_nl} bij {cev_nl}."
                    translation = f"According to {who}, {approx[2]}{value} {g_en} were {verb_en} in {cev_en}."
                else:
                    quote = f"Volgens {who} is het onduidelijk hoeveel {g_nl} er zijn {verb_nl} bij {cev_nl}."
                    translation = f"According to {who}, it is unclear how many {g_en} were {verb_en} in {cev_en}."
                figure = (kind, gi, value, approx[0])
            else:
                gi = (cev * 7 + rng.randrange(3)) % n["groups"]
                g_nl, g_en = GROUP_WORDS[gi % len(GROUP_WORDS)]
                quote = f"{who} zegt dat {g_nl} verantwoordelijk zijn voor {cev_nl}."
                translation = f"{who} says that {g_en} are responsible for {cev_en}."
            start, end = pos, pos + len(quote)
            body_parts.append(quote + " ")
            pos = end + 1
            claims.append((cev, cev_start, who_iri, figure, gi, quote, translation, start, end))
        body = "".join(body_parts).rstrip(" ")

        title_ev = EVENT_CLASSES[ev_cls][1]
        w.quad(iri(art), a, C["Article"])
        w.quad(iri(art), iri(SCHEMA + "url"), iri(f"https://nieuws.example.org/artikel/{ai}"))
        w.quad(iri(art), iri(SCHEMA + "headline"), lit(f"{title_ev.capitalize()} in {city_names[ev_city]}: wat we weten", "nl"))
        w.quad(iri(art), iri(SCHEMA + "publisher"), news(rng.randrange(n["news_organisations"])))
        w.quad(iri(art), iri(SCHEMA + "datePublished"), lit(published.strftime("%Y-%m"), datatype=XSD + "gYearMonth"))
        w.quad(iri(art), iri(SCHEMA + "inLanguage"), lit("nl"))
        w.quad(iri(art), iri(SCHEMA + "articleBody"), lit(body, "nl"))
        counts["articles"] += 1

        for cev, cev_start, who_iri, figure, gi, quote, translation, start, end in claims:
            assert body[start:end] == quote
            cn = counts["claims"]
            c = iri(f"{ID}claim/claim-{cn:08d}")
            stated = cev_start + timedelta(days=rng.randrange(0, 30))
            stated_node = iri(f"{ID}time/claim-{cn:08d}")
            w.quad(c, a, C["Claim"])
            w.quad(c, P["claimant"], who_iri)
            w.quad(c, P["reportedIn"], iri(art))
            w.quad(c, P["aboutEvent"], event(cev))
            w.quad(c, P["statedAt"], stated_node)
            timespec(stated_node, stated, stated, "DayPrecision", WEEKDAYS_NL[stated.weekday()])
            r = rng.random()
            status = "Withdrawn" if r < 0.04 else "Disputed" if r < 0.10 else "Asserted"
            w.quad(c, P["status"], C[status])
            w.quad(c, P["certainty"], iri(GRASPF + rng.choices(["CERTAIN", "PROBABLE", "POSSIBLE"], [6, 3, 1])[0]))
            w.quad(c, P["polarity"], iri(GRASPF + ("NEGATIVE" if rng.random() < 0.05 else "POSITIVE")))
            w.quad(c, P["tense"], iri(GRASPF + ("FUTURE" if rng.random() < 0.03 else "NONFUTURE")))
            w.quad(c, P["quote"], lit(quote, "nl"))
            w.quad(c, P["translation"], lit(translation, "en"))
            w.quad(c, P["charStart"], integer(start, XSD + "nonNegativeInteger"))
            w.quad(c, P["charEnd"], integer(end, XSD + "nonNegativeInteger"))
            w.quad(c, P["mention"], iri(f"{art}#char={start},{end}"))
            if rng.random() < 0.2:
                w.quad(c, P["relayedBy"], news(rng.randrange(n["news_organisations"])))
                counts["relayed"] += 1
            if status == "Withdrawn":
                wd = iri(f"{ID}withdrawal/withdrawal-{cn:08d}")
                wt = iri(f"{ID}time/withdrawal-{cn:08d}")
                when = stated + timedelta(days=rng.randint(1, 30))
                w.quad(c, P["withdrawnBy"], wd)
                w.quad(wd, a, C["Withdrawal"])
                w.quad(wd, assoc, who_iri if rng.random() < 0.7 else claimant(skewed(rng, n_claimants))[0])
                w.quad(wd, P["occurredAt"], wt)
                w.quad(wd, P["withdraws"], c)
                timespec(wt, when, when, "DayPrecision", WEEKDAYS_NL[when.weekday()])
                counts["withdrawn"] += 1
            elif status == "Disputed":
                counts["disputed"] += 1
            # The proposition, in the claim's own graph.
            if figure is not None:
                kind, fgi, value, approx = figure
                f = iri(f"{ID}figure/figure-{cn:08d}")
                w.quad(f, a, C["Figure"], c)
                w.quad(f, P["figureKind"], iri(NKG + kind), c)
                w.quad(f, P["figureOf"], event(cev), c)
                w.quad(f, P["countedGroup"], group(fgi), c)
                if value is not None:
                    w.quad(f, P["value"], integer(value), c)
                w.quad(f, P["approximation"], iri(NKG + approx), c)
                w.quad(f, P["period"], event_time(cev), c)
                w.quad(f, P["valueKnown"], lit("true" if value is not None else "false", datatype=XSD + "boolean"), c)
                counts["figures"] += 1
            else:
                w.quad(event(cev), P["perpetrator"], group(gi), c)
            counts["claims"] += 1
    w.flush()
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "target_triples": triples,
        "triples": w.count,
        "ontology": source,
        "iri_base": ID,
        **n,
        **counts,
    }


def write_corpus(path: Path, triples: int, seed: int, ontology: str = "auto") -> dict:
    """Generate into `path` (via a temporary file) and write the manifest `<path>.json`; return the manifest."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as out:
        manifest = generate(out, triples, seed, ontology)
    tmp.replace(path)
    manifest["file"] = path.name
    Path(str(path) + ".json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if mult > 1 else text) * mult)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=parse_size, default=100_000, help="target size (10k, 100k, 1m, 10m or a number)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, help="output .nq file (default bench/out/corpus-<size>-s<seed>.nq)")
    parser.add_argument("--ontology", default="auto",
                        help="auto (ontology/newskg.ttl if present, else built-in), builtin, or a Turtle file")
    args = parser.parse_args(argv)
    out = args.out or Path(__file__).parent / "out" / f"corpus-{args.triples}-s{args.seed}.nq"
    manifest = write_corpus(out, args.triples, args.seed, args.ontology)
    print(f"wrote {out}: {manifest['triples']} triples ({manifest['claims']} claims, {manifest['articles']} articles, "
          f"{manifest['events']} events; ontology: {manifest['ontology']})", file=sys.stderr)
    print(manifest["triples"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
