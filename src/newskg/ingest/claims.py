"""Claims from a sheet (CSV or JSON Lines): each row one claim with its named graph, offsets computed from the text.

Rows are numbered from 1 (a CSV's header is not a row; blank JSON Lines are skipped), in errors and in the API.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
from dataclasses import dataclass

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.errors import IngestError, NotFoundError
from newskg.sparql import terms
from newskg.ingest import actors
from newskg.ingest.draft import LABEL, RDF_TYPE, DateRange, Draft, PRECISIONS, add_timespec, nkg, parse_day, parse_range, typed

REQUIRED = ("quote", "claimant", "translation")
REQUIRED_WITHOUT_TEXT = ("claimant", "summary")  # a report cited by its address: we hold no text to quote
COLUMNS = {
    "quote": "the claim's words, verbatim from the article's text (offsets are computed from it)",
    "occurrence": "which occurrence of the quote, 1, 2, ... (only when the quote occurs more than once)",
    "claimant": "who made the claim: an actor's label (any language), IRI or QID",
    "claimant_new": "make a new actor of this class for the claimant: " + ", ".join(
        ("Person", "Organisation", "GovernmentBody", "NewsOrganisation", "ArmedForce", "Group")),
    "translation": "an English translation of the quote",
    "summary": "for a report whose text we do not hold (no quote): what it claims, in your own English words",
    "date": "when it was said: YYYY-MM-DD, YYYY-MM, or FROM..TO (default: the article's date)",
    "date_expression": "the text's own words for that date (e.g. maandag); they must occur in the text",
    "date_precision": "precision of a FROM..TO date: " + ", ".join(PRECISIONS),
    "date_inferred": "yes when the date was worked out rather than stated by the source (default: no)",
    "status": "asserted (default), withdrawn or disputed",
    "withdrawn_by": "who withdrew it (an actor; required when the status is withdrawn)",
    "withdrawal_date": "when it was withdrawn (default: the article's date)",
    "withdrawal": "one withdrawal shared by several claims: its IRI (an existing one is linked; a new one is made "
                  "with withdrawn_by, withdrawal_date and withdrawal_reason)",
    "withdrawal_reason": "the reason given for the withdrawal, in your own English words",
    "reports_withdrawal": "this claim reports a withdrawal: that withdrawal's IRI (it is then known from this claim)",
    "supersedes": "earlier claims this later official figure replaces (IRIs, separated by spaces): outdated, not false",
    "certainty": "certain (default), probable, possible or underspecified",
    "polarity": "positive (default), negative or underspecified",
    "tense": "nonfuture (default), future or underspecified",
    "relayed_by": "an intermediary named between the claimant and the article (an actor)",
    "event": "the event the claim is about: an event's label or IRI",
    "event_new": "make a new event of this class, labelled with the event column's words: " + ", ".join(
        ("Event", "Unrest", "Protest", "Storming", "MassArrest", "MilitaryOperation", "Order", "Shooting",
         "CoupAttempt", "InternetOutage", "PriceRise", "Recovery", "Grievance", "Interference")),
    "figure_kind": "a figure in the claim: deaths, injured, arrests, population, troops, attackers or "
                   "vehicles-destroyed",
    "figure_value": "its value, a whole number, or unknown",
    "figure_approximation": "exact (default), almost, about, at-least or more-than",
    "figure_group": "the counted group: a group's label or IRI (a new group with these words otherwise)",
    "figure_of": "what the figure counts for: an event or a place (default: the event column)",
    "figure_from": "the first day of the period the figure covers (YYYY-MM-DD)",
    "figure_until": "the last day of the period the figure covers (YYYY-MM-DD; default: the claim's date)",
}
NEW_ACTOR_CLASSES = ("Person", "Organisation", "GovernmentBody", "NewsOrganisation", "ArmedForce", "Group")
NEW_EVENT_CLASSES = ("Event", "Unrest", "Protest", "Storming", "MassArrest", "MilitaryOperation", "Order", "Shooting",
                     "CoupAttempt", "InternetOutage", "PriceRise", "Recovery", "Grievance", "Interference")
STATUSES = {"asserted": "Asserted", "withdrawn": "Withdrawn", "disputed": "Disputed"}
FACTUALITY = {
    "certainty": {"certain": "CERTAIN", "probable": "PROBABLE", "possible": "POSSIBLE",
                  "underspecified": "UNDERSPECIFIED"},
    "polarity": {"positive": "POSITIVE", "negative": "NEGATIVE", "underspecified": "UNDERSPECIFIED"},
    "tense": {"nonfuture": "NONFUTURE", "future": "FUTURE", "underspecified": "UNDERSPECIFIED"},
}
DEFAULT_FACTUALITY = {"certainty": "certain", "polarity": "positive", "tense": "nonfuture"}
FIGURE_KINDS = {"deaths": "Deaths", "injured": "Injured", "arrests": "Arrests", "population": "Population",
                "troops": "Troops", "attackers": "Attackers", "vehicles-destroyed": "VehiclesDestroyed"}
APPROXIMATIONS = {"exact": "Exact", "almost": "Almost", "about": "About", "at-least": "AtLeast",
                  "more-than": "MoreThan"}
YES_NO = {"yes": True, "no": False, "true": True, "false": False}
MAX_CELL_CHARS = 20_000
_NUMBERED = re.compile(r"-(\d+)$")
XSD_NNI = "nonNegativeInteger"


def _allowed(values) -> str:
    return ", ".join(values)


def _pick(value: str, choices: dict, row: int, column: str, draft: Draft) -> str | None:
    """The choice `value` names (case-insensitive, nkg:/graspf: prefixes and CamelCase accepted), or an error."""
    key = re.sub(r"^(nkg|graspf):", "", value.strip()).lower().replace("_", "-").replace(" ", "-")
    key = {"atleast": "at-least", "non-future": "nonfuture"}.get(key, key)
    if key in choices:
        return choices[key]
    close = difflib.get_close_matches(key, list(choices), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    draft.error(f"{value[:100]!r} is not allowed: use one of {_allowed(choices)}{hint}", row, column)
    return None


# ---------------------------------------------------------------------------------------------------- sheets
def read_sheet(data: bytes, sheet_format: str, max_rows: int) -> list[dict]:
    """The rows of a CSV (with a header row) or JSON Lines sheet, as dicts of column to text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError.at(f"the sheet is not UTF-8 (byte {exc.start}): save it as UTF-8") from None
    if sheet_format == "csv":
        return _read_csv(text, max_rows)
    if sheet_format == "jsonl":
        return _read_jsonl(text, max_rows)
    raise IngestError.at(f"unknown sheet format {sheet_format[:20]!r}: csv or jsonl", column="format")


def _read_csv(text: str, max_rows: int) -> list[dict]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[dict] = []
    try:
        header = next(reader, None)
        if not header:
            raise IngestError.at("the sheet is empty: it needs a header row (quote, claimant, translation, ...)")
        header = [name.strip() for name in header]
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise IngestError.at(f"the sheet has more than {max_rows} rows (NEWSKG_MAX_SHEET_ROWS)")
            if len(cells) > len(header):
                raise IngestError.at(f"{len(cells)} cells but the header names {len(header)} columns", number)
            rows.append(dict(zip(header, cells)))
    except csv.Error as exc:
        raise IngestError.at(f"the CSV cannot be read: {exc}", reader.line_num or None) from None
    if not rows:
        check_columns(header, 0)
    return rows


def _read_jsonl(text: str, max_rows: int) -> list[dict]:
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if len(rows) >= max_rows:
            raise IngestError.at(f"the sheet has more than {max_rows} rows (NEWSKG_MAX_SHEET_ROWS)")
        try:
            row = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise IngestError.at(f"not a JSON object: {str(exc)[:200]}", len(rows) + 1) from None
        rows.append(row)
    return rows


def check_columns(names, row: int, required: tuple = REQUIRED) -> None:
    """A 400 for a column the sheet does not know (with the closest known name), or a required one missing."""
    for name in names:
        if name not in COLUMNS:
            close = difflib.get_close_matches(str(name), list(COLUMNS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; the columns are {_allowed(COLUMNS)}"
            raise IngestError.at(f"unknown column {str(name)[:100]!r}{hint}", row or None, str(name)[:100])
    for name in required:
        if name not in names:
            raise IngestError.at(f"the sheet needs a column {name!r} ({COLUMNS[name]})", row or None, name)


def _cells(raw, row: int) -> dict[str, str]:
    """A row as column to non-empty text (numbers taken as text); a 400 for anything else."""
    if not isinstance(raw, dict):
        raise IngestError.at("a row must be an object of column names to values", row)
    check_columns(list(raw), row, required=())  # which are required depends on the article: build() says
    cells = {}
    for name, value in raw.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise IngestError.at("a value must be text (or a whole number)", row, name)
        value = str(value).strip()
        if len(value) > MAX_CELL_CHARS:
            raise IngestError.at(f"the value is longer than {MAX_CELL_CHARS} characters", row, name)
        if value:
            cells[name] = value
    return cells


# ---------------------------------------------------------------------------------------------------- the article
@dataclass
class Article:
    """What the claims need of their article: its IRI, slug, text, date and the claims it already has."""

    iri: str
    text: str | None  # None: a report cited by its address, whose text we do not hold
    date_iri: str | None
    latest: dt.date | None
    claims: dict[str, tuple[int, int, str]]  # claim IRI -> (start, end, claimant)

    @property
    def slug(self) -> str:
        return self.iri.rsplit("/", 1)[-1]


def load_article(kg, article_iri: str) -> Article:
    """The stored article `article_iri` names; 404 when there is none."""
    node = terms.iri(article_iri, "the article")
    rows = kg.query(f"""SELECT ?a ?body ?when ?latest WHERE {{
        ?a a <{vocab.NKG}Article> . OPTIONAL {{ ?a <{vocab.SCHEMA}articleBody> ?body }}
        OPTIONAL {{ ?a <{vocab.NKG}publishedAt> ?when . OPTIONAL {{ ?when <{vocab.NKG}latest> ?latest }} }}
    }}""", bindings={"a": node}).rows()
    if not rows:
        raise NotFoundError(f"no article <{article_iri[:300]}> in the store")
    row = rows[0]
    latest = None
    if "latest" in row:
        try:
            latest = dt.date.fromisoformat(row["latest"].value)
        except ValueError:
            latest = None
    claims = {}
    for c in kg.query(f"""SELECT ?a ?c ?start ?end ?who WHERE {{ ?c <{vocab.NKG}reportedIn> ?a .
        OPTIONAL {{ ?c <{vocab.NKG}charStart> ?start ; <{vocab.NKG}charEnd> ?end }}
        OPTIONAL {{ ?c <{vocab.NKG}claimant> ?who }} }}""", bindings={"a": node}).rows():
        try:
            span = (int(c["start"].value), int(c["end"].value)) if "start" in c else (-1, -1)
        except ValueError:
            span = (-1, -1)
        claims[c["c"].value] = (*span, c["who"].value if "who" in c else "")
    return Article(article_iri, row["body"].value if "body" in row else None,
                   row["when"].value if "when" in row else None, latest, claims)


def next_number(article: Article) -> int:
    """The number after the highest of the article's claims minted by the convention res:claim/<slug>-NN."""
    prefix = f"{vocab.RESOURCE_BASE}claim/{article.slug}-"
    numbers = [int(m.group(1)) for c in article.claims if c.startswith(prefix)
               and (m := _NUMBERED.search(c[len(prefix) - 1:]))]
    return max(numbers, default=0) + 1


# ---------------------------------------------------------------------------------------------------- quotes
def nearest_passage(text: str, quote: str) -> str | None:
    """The passage of `text` most like `quote` (about its length), or None when the text is too long to search."""
    if len(text) * max(len(quote), 1) > 50_000_000 or not quote:
        return None
    match = difflib.SequenceMatcher(None, text, quote, autojunk=False).find_longest_match(0, len(text), 0, len(quote))
    if match.size == 0:
        return None
    start = max(0, match.a - match.b)
    return text[start : start + len(quote) + 10]


def locate(text: str, quote: str, occurrence: str | None, row: int, draft: Draft) -> tuple[int, int] | None:
    """(start, end) of the quote in code points (end exclusive), or an error saying what would be right."""
    starts, at = [], text.find(quote)
    while at != -1:
        starts.append(at)
        at = text.find(quote, at + 1)
    if not starts:
        near = nearest_passage(text, quote)
        hint = f"; the nearest passage is {near!r}" if near else ""
        draft.error(f"the quote is not in the article's text (it must be verbatim){hint}", row, "quote")
        return None
    if occurrence is None:
        if len(starts) > 1:
            draft.error(f"the quote occurs {len(starts)} times (at characters {', '.join(map(str, starts[:10]))}):"
                        f" add an occurrence column saying which, 1 to {len(starts)}", row, "occurrence")
            return None
        return starts[0], starts[0] + len(quote)
    if not occurrence.isdigit() or not 1 <= int(occurrence) <= len(starts):
        draft.error(f"{occurrence[:20]!r}: the quote occurs {len(starts)} time(s); use 1 to {len(starts)}",
                    row, "occurrence")
        return None
    start = starts[int(occurrence) - 1]
    return start, start + len(quote)


# ---------------------------------------------------------------------------------------------------- rows
class _Row:
    """One row being turned into a claim: its cells, number and the draft it adds to."""

    def __init__(self, kg, article: Article, draft: Draft, cells: dict, row: int, taken: set[str], new_actors: dict,
                 new_withdrawals: set[str]):
        self.kg, self.article, self.draft, self.cells, self.row = kg, article, draft, cells, row
        self.taken, self.new_actors, self.new_withdrawals = taken, new_actors, new_withdrawals
        self.pending_times: list = []  # (IRI, DateRange) of a new withdrawal's date, added with the claim

    def error(self, message: str, column: str) -> None:
        self.draft.error(message, self.row, column)

    def resource(self, column: str, cls: str) -> str | None:
        """The IRI of the existing resource a cell names, or None with an error recorded."""
        if column not in self.cells:
            return None
        wanted = actors.fold(self.cells[column])
        for (cls_name, words), iri in self.new_actors.items():  # made by an earlier row of this sheet
            kind = {actors.EVENT: NEW_EVENT_CLASSES, actors.GROUP: ("Group",)}.get(cls, NEW_ACTOR_CLASSES)
            if words == wanted and cls_name in kind:
                return iri
        try:
            return actors.resolve(self.kg, self.cells[column], cls, row=self.row, column=column)
        except IngestError as exc:
            self.draft.errors.extend(exc.errors)
            return None

    def when(self, column: str, precision_column: str | None = None) -> DateRange | None:
        if column not in self.cells:
            return None
        precision = None
        if precision_column and precision_column in self.cells:
            precision = _pick(self.cells[precision_column], {k: k for k in PRECISIONS}, self.row,
                              precision_column, self.draft)
            if precision is None:
                return None
        try:
            when = parse_range(self.cells[column], precision)
        except ValueError as exc:
            self.error(str(exc), column)
            return None
        if self.article.latest and when.earliest > self.article.latest:
            self.error(f"{self.cells[column]!r} is after the article's date (at the latest "
                       f"{self.article.latest.isoformat()}): the text cannot report it", column)
            return None
        return when


def _claimant(r: _Row) -> str | None:
    name = r.cells["claimant"]
    new_class = r.cells.get("claimant_new")
    if new_class is None:
        return r.resource("claimant", actors.ACTOR)
    cls = {c.lower(): c for c in NEW_ACTOR_CLASSES}.get(new_class.strip().lower())
    if cls is None:
        r.error(f"{new_class[:50]!r} is not a class a new claimant can have: {_allowed(NEW_ACTOR_CLASSES)}",
                "claimant_new")
        return None
    try:
        existing = actors.lookup(r.kg, name)
    except IngestError:
        existing = None
    if existing is not None:
        r.error(f"{name[:100]!r} is already in the store as <{existing.iri}>: leave claimant_new empty", "claimant_new")
        return None
    if "://" in name:
        r.error("a new claimant is named by its label, not an IRI", "claimant")
        return None
    key = (cls, actors.fold(name))
    if key in r.new_actors:  # the same new claimant on an earlier row
        return r.new_actors[key]
    iri = actors.mint(r.kg, "group" if cls == "Group" else "actor", name, r.taken)
    r.draft.add(iri, RDF_TYPE, nkg(cls))
    r.draft.add(iri, LABEL, ox.Literal(name, language="nl"))
    r.draft.minted.append(iri)
    r.new_actors[key] = iri
    return iri


def _group(r: _Row) -> str | None:
    """The counted group: an existing group, or a new nkg:Group labelled with the sheet's words."""
    words = r.cells["figure_group"]
    try:
        found = actors.lookup(r.kg, words, actors.GROUP)
    except IngestError as exc:
        r.error(exc.errors[0]["message"], "figure_group")
        return None
    if found is not None:
        return found.iri
    if "://" in words:
        return r.resource("figure_group", actors.GROUP)
    key = ("Group", actors.fold(words))
    if key in r.new_actors:
        return r.new_actors[key]
    iri = actors.mint(r.kg, "group", words, r.taken)
    r.new_actors[key] = iri
    r.draft.add(iri, RDF_TYPE, nkg("Group"))
    r.draft.add(iri, LABEL, ox.Literal(words, language="nl"))
    r.draft.minted.append(iri)
    return iri


def _new_event(r: _Row) -> str | None:
    """A new event of the class event_new names, labelled with the event column's words."""
    cls = {c.lower(): c for c in NEW_EVENT_CLASSES}.get(r.cells["event_new"].strip().lower())
    words = r.cells.get("event")
    if cls is None:
        r.error(f"{r.cells['event_new'][:50]!r} is not an event class: {_allowed(NEW_EVENT_CLASSES)}", "event_new")
        return None
    if words is None or "://" in words:
        r.error("a new event is labelled with the words in the event column", "event")
        return None
    key = (cls, actors.fold(words))
    if key in r.new_actors:
        return r.new_actors[key]
    try:
        existing = actors.lookup(r.kg, words, actors.EVENT)
    except IngestError:
        existing = None
    if existing is not None:
        r.error(f"{words[:100]!r} is already in the store as <{existing.iri}>: leave event_new empty", "event_new")
        return None
    iri = actors.mint(r.kg, "event", words, r.taken)
    r.draft.add(iri, RDF_TYPE, nkg(cls))
    r.draft.add(iri, LABEL, ox.Literal(words, language="nl"))
    r.draft.minted.append(iri)
    r.new_actors[key] = iri
    return iri


def _event_or_place(r: _Row) -> str | None:
    """What figure_of names: an event, else a place; an error with the closest of both when neither."""
    words = r.cells["figure_of"]
    for cls in (actors.EVENT, actors.PLACE):
        try:
            found = actors.lookup(r.kg, words, cls)
        except IngestError as exc:
            r.error(exc.errors[0]["message"], "figure_of")
            return None
        if found is not None:
            return found.iri
    r.error(f"no event or place {words[:200]!r} in the store (events: {actors.suggestions(r.kg, words, actors.EVENT)};"
            f" places: {actors.suggestions(r.kg, words, actors.PLACE)})", "figure_of")
    return None


def _period(r: _Row, stated: DateRange | None) -> DateRange | None | bool:
    """The period a figure covers, from figure_from to figure_until (bounds to the day; "since Thursday" runs to the
    claim's date); False on an error."""
    first, last = r.cells.get("figure_from"), r.cells.get("figure_until")
    if not first and not last:
        return None
    if not first:
        r.error("a period needs its first day (figure_from)", "figure_from")
        return False
    try:
        start = parse_day(first)[0]
        end = parse_day(last)[1] if last else (stated.latest if stated else r.article.latest)
        if end is None:
            r.error("a period needs its last day (figure_until): the claim has no date to end it", "figure_until")
            return False
    except ValueError as exc:
        r.error(str(exc), "figure_from")
        return False
    if end < start:
        r.error("the period ends before it starts", "figure_until")
        return False
    return DateRange(start, end, "day")


def _figure(r: _Row, claim: str, figure_iri: str, event: str | None, stated: DateRange | None) -> bool:
    """Add the row's figure to the claim graph; False (with errors) when it cannot be made."""
    cells = r.cells
    kind = _pick(cells["figure_kind"], FIGURE_KINDS, r.row, "figure_kind", r.draft)
    approximation = _pick(cells.get("figure_approximation", "exact"), APPROXIMATIONS, r.row,
                          "figure_approximation", r.draft)
    value = cells.get("figure_value")
    if value is None:
        r.error("a figure needs a value: a whole number, or unknown", "figure_value")
    elif value.lower() != "unknown" and not (value.isascii() and value.isdigit() and len(value) <= 15):
        r.error(f"{value[:30]!r} is not a whole number (0 or more, digits only) nor unknown", "figure_value")
        value = None
    of = _event_or_place(r) if "figure_of" in cells else event
    if "figure_of" not in cells and event is None:
        r.error("say what the figure counts for: an event column, or figure_of (an event or a place)", "figure_of")
    group = _group(r) if "figure_group" in cells else None
    period = _period(r, stated)
    if kind is None or approximation is None or value is None or of is None or period is False:
        return False
    if period:
        period_iri = f"{vocab.RESOURCE_BASE}time/{figure_iri.rsplit('/', 1)[-1]}-period"
        add_timespec(r.draft, period_iri, period)
        r.draft.add(figure_iri, nkg("period"), period_iri, claim)
    r.draft.add(figure_iri, RDF_TYPE, nkg("Figure"), claim)
    r.draft.add(figure_iri, nkg("figureKind"), nkg(kind), claim)
    r.draft.add(figure_iri, nkg("figureOf"), of, claim)
    if group:
        r.draft.add(figure_iri, nkg("countedGroup"), group, claim)
    if value.lower() == "unknown":
        r.draft.add(figure_iri, nkg("valueKnown"), typed("false", "boolean"), claim)
    else:
        r.draft.add(figure_iri, nkg("value"), typed(str(int(value)), "integer"), claim)
        r.draft.add(figure_iri, nkg("approximation"), nkg(approximation), claim)
        r.draft.add(figure_iri, nkg("valueKnown"), typed("true", "boolean"), claim)
    r.draft.minted.append(figure_iri)
    return True


def _grounding(r: _Row) -> tuple[int, int] | None:
    """Where the claim's words are: the quote's span in a text we hold; (-1, -1) for a report cited by its address
    (a summary, no quote); None with errors recorded when neither works."""
    cells, article = r.cells, r.article
    if article.text is None:
        for column in ("quote", "occurrence", "translation", "date_expression"):
            if column in cells:
                r.error(f"we hold no text of <{article.iri}>: a claim from it has a summary in your own words, no "
                        f"{column}", column)
        return None if any(c in cells for c in ("quote", "occurrence", "translation", "date_expression")) else (-1, -1)
    if "summary" in cells:
        r.error("a claim from a text we hold is its quote and translation: leave summary empty", "summary")
    span = locate(article.text, cells["quote"], cells.get("occurrence"), r.row, r.draft)
    if span is not None:
        for other, (start, end, who) in article.claims.items():
            if (start, end) == span:
                r.error(f"this passage is already claim <{other}>", "quote")
    if "date_expression" in cells:
        if cells["date_expression"].casefold() not in article.text.casefold():
            r.error(f"{cells['date_expression'][:100]!r} is not in the article's text: give the text's own words",
                    "date_expression")
        if "date" not in cells:
            r.error("give the date the text's words stand for (date: YYYY-MM-DD, YYYY-MM or FROM..TO)", "date")
    return span


def _existing(r: _Row, column: str, cls: str) -> list[str]:
    """The IRIs (separated by spaces) a cell names, each a stored resource of class `cls`; errors otherwise."""
    found = []
    for word in r.cells.get(column, "").split():
        if not terms.is_iri(word) or "://" not in word:
            r.error(f"{word[:200]!r} is not an IRI", column)
            continue
        this_sheet = word.startswith(f"{vocab.RESOURCE_BASE}claim/{r.article.slug}-")  # checked by the shapes
        if word not in r.new_withdrawals and not this_sheet and not r.kg.query(f"ASK {{ ?x a <{cls}> }}",
                                                            bindings={"x": ox.NamedNode(word)}).boolean:
            r.error(f"no {cls.rsplit('#', 1)[-1]} <{word[:200]}> in the store", column)
            continue
        found.append(word)
    return found


def _withdrawal(r: _Row, claim: str, number: str, stated: DateRange | None) -> tuple[str, list] | None:
    """The withdrawal of a withdrawn claim, as (IRI, quads to add for it); None (with errors) when it cannot be."""
    cells, article = r.cells, r.article
    shared = cells.get("withdrawal")
    if shared and not (terms.is_iri(shared) and shared.startswith(vocab.RESOURCE_BASE + "withdrawal/")):
        r.error(f"a withdrawal's IRI starts with {vocab.RESOURCE_BASE}withdrawal/", "withdrawal")
        return None
    iri = shared or f"{vocab.RESOURCE_BASE}withdrawal/{article.slug}-{number}"
    exists = bool(shared) and (iri in r.new_withdrawals or r.kg.query(
        f"ASK {{ ?w a <{vocab.NKG}Withdrawal> }}", bindings={"w": ox.NamedNode(iri)}).boolean)
    if exists:
        for column in ("withdrawn_by", "withdrawal_date", "withdrawal_reason"):
            if column in cells:
                r.error(f"<{iri}> is already stored: it says who, when and why; leave {column} empty", column)
        return iri, [(iri, nkg("withdraws"), claim)]
    if "withdrawn_by" not in cells:
        r.error("a withdrawn claim needs withdrawn_by: who withdrew it (an actor)", "withdrawn_by")
        return None
    who = r.resource("withdrawn_by", actors.ACTOR)
    when = r.when("withdrawal_date")
    if stated and when and when.latest < stated.earliest:
        r.error("the withdrawal cannot precede the claim's date", "withdrawal_date")
    if who is None:
        return None
    quads = [(iri, RDF_TYPE, nkg("Withdrawal")), (iri, RDF_TYPE, ox.NamedNode(vocab.PROV + "Activity")),
             (iri, ox.NamedNode(vocab.PROV + "wasAssociatedWith"), who), (iri, nkg("withdraws"), claim)]
    if "withdrawal_reason" in cells:
        quads.append((iri, nkg("reason"), ox.Literal(cells["withdrawal_reason"], language="en")))
    if when:
        when_iri = f"{vocab.RESOURCE_BASE}time/withdrawal-{iri.rsplit('/', 1)[-1]}-date"
        r.pending_times.append((when_iri, when))
        quads.append((iri, nkg("occurredAt"), when_iri))
    elif article.date_iri:
        quads.append((iri, nkg("occurredAt"), article.date_iri))
    if r.draft.errors[-1:] and r.draft.errors[-1]["row"] == r.row:
        return None
    r.new_withdrawals.add(iri)
    return iri, quads


def _claim(r: _Row, claim: str, number: str) -> bool:
    """Add one claim (metadata in the default graph, what it claims in its named graph); False on an error."""
    cells, article, draft = r.cells, r.article, r.draft
    before = len(draft.errors)
    span = _grounding(r)
    claimant = _claimant(r)
    relayed = r.resource("relayed_by", actors.ACTOR)
    event = _new_event(r) if "event_new" in cells else r.resource("event", actors.EVENT)
    stated = r.when("date", "date_precision")
    if stated is None and "date" not in cells and article.date_iri is None:
        r.error("the article has no date (nkg:publishedAt): give the date the claim was made", "date")
    inferred = _pick(cells["date_inferred"], YES_NO, r.row, "date_inferred", draft) if "date_inferred" in cells else None
    if inferred is not None and "date" not in cells:
        r.error("date_inferred says how the date column was found: give the date", "date_inferred")
    status = _pick(cells.get("status", "asserted"), STATUSES, r.row, "status", draft)
    factuality = {name: _pick(cells.get(name, DEFAULT_FACTUALITY[name]), FACTUALITY[name], r.row, name, draft)
                  for name in FACTUALITY}
    withdrawal = None
    if status == "Withdrawn":
        withdrawal = _withdrawal(r, claim, number, stated)
    elif any(c in cells for c in ("withdrawn_by", "withdrawal_date", "withdrawal", "withdrawal_reason")):
        r.error("withdrawn_by, withdrawal, withdrawal_date and withdrawal_reason are for status withdrawn only",
                "status")
    reported_withdrawals = _existing(r, "reports_withdrawal", vocab.NKG + "Withdrawal")
    superseded = _existing(r, "supersedes", vocab.NKG + "Claim")
    has_figure = "figure_kind" in cells
    if not has_figure and any(c.startswith("figure_") for c in cells):
        r.error("a figure needs its kind: " + _allowed(FIGURE_KINDS), "figure_kind")
    if not has_figure and "event" not in cells:
        r.error("say what is claimed: an event column (the event it is about) or a figure (figure_kind, ...)",
                "event")
    figure_ok = (_figure(r, claim, f"{vocab.RESOURCE_BASE}figure/{article.slug}-{number}", event, stated)
                 if has_figure else True)
    if len(draft.errors) > before or not figure_ok or span is None or claimant is None:
        return False

    draft.add(claim, RDF_TYPE, nkg("Claim"))
    draft.add(claim, LABEL, ox.Literal(f"claim {number} of {article.slug}", language="en"))
    draft.add(claim, nkg("claimant"), claimant)
    if relayed:
        draft.add(claim, nkg("relayedBy"), relayed)
    draft.add(claim, nkg("reportedIn"), article.iri)
    if event:
        draft.add(claim, nkg("aboutEvent"), event)
    if stated:
        stated_iri = f"{vocab.RESOURCE_BASE}time/{article.slug}-{number}-stated"
        add_timespec(draft, stated_iri, stated, expression=cells.get("date_expression"))
        if inferred is not None:
            draft.add(stated_iri, nkg("inferred"), typed("true" if inferred else "false", "boolean"))
        draft.add(claim, nkg("statedAt"), stated_iri)
    else:
        draft.add(claim, nkg("statedAt"), article.date_iri)
    draft.add(claim, nkg("status"), nkg(status))
    for name, value in factuality.items():
        draft.add(claim, nkg(name), ox.NamedNode(vocab.GRASPF + value))
    if article.text is None:
        draft.add(claim, nkg("summary"), ox.Literal(cells["summary"], language="en"))
    else:
        start, end = span
        draft.add(claim, nkg("quote"), ox.Literal(article.text[start:end], language="nl"))
        draft.add(claim, nkg("translation"), ox.Literal(cells["translation"], language="en"))
        draft.add(claim, nkg("charStart"), typed(str(start), XSD_NNI))
        draft.add(claim, nkg("charEnd"), typed(str(end), XSD_NNI))
        draft.add(claim, nkg("mention"), ox.NamedNode(f"{article.iri}#char={start},{end}"))
    for earlier in superseded:
        draft.add(claim, nkg("supersedes"), earlier)
    for reported in reported_withdrawals:
        draft.add(reported, nkg("knownFrom"), claim)
    if withdrawal is not None:
        iri, quads = withdrawal
        draft.add(claim, nkg("withdrawnBy"), iri)
        for quad in quads:
            draft.add(*quad)
        for when_iri, when in r.pending_times:
            add_timespec(draft, when_iri, when)
        r.pending_times.clear()
        if quads[0][1] == RDF_TYPE:  # made by this row
            draft.minted.append(iri)
    if not has_figure and event:  # what is claimed: that the event took place (its classes stay in the default
        # graph: a class such as nkg:Order asks for relations that this claim's graph would not hold)
        draft.add(event, RDF_TYPE, nkg("Event"), claim)
    return True


def build(kg, article_iri: str, raw_rows: list, max_rows: int) -> tuple[list[str], Draft]:
    """The claims of a sheet's rows as one draft, with every problem of every row recorded in `draft.errors`."""
    if not isinstance(raw_rows, list):
        raise IngestError.at("claims must be a list of rows", column="claims")
    if len(raw_rows) > max_rows:
        raise IngestError.at(f"the sheet has {len(raw_rows)} rows, more than {max_rows} (NEWSKG_MAX_SHEET_ROWS)",
                             column="claims")
    if not raw_rows:
        raise IngestError.at("the sheet has no rows", column="claims")
    article = load_article(kg, article_iri)
    draft, taken, new_actors, new_withdrawals, claims = Draft(), set(), {}, set(), []
    number = next_number(article)
    width = max(2, len(str(number + len(raw_rows))))
    for index, raw in enumerate(raw_rows, start=1):
        try:
            cells = _cells(raw, index)
        except IngestError as exc:
            draft.errors.extend(exc.errors)
            continue
        missing = [name for name in (REQUIRED if article.text is not None else REQUIRED_WITHOUT_TEXT)
                   if name not in cells]
        for name in missing:
            draft.error(f"required: {COLUMNS[name]}", index, name)
        if missing:
            continue
        label = str(number).zfill(width)
        claim = f"{vocab.RESOURCE_BASE}claim/{article.slug}-{label}"
        if _claim(_Row(kg, article, draft, cells, index, taken, new_actors, new_withdrawals), claim, label):
            claims.append(claim)
            draft.minted.append(claim)
            number += 1
    return claims, draft
